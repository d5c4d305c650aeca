/**
 * The StageContext the module's functions get (the private Kios.context()),
 * for tests and benches that call a stage function directly, e.g. to hand it
 * cache volumes of their own or to reach what the function does not return.
 */
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import { StageContext, stageContext } from "../../.dagger/src/context.js";
import type { Kios } from "../../.dagger/src/index.js";

export async function stageContextOf(kios: Kios): Promise<StageContext> {
  return stageContext({
    config: parseBuildConfig(await kios.source.file("build.toml").contents(), "build.toml"),
    source: kios.source,
    base: kios.base,
    offline: kios.offline,
    aptCaches: { archives: kios.aptArchives, lists: kios.aptLists },
  });
}
