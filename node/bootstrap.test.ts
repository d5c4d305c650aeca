/**
 * The bootstrap on real files (a temporary folder for the pod's root), a
 * recording mount, and the real metadata server (boot/metadata.py): what it
 * writes for a good node.yaml, from either channel, and that every bad input
 * gives one error line naming the problem and writes nothing.
 */
import { type ChildProcess, spawn } from "node:child_process";
import fs from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import YAML from "yaml";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type BootstrapOptions, runBootstrap } from "./bootstrap.js";
import { PATHS } from "./plan.js";
import { TestNodeSys } from "./test/node-sys.js";

const HOST = "/host";
const NTP_MANIFEST = `apiVersion: v1
kind: Pod
metadata: { name: kios-ntp, namespace: kube-system }
spec:
  containers:
    - name: chrony
      image: kios.local/node-services:0.1.0
      args: [-d, -u, root, "makestep 1 3", "pool pool.ntp.org iburst"]
`;
const KUBELET_CONFIG = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nclusterDomain: cluster.local\n";
const CA = "-----BEGIN CERTIFICATE-----\nMIIBszCCAVmgAwIBAgIUY2FmZQ==\n-----END CERTIFICATE-----\n";

const GOOD = `hostname: node-7
labels:
  topology.kubernetes.io/zone: a
  kios.dev/role: worker
ntp: { servers: [10.0.2.1, time.example.org] }
dns: { nameservers: [10.0.2.1], search: [example.internal] }
registries: { mirrors: { docker.io: ["http://10.0.2.1:5000"] } }
kubelet: { verbosity: 3 }
staticPods:
  - apiVersion: v1
    kind: Pod
    metadata: { name: hello, namespace: default }
    spec: { containers: [{ name: hello, image: docker.io/library/hello:1 }] }
cluster:
  server: https://10.0.2.1:6443
  caCert: |
${CA.replace(/^/gm, "    ").trimEnd()}
  bootstrapToken: abcdef.0123456789abcdef
  clusterDNS: [10.96.0.10]
`;

/** A FAT16 boot sector labelled `label`, as mkfs.vfat -n writes one. */
function fatSector(label: string): Uint8Array {
  const s = new Uint8Array(512);
  s[0x26] = 0x29;
  s.set(Buffer.from(label.padEnd(11, " ")), 0x2b);
  s.set(Buffer.from("FAT16   "), 0x36);
  s[510] = 0x55;
  s[511] = 0xaa;
  return s;
}

let metadataPort = 0;
let metadata: ChildProcess;
const userData = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "kios-md-")), "user-data");

