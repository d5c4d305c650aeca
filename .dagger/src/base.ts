/**
 * The one place that chooses base containers. Every stage starts from
 * `baseContainer`, so an offline or air-gapped build swaps the base here
 * without touching any stage.
 */
import os from "node:os";
import path from "node:path";
import { Container, dag, File } from "@dagger.io/dagger";
import type { BuildConfig } from "./config/index.js";

export interface BaseChoice {
  /** A container passed in by the caller wins over build.toml. */
  override?: Container;
  /** Import build.toml's base.offline_archive from the host instead of pulling base.image. */
  offline: boolean;
  /** That archive, given: `dagger call` runs the module in a container, whose host is not the caller's. */
  archive?: File;
}

/** Where offline-engine/base-image.sh leaves offline image archives. */
export function offlineImageDir(): string {
  return path.join(process.env.KIOS_CACHE ?? path.join(os.homedir(), ".cache/kios"), "images");
}

export function baseContainer(config: BuildConfig, choice: BaseChoice): Container {
  if (choice.override) return choice.override;
  if (choice.archive) return dag.container().import_(choice.archive);
  if (choice.offline) {
    // A host file is content-addressed, so the import and everything built
    // on it stay cached across sessions (an image taken from the host's
    // Docker by tag is not).
    const archive = path.join(offlineImageDir(), config.base.offline_archive);
    return dag.container().import_(dag.host().file(archive));
  }
  return dag.container().from(config.base.image);
}
