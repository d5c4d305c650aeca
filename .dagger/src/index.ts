/**
 * kiOS: a minimal Kubernetes node OS. Every build stage is a function of this
 * module; `dagger call build` runs them all.
 */
import { argument, CacheVolume, Container, dag, Directory, File, func, object, Secret } from "@dagger.io/dagger";
import { baseContainer } from "./base.js";
import { BuildConfig, parseBuildConfig } from "./config/index.js";
import { Rebuild, StageContext, stageContext } from "./context.js";
import { bootNode, clusterBoot } from "./node.js";
import { checkBinaryName, checkFragmentName, downstreamOsRelease, type NodeExtensions, staticPodName } from "./extensions.js";
import { KernelBuild } from "./kernel-build.js";
import { NodeBoot } from "./node-boot.js";
import { Pipeline } from "./pipeline.js";
import { reportDirectory } from "./release.js";
import { ReproCheck } from "./repro-check.js";
import { compareBuilds } from "./stages/compare-builds.js";
import { lintCiTemplates } from "./stages/ci-lint.js";
import { buildCniPlugins } from "./stages/cni.js";
import { configDrive } from "./stages/config-drive.js";
import { buildControlPlane } from "./stages/control-plane.js";
import { buildMountHelper } from "./stages/mount-helper.js";
import { buildNodeTools } from "./stages/node-tools.js";
import { buildInit } from "./stages/init.js";
import { debianKernelSource } from "./stages/kernel-source.js";
import { type Signing, signEfi, signingFrom } from "./stages/sign.js";
import { buildKernel, upstreamKernelSource } from "./stages/kernel.js";
import { withDebianPackages } from "./stages/toolchain.js";
import { buildContainerd } from "./stages/containerd.js";
import { buildKubelet } from "./stages/kubelet.js";
import { buildPause } from "./stages/pause.js";
import { buildRunc } from "./stages/runc.js";
import { validateSbom } from "./stages/sbom.js";
import { buildSyft } from "./stages/syft.js";

/** The kiOS build: pinned sources in, a signed UKI out; each stage callable alone. */
@object()
export class Kios {
  source: Directory;
  offline: boolean;
  base?: Container;
  baseArchive?: File;
  goModCache?: CacheVolume;
  goBuildCache?: CacheVolume;
  kernelCcache?: CacheVolume;
  kernelBuildCache?: CacheVolume;
  aptArchives: CacheVolume;
  aptLists: CacheVolume;
  /** A downstream's additions (with*): a prebuilt init, more /bin executables, its os-release. */
  prebuiltInit?: File;
  extraBinaries: Directory;
  osRelease?: string;
  /** The kernel's module signing key (withModuleSigningKey). */
  moduleSigningKey?: Secret;

  /**
   * @param source the kiOS source tree (build.toml, init/, kernel/, manifests/)
   * @param offline import the base image from the host (build.toml base.offline_archive, made by offline-engine/base-image.sh) instead of pulling it from a registry
   * @param base a base build container that replaces build.toml's [base] entirely
   * @param goModCache cache volume for Go's module cache (default: the module's own)
   * @param goBuildCache cache volume for Go's build cache (default: the module's own)
   * @param kernelCcache cache volume for the kernel's ccache (default: the module's own)
   * @param kernelBuildCache cache volume for the kernel's kept build directory (default: the module's own, one per source and toolchain)
   * @param baseArchive with offline: the base image archive itself (e.g. ~/.cache/kios/images/kios-base-trixie.tar); needed under `dagger call`, where the module runs in a container and cannot read the caller's files
   * @param aptArchives cache volume for downloaded Debian packages
   * @param aptLists cache volume for apt's package lists
   */
  constructor(
    @argument({ defaultPath: "/", ignore: ["node_modules", "out", ".git"] }) source: Directory,
    offline = false,
    base?: Container,
    aptArchives?: CacheVolume,
    aptLists?: CacheVolume,
    baseArchive?: File,
    goModCache?: CacheVolume,
    goBuildCache?: CacheVolume,
    kernelCcache?: CacheVolume,
    kernelBuildCache?: CacheVolume,
  ) {
    this.source = source;
    this.offline = offline;
    this.base = base;
    this.baseArchive = baseArchive;
    this.goModCache = goModCache;
    this.goBuildCache = goBuildCache;
    this.kernelCcache = kernelCcache;
    this.kernelBuildCache = kernelBuildCache;
    this.aptArchives = aptArchives ?? dag.cacheVolume("kios-apt-archives");
    this.aptLists = aptLists ?? dag.cacheVolume("kios-apt-lists");
    this.extraBinaries = dag.directory();
  }

