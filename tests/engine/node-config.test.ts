/**
 * The release UKI configured at boot, on the test network (real DHCP, NTP,
 * registry and metadata servers in the boot container's own network
 * namespace): node.yaml from the metadata service when there is no config
 * drive, and each kind of bad input leaving a standalone node that says why.
 * (The config drive itself is the build test's smoke boot.)
 */
import { dag, type File } from "@dagger.io/dagger";
import { beforeAll, describe, expect, it } from "vitest";
import type { Kios } from "../../.dagger/src/index.js";
import { parseConsole } from "../../.dagger/src/boot/milestones.js";
import { withKios } from "../support/kios.js";

interface Boot {
  console: string;
  ended: string;
  dnsmasqLog: string;
}

/** A FAT volume labelled KIOS holding `text` as node.yaml, made without checking it (configDrive would refuse it). */
function uncheckedDrive(kios: Kios, text: string): Promise<File> {
  return kios
    .toolchain(["dosfstools", "mtools"])
    .then((c) =>
      c
        .withNewFile("/node.yaml", text)
        .withExec(["mkfs.vfat", "-C", "-n", "KIOS", "/drive.img", "4096"])
        .withExec(["mcopy", "-i", "/drive.img", "/node.yaml", "::/node.yaml"])
        .file("/drive.img"),
    );
}

const POD_NOT_A_POD = "staticPods:\n  - { apiVersion: apps/v1, kind: Deployment, metadata: { name: web }, spec: { containers: [{ name: a, image: b }] } }\n";

/** Each bad input, how it reaches the node, and the error line it must give. */
const badInputs: { what: string; drive?: string; userData?: string; noMetadata?: boolean; error: RegExp }[] = [
  { what: "not YAML", drive: "hostname: [kios\n", error: /node\.yaml on config drive \/dev\/vdb: not valid YAML/ },
  { what: "an unknown key", drive: "hostname: a\nhostnme: b\n", error: /node\.yaml on config drive \/dev\/vdb: hostnme: unknown key/ },
  { what: "a wrong type", drive: "labels: [a, b]\n", error: /node\.yaml on config drive \/dev\/vdb: labels: expected record, found an array/ },
  { what: "a file over 1 MiB", drive: `# ${"x".repeat(1200 * 1024)}\n`, error: /node\.yaml on config drive \/dev\/vdb: 1228803 bytes, over the 1048576-byte limit/ },
  { what: "a manifest that is not a Pod", userData: POD_NOT_A_POD, error: /user data of the metadata service http:\/\/169\.254\.169\.254: staticPods\.0\.apiVersion: .*staticPods\.0\.kind: expected kind "Pod"/ },
  { what: "no drive and no metadata answer", noMetadata: true, error: /no config drive \(a FAT volume labelled KIOS\) and no answer from the metadata service http:\/\/169\.254\.169\.254 in 60 s/ },
];

let imds: Boot;
const bad = new Map<string, Boot>();

/** Runs `jobs` two at a time: each boot takes one of the two cores (TCG). */
async function twoAtATime<T>(jobs: (() => Promise<T>)[]): Promise<T[]> {
  const results: T[] = [];
  let next = 0;
  const lane = async () => {
    while (next < jobs.length) {
      const i = next++;
      results[i] = await jobs[i]!();
    }
  };
  await Promise.all([lane(), lane()]);
  return results;
}

beforeAll(async () => {
  await withKios(async (kios) => {
    const uki = await kios.uki();
    const boot = async (opts: { drive?: File; userData?: File; noMetadata?: boolean; powerOffAfter: string; delay: number }): Promise<Boot> => {
      const run = await kios.bootNode(uki, undefined, opts.drive, opts.userData, opts.noMetadata ?? false, opts.powerOffAfter, opts.delay, 600);
      return { console: run.console, ended: run.ended, dnsmasqLog: await run.networkLogs.file("dnsmasq.log").contents() };
    };
    const jobs: (() => Promise<Boot>)[] = [
      () => boot({ userData: kios.source.file("boot/smoke/metadata-node.yaml"), powerOffAfter: "kios-probe: done", delay: 0 }),
      ...badInputs.map((input) => async () =>
        boot({
          drive: input.drive === undefined ? undefined : await uncheckedDrive(kios, input.drive),
          userData: input.userData === undefined ? undefined : dag.directory().withNewFile("user-data", input.userData).file("user-data"),
          noMetadata: input.noMetadata,
          // Standalone life after the error (long enough for a DHCP lease), then the power button.
          powerOffAfter: "kios-bootstrap: error",
          delay: 25,
        }),
      ),
    ];
    const [first, ...rest] = await twoAtATime(jobs);
    imds = first!;
    badInputs.forEach((input, i) => bad.set(input.what, rest[i]!));
  });
}, 90 * 60_000);

const texts = (boot: Boot) => parseConsole(boot.console).map((l) => l.text);

describe("node.yaml from the metadata service (no config drive)", () => {
  it("names the node and labels it: the kubelet restarted with --node-labels", () => {
    const lines = texts(imds);
    expect(lines).toContainEqual(expect.stringMatching(/^kios-bootstrap: applied user data of the metadata service http:\/\/169\.254\.169\.254: wrote \/etc\/hostname, /));
    expect(lines).toContain("kios-probe: hostname kios-imds");
    expect(lines.find((l) => l.startsWith("kios-probe: kubelet-argv "))).toContain("--node-labels kios.dev/channel=metadata");
    expect(lines).toContainEqual(expect.stringMatching(/^kiOS: started kubelet \(pid \d+\): .*--node-labels kios\.dev\/channel=metadata/));
    expect(imds.ended).toBe("qemu exited");
  });
});

describe("bad node.yaml", () => {
  for (const input of badInputs) {
    it(`${input.what}: one error line naming it, and the node runs on standalone until powered off`, () => {
      const boot = bad.get(input.what)!;
      const lines = texts(boot);
      const errors = lines.filter((l) => l.startsWith("kios-bootstrap: error"));
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatch(input.error);
      expect(errors[0]).toMatch(/; nothing written, the node stays standalone$/);
      // The kubelet was never asked to restart, and ran as it booted: no labels, no kubeconfig.
      expect(lines.filter((l) => l.includes("system socket: restartKubelet"))).toEqual([]);
      const kubelets = lines.filter((l) => l.startsWith("kiOS: started kubelet"));
      expect(kubelets).toHaveLength(1);
      expect(kubelets[0]).toMatch(/: \/bin\/kubelet --config \/etc\/kubernetes\/config\.yaml$/);
      // Still a working node: it kept its DHCP lease, and shut down in order on the power button.
      expect(boot.dnsmasqLog).toMatch(/DHCPACK\(kios0\) 10\.0\.2\.\d+ 52:54:00:6b:69:01/);
      const errorAt = lines.indexOf(errors[0]!);
      expect(lines.slice(errorAt)).toContainEqual(expect.stringMatching(/^kiOS: power button: poweroff requested/));
      expect(lines).toContain("reboot: Power down");
      expect(boot.ended).toBe("qemu exited");
    });
  }
});
