/**
 * The Docker daemon the Authgent containers run on, parsed from the stack's
 * `authgent.host`. Only transports that authenticate and encrypt are accepted:
 * an unauthenticated Docker API is root on that machine.
 */
export type DockerHost =
  | {
      /** Docker over SSH (`docker -H ssh://…`); the ssh client and agent do the authentication. */
      readonly kind: "ssh";
      readonly url: string;
      readonly user: string;
      readonly hostname: string;
    }
  | {
      /** Docker's TLS-protected TCP socket; client certificates come from secret config. */
      readonly kind: "tcp";
      readonly url: string;
      readonly hostname: string;
      readonly port: number;
    };

export type DockerHostParse = { readonly ok: true; readonly host: DockerHost } | { readonly ok: false; readonly message: string };

export const DOCKER_HOST_FORMS = "ssh://user@host[:port] or tcp://host:2376";

export function parseDockerHost(raw: string): DockerHostParse {
  const fail = (why: string): DockerHostParse => ({ ok: false, message: `must be ${DOCKER_HOST_FORMS}; ${why}` });
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return fail(`"${raw}" is not a URL`);
  }
  if (url.protocol !== "ssh:" && url.protocol !== "tcp:") {
    return fail(`"${url.protocol}" is not supported (a remote host is reached over SSH or over TLS-protected TCP)`);
  }
  if (url.search || url.hash || (url.pathname !== "" && url.pathname !== "/")) {
    return fail(`"${raw}" must not have a path, query or fragment`);
  }
  if (url.hostname === "") return fail(`"${raw}" has no host name`);
  switch (url.protocol) {
    case "ssh:":
      if (url.password) return fail("a password in the URL would be stored in the stack file; use an SSH key (ssh-agent or sshOpts -i)");
      if (!url.username) return fail(`"${raw}" names no user; write ssh://user@${url.host}`);
      return { ok: true, host: { kind: "ssh", url: raw, user: decodeURIComponent(url.username), hostname: url.hostname } };
    default:
      if (url.username || url.password) return fail("tcp:// URLs carry no credentials; Docker authenticates the client by its TLS certificate (authgent.dockerTls)");
      if (!url.port) return fail(`"${raw}" names no port; Docker's TLS port is 2376`);
      return { ok: true, host: { kind: "tcp", url: raw, hostname: url.hostname, port: Number(url.port) } };
  }
}
