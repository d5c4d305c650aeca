/**
 * The reproducibility figures, through the module's public `repro`: the
 * release chain built twice with throw-away keys and compared byte for byte.
 *
 * - group "repro": the second build runs every step again from an empty
 *   kernel build directory, compiler caches shared (what npm test checks):
 *   repro.identical (1, or 0 when repro failed on a difference: its
 *   diffoscope report is printed), repro.second_build_s, and
 *   uki.signed_bytes, the size of the signed UKI both builds made.
 * - group "repro-cold": the same with the kernel's ccache and Go's build
 *   cache empty too: repro.cold_identical, repro.cold_second_build_s.
 */
import type { Kios } from "../.dagger/src/index.js";
import { withKios } from "../tests/support/kios.js";
import { daggerSigning, makeModuleSigningKey, makeTestKeys } from "../tests/support/secure-boot-keys.js";
import type { Figures } from "./run.js";

type Signing = ReturnType<typeof daggerSigning>;

async function reproduce(
  cold: boolean,
  figures: (kios: Kios, check: { secondBuildSeconds: number }, signing: Signing) => Promise<Figures>,
  failed: Figures,
): Promise<Figures> {
  const keys = makeTestKeys();
  const moduleKey = makeModuleSigningKey(keys.dir);
  try {
    return await withKios(async (kios): Promise<Figures> => {
      const keyed = kios.withModuleSigningKey(moduleKey.secret());
      const { key, cert } = daggerSigning(keys);
      try {
        const check = await keyed.repro(key, cert, undefined, cold);
        console.error(`[bench] repro: ${check.compared.length} files identical; ${check.secondBuild}`);
        return await figures(keyed, check, { key, cert });
      } catch (e) {
        console.error(`[bench] repro failed: ${(e as Error).message}`);
        return failed;
      }
    });
  } finally {
    keys.remove();
  }
}

export function reproFigures(): Promise<Figures> {
  return reproduce(
    false,
    async (kios, check, { key, cert }) => {
      // The first build's signed UKI, from the cache.
      const signed = await kios.sign(await kios.uki(), key, cert);
      return { "repro.identical": 1, "repro.second_build_s": check.secondBuildSeconds, "uki.signed_bytes": await signed.size() };
    },
    { "repro.identical": 0 },
  );
}

export function reproColdFigures(): Promise<Figures> {
  return reproduce(
    true,
    async (_kios, check) => ({ "repro.cold_identical": 1, "repro.cold_second_build_s": check.secondBuildSeconds }),
    { "repro.cold_identical": 0 },
  );
}
