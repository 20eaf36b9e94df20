/**
 * Where the Pulumi engine runs this program and its provider plugins.
 *
 * With `main: infra/` in Pulumi.yaml the engine's working directory is
 * `infra/`, not the repository root (pulumi/pulumi `pkg/engine/project.go`
 * `getPwdMain`: a directory `main` becomes `pwd`). It builds the plugin
 * context with that `pwd` (`pkg/engine/deployment.go`,
 * `plugin.NewContextWithRoot(…, pwd, projinfo.Root, …)`), starts the
 * language host (`pkg/host/host.go`, `NewLanguageRuntime(host, ctx, runtime,
 * ctx.Pwd)`) and every provider (`pkg/resource/plugin/provider_plugin.go`,
 * `newPlugin(ctx, ctx.Pwd, …)`) there: `pkg/resource/plugin/plugin.go`
 * sets `cmd.Dir = pwd`. The Node.js runner then `chdir`s to `--pwd` (the
 * same directory) before loading the program.
 *
 * So a relative path handed to a provider, such as `WorkersScript.contentFile`
 * (the Cloudflare provider hashes it with `os.Open` in Check:
 * terraform-provider-cloudflare `internal/services/workers_script/custom.go`),
 * is opened relative to `infra/`.
 */
import { readFileSync, statSync } from "node:fs";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { parse as parseYaml } from "yaml";
import { REPO_ROOT } from "./worker-bundle.ts";

/**
 * The engine's `getPwdMain`: `main` is relative to the project root; a
 * directory becomes the working directory, a file's parent does.
 * @returns absolute working directory of the language host and providers
 */
export function engineWorkingDirectory(projectRoot: string, main: string | undefined): string {
  if (main === undefined || main === "") return projectRoot;
  const target = isAbsolute(main) ? main : resolve(projectRoot, main);
  return statSync(target).isDirectory() ? target : dirname(target);
}

/** The working directory `pulumi up` gives this project's providers, from Pulumi.yaml's `main`. */
export function programDirectory(projectRoot: string = REPO_ROOT): string {
  const doc = parseYaml(readFileSync(resolve(projectRoot, "Pulumi.yaml"), "utf8")) as { main?: unknown } | null;
  const main = typeof doc?.main === "string" ? doc.main : undefined;
  return engineWorkingDirectory(projectRoot, main);
}

/**
 * A file as a provider running in `providerDir` must be given it: relative
 * to that directory, with forward slashes, so the input is identical on every
 * machine (an absolute path would differ between CI and laptops and show up
 * as a change in every preview).
 */
export function providerPath(absolutePath: string, providerDir: string): string {
  return relative(providerDir, absolutePath).split(sep).join("/");
}
