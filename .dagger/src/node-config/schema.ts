/**
 * node.yaml: one node's configuration, read at boot from its config drive or
 * its metadata service (no rebuild, no re-signing). This schema is the only
 * definition: the module's `configDrive` validates with it, and so does the
 * bootstrap pod on the node (node/, bundled for QuickJS).
 */
import YAML from "yaml";
import { z } from "zod";

const DNS_LABEL = "[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?";
const dnsSubdomain = new RegExp(`^${DNS_LABEL}(\\.${DNS_LABEL})*$`);

/** RFC 1123: what the kubelet accepts as a node name. */
const hostname = z
  .string()
  .max(253, { message: "a hostname of at most 253 characters" })
  .regex(dnsSubdomain, { message: "a hostname (lowercase RFC 1123 labels separated by dots)" });

const ipv4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const ipv6 = /^[0-9a-fA-F:]*:[0-9a-fA-F:.]*$/;
const ipAddress = z.string().refine((v) => ipv4.test(v) || ipv6.test(v), { message: "an IP address" });
const hostOrIp = z
  .string()
  .refine((v) => ipv4.test(v) || ipv6.test(v) || dnsSubdomain.test(v), { message: "a host name or IP address" });

// Kubernetes label syntax: an optional DNS-subdomain prefix, a name of at most 63 characters.
const LABEL_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?$/;
const labelKey = z.string().refine(
  (key) => {
    const slash = key.lastIndexOf("/");
    if (slash < 0) return LABEL_NAME.test(key);
    const prefix = key.slice(0, slash);
    return prefix.length <= 253 && dnsSubdomain.test(prefix) && LABEL_NAME.test(key.slice(slash + 1));
  },
  { message: "a label key ([prefix/]name, name of at most 63 characters)" },
);
const labelValue = z.string().regex(/^([A-Za-z0-9]([A-Za-z0-9._-]{0,61}[A-Za-z0-9])?)?$/, {
  message: "a label value (at most 63 characters: letters, digits, '-', '_', '.')",
});

const pemCertificate = z
  .string()
  .regex(/^\s*(-----BEGIN CERTIFICATE-----\r?\n[A-Za-z0-9+/=\r\n]+-----END CERTIFICATE-----\s*)+$/, {
    message: "PEM certificates (-----BEGIN CERTIFICATE----- ...)",
  });

/** A registry mirror endpoint as containerd's hosts.toml takes it. */
const registryEndpoint = z.string().regex(/^https?:\/\/[A-Za-z0-9.-]+(:\d{1,5})?(\/[^\s]*)?$/, {
  message: "a registry URL (http:// or https://host[:port][/path])",
});

/** kiOS's own static pods are named kios-*: node.yaml cannot replace them. */
export const RESERVED_POD_PREFIX = "kios-";

/** A static pod: checked enough that the kubelet will take it, the rest passed through as given. */
export const StaticPodSchema = z.looseObject({
  apiVersion: z.literal("v1", { message: 'apiVersion "v1"' }),
  kind: z.literal("Pod", { message: 'kind "Pod" (only Pods can be static pods)' }),
  metadata: z.looseObject({
    name: z
      .string()
      .max(253)
      .regex(dnsSubdomain, { message: "a Pod name (a DNS subdomain)" })
      .refine((name) => !name.startsWith(RESERVED_POD_PREFIX), { message: `a Pod name not starting with "${RESERVED_POD_PREFIX}" (kiOS's own pods)` }),
  }),
  spec: z.looseObject({
    containers: z.array(z.looseObject({ name: z.string(), image: z.string() })).min(1, { message: "at least one container" }),
  }),
});

function isKubeconfig(text: string): boolean {
  try {
    return (YAML.parse(text) as { kind?: unknown } | null)?.kind === "Config";
  } catch {
    return false;
  }
}

/** What the cluster-join work uses: where the API server is and how the kubelet proves who it is. */
const cluster = z
  .strictObject({
    /** The API server, e.g. https://10.0.2.1:6443. */
    server: z.string().regex(/^https:\/\/[^\s/]+(:\d{1,5})?\/?$/, { message: "an https:// API server URL" }),
    /** The cluster CA that signed the API server's certificate. */
    caCert: pemCertificate,
    /** A bootstrap token (TLS bootstrapping): the kubelet asks for its own certificate. */
    bootstrapToken: z.string().regex(/^[a-z0-9]{6}\.[a-z0-9]{16}$/, { message: "a bootstrap token ([a-z0-9]{6}.[a-z0-9]{16})" }).optional(),
    /** Or a complete kubeconfig for the kubelet (YAML text). */
    kubeconfig: z.string().refine(isKubeconfig, { message: "a kubeconfig (YAML text with kind: Config)" }).optional(),
    /** The cluster DNS service's addresses, for the kubelet's clusterDNS. */
    clusterDNS: z.array(ipAddress).optional(),
  })
  .refine((c) => (c.bootstrapToken === undefined) !== (c.kubeconfig === undefined), {
    message: "exactly one of bootstrapToken and kubeconfig",
  });

export const NodeConfigSchema = z.strictObject({
  /** The node's hostname, and so its Node name. */
  hostname: hostname.optional(),
  /** Node labels, given to the kubelet as --node-labels. */
  labels: z.record(labelKey, labelValue).optional(),
  ntp: z.strictObject({ servers: z.array(hostOrIp).min(1, { message: "at least one NTP server" }) }).optional(),
  /** Name servers when DHCP gives none. */
  dns: z.strictObject({
    nameservers: z.array(ipAddress).min(1, { message: "at least one name server" }).max(3, { message: "at most 3 name servers" }),
    search: z.array(z.string().regex(dnsSubdomain, { message: "a search domain" })).max(6).optional(),
  }).optional(),
  /** Registry mirrors, e.g. { "docker.io": ["http://10.0.2.1:5000"] }: containerd's certs.d hosts files. */
  registries: z.strictObject({
    mirrors: z.record(z.string().regex(/^[A-Za-z0-9.-]+(:\d{1,5})?$/, { message: "a registry host[:port]" }), z.array(registryEndpoint).min(1)),
  }).optional(),
  kubelet: z.strictObject({
    /** The kubelet's log verbosity (klog -v). */
    verbosity: z.int().min(0).max(10, { message: "a verbosity from 0 to 10" }),
  }).optional(),
  /** More static pods for /etc/kubernetes/manifests. */
  staticPods: z.array(StaticPodSchema).optional(),
  cluster: cluster.optional(),
});

export type NodeConfig = z.infer<typeof NodeConfigSchema>;
export type StaticPod = z.infer<typeof StaticPodSchema>;

/** node.yaml may be at most this big, wherever it comes from. */
export const NODE_CONFIG_MAX_BYTES = 1024 * 1024;
