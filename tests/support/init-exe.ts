/**
 * The built init, for the tests that run it for real on the host (in
 * namespaces) or in QEMU:
 * - initExecutable(): the `init` stage's executable, exported from the engine;
 * - initTestAssets(): the stand-in services, the QEMU test's kernel and an
 *   initramfs around the executable (init/test/build-assets.sh), built in a
 *   pipeline container with the Debian packages build.toml pins.
 * Exports go to a fresh temporary folder per test process.
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pinnedPackages } from "../../.dagger/src/context.js";
import { withDebianDownloads } from "../../.dagger/src/stages/toolchain.js";
import { withKios } from "./kios.js";

const outDir = mkdtempSync(join(tmpdir(), "kios-init-"));

const assetPackages = ["gcc", "gcc-14", "libc6-dev", "linux-libc-dev", "cpio", "xz-utils"];
const testKernel = "linux-image-6.12.117+deb13-amd64";

let executable: Promise<string> | undefined;

/** The path of the built init executable. */
export function initExecutable(): Promise<string> {
  executable ??= withKios(async (kios) => (await kios.init()).export(join(outDir, "init")));
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
  assets ??= withKios(async (kios) => {
    const ctx = await kios["context"]();
    const [kernelPin] = pinnedPackages(ctx.config.debian.packages, [testKernel]);
    const base = withDebianDownloads(
      ctx.toolchain(assetPackages),
      { archives: kios.aptArchives, lists: kios.aptLists },
      [kernelPin],
      "/debs",
    );
    const dir = join(outDir, "assets");
    await base
      .withDirectory("/src/test", ctx.source.directory("init/test"))
      .withFile("/out/init", await kios.init(), { permissions: 0o755 })
      .withEnvVariable("KERNEL_DEBS", "/debs")
      .withExec(["sh", "/src/test/build-assets.sh", "/src/test", "/out", "/out/init"])
      .withExec(["rm", "/out/init"])
      .directory("/out")
      .export(dir);
    return {
      fakeService: join(dir, "fake-service"),
      kernel: join(dir, "vmlinuz"),
      initramfs: join(dir, "initramfs.cpio.gz"),
    };
  });
  return assets;
}