  /**
   * The base build container (Debian trixie) with the given Debian packages
   * installed: at the version build.toml's [debian.packages] pins where it
   * pins one, else as given (a name, or name=version).
   *
   * @example dagger call toolchain --packages=gcc,make with-exec --args=gcc,--version stdout
   * @param packages Debian package names, or name=version pins
   */
  @func()
  async toolchain(packages: string[] = []): Promise<Container> {
    const config = await this.loadConfig();
    const pins = config.debian.packages;
    return withDebianPackages(
      baseContainer(config, { override: this.base, offline: this.offline, archive: this.baseArchive }),
      { archives: this.aptArchives, lists: this.aptLists },
      packages.map((p) => (p in pins ? `${p}=${pins[p]}` : p)),
    );
  }

  /**
   * build.toml after validation, as JSON.
   *
   * @example dagger call config
   */
  @func()
  async config(): Promise<string> {
    return JSON.stringify(await this.loadConfig(), null, 2);
  }

  /**
   * This build with another build.toml (pins, release version, kernel
   * command line, cluster options), validated when a stage reads it: errors
   * name the key.
   *
   * @example dagger call with-build-toml --config=./build.toml config
   * @param config a build.toml
   */
  @func()
  withBuildToml(config: File): Kios {
    return this.copy({ source: this.source.withFile("build.toml", config) });
  }

  /**
   * This build with one more kernel config fragment, kernel/<name>, merged
   * in name order with kiOS's (a name kiOS uses replaces that fragment) and
   * checked like them: the kernel fails naming any option it asks for that
   * the final .config does not have.
   *
   * @example dagger call with-kernel-fragment --name=90-wireguard.config --fragment=./wireguard.config kernel config contents
   * @param name the fragment's file name, ending in .config
   * @param fragment its text: CONFIG_ lines
   */
  @func()
  withKernelFragment(name: string, fragment: File): Kios {
    checkFragmentName(name);
    return this.copy({ source: this.source.withFile(`kernel/${name}`, fragment) });
  }

  /**
   * This build with one more static pod in /etc/kubernetes/manifests,
   * rendered into build.toml's pod namespace like kiOS's. The manifest is
   * checked as node.yaml's staticPods are (a v1 Pod, a name not kios-*).
   * Its images must be reachable from the node (a registry, or node.yaml's
   * mirrors).
   *
   * @example dagger call with-static-pod --manifest=./hello.yaml rootfs directory --path=etc/kubernetes/manifests entries
   * @param manifest a Pod manifest (YAML)
   */
  @func()
  async withStaticPod(manifest: File): Promise<Kios> {
    const name = staticPodName(await manifest.contents(), await manifest.name());
    return this.copy({ source: this.source.withFile(`manifests/pods/${name}.yaml`, manifest) });
  }

  /**
   * This build with one more executable in the node's /bin (a static one:
   * the node has no libraries beyond what its own binaries need). It may
   * not replace one of kiOS's.
   *
   * @example dagger call with-binary --binary=./my-agent rootfs directory --path=bin entries
   * @param binary the executable
   * @param name its name in /bin; default: the file's name
   */
  @func()
  async withBinary(binary: File, name?: string): Promise<Kios> {
    const file = name ?? (await binary.name());
    checkBinaryName(file);
    return this.copy({ extraBinaries: this.extraBinaries.withFile(file, binary, { permissions: 0o755 }) });
  }

