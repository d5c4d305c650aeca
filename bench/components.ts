/**
 * Sizes of the Go components and pause (built, or served from the engine's
 * cache). Their cold build times come from the build group (bench/build.ts),
 * which builds every stage cold once.
 */
import type { File } from "@dagger.io/dagger";
import { buildContainerd } from "../.dagger/src/stages/containerd.js";
import { buildKubelet } from "../.dagger/src/stages/kubelet.js";
import { buildPause } from "../.dagger/src/stages/pause.js";
import { buildRunc } from "../.dagger/src/stages/runc.js";
import { withKios } from "../tests/support/kios.js";
import { stageContextOf } from "../tests/support/stage-context.js";
import type { Figures } from "./run.js";

export async function componentFigures(): Promise<Figures> {
  const figures: Figures = {};
  await withKios(async (kios) => {
    const ctx = await stageContextOf(kios);
    const size = (f: File) => f.size();
    const containerd = await buildContainerd(ctx);
    figures["containerd.bytes"] = await size(containerd.file("containerd"));
    figures["containerd-shim-runc-v2.bytes"] = await size(containerd.file("containerd-shim-runc-v2"));
    figures["runc.bytes"] = await size(await buildRunc(ctx));
    figures["kubelet.bytes"] = await size(await buildKubelet(ctx));
    figures["pause.bytes"] = await size(await buildPause(ctx));
  });
  return figures;
}
