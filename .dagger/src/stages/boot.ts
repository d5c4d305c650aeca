/**
 * Boot a UKI in QEMU (TCG) with OVMF, from an ESP as EFI/BOOT/BOOTX64.EFI,
 * with the serial console captured by boot/harness.py. Optionally with a
 * config drive (a second virtio disk) and a test network: the guest's NIC on
 * a tap device of this container's own network namespace, where
 * boot/test-network.sh runs DHCP, DNS, NTP, a registry and a metadata
 * service, with forwarding off. Judging the console is left to the caller
 * (see ../boot/).
 */
import { Container, Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import type { ImageArchive } from "./images.js";

export const bootPackages = ["qemu-system-x86", "ovmf", "python3", "mtools", "dosfstools"];
export const testNetworkPackages = ["iproute2", "dnsmasq-base", "chrony", "docker-registry", "skopeo"];

/** The guest's side of the test network (boot/test-network.sh). */
export const TEST_NETWORK = { gateway: "10.0.2.1", registry: "10.0.2.1:5000", metadata: "169.254.169.254" } as const;

export interface TestNetwork {
  /** The metadata service's user data; without it, its user-data answer is 404. */
  userData?: File;
  /** No metadata service at all (nothing answers on 169.254.169.254). */
  noMetadata?: boolean;
  /** Images pushed to the test registry, each at its ref (repository:tag, no registry host). */
  images?: ImageArchive[];
  /**
   * A test control plane on the network (boot/cluster/control-plane.sh) and
   * the test that drives it while the node runs (boot/cluster/cluster-test.sh):
   * its binaries and its PKI.
   */
  cluster?: { bin: Directory; pki: Directory };
}

export interface BootOptions {
  uki: File;
  /** Enrolled OVMF variables: boots with the Secure Boot firmware when given. */
  secureBootVars?: File;
  /** Regex: press the ACPI power button once a console line matches (powerdownDelaySeconds later). */
  powerdownAfter?: string;
  powerdownDelaySeconds?: number;
  /** Regex: stop QEMU once a console line matches (e.g. a firmware refusal). */
  stopAt?: string;
  timeoutSeconds: number;
  /** Any string: a new value forces a fresh boot instead of a cached result. */
  nonce?: string;
  /** A raw disk image attached as a second virtio disk (a config drive). */
  drive?: File;
  /** Boots with the test network: NIC on a tap with servers behind it. */
  network?: TestNetwork;
  /** Starts the guest's clock this many seconds behind this container's. */
  clockBehindSeconds?: number;
  /** Regex: the harness notes this container's wall clock for each console line matching it. */
  stamp?: string;
}

/** A console line's time on this container's wall clock, in ms since the epoch. */
export interface Stamp {
  line: string;
  epochMs: number;
}

export interface BootRun {
  console: string;
  exit: number;
  reason: "qemu exited" | "stop-at matched" | "timeout";
  seconds: number;
  powerdownSent: boolean;
  /** sha256 of the UKI QEMU booted. */
  ukiSha256: string;
  stamps: Stamp[];
  /** The test network's server logs (DHCP, NTP, registry, metadata), when there was one. */
  networkLogs?: Directory;
  /** The DHCP server's log, each line after this container's wall clock in ms ("" without a test network). */
  dhcpLog: string;
}

/**
 * QEMU's most capable TCG CPU without "fast short REP MOV/STOS" (FSRM, FSRS).
 * With them, Linux copies and clears memory with `rep movsb`/`rep stosb`
 * at every size, which TCG emulates a byte per iteration: QEMU 10's `max`
 * has them (7.2's did not), and the kernel took about 2 s longer to unpack
 * the initramfs (README: where the boot goes). Hardware with FSRM runs those
 * instructions fast; this only spares the emulator.
 */
export const QEMU_CPU = "max,-fsrm,-fsrs";

/** QEMU's monitor socket in the boot container (the power button; the cluster test presses it too). */
const MONITOR = "/tmp/qemu-monitor.sock";

/** The container with QEMU, OVMF and the harness (and the test network's servers when asked). */
export function bootContainer(ctx: StageContext, network = false): Container {
  return ctx
    .toolchain(network ? [...bootPackages, ...testNetworkPackages] : bootPackages)
    .withDirectory("/usr/local/lib/kios-boot", ctx.source.directory("boot"), { include: ["*.py", "*.sh", "cluster/*"] })
    .withExec(["sh", "-c", "chmod 755 /usr/local/lib/kios-boot/*.* /usr/local/lib/kios-boot/cluster/*.sh && ln -s /usr/local/lib/kios-boot/harness.py /usr/local/bin/kios-boot-harness"]);
}

/** The test network's inputs as the script takes them: DIR/user-data, DIR/images/<n>.tar and .ref. */
function withTestNetworkInputs(c: Container, network: TestNetwork): Container {
  if (network.userData) c = c.withFile("/net/user-data", network.userData);
  if (network.noMetadata) c = c.withNewFile("/net/no-metadata", "");
  if (network.cluster) c = c.withDirectory("/net/cp-bin", network.cluster.bin).withDirectory("/net/pki", network.cluster.pki);
  (network.images ?? []).forEach((image, i) => {
    c = c.withFile(`/net/images/${i}.tar`, image.archive).withNewFile(`/net/images/${i}.ref`, image.ref);
  });
  return c;
}

export async function bootUki(ctx: StageContext, opts: BootOptions): Promise<BootRun> {
  const secure = opts.secureBootVars !== undefined;
  let c = bootContainer(ctx, opts.network !== undefined)
    .withWorkdir("/boot")
    .withFile("kios.efi", opts.uki)
    .withExec(["mkfs.vfat", "-C", "--invariant", "-n", "KIOS-ESP", "esp.img", "131072"])
    .withExec(["mmd", "-i", "esp.img", "::/EFI", "::/EFI/BOOT"])
    .withExec(["mcopy", "-i", "esp.img", "kios.efi", "::/EFI/BOOT/BOOTX64.EFI"]);
  c = secure
    ? c.withFile("vars.fd", opts.secureBootVars!)
    : c.withExec(["cp", "/usr/share/OVMF/OVMF_VARS_4M.fd", "vars.fd"]);
  const code = secure ? "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd" : "/usr/share/OVMF/OVMF_CODE_4M.fd";
  const harness = ["kios-boot-harness", "--console", "console.log", "--result", "result.json", "--monitor", MONITOR, "--timeout", String(opts.timeoutSeconds)];
  if (opts.powerdownAfter) harness.push("--powerdown-after", opts.powerdownAfter, "--powerdown-delay", String(opts.powerdownDelaySeconds ?? 0));
  if (opts.stopAt) harness.push("--stop-at", opts.stopAt);
  if (opts.stamp) harness.push("--stamp", opts.stamp);
  if (opts.clockBehindSeconds) harness.push("--clock-behind", String(opts.clockBehindSeconds));
  const qemu = [
    "qemu-system-x86_64", "-accel", "tcg", "-cpu", QEMU_CPU, "-m", "1024", "-no-reboot", "-nic", "none",
    "-machine", secure ? "q35,smm=on" : "q35",
    ...(secure ? ["-global", "driver=cfi.pflash01,property=secure,value=on"] : []),
    "-drive", `if=pflash,format=raw,unit=0,readonly=on,file=${code}`,
    "-drive", "if=pflash,format=raw,unit=1,file=vars.fd",
    "-drive", "if=virtio,format=raw,file=esp.img",
  ];
  if (opts.drive) {
    c = c.withFile("drive.img", opts.drive);
    qemu.push("-drive", "if=virtio,format=raw,readonly=on,file=drive.img");
  }
  const setup = ["sha256sum kios.efi | cut -d' ' -f1 > uki.sha256"];
  if (opts.network) {
    c = withTestNetworkInputs(c, opts.network);
    qemu.push("-netdev", "tap,id=net0,ifname=kios0,script=no,downscript=no", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:6b:69:01");
    setup.push("/usr/local/lib/kios-boot/test-network.sh /net >&2");
    if (opts.network.cluster) {
      const cluster = "/usr/local/lib/kios-boot/cluster";
      setup.push(`${cluster}/control-plane.sh /net/cluster /net/cp-bin /net/pki >&2`);
      setup.push(`${cluster}/cluster-test.sh /net/cluster /net/cp-bin /net/pki ${MONITOR} >/net/cluster/driver.log 2>&1 &`);
    }
  }
  const command = ["sh", "-ec", [...setup, 'exec "$@"'].join("\n"), "boot", ...harness, "--", ...qemu];
  const ran = c
    .withEnvVariable("KIOS_BOOT_NONCE", opts.nonce ?? "")
    .withExec(command, { insecureRootCapabilities: opts.network !== undefined });
  const result = JSON.parse(await ran.file("result.json").contents());
  return {
    console: await ran.file("console.log").contents(),
    exit: result.exit,
    reason: result.reason,
    seconds: result.seconds,
    powerdownSent: result.powerdown_sent,
    ukiSha256: (await ran.file("uki.sha256").contents()).trim(),
    stamps: (result.stamps as { line: string; epoch_ms: number }[]).map((s) => ({ line: s.line, epochMs: s.epoch_ms })),
    networkLogs: opts.network
      ? ran.directory("/net").withoutDirectory("registry").withoutDirectory("images").withoutDirectory("cp-bin").withoutDirectory("pki").withoutDirectory("cluster/etcd")
      : undefined,
    dhcpLog: opts.network ? await ran.file("/net/dnsmasq.log").contents() : "",
  };
}
