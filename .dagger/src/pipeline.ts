/**
 * The release pipeline, read top to bottom like the init's boot phases:
 *
 *   parts -> rootfs -> initramfs -> uki -> sign -> boot -> release
 *
 * Each phase is written once, takes what the phases before it made, and is
 * computed at most once per pipeline; every function of the module that
 * hands out a phase's result (rootfs, initramfs, uki, smokeBoot, build)
 * asks this pipeline for it.
 */
import { Directory, File, Secret } from "@dagger.io/dagger";
import type { StageContext } from "./context.js";
import type { NodeExtensions } from "./extensions.js";
import { NodeParts, nodeInitramfs, nodeParts, nodeRootfs, NodeUki, nodeUki, SmokeBootResult, smokeBoot } from "./node.js";
import { releaseDirectory, reportDirectory } from "./release.js";
import { BuiltKernel, buildKernel } from "./stages/kernel.js";
import { signEfi } from "./stages/sign.js";

/** The phases, in order. */
export const PHASES = ["parts", "rootfs", "initramfs", "uki", "sign", "boot", "release"] as const;
export type Phase = (typeof PHASES)[number];

export interface PipelineInputs {
  ctx: StageContext;
  /** A downstream's additions (with*). */
  ext: NodeExtensions;
  /** The kernel source tree the kernel is built from. */
  kernelSource: Directory;
  /** The Secure Boot key and certificate: without them there is no sign phase and the boot is plain OVMF. */
  signing?: { key: Secret; cert: File };
  /** Any new value forces a fresh smoke boot. */
  nonce?: string;
  /** The PCR 11 signing key: the UKI gets a signed PCR 11 policy, the smoke boot a software TPM and its check. */
  pcrKey?: Secret;
}

export class Pipeline {
  private readonly done = new Map<Phase | "kernel" | "node parts", Promise<unknown>>();

  constructor(private readonly inputs: PipelineInputs) {}

  /** rootfs: the parts, kiOS's static pods and their preloaded images in one tree. */
  rootfs(): Promise<Directory> {
    return this.once("rootfs", async () => nodeRootfs(this.inputs.ctx, await this.nodeParts(), this.inputs.ext));
  }

  /** initramfs: the root filesystem as reproducible cpio archives. */
  initramfs(): Promise<File> {
    return this.once("initramfs", async () => nodeInitramfs(this.inputs.ctx, await this.rootfs()));
  }

  /** uki: kernel, initramfs (and the kernel's modules), command line and os-release, unsigned (with a PCR key, a signed PCR 11 policy too). */
  async uki(): Promise<File> {
    return (await this.nodeUki()).uki;
  }

  /** uki, with a PCR key: the PCR 11 values ukify predicts for the boot phases (pcr11.json). */
  async pcr11(): Promise<File | undefined> {
    return (await this.nodeUki()).pcr11;
  }

  /** sign: the UKI signed for Secure Boot; the unsigned one when no key was given. */
  signed(): Promise<File> {
    return this.once("sign", async () => {
      const { signing } = this.inputs;
      return signing ? signEfi(this.inputs.ctx, await this.uki(), signing.key, signing.cert) : this.uki();
    });
  }

  /** boot: the smoke boot of exactly the UKI the sign phase made (under Secure Boot when signed). */
  boot(): Promise<SmokeBootResult> {
    return this.once("boot", async () => smokeBoot(this.inputs.ctx, await this.signed(), this.inputs.signing?.cert, this.inputs.nonce, await this.pcr11()));
  }

  /** release: both UKIs, the kernel's modules, the boot report and SHA256SUMS. */
  release(): Promise<Directory> {
    return this.once("release", async () => {
      if (!this.inputs.signing) throw new Error("release: a release is signed: give the Secure Boot key and certificate");
      return releaseDirectory(this.inputs.ctx, {
        signed: await this.signed(),
        unsigned: await this.uki(),
        modules: (await this.kernel()).modules,
        report: reportDirectory(await this.boot()),
        pcr11: await this.pcr11(),
      });
    });
  }

  /** uki, computed once: the UKI and, with a PCR key, its prediction. */
  private nodeUki(): Promise<NodeUki> {
    return this.once("uki", async () => {
      // The kernel and the root filesystem's parts compile side by side.
      const [kernel, initramfs] = await Promise.all([this.kernel(), this.initramfs()]);
      return nodeUki(this.inputs.ctx, kernel, [initramfs], this.inputs.ext, this.inputs.pcrKey);
    });
  }

  /** parts, the kernel: the UKI takes it; the rootfs does not wait for it. */
  private kernel(): Promise<BuiltKernel> {
    return this.once("kernel", () => buildKernel(this.inputs.ctx, this.inputs.kernelSource));
  }

  /** parts, the root filesystem's binaries (the kernel's modules go into the UKI on their own). */
  private nodeParts(): Promise<NodeParts> {
    return this.once("node parts", () => nodeParts(this.inputs.ctx, this.inputs.ext));
  }

  private once<T>(phase: Phase | "kernel" | "node parts", run: () => Promise<T>): Promise<T> {
    if (!this.done.has(phase)) this.done.set(phase, run());
    return this.done.get(phase) as Promise<T>;
  }
}
