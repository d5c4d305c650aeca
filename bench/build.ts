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
 * The bench volumes are emptied afterwards so they keep no disk. All
 * through the module's public functions, the caches given to its constructor.
 */
import { CacheVolume, dag } from "@dagger.io/dagger";
import { Kios } from "../.dagger/src/index.js";
import { withKios } from "../tests/support/kios.js";
import { daggerSigning, makeTestKeys } from "../tests/support/secure-boot-keys.js";
import type { Figures } from "./run.js";
import { seconds, timed } from "./timing.js";

/** The four compile stages, built side by side and waited for. */
async function stages(kios: Kios): Promise<void> {
  await Promise.all([
    kios.kernel().then((k) => k.bzImage.sync()),
    kios.containerd().then((d) => d.sync()),
    kios.runc().then((f) => f.sync()),
    kios.kubelet().then((f) => f.sync()),
  ]);
}

/** Fresh compile caches (Go build cache, kernel ccache and build directory) named after `run`. */
export function coldCaches(run: string): CacheVolume[] {
  return ["go-build", "kernel-ccache", "kernel-build"].map((name) => dag.cacheVolume(`kios-bench-${run}-${name}`));
}

/** `kios` with the compile caches `caches` (coldCaches) and the rest as its own: each compile starts cold. */
export function withCompileCaches(kios: Kios, caches: CacheVolume[], source = kios.source): Kios {
  const [goBuild, ccache, kernelBuild] = caches;
  return new Kios(source, kios.offline, kios.base, kios.aptArchives, kios.aptLists, kios.baseArchive, kios.goModCache, goBuild, ccache, kernelBuild);
}

/** Empties the bench's cache volumes so they keep no disk. */
export async function emptyVolumes(kios: Kios, volumes: CacheVolume[]): Promise<void> {
  for (const volume of volumes) {
    await (await kios.toolchain([])).withMountedCache("/cache", volume).withExec(["find", "/cache", "-mindepth", "1", "-delete"]).sync();
  }
}

export async function buildFigures(): Promise<Figures> {
  const figures: Figures = {};
  const keys = makeTestKeys();
  try {
    await withKios(async (kios) => {
      const run = `${process.pid}-${Date.now()}`;
      const caches = coldCaches(run);
      const cold = withCompileCaches(kios, caches);
      const signing = daggerSigning(keys);
      const release = (k: Kios, nonce: string) => k.build(signing.key, signing.cert, undefined, nonce).then((d) => d.sync());
      try {
        const started = Date.now();
        figures["kernel.cold_s"] = (await timed(() => cold.kernel().then((k) => k.bzImage.sync()))).s;
        figures["containerd.cold_s"] = (await timed(() => cold.containerd().then((d) => d.sync()))).s;
        figures["runc.cold_s"] = (await timed(() => cold.runc().then((f) => f.sync()))).s;
        figures["kubelet.cold_s"] = (await timed(() => cold.kubelet().then((f) => f.sync()))).s;
        figures["stages.cold_s"] = seconds(Date.now() - started);
        await release(cold, `cold-${run}`);
        figures["build.cold_s"] = seconds(Date.now() - started);
        figures["stages.warm_s"] = (await timed(() => stages(cold))).s;

        const main = await kios.source.file("init/main.ts").contents();
        const changed = withCompileCaches(kios, caches, kios.source.withNewFile("init/main.ts", `${main}// bench ${run}\n`));
        figures["build.warm_init_change_s"] = (await timed(() => release(changed, `init-${run}`))).s;
      } finally {
        await emptyVolumes(kios, caches);
      }
    });
  } finally {
    keys.remove();
  }
  return figures;
}