  /**
   * This build with a prebuilt PID 1 instead of the one built from init/
   * (e.g. a patched kiOS init from your own tree).
   *
   * @example dagger call with-init --init=./init rootfs file --path=init size
   * @param init the static init executable
   */
  @func()
  withInit(init: File): Kios {
    return this.copy({ prebuiltInit: init });
  }

  /**
   * This build under your distro's name: /etc/os-release and the UKI's
   * .osrel say NAME, ID, ID_LIKE=kios and VERSION_ID.
   *
   * @example dagger call with-os-release --name="Acme Node OS" --id=acme rootfs file --path=etc/os-release contents
   * @param name the distro's name (NAME)
   * @param id its os-release ID: lower-case letters, digits, . _ -
   * @param versionId its VERSION_ID; default: build.toml's release version
   */
  @func()
  async withOsRelease(name: string, id: string, versionId?: string): Promise<Kios> {
    const version = versionId ?? (await this.loadConfig()).release.version;
    return this.copy({ osRelease: downstreamOsRelease({ name, id, versionId: version }) });
  }

  /**
   * This build with the kernel's modules signed by `key` instead of a
   * throw-away key made per build directory. Without it the kernel (and so
   * the UKI) differs on every clean build; `repro` needs it.
   *
   * @example dagger call with-module-signing-key --key=file:./module.pem build --key=file:./db.key --cert=./db.crt export --path=out
   * @param key one PEM file: an RSA private key and its X.509 certificate (see the README for the openssl command)
   */
  @func()
  withModuleSigningKey(key: Secret): Kios {
    return this.copy({ moduleSigningKey: key });
  }

  /**
   * The kernel, configured from tinyconfig + the kernel/*.config fragments,
   * built once: a KernelBuild with its `bzImage`, signed `modules`
   * (lib/modules/<release>/), final `config` and build `log`. Fails naming
   * each option a fragment asks for that the final .config does not have.
   *
   * @example dagger call kernel --source=./linux-6.12.111 directory export --path=out/kernel
   * @example dagger call kernel --source=./linux-6.12.111 log contents
   * @param source a kernel source tree; default: build.toml [kernel] tarball_url, checked against tarball_sha256 (offline: Debian's linux-source)
   */
  @func()
  async kernel(source?: Directory): Promise<KernelBuild> {
    const ctx = await this.context();
    const built = await buildKernel(ctx, this.sourceOrDefault(ctx, source), this.moduleSigningKey);
    return new KernelBuild(built.bzImage, built.modules, built.config, built.log);
  }

  /**
   * The kernel source `kernel` builds by default: the upstream tarball of
   * build.toml [kernel], checked against its sha256; offline, Debian's
   * linux-source package pinned in build.toml.
   *
   * @example dagger call kernel-source export --path=./linux
   */
  @func()
  async kernelSource(): Promise<Directory> {
    return this.sourceOrDefault(await this.context());
  }

  /**
   * The init (PID 1): the TypeScript of init/ compiled to one small static
   * executable (QuickJS bytecode + a C syscall module).
   *
   * @example dagger call init export --path=./init.bin
   */
  @func()
  async init(): Promise<File> {
    return buildInit(await this.context());
  }

  /**
   * containerd and containerd-shim-runc-v2, static and version stamped, from
   * the Go module build.toml's [containerd] pins (hash checked).
   *
   * @example dagger call containerd export --path=out/containerd
   */
  @func()
  async containerd(): Promise<Directory> {
    return buildContainerd(await this.context());
  }

  /**
   * runc, statically linked with seccomp (Debian's libseccomp), from the Go
   * module build.toml's [runc] pins (hash checked).
   *
   * @example dagger call runc export --path=out/runc
   */
  @func()
  async runc(): Promise<File> {
    return buildRunc(await this.context());
  }

  /**
   * The kubelet, static, trimmed, stripped and version stamped, from the
   * k8s.io/kubernetes module build.toml's [kubernetes] pins (hash checked),
   * with its staging modules at their published versions.
   *
   * @example dagger call kubelet export --path=out/kubelet
   */
  @func()
  async kubelet(): Promise<File> {
    return buildKubelet(await this.context());
  }

