/** kiOS's static pods as a release ships them: manifests/pods rendered with build.toml's namespace and the node services image. */
import fs from "node:fs";
import path from "node:path";
import YAML from "yaml";
import { describe, expect, it } from "vitest";
import { renderStaticPod } from "../../.dagger/src/stages/rootfs.js";

const dir = path.join(__dirname, "../../manifests/pods");
const IMAGE = "kios.local/node-services:9.9.9";

interface Container {
  name: string;
  image: string;
  command: string[];
  args?: string[];
  securityContext?: { privileged?: boolean; readOnlyRootFilesystem?: boolean; capabilities?: { drop?: string[]; add?: string[] } };
  volumeMounts?: { name: string; mountPath: string; readOnly?: boolean }[];
}
interface Pod {
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace: string };
  spec: { hostNetwork?: boolean; restartPolicy?: string; priorityClassName?: string; containers: Container[]; volumes?: { name: string; hostPath?: { path: string } }[] };
}

const pods: Record<string, Pod> = Object.fromEntries(
  fs.readdirSync(dir).map((f) => {
    const pod = YAML.parse(renderStaticPod(fs.readFileSync(path.join(dir, f), "utf8"), { namespace: "kios-system", nodeServicesImage: IMAGE })) as Pod;
    return [pod.metadata.name, pod];
  }),
);
const hostPaths = (pod: Pod) => (pod.spec.volumes ?? []).flatMap((v) => (v.hostPath ? [v.hostPath.path] : []));

describe("static pods", () => {
  it("are the five node services, nothing else, in build.toml's namespace, on the host network, from the preloaded image", () => {
    expect(Object.keys(pods).sort()).toEqual(["kios-bootstrap", "kios-cni", "kios-dhcp", "kios-logs", "kios-ntp"]);
    for (const pod of Object.values(pods)) {
      expect([pod.apiVersion, pod.kind]).toEqual(["v1", "Pod"]);
      expect(pod.metadata.namespace).toBe("kios-system");
      expect(pod.spec.hostNetwork).toBe(true); // no pod network in standalone
      expect(pod.spec.priorityClassName).toBe("system-node-critical");
      for (const c of pod.spec.containers) expect([c.image, (c as { imagePullPolicy?: string }).imagePullPolicy]).toEqual([IMAGE, "Never"]);
    }
  });

  it("DHCP: dhcpcd with the DHCP hook, network capabilities only, writing the host's /etc", () => {
    const [dhcpcd] = pods["kios-dhcp"]!.spec.containers;
    expect(dhcpcd!.command).toEqual(["/usr/sbin/dhcpcd", "--nobackground", "--config", "/etc/dhcpcd.conf", "--script", "/bin/kios-dhcp-hook"]);
    expect(dhcpcd!.securityContext).toEqual({
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"], add: ["NET_ADMIN", "NET_RAW", "NET_BIND_SERVICE"] },
    });
    expect(hostPaths(pods["kios-dhcp"]!)).toEqual(["/etc"]);
  });

  it("NTP: chronyd with SYS_TIME only, a read-only root, its servers on its command line", () => {
    const [chrony] = pods["kios-ntp"]!.spec.containers;
    expect(chrony!.name).toBe("chrony");
    expect(chrony!.command).toEqual(["/usr/sbin/chronyd"]);
    expect(chrony!.securityContext).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"], add: ["SYS_TIME"] } });
    expect(chrony!.args).toContain("pool pool.ntp.org iburst");
    expect(hostPaths(pods["kios-ntp"]!)).toEqual([]);
  });

  it("bootstrap: kios-node bootstrap once per boot, privileged, with the host's /etc and the system socket", () => {
    const pod = pods["kios-bootstrap"]!;
    expect(pod.spec.restartPolicy).toBe("Never");
    expect(pod.spec.containers[0]!.command).toEqual(["/bin/kios-node", "bootstrap"]);
    expect(pod.spec.containers[0]!.securityContext).toEqual({ privileged: true, readOnlyRootFilesystem: true });
    expect(hostPaths(pod).sort()).toEqual(["/etc", "/run/system.sock"]);
  });

  it("logs: one reader per log pipe, read-only, no capabilities", () => {
    const pod = pods["kios-logs"]!;
    expect(pod.spec.containers.map((c) => [c.name, c.command.join(" ")])).toEqual([
      ["containerd", "/bin/kios-node logs /host/var/run/containerd.log"],
      ["kubelet", "/bin/kios-node logs /host/var/run/kubelet.log"],
    ]);
    for (const c of pod.spec.containers) {
      expect(c.securityContext).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
      expect(c.volumeMounts).toEqual([{ name: "pipes", mountPath: "/host/var/run", readOnly: true }]);
    }
  });

  it("CNI: kios-node install-cni, no capabilities, writing only the host's CNI folders", () => {
    const [install] = pods["kios-cni"]!.spec.containers;
    expect(install!.command).toEqual(["/bin/kios-node", "install-cni"]);
    expect(install!.securityContext).toEqual({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
    expect(hostPaths(pods["kios-cni"]!).sort()).toEqual(["/etc/cni/net.d", "/opt/cni/bin"]);
  });

  it("leaves an image that is not the placeholder as it is", () => {
    const text = "apiVersion: v1\nkind: Pod\nmetadata: { name: x }\nspec:\n  containers: [{ name: a, image: docker.io/library/nginx:1 }]\n";
    expect(YAML.parse(renderStaticPod(text, { namespace: "ns", nodeServicesImage: IMAGE })).spec.containers[0].image).toBe("docker.io/library/nginx:1");
  });
});
