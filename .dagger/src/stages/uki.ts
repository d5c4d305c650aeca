/** The unified kernel image (modules/uki's ukify build), SOURCE_DATE_EPOCH from build.toml. */
import { File, Secret } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { MEASURE_FILES, MEASURE_PACKAGES } from "../../../modules/uki/src/measure.js";
import { buildUki as build, UKIFY_PACKAGES, ukifyBuild, type UkiInputs } from "../../../modules/uki/src/ukify.js";

export type { UkiInputs };

export const ukiPackages = UKIFY_PACKAGES;

/** An unsigned UKI with the sections .linux .initrd .cmdline .osrel .uname .sbat. */
export function buildUki(ctx: StageContext, inputs: UkiInputs): File {
  return build(ctx.toolchain(ukiPackages), inputs, ctx.config.reproducible.source_date_epoch);
}

/** A UKI and the PCR 11 values ukify predicts for its boot phases (pcr11.json). */
export interface MeasuredUki {
  uki: File;
  pcr11: File;
}

/** The UKI of buildUki plus .pcrsig and .pcrpkey made with `pcrKey` (an RSA private key), and ukify's prediction. */
export function buildMeasuredUki(ctx: StageContext, inputs: UkiInputs, pcrKey: Secret): MeasuredUki {
  const built = ukifyBuild(ctx.toolchain([...ukiPackages, ...MEASURE_PACKAGES]), inputs, ctx.config.reproducible.source_date_epoch, pcrKey);
  return { uki: built.file("kios.efi"), pcr11: built.file(MEASURE_FILES.json) };
}
