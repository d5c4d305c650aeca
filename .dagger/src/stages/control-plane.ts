/**
 * A Kubernetes control plane for tests, built like the node's components:
 * etcd from build.toml's [etcd] pin, and kube-apiserver,
 * kube-controller-manager, kube-scheduler and kubectl from the very
 * k8s.io/kubernetes the kubelet comes from. Static, trimmed, stripped.
 */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, OUT, withPublishedReplaces } from "./go.js";
import { kubernetesTags, kubernetesVersionStamps, withPublishedStaging } from "./kubelet.js";

export const controlPlaneCommands = ["kube-apiserver", "kube-controller-manager", "kube-scheduler", "kubectl"];

/** etcd: the server module's main package, its sibling modules (../api...) at their published version. */
export async function buildEtcd(ctx: StageContext): Promise<File> {
  const pin = ctx.config.etcd;
  const source = await fetchGoModule(ctx, "etcd", pin);
  const stamps = { "go.etcd.io/etcd/api/v3/version.GitSHA": pin.version };
  return (await withPublishedReplaces(ctx, source, "../", pin.version, "etcd's sibling modules"))
    .withExec(goBuildArgs({ pkg: ".", name: "etcd", tags: [], stamps }))
    .file(`${OUT}/etcd`);
}

/** kube-apiserver, kube-controller-manager, kube-scheduler and kubectl. */
export async function buildKubeControlPlane(ctx: StageContext): Promise<Directory> {
  const pin = ctx.config.kubernetes;
  const source = await fetchGoModule(ctx, "kubernetes", pin);
  let workspace = await withPublishedStaging(ctx, source);
  const stamps = kubernetesVersionStamps(ctx, pin);
  for (const name of controlPlaneCommands) {
    workspace = workspace.withExec(goBuildArgs({ pkg: `./cmd/${name}`, name, tags: kubernetesTags, stamps }));
  }
  return workspace.directory(OUT);
}

/** The whole control plane in one directory: etcd and the four Kubernetes commands. */
export async function buildControlPlane(ctx: StageContext): Promise<Directory> {
  const [etcd, kube] = await Promise.all([buildEtcd(ctx), buildKubeControlPlane(ctx)]);
  return kube.withFile("etcd", etcd);
}