  /**
   * The pod sandbox's pause binary, static, from build/pause of the
   * k8s.io/kubernetes module build.toml's [kubernetes] pins.
   *
   * @example dagger call pause export --path=out/pause
   */
  @func()
  async pause(): Promise<File> {
    return buildPause(await this.context());
  }

  /**
   * The node's root filesystem: /init, /bin (containerd, its runc shim, runc,
   * kubelet), /etc with kiOS's static pods (DHCP, NTP, bootstrap, logs), and
   * containerd's store with their images (pause, node services) preloaded.
   *
   * @example dagger call rootfs export --path=out/rootfs
   */
  @func()
  async rootfs(): Promise<Directory> {
    return (await this.pipeline()).rootfs();
  }

  /**
   * The root filesystem as reproducible cpio archives, concatenated: the
   * kubelet and runc (zstd), the rest of /bin and the image store (lz4), then
   * the rest (lz4).
   *
   * @example dagger call initramfs export --path=out/initramfs.cpio
   */
  @func()
  async initramfs(): Promise<File> {
    return (await this.pipeline()).initramfs();
  }

  /**
   * The release's SBOM, an SPDX 2.3 JSON document, checked by the SPDX
   * project's validator (pyspdxtools): every file of the initramfs with its
   * SHA1 and SHA256 (the root filesystem and the kernel's modules), the Go
   * modules of each Go binary, the Debian packages of each image, the kernel
   * (version, source, .config), and what the init and kios-node are built
   * from (QuickJS, npm packages). Scanned by syft (build.toml [syft]). The
   * UKI carries it as /usr/share/kios/sbom.spdx.json; `build` as kios.spdx.json.
   *
   * @example dagger call sbom export --path=out/kios.spdx.json
   * @param kernelSource a kernel source tree; default: the pinned upstream tarball (offline: Debian's linux-source)
   */
  @func()
  async sbom(kernelSource?: Directory): Promise<File> {
    return (await this.pipeline({ kernelSource })).sbom();
  }

  /**
   * Check an SPDX 2.3 JSON document with the SPDX project's validator
   * (pyspdxtools, build.toml [pypi.packages]), as `sbom` checks its own.
   * Returns a line saying it is valid; fails with the validator's findings.
   *
   * @example dagger call validate-sbom --sbom=out/kios.spdx.json
   * @param sbom the document
   */
  @func()
  async validateSbom(sbom: File): Promise<string> {
    const ctx = await this.context();
    await validateSbom(ctx, sbom);
    return `${await sbom.name()}: a valid SPDX 2.3 document (pyspdxtools ${ctx.config.pypi.packages["spdx-tools"]?.version})`;
  }

  /**
   * The unsigned UKI: systemd-stub with the kernel, the initramfs, build.toml's
   * command line, os-release, uname and SBAT sections; with `pcrKey`, also a
   * PCR 11 signature (.pcrsig) and public key (.pcrpkey) for the boot phases
   * (docs/measured-boot.md).
   *
   * @example dagger call uki export --path=out/kios-unsigned.efi
   * @example dagger call uki --pcr-key=file:./pcr.key export --path=out/kios-unsigned.efi
   * @param kernelSource a kernel source tree; default: the pinned upstream tarball (offline: Debian's linux-source)
   * @param pcrKey the PCR 11 signing key: an RSA private key (PEM)
   */
  @func()
  async uki(kernelSource?: Directory, pcrKey?: Secret): Promise<File> {
    return (await this.pipeline({ kernelSource, pcrKey })).uki();
  }

  /**
   * The values PCR 11 reads at each boot phase of the UKI `uki --pcr-key`
   * makes, as ukify predicts them: {"pcr":11,"bank":"sha256","phases":{"enter-initrd":"<hex>",...}}.
   *
   * @example dagger call pcr-prediction --pcr-key=file:./pcr.key contents
   * @param pcrKey the PCR 11 signing key: an RSA private key (PEM)
   * @param kernelSource a kernel source tree; default: the pinned upstream tarball (offline: Debian's linux-source)
   */
  @func()
  async pcrPrediction(pcrKey: Secret, kernelSource?: Directory): Promise<File> {
    return (await (await this.pipeline({ kernelSource, pcrKey })).pcr11())!;
  }

