/**
 * Offline stand-in for `dagger call` (which needs registry images for a
 * TypeScript module): brings the engine up with ci/bootstrap.sh, then calls
 * one function of the module's class through the SDK, the same code
 * `dagger call` runs.
 *
 *   npm run kios -- <function> [--arg value ...] [--output PATH]
 *
 * Arguments are matched by name against the module's schema (the SDK's
 * introspector); lists are comma-separated, as in `dagger call`. Directory
 * and File results are exported to --output (default ./out), Container
 * results are built, other results are printed.
 */
import fs from "node:fs";
import path from "node:path";
import { connection, Container, dag, Directory, File } from "@dagger.io/dagger";
import { Kios } from "../.dagger/src/index.js";
import { explainDaggerError } from "./dagger-errors.js";
import { bootstrapEngine, repoRoot } from "./engine-env.js";
import { SchemaArg, scanModule } from "./module-schema.js";

interface Call {
  fn: string;
  named: Map<string, string>;
  output: string;
}

/** dagger call's kebab-case names to the TypeScript names: smoke-boot -> smokeBoot. */
const camelCase = (name: string) => name.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());

function parseCommandLine(argv: string[]): Call {
  const [name, ...rest] = argv;
  if (!name || name.startsWith("-")) throw new Error("usage: npm run kios -- <function> [--arg value ...] [--output PATH]");
  const fn = camelCase(name);
  const named = new Map<string, string>();
  let output = "out";
  for (let i = 0; i < rest.length; i += 2) {
    const [flag, value] = [rest[i], rest[i + 1]];
    if (!flag.startsWith("--") || value === undefined) throw new Error(`expected --name value, found ${JSON.stringify(flag)}`);
    const arg = camelCase(flag.slice(2));
    if (arg === "output") output = value;
    else named.set(arg, value);
  }
  return { fn, named, output };
}

/** An argument's value; objects are made inside the engine session, hence a thunk. */
type Value = () => unknown;

function convert(arg: SchemaArg, text: string): Value {
  const bad = (expected: string) => new Error(`--${arg.name}: expected ${expected}, found ${JSON.stringify(text)}`);
  switch (arg.type.kind) {
    case "LIST_KIND": {
      const list = text === "" ? [] : text.split(",");
      return () => list;
    }
    case "BOOLEAN_KIND":
      if (text !== "true" && text !== "false") throw bad("true or false");
      return () => text === "true";
    case "INTEGER_KIND":
    case "FLOAT_KIND":
      if (Number.isNaN(Number(text))) throw bad("a number");
      return () => Number(text);
    case "STRING_KIND":
      return () => text;
    case "OBJECT_KIND":
      switch (arg.type.name) {
        case "File":
          if (!fs.statSync(text, { throwIfNoEntry: false })?.isFile()) throw bad("a file");
          return () => dag.host().file(path.resolve(text));
        case "Directory":
          if (!fs.statSync(text, { throwIfNoEntry: false })?.isDirectory()) throw bad("a directory");
          return () => dag.host().directory(path.resolve(text));
        case "Secret": {
          const m = /^(file|env):(.+)$/.exec(text);
          if (!m) throw bad("file:PATH or env:NAME");
          const uri = m[1] === "file" ? `file://${path.resolve(m[2])}` : `env://${m[2]}`;
          return () => dag.secret(uri);
        }
      }
  }
  throw new Error(`--${arg.name}: arguments of type ${arg.type.name ?? arg.type.kind} cannot be given offline`);
}

/** Positional arguments for the method, in its declared order. */
async function positionalArgs(call: Call): Promise<(Value | undefined)[]> {
  const method = (await scanModule()).objects.Kios.methods[call.fn];
  if (!method) throw new Error(`no function ${JSON.stringify(call.fn)} in the kios module`);
  const declared = Object.values(method.arguments);
  for (const name of call.named.keys()) {
    if (!declared.some((a) => a.name === name)) {
      throw new Error(`${call.fn} has no argument --${name} (it takes: ${declared.map((a) => a.name).join(", ") || "none"})`);
    }
  }
  return declared.map((a) => (call.named.has(a.name) ? convert(a, call.named.get(a.name)!) : undefined));
}

async function main(): Promise<void> {
  const call = parseCommandLine(process.argv.slice(2));
  const args = await positionalArgs(call);
  Object.assign(process.env, await bootstrapEngine());
  await connection(
    async () => {
      const source = dag.host().directory(repoRoot, { exclude: ["node_modules", "out", ".git"] });
      const kios = new Kios(source, true) as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>;
      const result = await kios[call.fn](...args.map((value) => value?.()));
      if (result instanceof Directory || result instanceof File) console.log(await result.export(call.output));
      else if (result instanceof Container) console.log(`built container ${await result.sync().then((c) => c.id())}`);
      else console.log(result);
    },
    { LogOutput: process.stderr },
  );
}

main().catch((e: Error) => {
  console.error(`kios: ${explainDaggerError(e).message}`);
  process.exit(1);
});
