/**
 * runc from the module build.toml's [runc] pins, statically linked with
 * seccomp: cgo against Debian's static libseccomp.a, with the tags and
 * linker flags of runc's own `make static` (non-PIE, so `file` reports a
 * plain static executable).
 */
import { File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, GoModulePin, goWorkspace, OUT } from "./go.js";

const tags = ["seccomp", "urfave_cli_no_docs", "netgo", "osusergo"];

export async function buildRunc(ctx: StageContext, pin: GoModulePin = ctx.config.runc): Promise<File> {
  const source = await fetchGoModule(ctx, "runc", pin);
  // runc embeds its version from the VERSION file (go:embed, so -X cannot
  // set it): check it is the pinned one.
  const embedded = (await source.dir.file("VERSION").contents()).trim();
  if (`v${embedded}` !== pin.version) {
    throw new Error(`build.toml: runc.version: expected the version of ${pin.module}@${pin.version}, found its VERSION file saying ${embedded}`);
  }
  return goWorkspace(ctx, source)
    .withEnvVariable("CGO_ENABLED", "1")
    .withExec(
      goBuildArgs({ pkg: ".", name: "runc", tags, stamps: {}, ldflags: ["-linkmode", "external", "-extldflags", "-static"] }),
    )
    .file(`${OUT}/runc`);
}
