/**
 * kios-node install-cni: what a CNI's install container does, for kiOS's
 * pod network: the plugins this image carries copied onto the node
 * (/opt/cni/bin), then the network's conflist (/etc/cni/net.d), each file
 * replaced whole. containerd notices the conflist and reports the network
 * ready. Pods get addresses from a bridge on the node; there is no NAT and
 * no port mapping chain (both need iptables or nft, which a node has not).
 */
import type { NodeSys } from "./sys.js";

export const CNI_BIN = "/opt/cni/bin";
export const CNI_CONF = "/etc/cni/net.d/10-kios.conflist";
export const CNI_PLUGINS = ["bridge", "host-local", "loopback", "portmap"];

export function kiosConflist(subnet: string): string {
  const conflist = {
    cniVersion: "1.0.0",
    name: "kios",
    plugins: [
      {
        type: "bridge",
        bridge: "cni0",
        isGateway: true,
        hairpinMode: true,
        ipam: { type: "host-local", ranges: [[{ subnet }]], routes: [{ dst: "0.0.0.0/0" }] },
      },
    ],
  };
  return JSON.stringify(conflist, null, 2) + "\n";
}

/** Copies the plugins from `from` (this image) to the host, then writes the conflist. */
export function installCni(sys: NodeSys, hostRoot: string, from: string, subnet: string): void {
  for (const plugin of CNI_PLUGINS) {
    const target = `${hostRoot}${CNI_BIN}/${plugin}`;
    sys.rename(sys.stageCopy(target, `${from}/${plugin}`, 0o755), target);
  }
  const conf = `${hostRoot}${CNI_CONF}`;
  sys.rename(sys.stageFile(conf, kiosConflist(subnet), 0o644), conf);
  sys.report("info", `installed ${CNI_PLUGINS.join(", ")} in ${CNI_BIN} and ${CNI_CONF} (pod subnet ${subnet})`);
}
