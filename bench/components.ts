/**
 * Sizes of the Go components and pause (built, or served from the engine's
 * cache). Their cold build times come from the build group (bench/build.ts),
 * which builds every stage cold once.
 */
import type { File } from "@dagger.io/dagger";
import { withKios } from "../tests/support/kios.js";
import type { Figures } from "./run.js";

export async function componentFigures(): Promise<Figures> {
  const figures: Figures = {};
  await withKios(async (kios) => {
    const size = (f: File) => f.size();
    const containerd = await kios.containerd();
    figures["containerd.bytes"] = await size(containerd.file("containerd"));
    figures["containerd-shim-runc-v2.bytes"] = await size(containerd.file("containerd-shim-runc-v2"));
    figures["runc.bytes"] = await size(await kios.runc());
    figures["kubelet.bytes"] = await size(await kios.kubelet());
    figures["pause.bytes"] = await size(await kios.pause());
  });
  return figures;
}
