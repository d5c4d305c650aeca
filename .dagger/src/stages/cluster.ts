/**
 * What the cluster test needs around a node: a PKI made per run with
 * openssl (boot/cluster/pki.sh), and the node.yaml that joins the node to
 * the test's control plane, filled in from that PKI.
 */
import { Directory } from "@dagger.io/dagger";
import YAML from "yaml";
import type { StageContext } from "../context.js";

/** The test PKI: CA, API server and client certificates, kubeconfigs, a bootstrap token. `nonce` makes a new one. */
export function clusterPki(ctx: StageContext, controlPlane: Directory, nonce: string): Directory {
  return ctx
    .toolchain(["openssl"])
    .withFile("/usr/local/bin/kubectl", controlPlane.file("kubectl"), { permissions: 0o755 })
    .withFile("/pki.sh", ctx.source.file("boot/cluster/pki.sh"), { permissions: 0o755 })
    .withEnvVariable("KIOS_PKI_NONCE", nonce)
    .withExec(["/pki.sh", "/pki", "kubectl"])
    .directory("/pki");
}

/** The cluster node.yaml template with the PKI's CA and token filled in. */
export function clusterNodeYaml(template: string, caCert: string, token: string): string {
  const doc = YAML.parseDocument(template);
  doc.setIn(["cluster", "caCert"], caCert);
  doc.setIn(["cluster", "bootstrapToken"], token.trim());
  return doc.toString();
}
