/**
 * The built init, for the tests that run it for real on the host (in
 * namespaces) or in QEMU:
 * - initExecutable(): the `init` stage's executable, exported from the engine;
 * - initTestAssets(): the stand-in services and an initramfs around the
 *   executable (init/test/build-assets.sh), built in a pipeline container
 *   with the Debian packages build.toml pins;
 * - initTestKernel(): the `kernel` stage's bzImage (from Debian's kernel
 *   source, as the other offline tests build it), which the QEMU test boots.
 * Exports go to a fresh temporary folder per test process.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { withKios } from "./kios.js";

const outDir = mkdtempSync(join(tmpdir(), "kios-init-"));

const assetPackages = ["gcc", "gcc-14", "libc6-dev", "linux-libc-dev", "cpio"];

let executable: Promise<string> | undefined;

/** The path of the built init executable. */
export function initExecutable(): Promise<string> {
  executable ??= withKios(async (kios) => (await kios.init()).export(join(outDir, "init")));
  return executable;
}

export interface InitTestAssets {
  /** The stand-in for containerd and kubelet (test/fake-service.c), static. */
  fakeService: string;
  /** An uncompressed initramfs: the init as /init, the stand-ins, a node's /etc. */
  initramfs: string;
}

let assets: Promise<InitTestAssets> | undefined;

export function initTestAssets(): Promise<InitTestAssets> {
  assets ??= withKios(async (kios) => {
    const dir = join(outDir, "assets");
    await (await kios.toolchain(assetPackages))
      .withDirectory("/src/test", kios.source.directory("init/test"))
      .withFile("/out/init", await kios.init(), { permissions: 0o755 })
      .withExec(["sh", "/src/test/build-assets.sh", "/src/test", "/out", "/out/init"])
      .withExec(["rm", "/out/init"])
      .directory("/out")
      .export(dir);
    return { fakeService: join(dir, "fake-service"), initramfs: join(dir, "initramfs.cpio") };
  });
  return assets;
}

let kernel: Promise<string> | undefined;

/** The path of kiOS's kernel (bzImage): a cold build takes about 13 minutes here, a cached one seconds. */
export function initTestKernel(): Promise<string> {
  kernel ??= withKios(async (kios) => (await kios.kernel()).bzImage.export(join(outDir, "bzImage")));
  return kernel;
}
