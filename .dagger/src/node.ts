/**
 * The stages put together: a node's parts, its root filesystem and
 * initramfs, its UKI, and the smoke boot that proves it works.
 */
import { dag, Directory, File, Secret } from "@dagger.io/dagger";
import { BootReport, bootReport } from "./boot/report.js";
import type { StageContext } from "./context.js";
import { bootUki } from "./stages/boot.js";
import { buildContainerd } from "./stages/containerd.js";
import { buildCtr, preloadedStore } from "./stages/containerd-store.js";
import { pauseImage, smokeImage } from "./stages/images.js";
import { buildInit } from "./stages/init.js";
import { packInitramfs } from "./stages/initramfs.js";
import type { KernelBuild } from "./stages/kernel.js";
import { buildKubelet } from "./stages/kubelet.js";
import { buildPause } from "./stages/pause.js";
import { assembleRootfs } from "./stages/rootfs.js";
import { buildRunc } from "./stages/runc.js";
import { enrolledVars } from "./stages/secureboot.js";
import { signEfi } from "./stages/sign.js";
import { buildUki } from "./stages/uki.js";

/** Everything in the root filesystem that a stage compiles. */
export interface NodeParts {
  init: File;
  containerd: Directory;
  runc: File;
  kubelet: File;
  pause: File;
}

export async function nodeParts(ctx: StageContext): Promise<NodeParts> {
  const [containerd, runc, kubelet, pause] = await Promise.all([
    buildContainerd(ctx),
    buildRunc(ctx),
    buildKubelet(ctx),
    buildPause(ctx),
  ]);
  return { init: buildInit(ctx), containerd, runc, kubelet, pause };
}

/** The root filesystem with the pause and smoke images preloaded and `staticPods` in place. */
export async function nodeRootfs(ctx: StageContext, parts: NodeParts, staticPods = dag.directory()): Promise<Directory> {
  const pause = pauseImage(ctx, parts.pause);
  const store = preloadedStore(ctx, parts.containerd, await buildCtr(ctx), [pause, smokeImage(ctx)]);
  return assembleRootfs(
    ctx,
    { ...parts, store, sandboxImage: pause.ref, staticPods },
    ctx.config.release.version,
  );
}

/**
 * The initramfs, as concatenated archives (the kernel unpacks them in turn):
 * the large, rarely changing payload (/bin and containerd's store) apart
 * from the rest (/init, /etc...), so that changing the init or a config file
 * recompresses only a small archive. Unpacking zstd is most of the kernel's
 * boot under TCG; lz4 unpacks faster but packs bigger, so the two largest
 * binaries stay zstd and everything else is lz4: the signed UKI stays under
 * its 48 MB target (README: where the boot goes).
 */
export function nodeInitramfs(ctx: StageContext, rootfs: Directory): File {
  const heavy = ["bin", "var/lib/containerd"];
  const dense = ["bin/kubelet", "bin/runc"];
  let payload = dag.directory();
  for (const dir of heavy) payload = payload.withDirectory(dir, rootfs.directory(dir));
  let densePayload = dag.directory();
  for (const file of dense) {
    payload = payload.withoutFile(file);
    densePayload = densePayload.withFile(file, rootfs.file(file));
  }
  let rest = rootfs;
  for (const dir of heavy) rest = rest.withoutDirectory(dir);
  const parts = [
    packInitramfs(ctx, densePayload, { console: false, compression: "zstd" }),
    packInitramfs(ctx, payload, { console: false, compression: "lz4" }),
    packInitramfs(ctx, rest, { compression: "lz4" }),
  ];
  return parts
    .reduce((c, part, i) => c.withFile(`/parts/${i}`, part), ctx.toolchain([]))
    .withExec(["sh", "-c", "cat /parts/* > /initramfs.cpio"])
    .file("/initramfs.cpio");
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
export type NodeKernel = Pick<KernelBuild, "bzImage" | "modules">;

/**
 * The kernel's modules tree (lib/modules/<release>/) as one more initramfs
 * archive, so the node has the modules of its own kernel (kube-proxy's IPVS
 * mode loads them from the host's /lib/modules).
 */
export function modulesInitramfs(ctx: StageContext, modules: Directory): File {
  return packInitramfs(ctx, modules, { console: false, compression: "lz4" });
}

/** The UKI: `kernel`'s bzImage, then the `initramfs` archives and its modules. */
export function nodeUki(ctx: StageContext, kernel: NodeKernel, initramfs: File[], cmdline = ctx.config.kernel.cmdline): File {
  return buildUki(ctx, {
    kernel: kernel.bzImage,
    initramfs: [...initramfs, modulesInitramfs(ctx, kernel.modules)],
    cmdline,
    osRelease: `NAME="kiOS"\nID=kios\nVERSION_ID=${ctx.config.release.version}\n`,
    sbat: sbat(ctx.config.release.version),
  });
}

/** A second initramfs that adds the smoke test's static pod to the node's. */
export function smokeOverlay(ctx: StageContext): File {
  const pod = ctx.source.file("manifests/smoke/smoke.yaml");
  return packInitramfs(ctx, dag.directory().withFile("etc/kubernetes/manifests/kios-smoke.yaml", pod), { console: false });
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

export interface SmokeBootResult {
  report: BootReport;
  console: string;
}

/**
 * Boots the node with the smoke pod added: signed with `signing` and under
 * Secure Boot (its certificate enrolled as db) when given, else unsigned with
 * plain OVMF. Throws with the console tail on a missed milestone.
 */
export async function smokeBoot(
  ctx: StageContext,
  kernel: NodeKernel,
  initramfs: File,
  signing?: { key: Secret; cert: File },
  nonce?: string,
  debug = false,
): Promise<SmokeBootResult> {
  // Debug: the services' output on the console (init/cmdline.ts).
  const cmdline = ctx.config.kernel.cmdline + (debug ? " kios.log=console" : "");
  let uki = nodeUki(ctx, kernel, [initramfs, smokeOverlay(ctx)], cmdline);
  let secureBootVars: File | undefined;
  if (signing) {
    uki = signEfi(ctx, uki, signing.key, signing.cert);
    secureBootVars = enrolledVars(ctx, throwawayCerts(ctx, signing.cert));
  }
  const run = await bootUki(ctx, {
    uki,
    secureBootVars,
    powerdownAfter: "kios-smoke: done",
    timeoutSeconds: 600,
    nonce,
  });
  return { report: bootReport(run.console), console: run.console };
}
