/** node.yaml's text to a NodeConfig, or one error naming every bad key. */
import YAML from "yaml";
import { describeIssue } from "../config/issues.js";
import { utf8Length } from "./utf8.js";
import { NODE_CONFIG_MAX_BYTES, type NodeConfig, NodeConfigSchema } from "./schema.js";

export class NodeConfigError extends Error {
  constructor(readonly source: string, readonly problems: string[]) {
    super(`${source}: ${problems.join("; ")}`);
    this.name = "NodeConfigError";
  }
}

/** Parses and validates node.yaml; `source` names where it came from in errors. */
export function parseNodeConfig(text: string, source = "node.yaml"): NodeConfig {
  const bytes = utf8Length(text);
  if (bytes > NODE_CONFIG_MAX_BYTES) {
    throw new NodeConfigError(source, [`${bytes} bytes, over the ${NODE_CONFIG_MAX_BYTES}-byte limit`]);
  }
  let data: unknown;
  try {
    const doc = YAML.parseDocument(text, { uniqueKeys: true });
    if (doc.errors.length > 0) {
      throw new NodeConfigError(source, [`not valid YAML: ${doc.errors[0]!.message.split("\n")[0]!.replace(/:$/, "")}`]);
    }
    data = doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    if (error instanceof NodeConfigError) throw error;
    throw new NodeConfigError(source, [`not valid YAML: ${(error as Error).message.split("\n")[0]}`]);
  }
  if (data === null || typeof data !== "object" || Array.isArray(data)) {
    const found = data === null || data === undefined ? "nothing" : Array.isArray(data) ? "a list" : JSON.stringify(data);
    throw new NodeConfigError(source, [`expected a mapping of settings, found ${found}`]);
  }
  const result = NodeConfigSchema.safeParse(data, { reportInput: true });
  if (!result.success) {
    throw new NodeConfigError(source, result.error.issues.map((issue) => describeIssue(issue, { object: "a mapping" })));
  }
  return result.data;
}