  /**
   * Sign an EFI binary for Secure Boot (sbsign) and verify it (sbverify):
   * with a key file, or with a key that stays in a PKCS#11 token (sbsign's
   * pkcs11 engine; the PIN is read from its Secret, never put in argv or
   * env). Give exactly one of key and pkcs11Uri. See docs/signing.md.
   *
   * @example dagger call sign --efi=out/kios-unsigned.efi --key=file:./db.key --cert=./db.crt export --path=out/kios.efi
   * @example dagger call sign --efi=out/kios-unsigned.efi --cert=./db.crt --pkcs11-uri="pkcs11:token=kios-db;object=db;type=private" --pkcs11-pin=file:./pin --pkcs11-tokens=./softhsm-tokens export --path=out/kios.efi
   * @param efi the EFI binary, e.g. the unsigned UKI
   * @param key the signing key (PEM), kept secret
   * @param cert the signing certificate (PEM), enrolled in the firmware's db
   * @param pkcs11Uri instead of key: the PKCS#11 URI of the private key in a token (RFC 7512, without a PIN: a pin-value= is refused)
   * @param pkcs11Pin with pkcs11Uri: the token's user PIN (a trailing newline is dropped)
   * @param pkcs11Tokens with pkcs11Uri: a SoftHSM token directory (softhsm2's tokendir) holding the token
   */
  @func()
  async sign(efi: File, key: Secret | null, cert: File, pkcs11Uri?: string, pkcs11Pin?: Secret, pkcs11Tokens?: Directory): Promise<File> {
    const signing = signingFrom("sign", { key, cert, pkcs11Uri, pkcs11Pin, pkcs11Tokens });
    return signEfi(await this.context(), efi, signing);
  }

  /**
   * A Kubernetes control plane for tests: etcd (build.toml [etcd]) and
   * kube-apiserver, kube-controller-manager, kube-scheduler and kubectl from
   * the kubelet's k8s.io/kubernetes; static binaries in one directory.
   *
   * @example dagger call control-plane export --path=out/control-plane
   */
  @func()
  async controlPlane(): Promise<Directory> {
    return buildControlPlane(await this.context());
  }

  /**
   * The CNI reference plugins of a kiOS pod network (bridge, host-local,
   * loopback, portmap) from build.toml [cni_plugins]; static binaries.
   *
   * @example dagger call cni-plugins export --path=out/cni
   */
  @func()
  async cniPlugins(): Promise<Directory> {
    return buildCniPlugins(await this.context());
  }

  /**
   * /bin/mount and /bin/umount of the node (umount a link to mount): the
   * kubelet runs them for its volumes. One static binary, no shell.
   *
   * @example dagger call mount-helper export --path=out/mount-helper
   */
  @func()
  async mountHelper(): Promise<Directory> {
    return buildMountHelper(await this.context());
  }

  /**
   * kios-node, the node tools the static pods run (bootstrap, log reader,
   * DHCP hook): TypeScript on QuickJS, one static executable.
   *
   * @example dagger call node-tools export --path=out/kios-node
   */
  @func()
  async nodeTools(): Promise<File> {
    return buildNodeTools(await this.context());
  }

  /**
   * A config drive for one node: a FAT volume labelled KIOS holding the
   * given node.yaml, which the node's bootstrap pod applies at boot (no
   * rebuild, no re-signing). The YAML is checked first against the schema
   * the node uses: an error names each bad key.
   *
   * @example dagger call config-drive --config=./node.yaml export --path=out/kios-config.img
   * @param config the node's node.yaml
   */
  @func()
  async configDrive(config: File): Promise<File> {
    return configDrive(await this.context(), config, await config.name());
  }

