import { describe, expect, it } from "vitest";
import { hostnameFrom, kubeletArgv, parseNodeLabels, readKubeletInputs, type KubeletInputs } from "./kubelet.js";
import { FakeSys } from "./test/fake-sys.js";

const none: KubeletInputs = {
  nodeLabels: "",
  nodeIp: "",
  hasKubeconfig: false,
  hasBootstrapKubeconfig: false,
  hasCredentialProviders: false,
};

describe("node-labels", () => {
  it("reads key: value lines, skipping comments, blank lines and whitespace", () => {
    const text = [
      "# Comment",
      "label-name: label-value",
      "",
      "   ",
      "another-label-name:         lots-of-whitespace",
      "final-label: foobar # comments at the end of lines are fine too",
      "example.com/role: worker\t",
      "empty-value:",
      "",
    ].join("\n");
    expect(parseNodeLabels(text)).toEqual({
      labels: [
        { key: "label-name", value: "label-value" },
        { key: "another-label-name", value: "lots-of-whitespace" },
        { key: "final-label", value: "foobar" },
        { key: "example.com/role", value: "worker" },
        { key: "empty-value", value: "" },
      ],
      rejected: [],
    });
  });

  it("rejects lines that are no label instead of passing them to the kubelet", () => {
    const { labels, rejected } = parseNodeLabels("ok: yes\nno colon here\nbad key!: x\nk: bad value with spaces\nx: " + "a".repeat(64));
    expect(labels).toEqual([{ key: "ok", value: "yes" }]);
    expect(rejected).toEqual(["no colon here", "bad key!: x", "k: bad value with spaces", "x: " + "a".repeat(64)]);
  });

  it("handles CRLF files", () => {
    expect(parseNodeLabels("a: b\r\nc: d\r\n").labels).toEqual([
      { key: "a", value: "b" },
      { key: "c", value: "d" },
    ]);
  });
});

describe("kubelet argv", () => {
  it("is only --config when no optional input exists", () => {
    expect(kubeletArgv(none)).toEqual(["/bin/kubelet", "--config", "/etc/kubernetes/config.yaml"]);
  });

  it("adds each flag when its input exists", () => {
    expect(kubeletArgv({ ...none, nodeLabels: "a: b\n# c: d\ne: f\n" })).toEqual([
      "/bin/kubelet", "--config", "/etc/kubernetes/config.yaml", "--node-labels", "a=b,e=f",
    ]);
    expect(kubeletArgv({ ...none, nodeIp: "10.0.0.7" }).slice(3)).toEqual(["--node-ip", "10.0.0.7"]);
    expect(kubeletArgv({ ...none, hasKubeconfig: true }).slice(3)).toEqual(["--kubeconfig", "/etc/kubernetes/kubelet.conf"]);
    // A bootstrap kubeconfig alone: --kubeconfig names where the kubelet writes what it bootstraps.
    expect(kubeletArgv({ ...none, hasBootstrapKubeconfig: true }).slice(3)).toEqual([
      "--kubeconfig", "/etc/kubernetes/kubelet.conf",
      "--bootstrap-kubeconfig", "/etc/kubernetes/bootstrap-kubelet.conf",
    ]);
    expect(kubeletArgv({ ...none, hasCredentialProviders: true }).slice(3)).toEqual([
      "--image-credential-provider-config", "/etc/kubernetes/credential-providers.yaml",
      "--image-credential-provider-bin-dir", "/usr/libexec/kubernetes/kubelet-plugins/credential-provider/exec",
    ]);
  });

  it("gives no --node-labels for a labels file of comments only", () => {
    expect(kubeletArgv({ ...none, nodeLabels: "# nothing\n\n" })).toHaveLength(3);
  });

  it("puts every flag in a fixed order", () => {
    const all = kubeletArgv({
      nodeLabels: "a: b",
      nodeIp: "fd00::7",
      hasKubeconfig: true,
      hasBootstrapKubeconfig: true,
      hasCredentialProviders: true,
    });
    expect(all.filter((arg) => arg.startsWith("--"))).toEqual([
      "--config", "--node-labels", "--node-ip", "--kubeconfig", "--bootstrap-kubeconfig",
      "--image-credential-provider-config", "--image-credential-provider-bin-dir",
    ]);
  });
});

describe("reading the kubelet's inputs", () => {
  it("treats absent files as absent, with no leftover data", () => {
    expect(readKubeletInputs(new FakeSys())).toEqual(none);
  });

  it("trims the trailing newline of node-ip and reads every file", () => {
    const sys = new FakeSys({
      "/etc/kubernetes/node-ip": "192.168.1.20\n\n",
      "/etc/kubernetes/node-labels": "zone: a\n",
      "/etc/kubernetes/kubelet.conf": "x",
      "/etc/kubernetes/bootstrap-kubelet.conf": "x",
      "/etc/kubernetes/credential-providers.yaml": "x",
    });
    expect(readKubeletInputs(sys)).toEqual({
      nodeLabels: "zone: a\n",
      nodeIp: "192.168.1.20",
      hasKubeconfig: true,
      hasBootstrapKubeconfig: true,
      hasCredentialProviders: true,
    });
  });

  it("gives no --node-ip for a blank node-ip file", () => {
    const sys = new FakeSys({ "/etc/kubernetes/node-ip": " \n" });
    expect(kubeletArgv(readKubeletInputs(sys))).not.toContain("--node-ip");
  });
});

describe("hostname", () => {
  it("is the first real line, trimmed", () => {
    expect(hostnameFrom("node-1\n")).toBe("node-1");
    expect(hostnameFrom("  node-2  \r\n")).toBe("node-2");
    expect(hostnameFrom("# set by bootstrap\n\nnode-3\nignored\n")).toBe("node-3");
  });

  it("is absent for a missing or blank file", () => {
    expect(hostnameFrom(null)).toBeNull();
    expect(hostnameFrom("\n \n")).toBeNull();
  });
});
