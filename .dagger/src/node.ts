/**
 * The stages put together: a node's parts, its root filesystem and
 * initramfs, its UKI, and the boots that prove it works.
 */
import { dag, Directory, File, Secret } from "@dagger.io/dagger";
import { checkPcr11 } from "./boot/pcr11.js";
import { BootReport, bootReport } from "./boot/report.js";
import type { StageContext } from "./context.js";
import { BootRun, bootUki } from "./stages/boot.js";
import { configDrive } from "./stages/config-drive.js";
import { buildCniPlugins } from "./stages/cni.js";
import { clusterNodeYaml, clusterPki } from "./stages/cluster.js";
import { buildControlPlane } from "./stages/control-plane.js";
import { buildContainerd } from "./stages/containerd.js";
import { buildCtr, buildStoreNormalizer, preloadedStore } from "./stages/containerd-store.js";
import { type ImageArchive, pauseImage, probeImage } from "./stages/images.js";
import { buildInit } from "./stages/init.js";
import { packInitramfs } from "./stages/initramfs.js";
import type { NodeExtensions } from "./extensions.js";
import type { BuiltKernel } from "./stages/kernel.js";
import { buildKubelet } from "./stages/kubelet.js";
import { buildMountHelper } from "./stages/mount-helper.js";
import { buildNodeTools } from "./stages/node-tools.js";
import { nodeServicesImage } from "./stages/node-services.js";
import { buildPause } from "./stages/pause.js";
import { assembleRootfs, osRelease } from "./stages/rootfs.js";
import { buildRunc } from "./stages/runc.js";
import { enrolledVars } from "./stages/secureboot.js";
import { buildMeasuredUki, buildUki } from "./stages/uki.js";

/** Everything in the root filesystem that a stage compiles. */
export interface NodeParts {
  init: File;
  containerd: Directory;
  runc: File;
  kubelet: File;
  pause: File;
  /** kios-node: the bootstrap, log reader, DHCP hook and CNI installer of the static pods. */
  nodeTools: File;
  /** The CNI plugins kios-cni installs. */
  cniPlugins: Directory;
  /** bin/mount and bin/umount, which the kubelet runs for its volumes. */
  mountHelper: Directory;
}

/** The parts, with a downstream's prebuilt init in place of ours when it gave one. */
export async function nodeParts(ctx: StageContext, ext: NodeExtensions): Promise<NodeParts> {
  const [containerd, runc, kubelet, pause, nodeTools, cniPlugins] = await Promise.all([
    buildContainerd(ctx),
    buildRunc(ctx),
    buildKubelet(ctx),
    buildPause(ctx),
    buildNodeTools(ctx),
    buildCniPlugins(ctx),
  ]);
  return { init: ext.init ?? buildInit(ctx), containerd, runc, kubelet, pause, nodeTools, cniPlugins, mountHelper: buildMountHelper(ctx) };
}

/** The images preloaded on the node: the pod sandbox (pause), then the node services. */
export function nodeImages(ctx: StageContext, parts: NodeParts): [ImageArchive, ImageArchive] {
  return [pauseImage(ctx, parts.pause), nodeServicesImage(ctx, parts.nodeTools, parts.cniPlugins)];
}

/**
 * The root filesystem: kiOS's static pods (manifests/pods) in place, and
 * their images (pause, node services) preloaded, so first boot pulls nothing.
 */
export async function nodeRootfs(ctx: StageContext, parts: NodeParts, ext: NodeExtensions): Promise<Directory> {
  const [pause, services] = nodeImages(ctx, parts);
  const [ctr, normalizer] = await Promise.all([buildCtr(ctx), buildStoreNormalizer(ctx)]);
  const store = preloadedStore(ctx, parts.containerd, { ctr, normalizer }, [pause, services]);
  return assembleRootfs(
    ctx,
    {
      ...parts,
      store,
      sandboxImage: pause.ref,
      nodeServicesImage: services.ref,
      staticPods: ctx.source.directory("manifests/pods"),
      extraBinaries: ext.binaries,
    },
    ext.osRelease ?? osRelease(ctx.config.release.version),
  );
}

/**
 * The initramfs, as concatenated archives (the kernel unpacks them in turn):
 * the large, rarely changing payload (/bin and containerd's store) apart
 * from the rest (/init, /etc...), so that changing the init or a config file
 * recompresses only a small archive. The payload is zstd: lz4 unpacks faster
 * under TCG but packs bigger, and with the node services image the UKI no
 * longer fits its 48 MB target with containerd in lz4 (52.3 MB measured);
 * the small rest stays lz4 (README: where the boot goes).
 */
