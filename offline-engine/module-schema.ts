/**
 * The module's schema as Dagger sees it, from the SDK's own introspector
 * (`scan()`, shipped in the npm package). Our offline stand-in for
 * `dagger functions`, which needs registry images in module mode.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "./engine-env.js";

const sdkDir = path.join(repoRoot, "node_modules/@dagger.io/dagger/dist/src");

export interface SchemaArg {
  name: string;
  description: string;
  type: { kind: string; name?: string; typeDef?: { kind: string; name?: string } };
  isOptional: boolean;
  defaultValue?: unknown;
  defaultPath?: string;
}
export interface SchemaFunction {
  name: string;
  description: string;
  arguments: Record<string, SchemaArg>;
  returnType: { kind: string; name?: string };
}
export interface SchemaObject {
  name: string;
  description: string;
  constructor?: { arguments: Record<string, SchemaArg> };
  methods: Record<string, SchemaFunction>;
  /** The object's @field()s. */
  properties: Record<string, { name: string; description: string; type: { kind: string; name?: string } }>;
}
export interface ModuleSchema {
  name: string;
  description: string;
  objects: Record<string, SchemaObject>;
  interfaces: Record<string, unknown>;
}

function moduleFiles(dir: string): string[] {
  return fs
    .readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith(".ts") && !e.name.endsWith(".test.ts"))
    .map((e) => path.join(e.parentPath, e.name));
}

/**
 * Scan a module's TypeScript (default: the root module's .dagger/src; give
 * e.g. "modules/kernel/src" and "kernel" for a sub-module). The introspector resolves core types (Container,
 * Directory...) from the generated `client.gen.ts` a module carries in its
 * sdk/ folder; the npm package ships that API as a declaration file, so a
 * copy of it is handed to scan() under the expected name.
 */
export async function scanModule(srcDir = ".dagger/src", name = "kios"): Promise<ModuleSchema> {
  const { scan } = await import(path.join(sdkDir, "module/introspector/index.js"));
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "kios-scan-"));
  try {
    const api = fs
      .readFileSync(path.join(sdkDir, "api/client.gen.d.ts"), "utf8")
      .replaceAll('"../common/', `"${sdkDir}/common/`);
    fs.writeFileSync(path.join(tmp, "client.gen.ts"), api);
    const files = [...moduleFiles(path.join(repoRoot, srcDir)), path.join(tmp, "client.gen.ts")];
    // loadModule=false: the files are analysed, not imported (Node 20 cannot import .ts).
    const module = await scan(files, name, false);
    return JSON.parse(JSON.stringify(module)) as ModuleSchema;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** A function's name as the CLI spells it: withStaticPod -> with-static-pod. */
export const cliName = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/** A module's main object, named after the module: qemu-boot -> QemuBoot. */
export const mainObjectName = (moduleName: string) => moduleName.replace(/(^|-)([a-z])/g, (_, __, c: string) => c.toUpperCase());
