/**
 * The reproducibility figures, through the module's public `repro`: the
 * release chain built twice with throw-away keys, the second time with
 * every step run again and the compiler caches empty too (cold: new kernel
 * build directory, ccache and Go build cache), then compared byte for byte.
 * repro.identical is 1 when every compared file is the same, 0 when repro
 * failed on a difference (its diffoscope report is printed).
 */
import { withKios } from "../tests/support/kios.js";
import { daggerSigning, makeModuleSigningKey, makeTestKeys } from "../tests/support/secure-boot-keys.js";
import type { Figures } from "./run.js";

export async function reproFigures(): Promise<Figures> {
  const keys = makeTestKeys();
  const moduleKey = makeModuleSigningKey(keys.dir);
  try {
    return await withKios(async (kios): Promise<Figures> => {
      const { key, cert } = daggerSigning(keys);
      const started = Date.now();
      try {
        const check = await kios.withModuleSigningKey(moduleKey.secret()).repro(key, cert, undefined, true);
        console.error(`[bench] repro: ${check.compared.length} files identical; ${check.secondBuild}`);
        return { "repro.identical": 1, "repro.second_build_s": check.secondBuildSeconds };
      } catch (e) {
        console.error(`[bench] repro failed after ${Math.round((Date.now() - started) / 1000)} s: ${(e as Error).message}`);
        return { "repro.identical": 0 };
      }
    });
  } finally {
    keys.remove();
  }
}
