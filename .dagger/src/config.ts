/**
 * build.toml: the build's pins and options, parsed with @iarna/toml and
 * validated with zod. Errors name the file, the key path, what was expected
 * and what was found; unknown keys are errors.
 */
import toml from "@iarna/toml";
import { z } from "zod";

const digestPinnedImage = z
  .string()
  .regex(/^[a-z0-9][a-z0-9._\/:-]*@sha256:[0-9a-f]{64}$/, {
    message: "an image reference pinned by digest (name@sha256:<64 hex digits>)",
  });

const archiveFileName = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]*\.tar$/, {
  message: "an image archive file name (name.tar, no directories)",
});

export const BuildConfigSchema = z.strictObject({
  base: z.strictObject({
    image: digestPinnedImage,
    offline_archive: archiveFileName,
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
    throw new ConfigError(file, [`${where}invalid TOML: ${err.message.split("\n")[0]}`]);
  }
  const result = BuildConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new ConfigError(file, result.error.issues.map(describeIssue));
  }
  return result.data;
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const at = issue.path.length ? issue.path.join(".") : "(top level)";
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys
        .map((k) => `${[...issue.path, k].join(".")}: unknown key`)
        .join("; ");
    case "invalid_type":
      return issue.input === undefined
        ? `${at}: missing, expected ${issue.expected}`
        : `${at}: expected ${issue.expected}, found ${describeValue(issue.input)}`;
    default:
      return `${at}: expected ${issue.message}, found ${describeValue(issue.input)}`;
  }
}

function describeValue(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return "a date";
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return "a table";
  return `${typeof v} ${String(v)}`;
}
