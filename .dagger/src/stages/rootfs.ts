/**
 * The node's root filesystem: /init, the runtime pieces, the kubelet and
 * the mount helper it runs in /bin (nothing else), /etc, and containerd's store with the preloaded
 * images. Configuration files come from manifests/, rendered with
 * build.toml's cluster options.
 */
import { dag, Directory, File } from "@dagger.io/dagger";
import YAML from "yaml";
import type { StageContext } from "../context.js";

export interface RootfsParts {
  init: File;
  /** containerd and containerd-shim-runc-v2. */
  containerd: Directory;
  runc: File;
  kubelet: File;
  /** bin/mount and bin/umount for the kubelet's volumes. */
  mountHelper: Directory;
  /** A tree holding var/lib/containerd with the preloaded images. */
  store: Directory;
  sandboxImage: string;
  /** What manifests' @NODE_SERVICES_IMAGE@ stands for. */
  nodeServicesImage: string;
  /** Static pod manifests for /etc/kubernetes/manifests. */
  staticPods: Directory;
  /** More executables for /bin (a downstream's); none may replace one of kiOS's. */
  extraBinaries: Directory;
}

export function osRelease(version: string): string {
  return [
    'NAME="kiOS"',
    "ID=kios",
    `VERSION_ID=${version}`,
    `PRETTY_NAME="kiOS ${version}"`,
    'HOME_URL="https://github.com/kios-project/kios"',
    "",
  ].join("\n");
}

/** The kubelet configuration with build.toml's cluster domain. */
export function kubeletConfig(template: string, clusterDomain: string): string {
  const doc = YAML.parseDocument(template);
  doc.set("clusterDomain", clusterDomain);
  return doc.toString();
}

/** The placeholder manifests/pods use for the node services image. */
export const NODE_SERVICES_IMAGE = "@NODE_SERVICES_IMAGE@";

/** A static pod manifest in build.toml's pod namespace, its images resolved. */
export function renderStaticPod(manifest: string, opts: { namespace: string; nodeServicesImage: string }): string {
  const doc = YAML.parseDocument(manifest);
  doc.setIn(["metadata", "namespace"], opts.namespace);
  for (const kind of ["initContainers", "containers"]) {
    const list = doc.getIn(["spec", kind]) as YAML.YAMLSeq<YAML.YAMLMap> | undefined;
    for (const container of list?.items ?? []) {
      if (container.get("image") === NODE_SERVICES_IMAGE) container.set("image", opts.nodeServicesImage);
    }
  }
  return doc.toString();
}

export async function assembleRootfs(ctx: StageContext, parts: RootfsParts, osReleaseText: string): Promise<Directory> {
  const manifests = ctx.source.directory("manifests");
  const { cluster } = ctx.config;
  const containerdConfig = (await manifests.file("containerd/config.toml").contents()).replace("@SANDBOX_IMAGE@", parts.sandboxImage);
  const caBundle = ctx.toolchain([]).file("/etc/ssl/certs/ca-certificates.crt");
  let root = dag
    .directory()
    .withFile("init", parts.init, { permissions: 0o755 })
    .withFile("bin/containerd", parts.containerd.file("containerd"), { permissions: 0o755 })
    .withFile("bin/containerd-shim-runc-v2", parts.containerd.file("containerd-shim-runc-v2"), { permissions: 0o755 })
    .withFile("bin/runc", parts.runc, { permissions: 0o755 })
    .withFile("bin/kubelet", parts.kubelet, { permissions: 0o755 })
    .withDirectory(".", parts.mountHelper)
    .withDirectory("etc", manifests.directory("etc"))
    .withNewFile("etc/os-release", osReleaseText)
    .withFile("etc/ssl/certs/ca-certificates.crt", caBundle)
    .withNewFile("etc/containerd/config.toml", containerdConfig)
    .withNewFile("etc/kubernetes/config.yaml", kubeletConfig(await manifests.file("kubernetes/config.yaml").contents(), cluster.domain))
    .withNewDirectory("etc/kubernetes/manifests")
    .withNewDirectory("etc/kubernetes/pki")
    .withDirectory("var/lib/containerd", parts.store.directory("var/lib/containerd"));
  const extra = await parts.extraBinaries.entries();
  // kiOS's own /bin is listed only when there is something to check against it.
  const ours = new Set(extra.length > 0 ? await root.directory("bin").entries() : []);
  for (const name of extra) {
    if (ours.has(name)) throw new Error(`withBinary: /bin/${name} is kiOS's own; give the binary another name`);
    root = root.withFile(`bin/${name}`, parts.extraBinaries.file(name), { permissions: 0o755 });
  }
  for (const name of await parts.staticPods.entries()) {
    const text = await parts.staticPods.file(name).contents();
    const rendered = renderStaticPod(text, { namespace: cluster.pod_namespace, nodeServicesImage: parts.nodeServicesImage });
    root = root.withNewFile(`etc/kubernetes/manifests/${name}`, rendered);
  }
  for (const dir of ["dev", "proc", "sys", "run", "tmp", "var/log", "var/tmp", "var/cache", "var/run", "var/lib/kubelet"]) {
    root = root.withNewDirectory(dir);
  }
  return root;
}
