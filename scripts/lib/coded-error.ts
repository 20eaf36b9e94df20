/**
 * Base of the project's setup and tool errors: a stable `code` from a
 * union per error family, which callers switch on instead of the message
 * (which may change); `cause` keeps the underlying error.
 */
export class CodedError<Code extends string> extends Error {
  constructor(
    readonly code: Code,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}
