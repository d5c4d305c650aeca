/**
 * What a node.yaml means on the node: the files to write, as a pure
 * function of the configuration and of the node's current files. Nothing is
 * written here (apply.ts does it, all or nothing).
 */
import YAML from "yaml";
import type { NodeConfig, StaticPod } from "../.dagger/src/node-config/schema.js";

/** Files the plan reads and writes, as the host sees them. */
export const PATHS = {
  hostname: "/etc/hostname",
  nodeLabels: "/etc/kubernetes/node-labels",
  kubeletConfig: "/etc/kubernetes/config.yaml",
  manifests: "/etc/kubernetes/manifests",
  ntpManifest: "/etc/kubernetes/manifests/kios-ntp.yaml",
  resolvConf: "/etc/resolv.conf",
  dnsFallback: "/etc/kios/dns-fallback.conf",
  certsD: "/etc/containerd/certs.d",
  clusterCa: "/etc/kubernetes/pki/ca.crt",
  kubeconfig: "/etc/kubernetes/kubelet.conf",
  bootstrapKubeconfig: "/etc/kubernetes/bootstrap-kubelet.conf",
} as const;

export interface FileWrite {
  path: string;
  content: string;
  mode: number;
}

/** The node's files a plan starts from (null: absent). */
export interface CurrentFiles {
  kubeletConfig: string | null;
  ntpManifest: string | null;
  resolvConf: string | null;
}

const file = (path: string, content: string, mode = 0o644): FileWrite => ({ path, content, mode });

export function planNodeFiles(config: NodeConfig, current: CurrentFiles): FileWrite[] {
  const writes: FileWrite[] = [];
  if (config.hostname) writes.push(file(PATHS.hostname, `${config.hostname}\n`));
  if (config.labels) {
    const lines = Object.entries(config.labels).map(([key, value]) => `${key}: ${value}\n`);
    writes.push(file(PATHS.nodeLabels, `# written by kios-bootstrap from node.yaml\n${lines.join("")}`));
  }
  for (const pod of config.staticPods ?? []) writes.push(file(`${PATHS.manifests}/${pod.metadata.name}.yaml`, staticPodManifest(pod)));
  if (config.ntp) {
    if (current.ntpManifest === null) throw new Error(`${PATHS.ntpManifest} is missing: cannot set ntp.servers`);
    writes.push(file(PATHS.ntpManifest, withNtpServers(current.ntpManifest, config.ntp.servers)));
  }
  if (config.dns) {
    const fallback = resolvConf(config.dns.nameservers, config.dns.search ?? []);
    writes.push(file(PATHS.dnsFallback, fallback));
    if (!hasNameserver(current.resolvConf)) writes.push(file(PATHS.resolvConf, fallback));
  }
  for (const [host, endpoints] of Object.entries(config.registries?.mirrors ?? {})) {
    writes.push(file(`${PATHS.certsD}/${host}/hosts.toml`, hostsToml(endpoints)));
  }
  if (config.kubelet || config.cluster) {
    if (current.kubeletConfig === null) throw new Error(`${PATHS.kubeletConfig} is missing`);
    writes.push(file(PATHS.kubeletConfig, mergedKubeletConfig(current.kubeletConfig, config)));
  }
  if (config.cluster) {
    const { server, caCert, bootstrapToken, kubeconfig } = config.cluster;
    writes.push(file(PATHS.clusterCa, caCert.trim() + "\n"));
    if (bootstrapToken) writes.push(file(PATHS.bootstrapKubeconfig, tokenKubeconfig(server, bootstrapToken), 0o600));
    if (kubeconfig) writes.push(file(PATHS.kubeconfig, kubeconfig.endsWith("\n") ? kubeconfig : `${kubeconfig}\n`, 0o600));
  }
  return writes;
}

function staticPodManifest(pod: StaticPod): string {
  return `# written by kios-bootstrap from node.yaml\n${YAML.stringify(pod)}`;
}

/** chronyd's command line (its directives) with node.yaml's servers instead of the release's. */
export function withNtpServers(manifest: string, servers: string[]): string {
  const doc = YAML.parseDocument(manifest);
  const containers = doc.getIn(["spec", "containers"]) as YAML.YAMLSeq<YAML.YAMLMap> | undefined;
  const chrony = containers?.items.find((c) => c.get("name") === "chrony");
  if (!chrony) throw new Error(`${PATHS.ntpManifest}: no chrony container`);
  const args = ((chrony.toJSON() as { args?: string[] }).args ?? []).filter((a) => !/^(server|pool) /.test(a));
  chrony.set("args", [...args, ...servers.map((s) => `server ${s} iburst`)]);
  return doc.toString();
}

export function resolvConf(nameservers: string[], search: string[]): string {
  const lines = ["# written by kiOS", ...(search.length ? [`search ${search.join(" ")}`] : []), ...nameservers.map((n) => `nameserver ${n}`)];
  return lines.join("\n") + "\n";
}

export function hasNameserver(resolv: string | null): boolean {
  return /^\s*nameserver\s+\S/m.test(resolv ?? "");
}

/** containerd's hosts.toml: pull through the mirrors in order. */
export function hostsToml(endpoints: string[]): string {
  const hosts = endpoints.map((url) => `[host."${url}"]\n  capabilities = ["pull", "resolve"]\n`);
  return `# written by kios-bootstrap from node.yaml\n${hosts.join("\n")}`;
}

/**
 * The kubelet's configuration with node.yaml's settings. In a cluster its
 * API is the cluster's to guard: no anonymous requests, callers
 * authenticated (client certificates of the cluster CA, or tokens the API
 * server reviews) and authorized by the API server; its client certificate
 * renewed as it nears expiry.
 */
function mergedKubeletConfig(current: string, config: NodeConfig): string {
  const doc = YAML.parseDocument(current);
  if (config.kubelet) doc.setIn(["logging", "verbosity"], config.kubelet.verbosity);
  if (config.cluster) {
    doc.set("authentication", { anonymous: { enabled: false }, webhook: { enabled: true }, x509: { clientCAFile: PATHS.clusterCa } });
    doc.set("authorization", { mode: "Webhook" });
    doc.set("rotateCertificates", true);
    if (config.cluster.clusterDNS) doc.set("clusterDNS", config.cluster.clusterDNS);
  }
  return doc.toString();
}

function tokenKubeconfig(server: string, token: string): string {
  return YAML.stringify({
    apiVersion: "v1",
    kind: "Config",
    clusters: [{ name: "kios", cluster: { server, "certificate-authority": PATHS.clusterCa } }],
    users: [{ name: "kubelet-bootstrap", user: { token } }],
    contexts: [{ name: "kios", context: { cluster: "kios", user: "kubelet-bootstrap" } }],
    "current-context": "kios",
  });
}
