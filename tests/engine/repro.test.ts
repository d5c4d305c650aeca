/**
 * Bit-for-bit rebuilds, through the module's public functions: `repro`
 * builds the release chain twice (the second time every step runs again,
 * from an empty kernel build directory, later) and compares kernel, config,
 * modules, initramfs archives and both UKIs; `compareBuilds` shows a
 * difference with diffoscope. The second build shares Go's build cache and
 * the kernel's ccache with the first here (npm test's time budget), so
 * compiler non-determinism is not covered by this test: `npm run bench`
 * runs `repro --cold`, with those caches empty too.
 */
import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ReproCheck } from "../../.dagger/src/repro-check.js";
import { withKios } from "../support/kios.js";
import { daggerSigning, makeModuleSigningKey, makeTestKeys, TestKeys } from "../support/secure-boot-keys.js";

let keys: TestKeys;
let check: ReproCheck;
let withoutModuleKey: string;
let mismatch: string;

beforeAll(async () => {
  keys = makeTestKeys();
  const moduleKey = makeModuleSigningKey(keys.dir);
  await withKios(async (kios) => {
    const { key, cert } = daggerSigning(keys);
    withoutModuleKey = await kios.repro(key, cert).then(
      () => "no error",
      (e: Error) => e.message,
    );
    check = await kios.withModuleSigningKey(moduleKey.secret()).repro(key, cert);
    // Two small trees that differ in one line of one file.
    const a = dag.directory().withNewFile("same.txt", "x\n").withNewFile("kernel.config", "CONFIG_A=y\nCONFIG_B=y\n");
    const b = dag.directory().withNewFile("same.txt", "x\n").withNewFile("kernel.config", "CONFIG_A=y\nCONFIG_B=m\n");
    mismatch = await kios.compareBuilds(a, b).then(
      () => "no error",
      (e: Error) => e.message,
    );
  });
}, 3 * 60 * 60_000);

afterAll(() => keys?.remove());

describe("reproducible builds", () => {
  it("gives the same kernel, initramfs archives and UKIs, signed and unsigned, from a second build", () => {
    expect(check.identical).toBe(true);
    expect(check.compared).toEqual(
      expect.arrayContaining(["bzImage", "kernel.config", "modules.cpio.lz4", "kios-unsigned.efi", "kios.efi"]),
    );
    expect(check.compared.filter((f) => f.startsWith("initramfs-")).length).toBeGreaterThanOrEqual(2);
    expect(check.secondBuildSeconds).toBeGreaterThan(0);
    expect(check.secondBuild).toMatch(/empty kernel build directory/);
  });

  it("refuses to check a build whose modules a throw-away key signs", () => {
    expect(withoutModuleKey).toMatch(/no module signing key.*with-module-signing-key/);
  });

  it("fails on a difference with diffoscope's report naming the file and the changed line", () => {
    expect(mismatch).toMatch(/kernel\.config differ/);
    expect(mismatch).toMatch(/-CONFIG_B=y/);
    expect(mismatch).toMatch(/\+CONFIG_B=m/);
    expect(mismatch).not.toMatch(/same\.txt differ/);
  });
});
