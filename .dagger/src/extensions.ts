/**
 * What a downstream distro adds to kiOS without forking it (Kios.with*):
 * the checks on each addition, and the additions the node's stages take.
 */
import type { Directory, File } from "@dagger.io/dagger";
import YAML from "yaml";
import { describeIssue } from "./config/issues.js";
import { StaticPodSchema } from "./node-config/schema.js";

/** The additions the node's stages apply (see node.ts). */
export interface NodeExtensions {
  /** A prebuilt PID 1 instead of the one built from init/. */
  init?: File;
  /** More executables for /bin, by name. */
  binaries: Directory;
  /** /etc/os-release and the UKI's .osrel instead of kiOS's. */
  osRelease?: string;
}

export class ExtensionError extends Error {
  constructor(what: string, problem: string) {
    super(`${what}: ${problem}`);
    this.name = "ExtensionError";
  }
}

/** A kernel fragment's file name: kernel/<name>, read in name order after ours. */
export function checkFragmentName(name: string): void {
  if (!/^[0-9A-Za-z][0-9A-Za-z._-]*\.config$/.test(name)) {
    throw new ExtensionError(`withKernelFragment: name ${JSON.stringify(name)}`, "a file name ending in .config (e.g. 90-wireguard.config)");
  }
}

/** A static pod manifest, checked as node.yaml's staticPods are: its Pod name. */
export function staticPodName(text: string, file: string): string {
  let data: unknown;
  try {
    data = YAML.parse(text, { uniqueKeys: true });
  } catch (error) {
    throw new ExtensionError(`withStaticPod: ${file}`, `not valid YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const result = StaticPodSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new ExtensionError(`withStaticPod: ${file}`, result.error.issues.map((issue) => describeIssue(issue, { object: "a mapping" })).join("; "));
  }
  return result.data.metadata.name;
}

/** A name for /bin/<name>: a plain file name. */
export function checkBinaryName(name: string): void {
  if (!/^[A-Za-z0-9][A-Za-z0-9._+-]*$/.test(name)) {
    throw new ExtensionError(`withBinary: name ${JSON.stringify(name)}`, "a plain file name for /bin (letters, digits, . _ + -)");
  }
}

/** os-release(5) for a distro built on kiOS: ID_LIKE=kios, the release's version unless given. */
export function downstreamOsRelease(fields: { name: string; id: string; versionId: string }): string {
  const { name, id, versionId } = fields;
  if (!/^[a-z0-9._-]+$/.test(id)) throw new ExtensionError(`withOsRelease: id ${JSON.stringify(id)}`, "lower-case letters, digits, . _ - (os-release ID)");
  if (!/^[a-z0-9._~-]+$/i.test(versionId)) throw new ExtensionError(`withOsRelease: versionId ${JSON.stringify(versionId)}`, "letters, digits, . _ ~ - (os-release VERSION_ID)");
  if (!/^[^"\\`$\n]+$/.test(name)) throw new ExtensionError(`withOsRelease: name ${JSON.stringify(name)}`, "one line without quotes, backslashes, $ or `");
  return [`NAME="${name}"`, `ID=${id}`, "ID_LIKE=kios", `VERSION_ID=${versionId}`, `PRETTY_NAME="${name} ${versionId}"`, ""].join("\n");
}
