/**
 * The kubelet's command line and the hostname, assembled from optional files
 * under /etc. Pure functions, plus one reader that turns the files into inputs.
 */
import type { Sys } from "./sys.js";

export const KUBELET = "/bin/kubelet";
export const KUBELET_CONFIG = "/etc/kubernetes/config.yaml";
export const NODE_LABELS = "/etc/kubernetes/node-labels";
export const NODE_IP = "/etc/kubernetes/node-ip";
export const KUBECONFIG = "/etc/kubernetes/kubelet.conf";
export const BOOTSTRAP_KUBECONFIG = "/etc/kubernetes/bootstrap-kubelet.conf";
export const CREDENTIAL_PROVIDERS = "/etc/kubernetes/credential-providers.yaml";
export const CREDENTIAL_PROVIDER_BIN_DIR = "/usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec";
export const HOSTNAME = "/etc/hostname";

/** What the kubelet's optional flags depend on; absent files are empty/false. */
export interface KubeletInputs {
  nodeLabels: string;
  nodeIp: string;
  hasKubeconfig: boolean;
  hasBootstrapKubeconfig: boolean;
  hasCredentialProviders: boolean;
}

export interface Label {
  key: string;
  value: string;
}

// Kubernetes label syntax: an optional DNS-subdomain prefix and a name of at
// most 63 characters; values are empty or a name.
const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const LABEL_PREFIX = /^[a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?$/;

function validKey(key: string): boolean {
  const slash = key.lastIndexOf("/");
  if (slash < 0) return LABEL_NAME.test(key);
  return LABEL_PREFIX.test(key.slice(0, slash)) && LABEL_NAME.test(key.slice(slash + 1));
}

function validValue(value: string): boolean {
  return value === "" || LABEL_NAME.test(value);
}

/**
 * Reads the node-labels file: one `key: value` per line; `#` starts a
 * comment; blank lines are skipped. Lines that are not a valid label are
 * returned in `rejected` rather than handed to the kubelet (which would refuse
 * to start with any invalid label).
 */
export function parseNodeLabels(text: string): { labels: Label[]; rejected: string[] } {
  const labels: Label[] = [];
  const rejected: string[] = [];
  for (const raw of text.split("\n")) {
    const line = raw.replace(/#.*$/, "").trim();
    if (line === "") continue;
    const colon = line.indexOf(":");
    const key = colon < 0 ? "" : line.slice(0, colon).trim();
    const value = colon < 0 ? "" : line.slice(colon + 1).trim();
    if (colon >= 0 && validKey(key) && validValue(value)) labels.push({ key, value });
    else rejected.push(raw.trim());
  }
  return { labels, rejected };
}

/**
 * The kubelet's argv: `--config` always, every other flag only when its
 * input exists. `--kubeconfig` also comes with a bootstrap kubeconfig alone:
 * it is where the kubelet writes the kubeconfig it bootstraps, and without
 * it the kubelet ignores --bootstrap-kubeconfig and runs standalone.
 */
export function kubeletArgv(inputs: KubeletInputs): string[] {
  const argv = [KUBELET, "--config", KUBELET_CONFIG];
  const labels = parseNodeLabels(inputs.nodeLabels).labels;
  if (labels.length > 0) argv.push("--node-labels", labels.map((l) => `${l.key}=${l.value}`).join(","));
  if (inputs.nodeIp !== "") argv.push("--node-ip", inputs.nodeIp);
  if (inputs.hasKubeconfig || inputs.hasBootstrapKubeconfig) argv.push("--kubeconfig", KUBECONFIG);
  if (inputs.hasBootstrapKubeconfig) argv.push("--bootstrap-kubeconfig", BOOTSTRAP_KUBECONFIG);
  if (inputs.hasCredentialProviders) {
    argv.push("--image-credential-provider-config", CREDENTIAL_PROVIDERS);
    argv.push("--image-credential-provider-bin-dir", CREDENTIAL_PROVIDER_BIN_DIR);
  }
  return argv;
}

/** Reads the kubelet's optional inputs afresh (they change at run time: 0x03 restarts with them). */
export function readKubeletInputs(sys: Sys): KubeletInputs {
  return {
    nodeLabels: sys.readFile(NODE_LABELS) ?? "",
    nodeIp: (sys.readFile(NODE_IP) ?? "").trim(),
    hasKubeconfig: sys.exists(KUBECONFIG),
    hasBootstrapKubeconfig: sys.exists(BOOTSTRAP_KUBECONFIG),
    hasCredentialProviders: sys.exists(CREDENTIAL_PROVIDERS),
  };
}

/** The hostname in /etc/hostname's text: its first line that is neither blank nor a comment, trimmed. */
export function hostnameFrom(text: string | null): string | null {
  const lines = (text ?? "").split("\n").map((line) => line.trim());
  return lines.find((line) => line !== "" && !line.startsWith("#")) ?? null;
}
