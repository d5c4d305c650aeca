/**
 * The release pipeline, read top to bottom like the init's boot phases:
 *
 *   parts -> rootfs -> sbom -> initramfs -> uki -> sign -> boot -> release
 *
 * Each phase is written once, takes what the phases before it made, and is
 * computed at most once per pipeline; every function of the module that
 * hands out a phase's result (rootfs, initramfs, uki, smokeBoot, build)
 * asks this pipeline for it.
 */
import { Directory, File, Secret } from "@dagger.io/dagger";
import type { StageContext } from "./context.js";
import type { NodeExtensions } from "./extensions.js";
import {
  concatInitramfs,
  modulesInitramfs,
  NamedFile,
  nodeImages,
  NodeParts,
  nodeInitramfsParts,
  nodeParts,
  nodeRootfs,
  NodeUki,
  nodeUki,
  SmokeBootResult,
  smokeBoot,
} from "./node.js";
import { releaseDirectory, reportDirectory } from "./release.js";
import { BuiltKernel, buildKernel } from "./stages/kernel.js";
import { buildSbom, type KernelOrigin, sbomInitramfs } from "./stages/sbom.js";
import { type Signing, signEfi } from "./stages/sign.js";

/** The phases, in order. */
export const PHASES = ["parts", "rootfs", "sbom", "initramfs", "uki", "sign", "boot", "release"] as const;
export type Phase = (typeof PHASES)[number];

export interface PipelineInputs {
  ctx: StageContext;
  /** A downstream's additions (with*). */
  ext: NodeExtensions;
  /** The kernel source tree the kernel is built from. */
  kernelSource: Directory;
  /** Where that source came from, for the SBOM (default "given"). */
  kernelOrigin?: KernelOrigin;
  /** Signs the kernel's modules; without it a throw-away key does and the build is not reproducible. */
  moduleSigningKey?: Secret;
  /** The Secure Boot key (a key file or a PKCS#11 token's) and certificate: without them there is no sign phase and the boot is plain OVMF. */
  signing?: Signing;
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

  /** sbom: the SPDX document of the initramfs files, the kernel, the images and what they are built from, validated. */
  sbom(): Promise<File> {
    return this.once("sbom", async () => {
      const { ctx, ext, kernelOrigin } = this.inputs;
      const [rootfs, kernel, parts] = await Promise.all([this.rootfs(), this.kernel(), this.nodeParts()]);
      return buildSbom(ctx, { rootfs, kernel, kernelOrigin: kernelOrigin ?? "given", images: nodeImages(ctx, parts), ownInit: !ext.init });
    });
  }

  /** initramfs: the root filesystem as reproducible cpio archives, concatenated. */
  async initramfs(): Promise<File> {
    return concatInitramfs(this.inputs.ctx, (await this.initramfsParts()).map((p) => p.file));
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
      return signing ? signEfi(this.inputs.ctx, await this.uki(), signing) : this.uki();
    });
  }

  /** boot: the smoke boot of exactly the UKI the sign phase made (under Secure Boot when signed). */
  boot(): Promise<SmokeBootResult> {
    return this.once("boot", async () => smokeBoot(this.inputs.ctx, await this.signed(), this.inputs.signing?.cert, this.inputs.nonce, await this.pcr11()));
  }

  /** release: both UKIs, the kernel's modules, the SBOM, the boot report and SHA256SUMS. */
  release(): Promise<Directory> {
    return this.once("release", async () => {
      if (!this.inputs.signing) throw new Error("release: a release is signed: give the Secure Boot key and certificate");
      return releaseDirectory(this.inputs.ctx, {
        signed: await this.signed(),
        unsigned: await this.uki(),
        modules: (await this.kernel()).modules,
        sbom: await this.sbom(),
        report: reportDirectory(await this.boot()),
        pcr11: await this.pcr11(),
      });
    });
  }

  /**
   * What a rebuild from the same inputs must reproduce byte for byte, by
   * file name: the kernel, its config and modules archive, each initramfs
   * archive, the SBOM, the unsigned and (when keys were given) the signed UKI.
   */
  async artifacts(): Promise<NamedFile[]> {
    const { ctx } = this.inputs;
    const [kernel, parts, sbom, unsigned] = await Promise.all([this.kernel(), this.initramfsParts(), this.sbom(), this.uki()]);
    return [
      { name: "bzImage", file: kernel.bzImage },
      { name: "kernel.config", file: kernel.config },
      { name: "modules.cpio.lz4", file: modulesInitramfs(ctx, kernel.modules) },
      ...parts,
      { name: "kios.spdx.json", file: sbom },
      { name: "initramfs-sbom.cpio.zst", file: sbomInitramfs(ctx, sbom) },
      { name: "kios-unsigned.efi", file: unsigned },
      ...(this.inputs.signing ? [{ name: "kios.efi", file: await this.signed() }] : []),
      ...(this.inputs.pcrKey ? [{ name: "pcr11.json", file: (await this.pcr11())! }] : []),
    ];
  }

  /** The initramfs archives, by name, in the order the kernel unpacks them. */
  private initramfsParts(): Promise<NamedFile[]> {
    return this.once("initramfs", async () => nodeInitramfsParts(this.inputs.ctx, await this.rootfs()));
  }

  /** uki, computed once: the UKI and, with a PCR key, its prediction. */
  private nodeUki(): Promise<NodeUki> {
    return this.once("uki", async () => {
      // The kernel and the root filesystem's parts compile side by side; the SBOM is an archive of its own.
      const [kernel, initramfs, sbom] = await Promise.all([this.kernel(), this.initramfs(), this.sbom()]);
      return nodeUki(this.inputs.ctx, kernel, [initramfs, sbomInitramfs(this.inputs.ctx, sbom)], this.inputs.ext, this.inputs.pcrKey);
    });
  }

  /** parts, the kernel: the UKI takes it; the rootfs does not wait for it. */
  private kernel(): Promise<BuiltKernel> {
    return this.once("kernel", () => buildKernel(this.inputs.ctx, this.inputs.kernelSource, this.inputs.moduleSigningKey));
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
