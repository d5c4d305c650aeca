/**
 * Figures of the whole build (the module's `build`, with throw-away test
 * keys), and the cold build time of each compile stage:
 *
 * - kernel.cold_s, containerd.cold_s, runc.cold_s, kubelet.cold_s: each
 *   stage alone, one after another, with empty compile caches (fresh Go build,
 *   kernel build and ccache volumes of this run, which also change the cache
 *   key of every step that mounts them). The apt layers, the Go module cache
 *   and the unpacked kernel source stay warm. One after another rather than
 *   side by side (as `build` runs them) so that each figure is the stage's
 *   own: each compile already keeps both cores busy.
 * - stages.cold_s: the four together.
 * - build.cold_s: from the same cold start to the release directory (then
 *   init, images, initramfs, UKI, signing, Secure Boot smoke boot).
 * - stages.warm_s: the four stages again, nothing changed.
 * - build.warm_init_change_s: `build` again after a change to the init's
 *   source (a comment added to init/main.ts): init, initramfs, UKI and a new
 *   smoke boot are redone, nothing else.
 *
 * The bench volumes are emptied afterwards so they keep no disk.
 */
import { CacheVolume, dag, Directory } from "@dagger.io/dagger";
import type { StageContext } from "../.dagger/src/context.js";
import { nodeParts } from "../.dagger/src/node.js";
import { buildContainerd } from "../.dagger/src/stages/containerd.js";
import { buildKubelet } from "../.dagger/src/stages/kubelet.js";
import { buildRunc } from "../.dagger/src/stages/runc.js";
import { buildRelease } from "../.dagger/src/release.js";
import { buildKernel } from "../.dagger/src/stages/kernel.js";
import { debianKernelSource } from "../.dagger/src/stages/kernel-source.js";
import { withKios } from "../tests/support/kios.js";
import { daggerSigning, makeTestKeys } from "../tests/support/secure-boot-keys.js";
import { stageContextOf } from "../tests/support/stage-context.js";
import type { Figures } from "./run.js";
import { seconds, timed } from "./timing.js";

/** Compile caches a cold build starts without. */
const COMPILE_CACHES = /^(go-build|kernel-build-.*|kernel-ccache)$/;

/** The four compile stages, built side by side and waited for. */
async function stages(ctx: StageContext): Promise<void> {
  const [kernel, parts] = await Promise.all([buildKernel(ctx, debianKernelSource(ctx)), nodeParts(ctx)]);
  await Promise.all([
    kernel.bzImage.sync(),
    parts.containerd.sync(),
    parts.runc.sync(),
    parts.kubelet.sync(),
  ]);
}

/** `warm` with fresh compile caches (new volumes, kept in `volumes`): each compile step starts cold. */
export function coldCompileContext(warm: StageContext, run: string, volumes: Map<string, CacheVolume>): StageContext {
  return {
    ...warm,
    cache: (name) => {
      if (!COMPILE_CACHES.test(name)) return warm.cache(name);
      if (!volumes.has(name)) volumes.set(name, dag.cacheVolume(`kios-bench-${run}-${name}`));
      return volumes.get(name)!;
    },
  };
}

/** Empties the bench's cache volumes so they keep no disk. */
export async function emptyVolumes(ctx: StageContext, volumes: Map<string, CacheVolume>): Promise<void> {
  for (const volume of volumes.values()) {
    await ctx.toolchain([]).withMountedCache("/cache", volume).withExec(["find", "/cache", "-mindepth", "1", "-delete"]).sync();
  }
}

export async function buildFigures(): Promise<Figures> {
  const figures: Figures = {};
  const keys = makeTestKeys();
  try {
    await withKios(async (kios) => {
      const { source } = kios;
      const warm = await stageContextOf(kios);
      const run = `${process.pid}-${Date.now()}`;
      const volumes = new Map<string, CacheVolume>();
      const cold = coldCompileContext(warm, run, volumes);
      const signing = daggerSigning(keys);
      const release = (ctx: StageContext, nonce: string): Promise<Directory> =>
        buildRelease(ctx, { kernelSource: debianKernelSource(ctx), ...signing, nonce }).then(async (d) => {
          await d.sync();
          return d;
        });
      try {
        const started = Date.now();
        figures["kernel.cold_s"] = (await timed(() => buildKernel(cold, debianKernelSource(cold)).then((k) => k.bzImage.sync()))).s;
        figures["containerd.cold_s"] = (await timed(() => buildContainerd(cold).then((d) => d.sync()))).s;
        figures["runc.cold_s"] = (await timed(() => buildRunc(cold).then((f) => f.sync()))).s;
        figures["kubelet.cold_s"] = (await timed(() => buildKubelet(cold).then((f) => f.sync()))).s;
        figures["stages.cold_s"] = seconds(Date.now() - started);
        await release(cold, `cold-${run}`);
        figures["build.cold_s"] = seconds(Date.now() - started);
        figures["stages.warm_s"] = (await timed(() => stages(cold))).s;

        const main = await source.file("init/main.ts").contents();
        const changed = { ...cold, source: source.withNewFile("init/main.ts", `${main}// bench ${run}\n`) };
        figures["build.warm_init_change_s"] = (await timed(() => release(changed, `init-${run}`))).s;
      } finally {
        await emptyVolumes(warm, volumes);
      }
    });
  } finally {
    keys.remove();
  }
  return figures;
}
