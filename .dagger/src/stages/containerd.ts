/**
 * containerd and its runc shim (containerd-shim-runc-v2) from the module
 * build.toml's [containerd] pins: static (cgo off), trimmed, stripped and
 * version stamped, with the build tags of containerd's own `make STATIC=1`.
 */
import { Directory } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, GoModulePin, goWorkspace, OUT } from "./go.js";

/**
 * containerd's Makefile tags for a static build, less the plugins a node has
 * no use for (the ones manifests/containerd/config.toml disables): tracing
 * (OpenTelemetry), the devmapper and ZFS snapshotters (btrfs needs cgo, so
 * it is out already). The shim also drops gRPC.
 */
const tags = ["urfave_cli_no_docs", "osusergo", "netgo", "static_build", "no_tracing", "no_devmapper", "no_zfs"];
const shimTags = [...tags, "no_grpc"];

/** Build both binaries; the result holds `containerd` and `containerd-shim-runc-v2`. */
export async function buildContainerd(ctx: StageContext, pin: GoModulePin = ctx.config.containerd): Promise<Directory> {
  const source = await fetchGoModule(ctx, "containerd", pin);
  // What `containerd --version` prints; the module zip carries no git revision.
  const stamps = {
    [`${pin.module}/version.Version`]: pin.version,
    [`${pin.module}/version.Package`]: pin.module,
  };
  return goWorkspace(ctx, source)
    .withExec(goBuildArgs({ pkg: "./cmd/containerd", name: "containerd", tags, stamps }))
    .withExec(goBuildArgs({ pkg: "./cmd/containerd-shim-runc-v2", name: "containerd-shim-runc-v2", tags: shimTags, stamps }))
    .directory(OUT);
}
