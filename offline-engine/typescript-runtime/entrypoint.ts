/**
 * The entrypoint of a TypeScript module's runtime container: the engine runs
 * it with no arguments for every call. The SDK's own entrypoint() does the
 * protocol (register the module's types, or run one function and return its
 * value); this file only hands it the module's sources, as the stock
 * runtime's generated entrypoint does.
 */
import fs from "node:fs";
import path from "node:path";
import { entrypoint } from "@dagger.io/dagger";

const moduleDir = process.env.KIOS_TS_MODULE_DIR;
if (!moduleDir) throw new Error("KIOS_TS_MODULE_DIR is not set: the runtime container was not made by the kiOS TypeScript SDK");

const sources = fs
  .readdirSync(path.join(moduleDir, "src"), { withFileTypes: true, recursive: true })
  .filter((e) => e.isFile() && /\.m?ts$/.test(e.name) && !/\.(test|d)\.m?ts$/.test(e.name))
  .map((e) => path.join(e.parentPath, e.name));

// The API's types, which the introspector resolves Container, Directory... from:
// the bindings generated for the module's dependencies when it has any, else the core API's.
const generated = path.join(moduleDir, "sdk/client.gen.ts");
await entrypoint([...sources, fs.existsSync(generated) ? generated : "/opt/kios-ts/client.gen.ts"]);
