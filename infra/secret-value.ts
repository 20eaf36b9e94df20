import { inspect } from "node:util";

/** Stands in for an encrypted `secure:` value when no secrets provider is at hand (offline plan, `npm start --stack`). */
export const SECURE_PLACEHOLDER = "[secure value, not decrypted]";

/**
 * A secret config value on its way to a Pulumi secret. Printing, logging or
 * JSON-serialising it shows "[secret]"; only `reveal()` hands out the text,
 * and the one caller wraps it in `pulumi.secret` immediately.
 */
export class SecretValue {
  readonly #value: string;

  constructor(value: string) {
    this.#value = value;
  }

  reveal(): string {
    return this.#value;
  }

  toString(): string {
    return "[secret]";
  }

  toJSON(): string {
    return "[secret]";
  }

  [inspect.custom](): string {
    return "[secret]";
  }
}