export function nodeInitramfsParts(ctx: StageContext, rootfs: Directory): NamedFile[] {
  const payloadDirs = ["bin", "var/lib/containerd"];
  let payload = dag.directory();
  for (const dir of payloadDirs) payload = payload.withDirectory(dir, rootfs.directory(dir));
  let rest = rootfs;
  for (const dir of payloadDirs) rest = rest.withoutDirectory(dir);
  return [
    { name: "initramfs-payload.cpio.zst", file: packInitramfs(ctx, payload, { console: false, compression: "zstd" }) },
    { name: "initramfs-rest.cpio.lz4", file: packInitramfs(ctx, rest, { compression: "lz4" }) },
  ];
}

/** Archives concatenated into one initramfs file. */
export function concatInitramfs(ctx: StageContext, parts: File[]): File {
  return parts
    .reduce((c, part, i) => c.withFile(`/parts/${i}`, part), ctx.toolchain([]))
    .withExec(["sh", "-c", "cat /parts/* > /initramfs.cpio"])
    .file("/initramfs.cpio");
}

/** A build result with the file name it is compared and released under. */
export interface NamedFile {
  name: string;
  file: File;
}

/** The UKI's SBAT: the generation table header and kiOS's own entry. */
export function sbat(version: string): string {
  return [
    "sbat,1,SBAT Version,sbat,1,https://github.com/rhboot/shim/blob/main/SBAT.md",
    `kios,1,kiOS,kios,${version},https://github.com/kios-project/kios`,
    "",
  ].join("\n");
}

/** What the UKI takes from the kernel stage: the kernel and its signed modules. */
export type NodeKernel = Pick<BuiltKernel, "bzImage" | "modules">;

/**
 * The kernel's modules tree (lib/modules/<release>/) as one more initramfs
 * archive, so the node has the modules of its own kernel (kube-proxy's IPVS
 * mode loads them from the host's /lib/modules).
 */
export function modulesInitramfs(ctx: StageContext, modules: Directory): File {
  return packInitramfs(ctx, modules, { console: false, compression: "lz4" });
}

/** The UKI, and with a PCR key the PCR 11 values ukify predicts for its boot phases (pcr11.json). */
export interface NodeUki {
  uki: File;
  pcr11?: File;
}

/**
 * The UKI: `kernel`'s bzImage, then the `initramfs` archives and its modules;
 * .osrel is the node's os-release. With `pcrKey`, also a signed PCR 11 policy.
 */
export function nodeUki(ctx: StageContext, kernel: NodeKernel, initramfs: File[], ext: Pick<NodeExtensions, "osRelease">, pcrKey?: Secret): NodeUki {
  const inputs = {
    kernel: kernel.bzImage,
    initramfs: [...initramfs, modulesInitramfs(ctx, kernel.modules)],
    cmdline: ctx.config.kernel.cmdline,
    osRelease: ext.osRelease ?? osRelease(ctx.config.release.version),
    sbat: sbat(ctx.config.release.version),
  };
  return pcrKey ? buildMeasuredUki(ctx, inputs, pcrKey) : { uki: buildUki(ctx, inputs) };
}

/** PK and KEK made for one boot (their keys are thrown away) around the caller's db certificate. */
export function throwawayCerts(ctx: StageContext, dbCert: File): Directory {
  return ctx
    .toolchain(["openssl"])
    .withWorkdir("/certs")
    .withFile("/certs/db.crt", dbCert)
    .withExec([
      "sh",
      "-ec",
      'for n in PK KEK; do openssl req -new -x509 -newkey rsa:2048 -nodes -sha256 -days 1 -subj "/CN=kiOS smoke $n/" -keyout /tmp/$n.key -out $n.crt 2>/dev/null; done; rm /tmp/*.key',
    ])
    .directory("/certs");
}

/** The guest starts this far behind real time, so that NTP has something to correct. */
export const CLOCK_BEHIND_SECONDS = 3600;

export interface NodeBootInputs {
  /** The UKI to boot, as given (signed or not). */
  uki: File;
  /** A db certificate: boots under Secure Boot with it enrolled (the UKI must be signed with its key). */
  secureBootCert?: File;
  /** A config drive (see configDrive). */
  drive?: File;
  /** The metadata service's user data. */
  userData?: File;
  /** No metadata service on the test network. */
  noMetadata?: boolean;
  /** A test control plane on the network, and the test that drives it (TestNetwork.cluster). */
  cluster?: { bin: Directory; pki: Directory };
  /** Regex of the console line after which to press the power button, and how much later. */
  powerOffAfter?: { pattern: string; seconds: number };
  /** Regex of a console line at which to stop the boot at once. */
  stopAt?: string;
  /** Regex of the console lines to note the wall clock of (default: the probe's clock line). */
  stamp?: string;
  /** How far behind real time the guest's clock starts (default CLOCK_BEHIND_SECONDS). */
  clockBehindSeconds?: number;
  timeoutSeconds: number;
  nonce?: string;
  /** Boots with a software TPM (swtpm). */
  softwareTpm?: boolean;
}