  /**
   * Boot a UKI in QEMU (TCG, OVMF) on a test network of its own: DHCP, DNS,
   * NTP, a registry serving the probe image and an EC2-style metadata
   * service, with forwarding off. The guest's clock starts an hour behind.
   * The power button is pressed `powerOffDelay` seconds after a console line
   * matching `powerOffAfter`.
   *
   * @example dagger call boot-node --uki=out/kios.efi --cert=./db.crt --drive=out/kios-config.img console
   * @param uki the UKI to boot
   * @param cert a db certificate: boot under Secure Boot with it enrolled (the UKI must be signed with its key)
   * @param drive a config drive (see configDrive)
   * @param userData the metadata service's user data (a node.yaml)
   * @param noMetadata no metadata service on the test network
   * @param powerOffAfter a regex of the console line after which to press the power button
   * @param powerOffDelay seconds between that line and the press
   * @param timeout seconds before the boot is stopped
   * @param nonce any new value forces a fresh boot instead of a cached one
   * @param stopAt a regex of a console line at which to stop the boot at once (e.g. the firmware's "Access Denied")
   * @param softwareTpm boot with a software TPM 2.0 (swtpm, QEMU's CRB device): the firmware, systemd-stub and the init measure into it
   */
  @func()
  async bootNode(
    uki: File,
    cert?: File,
    drive?: File,
    userData?: File,
    noMetadata = false,
    powerOffAfter = "kios-probe: done",
    powerOffDelay = 0,
    timeout = 900,
    nonce = "",
    stopAt?: string,
    softwareTpm = false,
  ): Promise<NodeBoot> {
    const run = await bootNode(await this.context(), {
      stopAt,
      uki,
      secureBootCert: cert,
      drive,
      userData,
      noMetadata,
      powerOffAfter: { pattern: powerOffAfter, seconds: powerOffDelay },
      timeoutSeconds: timeout,
      nonce,
      softwareTpm,
    });
    return NodeBoot.of(run);
  }

  /**
   * The cluster test: a control plane built by the pipeline (controlPlane)
   * runs on the test network with a PKI made for this run, and `uki` boots
   * with a config drive that joins it (boot/cluster/node.yaml: API server, CA,
   * bootstrap token). A driver then runs a Deployment on the node through
   * the API server (logs, exec), checks the kubelet refuses anonymous
   * requests, and presses the power button. See NodeBoot.clusterReport.
   *
   * @example dagger call cluster-boot --uki=out/kios.efi --cert=./db.crt cluster-report export --path=out/cluster
   * @param uki the UKI to boot
   * @param cert a db certificate: boot under Secure Boot with it enrolled
   * @param nonce any new value makes a new PKI and a fresh boot instead of a cached one
   */
  @func()
  async clusterBoot(uki: File, cert?: File, nonce = ""): Promise<NodeBoot> {
    return NodeBoot.of(await clusterBoot(await this.context(), uki, cert, nonce));
  }

  /**
   * The smoke boot of a release: the UKI `build` makes (signed with `key`
   * and booted under Secure Boot with `cert` enrolled, or unsigned with plain
   * OVMF), configured by the smoke test's config drive (boot/smoke/node.yaml),
   * until its probe pod is done. Returns the boot report (report.md,
   * report.svg, report.json, console.log, network/); fails with the console's
   * tail on a missed milestone.
   *
   * @example dagger call smoke-boot --key=file:./db.key --cert=./db.crt export --path=out/boot
   * @example dagger call smoke-boot --cert=./db.crt --pkcs11-uri="pkcs11:token=kios-db;object=db;type=private" --pkcs11-pin=file:./pin --pkcs11-tokens=./softhsm-tokens export --path=out/boot
   * @param key Secure Boot signing key (PEM)
   * @param cert its certificate (PEM)
   * @param kernelSource a kernel source tree; default: the pinned upstream tarball (offline: Debian's linux-source)
   * @param nonce any new value forces a fresh boot instead of a cached one
   * @param pkcs11Uri instead of key: the PKCS#11 URI of the signing key in a token (see sign)
   * @param pkcs11Pin with pkcs11Uri: the token's user PIN
   * @param pkcs11Tokens with pkcs11Uri: a SoftHSM token directory holding the token
   * @param pcrKey the PCR 11 signing key (RSA, PEM): the UKI gets a signed PCR 11 policy, and the boot a software TPM; fails unless PCR 11 at each boot phase is ukify's prediction
   */
  @func()
  async smokeBoot(key?: Secret, cert?: File, kernelSource?: Directory, nonce = "", pkcs11Uri?: string, pkcs11Pin?: Secret, pkcs11Tokens?: Directory, pcrKey?: Secret): Promise<Directory> {
    const signing = signingFrom("smokeBoot", { key, cert, pkcs11Uri, pkcs11Pin, pkcs11Tokens }, false);
    return reportDirectory(await (await this.pipeline({ kernelSource, signing, nonce, pcrKey })).boot());
  }

