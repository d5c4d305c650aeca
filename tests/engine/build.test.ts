/**
 * The whole chain on the real engine, called as a user does (`dagger call
 * build ... export`): `build` compiles every stage, makes
 * the initramfs and the UKI, signs it, smoke-boots it under Secure Boot in
 * QEMU, and hands out the release directory.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { dag } from "@dagger.io/dagger";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { BootReport } from "../../.dagger/src/boot/report.js";
import { dagger, offlineArgs } from "../../offline-engine/dagger-call.js";
import { withKios } from "../support/kios.js";
import { daggerSigning, makeModuleSigningKey, makeTestKeys, TestKeys } from "../support/secure-boot-keys.js";

let keys: TestKeys;
let out: string;
let log = "";
let report: BootReport;
let moduleKeyPem = "";

beforeAll(async () => {
  keys = makeTestKeys();
  out = fs.mkdtempSync(path.join(os.tmpdir(), "kios-build-"));
  const moduleKey = makeModuleSigningKey(keys.dir);
  moduleKeyPem = fs.readFileSync(moduleKey.path, "utf8");
  // What a user runs (the README): the CLI loads the module and calls build; its log is the engine's progress.
  const run = await dagger([
    "call", ...offlineArgs(), "with-module-signing-key", `--key=file:${moduleKey.path}`,
    "build", `--key=file:${keys.dbKeyPath}`, `--cert=${keys.certs.db}`, "export", `--path=${out}`,
  ]);
  log = run.stdout + run.stderr;
  if (run.status !== 0) throw new Error(`dagger call build exited ${run.status}:\n${run.stderr.slice(-4000)}`);
  report = JSON.parse(fs.readFileSync(path.join(out, "boot-report.json"), "utf8"));
}, 3 * 60 * 60_000);

afterAll(() => {
  keys?.remove();
  if (out) fs.rmSync(out, { recursive: true, force: true });
});

function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)))
    .sort();
}

describe("build", () => {
  it("hands out the signed and unsigned UKIs, the modules, the SBOM, the boot report and SHA256SUMS", () => {
    const files = filesUnder(out);
    for (const f of ["kios.efi", "kios-unsigned.efi", "kios.spdx.json", "boot-report.md", "boot-report.svg", "boot-report.json", "SHA256SUMS"]) {
      expect(files).toContain(f);
    }
    expect(files.some((f) => /^modules\/lib\/modules\/[^/]+\/kernel\/.+\.ko(\.\w+)?$/.test(f))).toBe(true);
  });

  it("lists every other file in SHA256SUMS with its real checksum", () => {
    const sums = fs
      .readFileSync(path.join(out, "SHA256SUMS"), "utf8")
      .trim()
      .split("\n")
      .map((l) => l.split(/\s+/, 2) as [string, string]);
    expect(sums.map(([, f]) => f).sort()).toEqual(filesUnder(out).filter((f) => f !== "SHA256SUMS"));
    for (const [sum, file] of sums) {
      expect(createHash("sha256").update(fs.readFileSync(path.join(out, file))).digest("hex"), file).toBe(sum);
    }
  });

  it("signs kios.efi and leaves kios-unsigned.efi unsigned", async () => {
    const verify = (file: string) =>
      withKios(async (kios) =>
        (await kios.toolchain(["sbsigntool"]))
          .withFile("/x.efi", dag.host().file(path.join(out, file)))
          .withFile("/db.crt", daggerSigning(keys).cert)
          .withExec(["sbverify", "--cert", "/db.crt", "/x.efi"], { expect: "ANY" as never })
          .exitCode(),
      );
    expect(await verify("kios.efi")).toBe(0);
    expect(await verify("kios-unsigned.efi")).not.toBe(0);
  }, 600_000);

  it("smoke-booted the very kios.efi it hands out, through every milestone, in order", () => {
    expect(report.ukiSha256).toBe(createHash("sha256").update(fs.readFileSync(path.join(out, "kios.efi"))).digest("hex"));
    expect(report.milestones.map((m) => m.name)).toEqual([
      "kernel banner",
      "init started",
      "containerd ready",
      "kubelet started",
      "probe done",
      "powered off",
    ]);
    const times = report.milestones.map((m) => m.ms);
    expect([...times].sort((a, b) => a - b)).toEqual(times);
    expect(report.initExecToRuntimeMs).toBeGreaterThan(0);
    expect(report.pid1RssKb).toBeGreaterThan(0);
  });

  it("took its address, name server and domain from the test network's DHCP server (the kios-dhcp pod and its hook)", () => {
    expect(report.lease.address).toMatch(/^10\.0\.2\.(5\d|[6-9]\d)\/24$/);
    // Not node.yaml's fallback (10.0.2.53): the lease's.
    expect(report.lease.nameservers).toEqual(["10.0.2.1"]);
    expect(report.lease.search).toEqual(["kios.test"]);
    expect(report.events.lease).toBeGreaterThan(report.milestones[3]!.ms); // after the kubelet started the pod
  });

  it("became what its config drive says: hostname, and the kubelet restarted with the labels", () => {
    expect(report.hostname).toBe("kios-smoke");
    expect(report.kubeletArgv).toMatch(/^\/bin\/kubelet --config \/etc\/kubernetes\/config\.yaml --node-labels (kios\.dev\/smoke=true,topology\.kubernetes\.io\/zone=test-a|topology\.kubernetes\.io\/zone=test-a,kios\.dev\/smoke=true)$/);
    expect(report.events.configApplied).toBeGreaterThan(report.milestones[3]!.ms);
  });

  it("set its clock by NTP: chrony stepped it by the hour it started behind, and it then agreed with the test's clock", () => {
    expect(Math.abs(report.clock.steppedBySeconds - 3600)).toBeLessThan(60);
    expect(Math.abs(report.clock.offsetAfterSeconds)).toBeLessThanOrEqual(3);
  });

  it("had containerd and the kubelet back within 1 s each of ten kills", () => {
    for (const service of ["containerd", "kubelet"] as const) {
      expect(report.restartMs[service], service).toHaveLength(10);
      for (const ms of report.restartMs[service]) expect(ms, service).toBeLessThan(1000);
    }
  });

  it("reaped every orphan: 100 and more reaped by PID 1, no zombie left", () => {
    expect(report.orphans.reaped).toBeGreaterThanOrEqual(100);
    expect(report.orphans.zombies).toBe(0);
  });

  it("read 2 MiB of the kubelet's log through its pipe, and the kubelet still answered", () => {
    expect(report.kubeletLog.bytes).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    expect(report.kubeletLog.healthz).toBe("ok");
  });

  it("shows a small host: only the runtime pieces, the kubelet and its mount helper in /bin, no shell, three processes plus shims", () => {
    expect(report.bin).toEqual(["containerd", "containerd-shim-runc-v2", "kubelet", "mount", "runc", "umount"]);
    expect(report.shells).toEqual([]);
    const { kiOS, containerd, kubelet, ...rest } = report.hostProcesses;
    expect([kiOS, containerd, kubelet]).toEqual([1, 1, 1]);
    expect(Object.keys(rest)).toEqual(["containerd-shim"]); // comm is cut at 15 characters
  });

  it("runs kiOS's service pods to the end of the boot, under kiOS's os-release", () => {
    for (const pod of ["kios-dhcp", "kios-ntp", "kios-logs", "probe"]) expect(report.podsRunning[`${pod}-kios-smoke`], pod).toBe(0);
    expect(report.osRelease).toMatchObject({ NAME: "kiOS", ID: "kios" });
  });

  it("has its kernel's signed modules: a pod loads one under Secure Boot", () => {
    expect(report.modules).toEqual(["ip_vs_rr loaded"]);
  });

  it("mounts as specified: nosuid and noexec everywhere, nodev where no devices live, /bin and /lib read-only", () => {
    const options = (mp: string) => {
      const m = report.mounts.find((x) => x.mountpoint === mp);
      expect(m, `mount ${mp}`).toBeDefined();
      return m!.options.split(",");
    };
    for (const mp of ["/proc", "/sys", "/run", "/tmp", "/var/cache", "/var/tmp", "/var/lib/kubelet", "/sys/fs/cgroup"]) {
      expect(options(mp)).toEqual(expect.arrayContaining(["nosuid", "nodev", "noexec"]));
    }
    for (const mp of ["/dev", "/dev/pts"]) {
      expect(options(mp)).toEqual(expect.arrayContaining(["nosuid", "noexec"]));
      expect(options(mp)).not.toContain("nodev");
    }
    for (const mp of ["/bin", "/lib"]) expect(options(mp)).toEqual(expect.arrayContaining(["ro", "nosuid", "nodev"]));
  });

  it("ships kiOS's five static pods and their two images, and no test pod, test image or shell", async () => {
    const listing = await withKios(async (kios) =>
      (await kios.toolchain([]))
        .withDirectory("/r", await kios.rootfs())
        .withExec([
          "sh",
          "-c",
          [
            "ls /r/etc/kubernetes/manifests",
            "echo ---",
            "for ref in kios.local/pause kios.local/node-services kios-test/probe; do grep -q $ref /r/var/lib/containerd/io.containerd.metadata.v1.bolt/meta.db && echo $ref present || echo $ref absent; done",
            "echo ---",
            // Every file of every image layer (tar, any compression): none may be a shell.
            "for blob in /r/var/lib/containerd/io.containerd.content.v1.content/blobs/sha256/*; do tar -tf $blob 2>/dev/null; done | grep -E '(^|/)(sh|ash|bash|dash|zsh|busybox)$' || echo none",
          ].join("; "),
        ])
        .stdout(),
    );
    const [manifests, images, shells] = listing.split("---\n");
    expect(manifests!.trim().split("\n")).toEqual(["kios-bootstrap.yaml", "kios-cni.yaml", "kios-dhcp.yaml", "kios-logs.yaml", "kios-ntp.yaml"]);
    expect(images!.trim().split("\n")).toEqual(["kios.local/pause present", "kios.local/node-services present", "kios-test/probe absent"]);
    expect(shells!.trim()).toBe("none");
  }, 600_000);

  it("never shows the signing keys (Secure Boot, modules): not in any output, not in the engine's log", () => {
    const body = (keys.dbKeyPem + moduleKeyPem.slice(0, moduleKeyPem.indexOf("-----END PRIVATE KEY-----")))
      .split("\n")
      .filter((l) => l && !l.startsWith("-----"))
      .filter((l) => l.length >= 40);
    expect(body.length).toBeGreaterThan(5);
    const hits: string[] = [];
    for (const file of filesUnder(out)) {
      const text = fs.readFileSync(path.join(out, file)).toString("latin1");
      if (body.some((l) => text.includes(l))) hits.push(file);
    }
    if (body.some((l) => log.includes(l))) hits.push("engine log");
    expect(log.length).toBeGreaterThan(1000);
    expect(hits).toEqual([]);
  });
});
