/**
 * syft, the SBOM scanner, from the Go module build.toml's [syft] pins:
 * static (cgo off), with the build tags of syft's own release builds. A
 * build tool, not shipped on the node.
 */
import { File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, goWorkspace, OUT } from "./go.js";

/** syft's goreleaser tags: no GPGME (cgo), no btrfs graph driver (cgo). */
const tags = ["containers_image_openpgp", "exclude_graphdriver_btrfs"];

/** syft, stamped with its version as its releases are (1.57.2, no "v"): `syft version`, the SBOM's creator. */
export async function buildSyft(ctx: StageContext): Promise<File> {
  const pin = ctx.config.syft;
  const source = await fetchGoModule(ctx, "syft", pin);
  const stamps = { "main.version": pin.version.replace(/^v/, "") };
  return goWorkspace(ctx, source)
    .withExec(goBuildArgs({ pkg: "./cmd/syft", name: "syft", tags, stamps }))
    .file(`${OUT}/syft`);
}
