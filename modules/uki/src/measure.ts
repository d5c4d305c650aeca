/**
 * Measured boot: ukify signs the PCR 11 values the UKI gives at each boot
 * phase (.pcrsig, with the public key as .pcrpkey) and predicts them
 * (--measure). systemd-stub measures the UKI's sections into PCR 11; the
 * booted system then extends systemd's phase words into it, so each phase
 * path has one value, and a secret sealed to the signing key's policy
 * unseals only in the phases signed for.
 */
import { Container, Secret } from "@dagger.io/dagger";

/**
 * The Debian packages a measured UKI needs besides UKIFY_PACKAGES:
 * systemd-measure (in systemd), the TPM2 software stack's libraries it
 * loads for the policy digest, and openssl for the public key.
 */
export const MEASURE_PACKAGES = ["systemd", "libtss2-esys-3.0.2-0t64", "libtss2-mu-4.0.1-0t64", "libtss2-rc0t64", "openssl"];

/**
 * The phase paths signed and predicted: systemd-measure's default, the
 * boot's four (a policy for them stops matching once shutdown is measured).
 */
export const PHASE_PATHS = ["enter-initrd", "enter-initrd:leave-initrd", "enter-initrd:leave-initrd:sysinit", "enter-initrd:leave-initrd:sysinit:ready"];

/** Files ukifyBuild leaves in /uki with a PCR key. */
export const MEASURE_FILES = {
  /** What ukify --measure printed: one "11:sha256=<hex>" line per phase path, in PHASE_PATHS order. */
  printed: "pcr11.txt",
  /** The predicted values as JSON: {"pcr":11,"bank":"sha256","phases":{"<path>":"<hex>",...}}. */
  json: "pcr11.json",
  /** The public key ukify embeds as .pcrpkey (PEM). */
  publicKey: "pcr-pub.pem",
} as const;

const KEY = "/run/secrets/pcr.key";

/**
 * `c` with the PCR key mounted as a secret (never in a layer or a log) and
 * its public key derived next to it; fails unless the key is an RSA private
 * key (RSA PKCS#1 v1.5 signatures are deterministic, ECDSA ones are not).
 */
export function withPcrKey(c: Container, key: Secret): Container {
  return c.withMountedSecret(KEY, key).withExec([
    "sh",
    "-ec",
    [
      `openssl pkey -in ${KEY} -pubout -out ${MEASURE_FILES.publicKey} 2>/dev/null || { echo "pcrKey: not a PEM private key" >&2; exit 1; }`,
      `openssl rsa -pubin -in ${MEASURE_FILES.publicKey} -noout 2>/dev/null || { echo "pcrKey: not an RSA key: ECDSA signatures are random, so the UKI would not be reproducible (make one with: openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048)" >&2; exit 1; }`,
    ].join("\n"),
  ]);
}

/** ukify build's arguments for the signature and the prediction (sha256 bank only). */
export function measureArgs(): string[] {
  return [`--pcr-private-key=${KEY}`, `--pcr-public-key=${MEASURE_FILES.publicKey}`, "--pcr-banks=sha256", `--phases="${PHASE_PATHS.join(" ")}"`, "--measure"];
}

/** Shell lines turning ukify's printed values into MEASURE_FILES.json; fails unless there is one value per phase path. */
export function measureCheck(): string {
  const { printed, json } = MEASURE_FILES;
  return [
    `set -- ${PHASE_PATHS.join(" ")}`,
    `grep '^11:sha256=' ${printed} | cut -d= -f2 | tr A-F a-f > values`,
    `n=$(grep -c '^[0-9a-f]\\{64\\}$' values || true)`,
    `[ "$n" -eq $# ] && [ "$(wc -l < values)" -eq $# ] || { echo "ukify --measure printed $n PCR 11 values for $# phase paths:" >&2; cat ${printed} >&2; exit 1; }`,
    `{ printf '{"pcr":11,"bank":"sha256","phases":{'; sep=; while read -r v; do printf '%s"%s":"%s"' "$sep" "$1" "$v"; sep=,; shift; done < values; printf '}}\\n'; } > ${json}`,
  ].join("\n");
}
