/**
 * Go component figures: the cold build of containerd (with its shim), runc
 * and the kubelet, and the size of each binary (pause included).
 *
 * Cold here means the compile is really done again: each stage gets a new,
 * empty Go build cache volume, which also changes the cache key of every
 * step that mounts it (go.mod rewrite, compile). What stays warm: the apt
 * layers, the Go toolchain layer, the fetched module source and the Go
 * module cache (dependencies downloaded by earlier builds, e.g. `npm test`).
 * The bench volumes are emptied afterwards so they keep no disk.
 */
import { CacheVolume, connection, dag, File } from "@dagger.io/dagger";
import type { StageContext } from "../.dagger/src/context.js";
import { Kios } from "../.dagger/src/index.js";
import { buildContainerd } from "../.dagger/src/stages/containerd.js";
import { buildKubelet } from "../.dagger/src/stages/kubelet.js";
import { buildPause } from "../.dagger/src/stages/pause.js";
import { buildRunc } from "../.dagger/src/stages/runc.js";
import { bootstrapEngine, repoRoot } from "../ci/engine-env.js";
import { stageContextOf } from "../tests/support/stage-context.js";
import type { Figures } from "./run.js";

const seconds = (ms: number) => Math.round(ms / 100) / 10;

/** The context the module's functions get, with a fresh Go build cache volume of its own. */
function coldContext(base: StageContext, volume: CacheVolume): StageContext {
  return { ...base, cache: (name) => (name === "go-build" ? volume : base.cache(name)) };
}

async function timed<T>(build: () => Promise<T>, done: (result: T) => Promise<unknown>): Promise<{ result: T; s: number }> {
  const started = Date.now();
  const result = await build();
  await done(result);
  return { result, s: seconds(Date.now() - started) };
}

export async function componentFigures(): Promise<Figures> {
  Object.assign(process.env, await bootstrapEngine());
  const figures: Figures = {};
  await connection(async () => {
    const source = dag.host().directory(repoRoot, { exclude: ["node_modules", "out", ".git"] });
    const ctx = await stageContextOf(new Kios(source, true));
    const run = `${process.pid}-${Date.now()}`;
    const volumes: CacheVolume[] = [];
    const fresh = (stage: string) => {
      const volume = dag.cacheVolume(`kios-go-build-bench-${stage}-${run}`);
      volumes.push(volume);
      return coldContext(ctx, volume);
    };
    const size = (f: File) => f.size();
    try {
      const containerd = await timed(() => buildContainerd(fresh("containerd")), (d) => d.sync());
      figures["containerd.cold_s"] = containerd.s;
      figures["containerd.bytes"] = await size(containerd.result.file("containerd"));
      figures["containerd-shim-runc-v2.bytes"] = await size(containerd.result.file("containerd-shim-runc-v2"));

      const runc = await timed(() => buildRunc(fresh("runc")), size);
      figures["runc.cold_s"] = runc.s;
      figures["runc.bytes"] = await size(runc.result);

      const kubelet = await timed(() => buildKubelet(fresh("kubelet")), size);
      figures["kubelet.cold_s"] = kubelet.s;
      figures["kubelet.bytes"] = await size(kubelet.result);

      // pause is one small C file and needs no Go build cache: its size only.
      figures["pause.bytes"] = await size(await buildPause(ctx));
    } finally {
      for (const volume of volumes) {
        await ctx
          .toolchain([])
          .withMountedCache("/cache", volume)
          .withExec(["find", "/cache", "-mindepth", "1", "-delete"])
          .sync();
      }
    }
  });
  return figures;
}
