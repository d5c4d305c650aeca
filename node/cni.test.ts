import fs from "node:fs";
import { afterEach, describe, expect, it } from "vitest";
import { CNI_CONF, CNI_PLUGINS, installCni } from "./cni.js";
import { TestNodeSys } from "./test/node-sys.js";

const systems: TestNodeSys[] = [];
afterEach(() => systems.splice(0).forEach((s) => s.dispose()));

describe("install-cni", () => {
  it("copies the plugins onto the host (executable, byte for byte) and writes a bridge conflist", () => {
    const sys = new TestNodeSys();
    systems.push(sys);
    for (const p of CNI_PLUGINS) sys.write(`/opt/cni/bin/${p}`, Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0xff, 0x00, p.length]));
    installCni(sys, "/host", "/opt/cni/bin", "10.88.0.0/16");
    for (const p of CNI_PLUGINS) {
      expect(fs.readFileSync(sys.at(`/host/opt/cni/bin/${p}`))).toEqual(Buffer.from([0x7f, 0x45, 0x4c, 0x46, 0xff, 0x00, p.length]));
      expect(fs.statSync(sys.at(`/host/opt/cni/bin/${p}`)).mode & 0o777).toBe(0o755);
    }
    const conf = JSON.parse(sys.readFile(`/host${CNI_CONF}`)!);
    expect(conf.plugins.map((p: { type: string }) => p.type)).toEqual(["bridge"]);
    expect(conf.plugins[0].ipam).toEqual({ type: "host-local", ranges: [[{ subnet: "10.88.0.0/16" }]], routes: [{ dst: "0.0.0.0/0" }] });
    // The conflist comes last: containerd must not see the network before its plugins are there.
    expect(sys.calls.at(-1)).toBe(`rename /host${CNI_CONF}`);
    expect(fs.readdirSync(sys.at("/host/opt/cni/bin")).filter((f) => f.endsWith(".kios-new"))).toEqual([]);
  });
});
