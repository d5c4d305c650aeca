/** The unified kernel image (modules/uki's ukify build), SOURCE_DATE_EPOCH from build.toml. */
import { File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { buildUki as build, UKIFY_PACKAGES, type UkiInputs } from "../../../modules/uki/src/ukify.js";

export type { UkiInputs };

export const ukiPackages = UKIFY_PACKAGES;

/** An unsigned UKI with the sections .linux .initrd .cmdline .osrel .uname .sbat. */
export function buildUki(ctx: StageContext, inputs: UkiInputs): File {
  return build(ctx.toolchain(ukiPackages), inputs, ctx.config.reproducible.source_date_epoch);
}