/**
 * Boots a UKI on the test network (DHCP, DNS, NTP, the registry serving the
 * probe image, the metadata service), by default with its clock an hour behind. Returns
 * the run as it went: judging it is the caller's business.
 */
export function bootNode(ctx: StageContext, inputs: NodeBootInputs): Promise<BootRun> {
  return bootUki(ctx, {
    uki: inputs.uki,
    secureBootVars: inputs.secureBootCert ? enrolledVars(ctx, throwawayCerts(ctx, inputs.secureBootCert)) : undefined,
    drive: inputs.drive,
    network: { userData: inputs.userData, noMetadata: inputs.noMetadata, images: [probeImage(ctx)], cluster: inputs.cluster },
    clockBehindSeconds: inputs.clockBehindSeconds ?? CLOCK_BEHIND_SECONDS,
    stamp: inputs.stamp ?? "kios-probe: time ",
    stopAt: inputs.stopAt,
    powerdownAfter: inputs.powerOffAfter?.pattern,
    powerdownDelaySeconds: inputs.powerOffAfter?.seconds,
    timeoutSeconds: inputs.timeoutSeconds,
    nonce: inputs.nonce,
    softwareTpm: inputs.softwareTpm,
  });
}

export interface SmokeBootResult {
  report: BootReport;
  run: Pick<BootRun, "console" | "networkLogs">;
}

/** The smoke test's node.yaml (its probe pods report to the console). */
export const SMOKE_NODE_YAML = "boot/smoke/node.yaml";

/**
 * The smoke boot: `uki` as given (the release's signed UKI, under Secure
 * Boot with `cert` enrolled), configured by the smoke test's config drive,
 * until its probe pod is done and the power button has powered it off.
 * Throws with the console tail on a missed milestone. With `pcr11` (ukify's
 * prediction), boots with a software TPM and throws unless the node's PCR 11
 * at each boot phase is the predicted value.
 */
export async function smokeBoot(ctx: StageContext, uki: File, cert: File | undefined, nonce?: string, pcr11?: File): Promise<SmokeBootResult> {
  const drive = await configDrive(ctx, ctx.source.file(SMOKE_NODE_YAML), SMOKE_NODE_YAML);
  const run = await bootNode(ctx, {
    uki,
    secureBootCert: cert,
    drive,
    powerOffAfter: { pattern: "kios-probe: done", seconds: 0 },
    timeoutSeconds: 900,
    nonce,
    softwareTpm: pcr11 !== undefined,
  });
  const report = bootReport(run);
  if (pcr11) checkPcr11(run.console, JSON.parse(await pcr11.contents()));
  return { report, run };
}

/** The cluster test's node.yaml template (boot/cluster/node.yaml). */
export const CLUSTER_NODE_YAML = "boot/cluster/node.yaml";

/**
 * The cluster test: a control plane built by the pipeline runs on the test
 * network with a PKI made for this run; `uki` boots with a config drive that
 * joins it (API server, CA, bootstrap token), and boot/cluster/cluster-test.sh
 * runs a workload on the node through the API server, then presses the
 * power button. Its findings are in the run's network logs (cluster/results.log).
 */
export async function clusterBoot(ctx: StageContext, uki: File, cert: File | undefined, nonce: string): Promise<BootRun> {
  const bin = await buildControlPlane(ctx);
  const pki = clusterPki(ctx, bin, nonce);
  const yaml = clusterNodeYaml(await ctx.source.file(CLUSTER_NODE_YAML).contents(), await pki.file("ca.crt").contents(), await pki.file("token").contents());
  const drive = await configDrive(ctx, dag.directory().withNewFile("node.yaml", yaml).file("node.yaml"), CLUSTER_NODE_YAML);
  return bootNode(ctx, {
    uki,
    secureBootCert: cert,
    drive,
    cluster: { bin, pki },
    // The test PKI is valid from now on: a node an hour in the past would
    // refuse it until NTP corrects the clock (the smoke boot tests that part).
    clockBehindSeconds: 0,
    stamp: "kiOS: started kubelet|reboot: Power down",
    timeoutSeconds: 1200,
    nonce,
  });
}
