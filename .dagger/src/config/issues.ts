/**
 * zod issues as one line each: the key path, what was expected and what was
 * found. Shared by build.toml and node.yaml, whose errors read alike.
 */
import type { z } from "zod";

/** How a document format calls an object: "a table" in TOML, "a mapping" in YAML. */
export interface IssueWords {
  object: string;
}

/** A key path as dotted names; a key that is not a plain name is quoted ("topology.kubernetes.io/zone"). */
export function keyPath(path: readonly PropertyKey[]): string {
  return path.map((k) => (typeof k === "string" && !/^[A-Za-z0-9_-]+$/.test(k) ? JSON.stringify(k) : String(k))).join(".");
}

export function describeIssue(issue: z.core.$ZodIssue, words: IssueWords): string {
  const at = issue.path.length ? keyPath(issue.path) : "(top level)";
  switch (issue.code) {
    case "unrecognized_keys":
      return issue.keys.map((k) => `${keyPath([...issue.path, k])}: unknown key`).join("; ");
    case "invalid_key":
      return `${at}: expected ${issue.issues[0]?.message ?? "a valid key"} as the key`;
    case "invalid_type": {
      const expected = issue.expected === "int" ? "integer" : issue.expected;
      return issue.input === undefined
        ? `${at}: missing, expected ${expected}`
        : `${at}: expected ${expected}, found ${describeValue(issue.input, words)}`;
    }
    default:
      return `${at}: expected ${issue.message}, found ${describeValue(issue.input, words)}`;
  }
}

export function describeValue(v: unknown, words: IssueWords): string {
  if (typeof v === "string") return JSON.stringify(v.length > 200 ? `${v.slice(0, 197)}...` : v);
  if (Array.isArray(v)) return "an array";
  if (v instanceof Date) return "a date";
  if (v === null || v === undefined) return String(v);
  if (typeof v === "object") return words.object;
  return `${typeof v} ${String(v)}`;
}
