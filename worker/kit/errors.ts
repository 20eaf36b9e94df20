/**
 * A server definition the kit refuses (duplicate names, a tool without a
 * scope, an invalid schema). Thrown by `defineMcpServer` when the module is
 * evaluated, so `npm run build`, `npm test` and `npm start` fail before
 * anything is deployed; the message names the offending entry. Never reaches
 * the wire, so it is not an `AuthgentError`.
 */
export class ServerDefinitionError extends Error {
  readonly code = "ERR_KIT_DEFINITION";
  constructor(
    /** The offending entry, e.g. `tool "write_data"`. */
    readonly offender: string,
    problem: string,
  ) {
    super(`MCP server definition: ${offender}: ${problem}`);
    this.name = "ServerDefinitionError";
  }
}