  /**
   * Everything: the signed UKI (kios.efi), the unsigned one, the kernel
   * modules, the report of the smoke boot of that very kios.efi (Markdown
   * and SVG timeline) and SHA256SUMS.
   *
   * @example dagger call build --key=file:./db.key --cert=./db.crt export --path=out
   * @param key Secure Boot signing key (PEM)
   * @param cert its certificate (PEM)
   * @param kernelSource a kernel source tree; default: the pinned upstream tarball (offline: Debian's linux-source)
   * @param nonce any new value forces a fresh smoke boot instead of a cached one
   * @param pcrKey the PCR 11 signing key (RSA, PEM): the UKIs get a signed PCR 11 policy, the release pcr11.json (the predicted values), and the smoke boot a software TPM and their check
   */
  @func()
  async build(key: Secret, cert: File, kernelSource?: Directory, nonce = "", pcrKey?: Secret): Promise<Directory> {
    const signing = signingFrom("build", { key, cert });
    return (await this.pipeline({ kernelSource, signing, nonce, pcrKey })).release();
  }

  /**
   * Build twice and compare: the second build shares no step's result with
   * the first (a new value in every build container's environment), starts
   * from an empty kernel build directory and runs later (another wall
   * clock). With `cold`, Go's build cache and the kernel's ccache are new
   * empty volumes too, so every compiler runs again. Compares the kernel,
   * its config, the modules archive, each initramfs archive and both UKIs
   * byte for byte; any difference fails with diffoscope's report. Needs the
   * module signing key (with-module-signing-key).
   *
   * @example dagger call with-module-signing-key --key=file:./module.pem repro --key=file:./db.key --cert=./db.crt
   * @param key Secure Boot signing key (PEM)
   * @param cert its certificate (PEM)
   * @param kernelSource a kernel source tree; default: the pinned upstream tarball (offline: Debian's linux-source)
   * @param cold also build the second time with empty compiler caches (Go build cache, ccache)
   */
  @func()
  async repro(key: Secret, cert: File, kernelSource?: Directory, cold = false): Promise<ReproCheck> {
    if (!this.moduleSigningKey) {
      throw new Error("repro: no module signing key: give one with with-module-signing-key (a throw-away key makes every kernel build differ)");
    }
    const signing = { key, cert };
    const first = await this.artifactDirectory(await this.pipeline({ kernelSource, signing }));
    await first.sync();
    const freshCaches = cold ? ["kernel-build", "kernel-ccache", "go-build"] : ["kernel-build"];
    const rebuild = { nonce: `${Date.now()}-${Math.random().toString(36).slice(2)}`, freshCaches };
    const started = Date.now();
    const second = await this.artifactDirectory(await this.pipeline({ kernelSource, signing, rebuild }));
    await second.sync();
    const seconds = Math.round((Date.now() - started) / 100) / 10;
    const comparison = await compareBuilds(await this.context(), first, second);
    if (comparison.differing.length) {
      throw new Error(
        `repro: ${comparison.differing.length} of ${comparison.compared.length} files differ between two builds ` +
          `(${comparison.differing.join(", ")}); diffoscope:\n${comparison.report}`,
      );
    }
    const shared = cold ? "Go's module cache (checksummed downloads) and apt's package cache" : "Go's module and build caches, the kernel's ccache, apt's package cache";
    return new ReproCheck(true, comparison.compared, seconds, `every step ran again, from an empty kernel build directory; shared: ${shared}`);
  }

