/**
 * Boot a UKI in QEMU (TCG) with OVMF (modules/qemu-boot: the ESP, the
 * firmware, the console harness). Optionally with a config drive (a second
 * virtio disk) and kiOS's test network: the guest's NIC on a tap device of
 * the boot container's own network namespace, where boot/test-network.sh
 * runs DHCP, DNS, NTP, a registry and a metadata service, with forwarding
 * off; and on it, optionally, the cluster test (boot/cluster/); optionally
 * with a software TPM (modules/qemu-boot's swtpm). Judging the
 * console is left to the caller (see ../boot/).
 */
import { Container, Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import type { ImageArchive } from "./images.js";
import {
  type BootOptions as QemuBootOptions,
  type BootResult,
  harnessContainer,
  MONITOR_SOCKET,
  QEMU_BOOT_PACKAGES,
  QEMU_CPU,
  readBootRun,
  runBoot,
  SCRIPTS_DIR,
  type Stamp,
} from "../../../modules/qemu-boot/src/boot.js";
import { SOFTWARE_TPM_PACKAGES, softwareTpm } from "../../../modules/qemu-boot/src/tpm.js";

export { QEMU_CPU };
export type { Stamp };

export const bootPackages = QEMU_BOOT_PACKAGES;
export const testNetworkPackages = ["iproute2", "dnsmasq-base", "chrony", "docker-registry", "skopeo"];

/** The console harness, in the qemu-boot module; installed with boot/'s scripts. */
const HARNESS = "modules/qemu-boot/harness.py";

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

export interface BootOptions extends Omit<QemuBootOptions, "prepare" | "setup" | "qemuArgs" | "insecureRootCapabilities"> {
  /** Boots with the test network: NIC on a tap with servers behind it. */
  network?: TestNetwork;
  /** Boots with a software TPM (swtpm) as QEMU's CRB device. */
  softwareTpm?: boolean;
}

export interface BootRun extends BootResult {
  /** The test network's server logs (DHCP, NTP, registry, metadata), when there was one. */
  networkLogs?: Directory;
  /** The DHCP server's log, each line after this container's wall clock in ms ("" without a test network). */
  dhcpLog: string;
}

/** The container with QEMU, OVMF and the harness (and the test network's servers, swtpm, when asked). */
export function bootContainer(ctx: StageContext, network = false, tpm = false): Container {
  return harnessContainer(
    ctx.toolchain([...bootPackages, ...(network ? testNetworkPackages : []), ...(tpm ? SOFTWARE_TPM_PACKAGES : [])]),
    ctx.source.directory("boot").withFile("harness.py", ctx.source.file(HARNESS)),
    { include: ["*.py", "*.sh", "cluster/*"], executables: ["*.*", "cluster/*.sh"] },
  );
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

/** The boot's additions for the test network: its inputs, servers (and cluster test), the guest's NIC. */
function testNetworkBoot(network: TestNetwork): Pick<QemuBootOptions, "prepare" | "setup" | "qemuArgs" | "insecureRootCapabilities"> {
  const setup = [`${SCRIPTS_DIR}/test-network.sh /net >&2`];
  if (network.cluster) {
    const cluster = `${SCRIPTS_DIR}/cluster`;
    setup.push(`${cluster}/control-plane.sh /net/cluster /net/cp-bin /net/pki >&2`);
    setup.push(`${cluster}/cluster-test.sh /net/cluster /net/cp-bin /net/pki ${MONITOR_SOCKET} >/net/cluster/driver.log 2>&1 &`);
  }
  return {
    prepare: (c) => withTestNetworkInputs(c, network),
    setup,
    qemuArgs: ["-netdev", "tap,id=net0,ifname=kios0,script=no,downscript=no", "-device", "virtio-net-pci,netdev=net0,mac=52:54:00:6b:69:01"],
    insecureRootCapabilities: true,
  };
}

export async function bootUki(ctx: StageContext, opts: BootOptions): Promise<BootRun> {
  const { network, softwareTpm: tpm, ...boot } = opts;
  const net = network ? testNetworkBoot(network) : {};
  const swtpm = tpm ? softwareTpm() : undefined;
  const ran = runBoot(bootContainer(ctx, network !== undefined, tpm), {
    ...boot,
    ...net,
    setup: [...(net.setup ?? []), ...(swtpm ? [swtpm.setup] : [])],
    qemuArgs: [...(net.qemuArgs ?? []), ...(swtpm?.qemuArgs ?? [])],
  });
  const run = await readBootRun(ran);
  return {
    ...run,
    networkLogs: network
      ? ran.directory("/net").withoutDirectory("registry").withoutDirectory("images").withoutDirectory("cp-bin").withoutDirectory("pki").withoutDirectory("cluster/etcd")
      : undefined,
    dhcpLog: network ? await ran.file("/net/dnsmasq.log").contents() : "",
  };
}
