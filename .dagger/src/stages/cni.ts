/**
 * The CNI reference plugins a kiOS pod network uses (bridge, host-local,
 * loopback, portmap), from build.toml's [cni_plugins] pin: static,
 * trimmed, stripped.
 */
import { Directory } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, goWorkspace, OUT } from "./go.js";

export const cniPlugins: Record<string, string> = {
  bridge: "./plugins/main/bridge",
  "host-local": "./plugins/ipam/host-local",
  loopback: "./plugins/main/loopback",
  portmap: "./plugins/meta/portmap",
};

export async function buildCniPlugins(ctx: StageContext): Promise<Directory> {
  const pin = ctx.config.cni_plugins;
  const source = await fetchGoModule(ctx, "cni_plugins", pin);
  const stamps = { "github.com/containernetworking/plugins/pkg/utils/buildversion.BuildVersion": pin.version };
  let workspace = goWorkspace(ctx, source);
  for (const [name, pkg] of Object.entries(cniPlugins)) {
    workspace = workspace.withExec(goBuildArgs({ pkg, name, tags: [], stamps }));
  }
  return workspace.directory(OUT);
}