beforeAll(async () => {
  metadataPort = await new Promise<number>((resolve) => {
    const probe = net.createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
  });
  metadata = spawn("python3", [path.join(__dirname, "../boot/metadata.py"), "--listen", "127.0.0.1", "--port", String(metadataPort), "--user-data", userData], {
    stdio: "ignore",
  });
  for (let i = 0; i < 50; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = net.connect(metadataPort, "127.0.0.1");
      socket.on("connect", () => resolve(!!socket.end())).on("error", () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("metadata.py did not listen");
});
afterAll(() => metadata?.kill());

const systems: TestNodeSys[] = [];
afterEach(() => {
  for (const sys of systems.splice(0)) sys.dispose();
  fs.rmSync(userData, { force: true });
});

function options(waitMs = 5_000): BootstrapOptions {
  return { hostRoot: HOST, driveMount: "/run/kios-drive", metadata: { host: "127.0.0.1", port: metadataPort, waitMs }, systemSocket: "/run/system.sock" };
}

/** A pod's view of a fresh node: the host's /etc under /host, block devices, no config anywhere yet. */
function node(devices: Record<string, { label?: string; files?: Record<string, string | Buffer> }> = {}): TestNodeSys {
  const sys = new TestNodeSys();
  systems.push(sys);
  sys.write(`${HOST}${PATHS.kubeletConfig}`, KUBELET_CONFIG);
  sys.write(`${HOST}${PATHS.ntpManifest}`, NTP_MANIFEST);
  sys.write(`${HOST}${PATHS.resolvConf}`, "");
  fs.mkdirSync(sys.at("/sys/class/block"), { recursive: true });
  fs.mkdirSync(sys.at("/run/kios-drive"), { recursive: true });
  sys.write("/dev/vda", fatSector("KIOS-ESP"));
  fs.mkdirSync(sys.at("/sys/class/block/vda"));
  for (const [name, dev] of Object.entries(devices)) {
    sys.write(`/dev/${name}`, dev.label ? fatSector(dev.label) : new Uint8Array(512));
    fs.mkdirSync(sys.at(`/sys/class/block/${name}`));
    const files = fs.mkdtempSync(path.join(os.tmpdir(), "kios-drive-"));
    for (const [f, text] of Object.entries(dev.files ?? {})) fs.writeFileSync(path.join(files, f), text);
    sys.devices.set(`/dev/${name}`, files);
  }
  return sys;
}

/** Every file under the host's root, with its text: to show nothing changed. */
function hostFiles(sys: TestNodeSys): Record<string, string> {
  const dir = sys.at(HOST);
  return Object.fromEntries(
    (fs.readdirSync(dir, { recursive: true }) as string[])
      .filter((f) => fs.statSync(path.join(dir, f)).isFile())
      .sort()
      .map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")]),
  );
}

const mode = (sys: TestNodeSys, p: string) => fs.statSync(sys.at(HOST + p)).mode & 0o777;

describe("bootstrap", () => {
  it("applies node.yaml from the config drive: every file, kubeconfig 0600, then 0x03", () => {
    const sys = node({ vdb: { label: "KIOS", files: { "node.yaml": GOOD } } });
    expect(runBootstrap(sys, options())).toBe(true);
    expect(sys.readFile(HOST + PATHS.hostname)).toBe("node-7\n");
    expect(sys.readFile(HOST + PATHS.nodeLabels)).toContain("topology.kubernetes.io/zone: a\nkios.dev/role: worker\n");
    expect(sys.readFile(HOST + "/etc/kubernetes/manifests/hello.yaml")).toContain("image: docker.io/library/hello:1");
    const ntp = sys.readFile(HOST + PATHS.ntpManifest)!;
    expect(ntp).toContain("- server 10.0.2.1 iburst\n");
    expect(ntp).toContain("- server time.example.org iburst\n");
    expect(ntp).not.toContain("pool.ntp.org");
    expect(ntp).toContain("makestep 1 3");
    expect(sys.readFile(HOST + PATHS.resolvConf)).toBe("# written by kiOS\nsearch example.internal\nnameserver 10.0.2.1\n");
    expect(sys.readFile(HOST + PATHS.dnsFallback)).toBe(sys.readFile(HOST + PATHS.resolvConf));
    expect(sys.readFile(HOST + "/etc/containerd/certs.d/docker.io/hosts.toml")).toContain('[host."http://10.0.2.1:5000"]\n  capabilities = ["pull", "resolve"]');
    const kubelet = sys.readFile(HOST + PATHS.kubeletConfig)!;
    expect(kubelet).toContain("logging:\n  verbosity: 3\n");
    expect(kubelet).toContain("clusterDNS:\n  - 10.96.0.10\n");
    expect(kubelet).toContain("clusterDomain: cluster.local");
    // Joining a cluster secures the kubelet's own API: no anonymous callers, the cluster's CA and webhooks.
    expect(YAML.parse(kubelet)).toMatchObject({
      authentication: { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: PATHS.clusterCa } },
      authorization: { mode: "Webhook" },
      rotateCertificates: true,
    });
    expect(sys.readFile(HOST + PATHS.clusterCa)).toBe(CA);
    const bootstrapConf = sys.readFile(HOST + PATHS.bootstrapKubeconfig)!;
    expect(bootstrapConf).toContain("server: https://10.0.2.1:6443");
    expect(bootstrapConf).toContain("token: abcdef.0123456789abcdef");
    expect(bootstrapConf).toContain(`certificate-authority: ${PATHS.clusterCa}`);
    expect(mode(sys, PATHS.bootstrapKubeconfig)).toBe(0o600);
    expect(mode(sys, PATHS.hostname)).toBe(0o644);
    // The drive was mounted read-only (nosuid, nodev, noexec) and let go; every file staged before any rename; 0x03 last.
    expect(sys.calls[0]).toBe("mount /dev/vdb /run/kios-drive vfat 0xf");
    expect(sys.calls[1]).toBe("umount /run/kios-drive");
    const lastStage = sys.calls.map((c) => c.startsWith("stage ")).lastIndexOf(true);
    const firstRename = sys.calls.findIndex((c) => c.startsWith("rename "));
    expect(lastStage).toBeLessThan(firstRename);
    expect(sys.calls.at(-1)).toBe("send 0x03 to /run/system.sock");
    expect(sys.lines).toEqual([{ level: "info", line: expect.stringMatching(/^applied node.yaml on config drive \/dev\/vdb: wrote \/etc\/hostname, /) }]);
  });

  it("takes a kubeconfig as given instead of a bootstrap token", () => {
    const kubeconfig = "apiVersion: v1\nkind: Config\nclusters: []\n";
    const yaml = `cluster:\n  server: https://api.example:6443\n  caCert: |\n${CA.replace(/^/gm, "    ").trimEnd()}\n  kubeconfig: |\n${kubeconfig.replace(/^/gm, "    ").trimEnd()}\n`;
    const sys = node({ vdb: { label: "KIOS", files: { "node.yaml": yaml } } });
    expect(runBootstrap(sys, options())).toBe(true);
    expect(sys.readFile(HOST + PATHS.kubeconfig)).toBe(kubeconfig);
    expect(mode(sys, PATHS.kubeconfig)).toBe(0o600);
    expect(sys.readFile(HOST + PATHS.bootstrapKubeconfig)).toBeNull();
  });

  it("reads the metadata service (IMDSv2: token, then user data) when there is no drive", () => {
    fs.writeFileSync(userData, "hostname: from-imds\nlabels: { source: imds }\n");
    const sys = node();
    expect(runBootstrap(sys, options())).toBe(true);
    expect(sys.readFile(HOST + PATHS.hostname)).toBe("from-imds\n");
    expect(sys.calls.filter((c) => c.startsWith("mount"))).toEqual([]);
    expect(sys.lines[0]!.line).toMatch(/^applied user data of the metadata service http:\/\/127\.0\.0\.1:\d+: wrote /);
  });

  it("writes nothing and asks nothing a second time: the node already is what node.yaml says", () => {
    const sys = node({ vdb: { label: "KIOS", files: { "node.yaml": GOOD } } });
    runBootstrap(sys, options());
    const sent = sys.calls.filter((c) => c.startsWith("send")).length;
    const before = hostFiles(sys);
    expect(runBootstrap(sys, options())).toBe(true);
    expect(hostFiles(sys)).toEqual(before);
    expect(sys.calls.filter((c) => c.startsWith("send"))).toHaveLength(sent);
    expect(sys.lines.at(-1)!.line).toBe("node.yaml on config drive /dev/vdb is already applied: nothing to write");
  });

  const bad: [string, () => TestNodeSys, RegExp][] = [
    ["not YAML", () => node({ vdb: { label: "KIOS", files: { "node.yaml": "hostname: [node\n" } } }), /node\.yaml on config drive \/dev\/vdb: not valid YAML: .*line 2/],
    ["an unknown key", () => node({ vdb: { label: "KIOS", files: { "node.yaml": "hostname: a\nhostnme: b\n" } } }), /: hostnme: unknown key/],
    ["a wrong type", () => node({ vdb: { label: "KIOS", files: { "node.yaml": "labels: [a, b]\n" } } }), /: labels: expected record, found an array/],
    ["a file over 1 MiB", () => node({ vdb: { label: "KIOS", files: { "node.yaml": `# ${"x".repeat(1024 * 1024)}\n` } } }), /node\.yaml on config drive \/dev\/vdb: 1048579 bytes, over the 1048576-byte limit/],
    ["a manifest that is not a Pod", () => node({ vdb: { label: "KIOS", files: { "node.yaml": "staticPods:\n  - { apiVersion: apps/v1, kind: Deployment, metadata: { name: web }, spec: { containers: [{ name: a, image: b }] } }\n" } } }), /: staticPods\.0\.apiVersion: expected apiVersion "v1", found "apps\/v1"; staticPods\.0\.kind: expected kind "Pod" \(only Pods can be static pods\), found "Deployment"/],
    ["a drive without node.yaml", () => node({ vdb: { label: "KIOS", files: { "other.yaml": "x: 1\n" } } }), /config drive \/dev\/vdb \(label KIOS\) has no node\.yaml/],
    ["a bad cluster section", () => node({ vdb: { label: "KIOS", files: { "node.yaml": "cluster: { server: http://api:6443, caCert: x, bootstrapToken: short }\n" } } }), /cluster\.server: expected an https:\/\/ API server URL, found "http:\/\/api:6443"; cluster\.caCert: .*; cluster\.bootstrapToken: expected a bootstrap token/],
    ["no drive and no metadata answer", () => node(), /no config drive \(a FAT volume labelled KIOS\) and no answer from the metadata service http:\/\/127\.0\.0\.1:1 in 3 s \(connect 127\.0\.0\.1:1: ECONNREFUSED\)/],
  ];
  for (const [what, make, error] of bad) {
    it(`refuses ${what}: one error line, nothing written, no restart`, () => {
      const sys = make();
      const before = hostFiles(sys);
      // Port 1: nothing listens there.
      const noServer = what.startsWith("no drive") ? { metadata: { host: "127.0.0.1", port: 1, waitMs: 3_000 } } : {};
      expect(runBootstrap(sys, { ...options(), ...noServer })).toBe(false);
      expect(sys.lines).toHaveLength(1);
      expect(sys.lines[0]!.level).toBe("error");
      expect(sys.lines[0]!.line).toMatch(error);
      expect(sys.lines[0]!.line).toMatch(/; nothing written, the node stays standalone$/);
      expect(hostFiles(sys)).toEqual(before);
      expect(sys.calls.filter((c) => !c.startsWith("mount") && !c.startsWith("umount"))).toEqual([]);
    });
  }

  it("is all or nothing: a write that fails leaves no file changed and nothing staged behind", () => {
    const sys = node({ vdb: { label: "KIOS", files: { "node.yaml": GOOD } } });
    sys.failWrites.add(HOST + PATHS.clusterCa);
    const before = hostFiles(sys);
    expect(runBootstrap(sys, options())).toBe(false);
    expect(hostFiles(sys)).toEqual(before);
    expect(sys.calls.some((c) => c.startsWith("send"))).toBe(false);
    expect(sys.lines).toEqual([{ level: "error", line: `error: applying node.yaml on config drive /dev/vdb: open ${HOST}${PATHS.clusterCa}: ENOSPC` }]);
  });
});
