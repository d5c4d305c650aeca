/**
 * build.toml: the build's pins and options, parsed with @iarna/toml and
 * validated with zod. Errors name the file, the key path, what was expected
 * and what was found; unknown keys are errors.
 */
import toml from "@iarna/toml";
import { z } from "zod";
import { describeIssue } from "./issues.js";
import { debianPins, digestPinnedImage, goModulePin, httpsUrl, pypiPins, sha256Hex } from "./pins.js";

const archiveFileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.tar$/, {
  message: "an image archive file name (name.tar, no directories)",
});

const dnsName = z.string().regex(/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/, {
  message: "a DNS name (lowercase labels separated by dots)",
});

export const BuildConfigSchema = z.strictObject({
  base: z.strictObject({
    image: digestPinnedImage,
    offline_archive: archiveFileName,
  }),
  /** The kiOS release this build makes (os-release VERSION_ID, SBAT). */
  release: z.strictObject({
    version: z.string().regex(/^\d+\.\d+\.\d+$/, { message: "a release version (X.Y.Z)" }),
  }),
  /** What makes two builds give the same bytes. */
  reproducible: z.strictObject({
    source_date_epoch: z.int().min(315532800, { message: "a Unix time after 1980-01-01" }),
    build_user: z.string().regex(/^[a-z][a-z0-9-]*$/, { message: "a user name" }),
    build_host: dnsName,
  }),
  /** Debian packages of the build containers, pinned to exact versions. */
  debian: z.strictObject({ packages: debianPins }),
  kernel: z.strictObject({
    version: z.string().regex(/^\d+\.\d+(\.\d+)?$/, { message: "a kernel version (6.12.57)" }),
    tarball_url: httpsUrl,
    tarball_sha256: sha256Hex,
    cmdline: z.string().min(1, { message: "a non-empty kernel command line" }),
  }),
  go: z.strictObject({
    toolchain: z.string().regex(/^go\d+\.\d+\.\d+$/, { message: "a Go toolchain version (go1.26.8)" }),
  }),
  containerd: goModulePin,
  runc: goModulePin,
  kubernetes: goModulePin,
  etcd: goModulePin,
  cni_plugins: goModulePin,
  /** The CI templates' checkers: actionlint, and check-jsonschema with its dependencies. */
  actionlint: goModulePin,
  /** The SBOM's scanner (a build tool, not shipped). */
  syft: goModulePin,
  pypi: z.strictObject({ packages: pypiPins }),
  cluster: z.strictObject({
    domain: dnsName,
    pod_namespace: z.string().regex(/^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/, { message: "a Kubernetes namespace name" }),
  }),
});

export type BuildConfig = z.infer<typeof BuildConfigSchema>;

export class ConfigError extends Error {
  constructor(readonly file: string, readonly problems: string[]) {
    super(`${file}: ${problems.join(`\n${file}: `)}`);
    this.name = "ConfigError";
  }
}

/** Parse and validate the text of build.toml; `file` names it in errors. */
export function parseBuildConfig(text: string, file = "build.toml"): BuildConfig {
  let data: unknown;
  try {
    data = toml.parse(text);
  } catch (e) {
    const err = e as Error & { line?: number; col?: number };
    const where = err.line === undefined ? "" : `line ${err.line + 1}, column ${(err.col ?? 0) + 1}: `;
    const reason = err.message.split("\n")[0].replace(/\s+at row \d+, col \d+, pos \d+:?$/, "");
    throw new ConfigError(file, [`${where}invalid TOML: ${reason}`]);
  }
  const result = BuildConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.map((issue) => describeIssue(issue, { object: "a table" })));
  }
  return result.data;
}
