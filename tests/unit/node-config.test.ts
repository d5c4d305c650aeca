/** node.yaml's one schema, as the module's configDrive and the node's bootstrap both use it. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { NodeConfigError, parseNodeConfig } from "../../.dagger/src/node-config/parse.js";
import { npmPins } from "../../.dagger/src/stages/node-tools.js";

const errorOf = (text: string): string => {
  try {
    parseNodeConfig(text);
  } catch (error) {
    expect(error).toBeInstanceOf(NodeConfigError);
    return (error as Error).message;
  }
  throw new Error("accepted");
};

describe("node.yaml", () => {
  it("takes every section", () => {
    const smoke = parseNodeConfig(fs.readFileSync(path.join(__dirname, "../../boot/smoke/node.yaml"), "utf8"));
    expect(smoke.hostname).toBe("kios-smoke");
    expect(smoke.staticPods?.map((p) => p.metadata.name)).toEqual(["probe", "orphans"]);
    expect(parseNodeConfig("{}\n")).toEqual({});
  });

  it.each([
    ["hostname: Node_1\n", "node.yaml: hostname: expected a hostname (lowercase RFC 1123 labels separated by dots), found \"Node_1\""],
    ["labels: { 'a b': c }\n", 'node.yaml: labels."a b": expected a label key ([prefix/]name, name of at most 63 characters) as the key'],
    ["labels: { a: 'x y' }\n", "node.yaml: labels.a: expected a label value (at most 63 characters: letters, digits, '-', '_', '.'), found \"x y\""],
    ["ntp: { servers: [] }\n", "node.yaml: ntp.servers: expected at least one NTP server, found an array"],
    ["dns: { nameservers: [dns.example] }\n", 'node.yaml: dns.nameservers.0: expected an IP address, found "dns.example"'],
    ["registries: { mirrors: { docker.io: [ftp://x] } }\n", 'node.yaml: registries.mirrors."docker.io".0: expected a registry URL (http:// or https://host[:port][/path]), found "ftp://x"'],
    ["kubelet: { verbosity: 2.5 }\n", "node.yaml: kubelet.verbosity: expected integer, found number 2.5"],
    ["staticPods: [{ apiVersion: v1, kind: Pod, metadata: { name: kios-dhcp }, spec: { containers: [{ name: a, image: b }] } }]\n",
      'node.yaml: staticPods.0.metadata.name: expected a Pod name not starting with "kios-" (kiOS\'s own pods), found "kios-dhcp"'],
    ["staticPods: [{ apiVersion: v1, kind: Pod, metadata: { name: x }, spec: { containers: [] } }]\n", "node.yaml: staticPods.0.spec.containers: expected at least one container, found an array"],
    ["cluster: { server: https://a:6443, caCert: x, bootstrapToken: abcdef.0123456789abcdef, kubeconfig: 'kind: Config' }\n",
      "node.yaml: cluster.caCert: expected PEM certificates (-----BEGIN CERTIFICATE----- ...), found \"x\"; cluster: expected exactly one of bootstrapToken and kubeconfig, found a mapping"],
    ["cluster: { server: https://a:6443, caCert: \"-----BEGIN CERTIFICATE-----\\nAA==\\n-----END CERTIFICATE-----\", kubeconfig: 'kind: Pod' }\n",
      'node.yaml: cluster.kubeconfig: expected a kubeconfig (YAML text with kind: Config), found "kind: Pod"'],
    ["hostname: a\nhostname: b\n", "node.yaml: not valid YAML: Map keys must be unique at line 2, column 1"],
    ["- a\n", "node.yaml: expected a mapping of settings, found a list"],
    ["", "node.yaml: expected a mapping of settings, found nothing"],
  ])("rejects %j", (text, message) => {
    expect(errorOf(text)).toBe(message);
  });

  it("refuses more than 1 MiB, counted in bytes", () => {
    expect(errorOf(`# ${"é".repeat(524_288)}\n`)).toBe("node.yaml: 1048579 bytes, over the 1048576-byte limit");
  });
});

describe("node tools' npm dependencies", () => {
  it("are pinned by package-lock.json with sha512 integrity", () => {
    const pins = npmPins(fs.readFileSync(path.join(__dirname, "../../package-lock.json"), "utf8"), ["yaml", "zod"]);
    expect(pins.map((p) => p.url)).toEqual([
      `https://registry.npmjs.org/yaml/-/yaml-${pins[0]!.version}.tgz`,
      `https://registry.npmjs.org/zod/-/zod-${pins[1]!.version}.tgz`,
    ]);
    for (const p of pins) expect(p.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(() => npmPins("{}", ["zod"])).toThrow("package-lock.json: no version and sha512 integrity for zod");
  });
});
