import { CodedError } from "../coded-error.ts";

/** Why the real Authgent could not be installed, started or driven. Callers switch on `code`. */
export type AuthgentSetupCode =
  /** No Python >= 3.11 on this machine (the interop suite cannot run). */
  | "ERR_PYTHON_MISSING"
  /** `python -m venv` or `pip install` failed; `message` carries pip's output tail. */
  | "ERR_VENV_INSTALL_FAILED"
  /** Another process held the install lock for too long. */
  | "ERR_VENV_LOCK_TIMEOUT"
  /** The server exited or never became ready. */
  | "ERR_AUTHGENT_START_FAILED"
  /** A CLI command (`authgent-server rotate-keys`) failed. */
  | "ERR_AUTHGENT_COMMAND_FAILED"
  /** An HTTP call to the server (`/register`, `/token`) did not succeed. */
  | "ERR_AUTHGENT_HTTP";

export class AuthgentSetupError extends CodedError<AuthgentSetupCode> {}
