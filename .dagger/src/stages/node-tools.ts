/**
 * kios-node: the node tools (bootstrap, log reader, DHCP hook) as one static
 * QuickJS executable, built like the init (node/build.sh). Its npm
 * dependencies (zod, yaml) come from the npm registry at the versions and
 * sha512 integrity of package-lock.json, so the node validates node.yaml
 * with the very schema the module uses.
 */
import { Container, Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { initPackages } from "./init.js";

/** The npm packages node/ bundles (none has dependencies of its own). */
export const nodeToolsNpmPackages = ["yaml", "zod"];

export interface NpmPin {
  name: string;
  version: string;
  /** Subresource integrity: "sha512-<base64>". */
  integrity: string;
  url: string;
}

/** The pins of `names` in a package-lock.json (lockfile v3); fails naming a missing one. */
export function npmPins(lockText: string, names: string[]): NpmPin[] {
  const lock = JSON.parse(lockText) as { packages?: Record<string, { version?: string; integrity?: string; resolved?: string }> };
  return names.map((name) => {
    const entry = lock.packages?.[`node_modules/${name}`];
    if (!entry?.version || !entry.integrity?.startsWith("sha512-")) {
      throw new Error(`package-lock.json: no version and sha512 integrity for ${name}`);
    }
    const url = entry.resolved ?? `https://registry.npmjs.org/${name}/-/${name.split("/").pop()}-${entry.version}.tgz`;
    return { name, version: entry.version, integrity: entry.integrity, url };
  });
}

/** node_modules/<name> for each pin: downloaded, checked against its sha512, unpacked. */
export function npmModules(ctx: StageContext, pins: NpmPin[]): Directory {
  let c: Container = ctx.toolchain(["curl", "openssl"]).withWorkdir("/deps");
  for (const pin of pins) {
    c = c.withExec([
      "sh",
      "-ec",
      [
        'curl -fsSL --retry 3 -o pkg.tgz "$1"',
        'got="sha512-$(openssl dgst -sha512 -binary pkg.tgz | base64 -w0)"',
        '[ "$got" = "$2" ] || { echo "npm $3: $1 has $got, package-lock.json pins $2" >&2; exit 1; }',
        'mkdir -p "node_modules/$3" && tar -xzf pkg.tgz --strip-components=1 -C "node_modules/$3" && rm pkg.tgz',
      ].join("\n"),
      "npm-fetch",
      pin.url,
      pin.integrity,
      pin.name,
    ]);
  }
  return c.directory("/deps/node_modules");
}

export async function buildNodeTools(ctx: StageContext): Promise<File> {
  const pins = npmPins(await ctx.source.file("package-lock.json").contents(), nodeToolsNpmPackages);
  return ctx
    .toolchain(initPackages)
    .withDirectory("/deps/node_modules", npmModules(ctx, pins))
    .withDirectory("/src/node", ctx.source.directory("node"), { include: ["**/*.ts", "native/**", "build.sh"], exclude: ["**/*.test.ts", "test/**"] })
    .withDirectory("/src/.dagger/src", ctx.source.directory(".dagger/src"), { include: ["node-config/**", "config/issues.ts"] })
    .withEnvVariable("NODE_PATH", "/deps/node_modules")
    .withExec(["sh", "/src/node/build.sh", "/src", "/out/kios-node"])
    .file("/out/kios-node");
}
