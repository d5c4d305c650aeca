/**
 * The built init, for the tests that run it for real. One function each:
 * - initExecutable(): the static PID 1 executable (init/build.sh);
 * - initTestAssets(): the stand-in services, the QEMU test's kernel and an
 *   initramfs around the executable (init/test/build-assets.sh).
 * Both build inside the local Debian trixie image (kios-base:trixie, made by
 * ci/base-image.sh) with Docker, and cache the result under
 * $HOME/.cache/kios/init/ keyed on the hash of their inputs. A missing Docker
 * or image is an error with a clear message, never a skip.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, readdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";

const run = promisify(execFile);
const INIT_DIR = resolve(dirname(fileURLToPath(import.meta.url)), "../../init");
const BASE_IMAGE = "kios-base:trixie";
const CACHE = join(homedir(), ".cache", "kios", "init");

/** Files under `dir` (recursively) that `keep` accepts, as sorted relative paths. */
async function files(dir: string, keep: (path: string) => boolean): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((e) => e.isFile())
    .map((e) => relative(dir, join(e.parentPath, e.name)))
    .filter(keep)
    .sort();
}

async function hashOf(dir: string, paths: string[], extra: string[] = []): Promise<string> {
  const hash = createHash("sha256");
  for (const path of paths) hash.update(path).update("\0").update(await readFile(join(dir, path))).update("\0");
  for (const value of extra) hash.update(value).update("\0");
  return hash.digest("hex").slice(0, 16);
}

async function checkDocker(): Promise<void> {
  try {
    await run("docker", ["image", "inspect", BASE_IMAGE], { maxBuffer: 1 << 24 });
  } catch (error) {
    throw new Error(
      `building the init needs Docker and the local image ${BASE_IMAGE} (ci/base-image.sh makes it): ` +
        (error instanceof Error ? error.message : String(error)),
    );
  }
}

/** Runs `script` from init/ inside the base image with init/ read-only at /src and `out` at /out. */
async function inContainer(out: string, command: string[]): Promise<void> {
  await checkDocker();
  try {
    await run(
      "docker",
      ["run", "--rm", "-v", `${INIT_DIR}:/src:ro`, "-v", `${out}:/out`, BASE_IMAGE, ...command],
      { maxBuffer: 1 << 26, timeout: 20 * 60_000 },
    );
  } catch (error) {
    const e = error as { stderr?: string; message: string };
    throw new Error(`${command.join(" ")} failed in ${BASE_IMAGE}: ${e.message}\n${e.stderr ?? ""}`);
  }
}

/** Builds into a fresh folder, then moves it into place: a cache entry is whole or absent. */
async function cached(key: string, build: (out: string) => Promise<void>): Promise<string> {
  const dir = join(CACHE, key);
  if (existsSync(join(dir, ".complete"))) return dir;
  await mkdir(CACHE, { recursive: true });
  const tmp = await mkdtemp(join(CACHE, ".build-"));
  try {
    await build(tmp);
    await rm(dir, { recursive: true, force: true });
    await rename(tmp, dir);
    await writeFile(join(dir, ".complete"), "");
  } finally {
    await rm(tmp, { recursive: true, force: true });
  }
  return dir;
}

let executable: Promise<string> | undefined;

/** The path of the built init executable. */
export function initExecutable(): Promise<string> {
  executable ??= (async () => {
    const sources = await files(INIT_DIR, (p) => !p.startsWith("test/") && !p.endsWith(".test.ts") && !p.endsWith(".md"));
    const key = `exe-${await hashOf(INIT_DIR, sources)}`;
    const dir = await cached(key, (out) => inContainer(out, ["sh", "/src/build.sh", "/src", "/out/init"]));
    return join(dir, "init");
  })();
  return executable;
}

export interface InitTestAssets {
  /** The stand-in for containerd and kubelet (test/fake-service.c), static. */
  fakeService: string;
  /** The Debian trixie kernel the QEMU test boots. */
  kernel: string;
  /** An initramfs: the init as /init, the stand-ins, the power button module. */
  initramfs: string;
}

let assets: Promise<InitTestAssets> | undefined;

export function initTestAssets(): Promise<InitTestAssets> {
  assets ??= (async () => {
    const exe = await initExecutable();
    const testDir = join(INIT_DIR, "test");
    const sources = await files(testDir, (p) => !p.endsWith(".ts"));
    const key = `assets-${await hashOf(testDir, sources, [await hashOf(dirname(exe), ["init"])])}`;
    const dir = await cached(key, async (out) => {
      await run("cp", [exe, join(out, "init")]);
      await inContainer(out, ["sh", "/src/test/build-assets.sh", "/src/test", "/out", "/out/init"]);
      await rm(join(out, "init"));
    });
    return {
      fakeService: join(dir, "fake-service"),
      kernel: join(dir, "vmlinuz"),
      initramfs: join(dir, "initramfs.cpio.gz"),
    };
  })();
  return assets;
}