  /**
   * Compare two builds' files byte for byte: each file of `first` with the
   * file of the same path in `second`. Fails with diffoscope's report of
   * the files that differ; returns the names compared.
   *
   * @example dagger call compare-builds --first=./build-a --second=./build-b
   * @param first one build's files
   * @param second the other's, at the same paths
   */
  @func()
  async compareBuilds(first: Directory, second: Directory): Promise<string[]> {
    const comparison = await compareBuilds(await this.context(), first, second);
    if (comparison.differing.length) {
      throw new Error(`compare builds: ${comparison.differing.join(", ")} differ; diffoscope:\n${comparison.report}`);
    }
    return comparison.compared;
  }

  /**
   * Check the CI templates a kiOS user copies: ci/github/*.yml with
   * actionlint (shellcheck on their `run:` scripts), ci/gitlab/.gitlab-ci.yml
   * against GitLab's CI schema with check-jsonschema; both pinned in
   * build.toml. Returns the checkers' report; fails on any problem with the
   * checkers' output, naming each bad file.
   *
   * @example dagger call lint-ci
   * @param source a tree with ci/github/*.yml and ci/gitlab/.gitlab-ci.yml to check instead of the module's source, e.g. --source=./my-templates
   */
  @func()
  async lintCi(source?: Directory): Promise<string> {
    return lintCiTemplates(await this.context(), source ?? this.source);
  }

  /**
   * syft, the scanner behind the release's SBOM, static, from the Go module
   * build.toml's [syft] pins (hash checked). A build tool, not shipped.
   *
   * @example dagger call syft export --path=out/syft
   */
  @func()
  async syft(): Promise<File> {
    return buildSyft(await this.context());
  }

  /** The release pipeline of this build (pipeline.ts). */
  private async pipeline(opts: { kernelSource?: Directory; signing?: Signing; nonce?: string; rebuild?: Rebuild; pcrKey?: Secret } = {}): Promise<Pipeline> {
    const ctx = await this.context(opts.rebuild);
    return new Pipeline({
      ctx,
      ext: this.extensions(),
      kernelSource: this.sourceOrDefault(ctx, opts.kernelSource),
      kernelOrigin: opts.kernelSource ? "given" : this.offline ? "debian" : "upstream",
      moduleSigningKey: this.moduleSigningKey,
      signing: opts.signing,
      nonce: opts.nonce,
      pcrKey: opts.pcrKey,
    });
  }

  /** The given kernel source, or the default: offline, Debian's; else the pinned upstream tarball. */
  private sourceOrDefault(ctx: StageContext, given?: Directory): Directory {
    return given ?? (this.offline ? debianKernelSource(ctx) : upstreamKernelSource(ctx));
  }

  /** The pipeline's artifacts (what a rebuild must reproduce) as one directory. */
  private async artifactDirectory(pipeline: Pipeline): Promise<Directory> {
    return (await pipeline.artifacts()).reduce((dir, a) => dir.withFile(a.name, a.file), dag.directory());
  }

  private async context(rebuild?: Rebuild): Promise<StageContext> {
    return stageContext({
      rebuild,
      config: await this.loadConfig(),
      source: this.source,
      base: this.base,
      offline: this.offline,
      baseArchive: this.baseArchive,
      aptCaches: { archives: this.aptArchives, lists: this.aptLists },
      caches: {
        "go-mod": this.goModCache,
        "go-build": this.goBuildCache,
        "kernel-ccache": this.kernelCcache,
        "kernel-build": this.kernelBuildCache,
      },
    });
  }

  private extensions(): NodeExtensions {
    return { init: this.prebuiltInit, binaries: this.extraBinaries, osRelease: this.osRelease };
  }

  /** This object with `change` applied: with* functions return a new object, this one stays as it is. */
  private copy(change: Partial<Pick<Kios, "source" | "prebuiltInit" | "extraBinaries" | "osRelease" | "moduleSigningKey">>): Kios {
    return Object.assign(Object.create(Kios.prototype) as Kios, this, change);
  }

  private async loadConfig(): Promise<BuildConfig> {
    return parseBuildConfig(await this.source.file("build.toml").contents(), "build.toml");
  }
}
