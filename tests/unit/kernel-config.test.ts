/** The kernel fragment check: what fragments ask for against a final .config. */
import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import {
  describeUnmet,
  mergedRequests,
  parseDotConfig,
  parseFragment,
  unmetRequests,
} from "../../modules/kernel/src/config-check.js";
import { repoRoot } from "../../offline-engine/engine-env.js";

const fragment = (file: string, ...lines: string[]) => ({ file, text: lines.join("\n") + "\n" });

/** A slice of a real olddefconfig output. */
const dotConfig = `#
# Automatically generated file; DO NOT EDIT.
# Linux/x86 6.12.117 Kernel Configuration
#
CONFIG_64BIT=y
CONFIG_VXLAN=y
CONFIG_IP_VS_RR=m
# CONFIG_CGROUP_FREEZER is not set
CONFIG_NR_CPUS=64
CONFIG_MODULE_SIG_KEY="certs/signing_key.pem"
CONFIG_MODULE_SIG_HASH="sha512"
`;

describe("parseFragment", () => {
  it("reads assignments and 'is not set' lines with their line numbers, skipping comments", () => {
    const requests = parseFragment(
      "kernel/a.config",
      "# a comment\n\nCONFIG_A=y\nCONFIG_B=m\n# CONFIG_C is not set\nCONFIG_D=64\nCONFIG_E=\"x y\"\n",
    );
    expect(requests).toEqual([
      { option: "CONFIG_A", value: "y", file: "kernel/a.config", line: 3 },
      { option: "CONFIG_B", value: "m", file: "kernel/a.config", line: 4 },
      { option: "CONFIG_C", value: "n", file: "kernel/a.config", line: 5 },
      { option: "CONFIG_D", value: "64", file: "kernel/a.config", line: 6 },
      { option: "CONFIG_E", value: '"x y"', file: "kernel/a.config", line: 7 },
    ]);
  });

  it.each([
    ["a line that is not an option", "VXLAN=y", 'kernel/x.config:2: expected CONFIG_NAME=value or "# CONFIG_NAME is not set", found "VXLAN=y"'],
    ["spaces around =", "CONFIG_VXLAN = y", 'kernel/x.config:2: expected CONFIG_NAME=value or "# CONFIG_NAME is not set", found "CONFIG_VXLAN = y"'],
    ["=n", "CONFIG_VXLAN=n", 'kernel/x.config:2: CONFIG_VXLAN=n is not Kconfig syntax: write "# CONFIG_VXLAN is not set"'],
    ["an unquoted string", "CONFIG_CMDLINE=console=ttyS0", 'kernel/x.config:2: CONFIG_CMDLINE: expected y, m, a number or a "quoted string", found "console=ttyS0"'],
    ["an empty value", "CONFIG_VXLAN=", 'kernel/x.config:2: CONFIG_VXLAN: expected y, m, a number or a "quoted string", found ""'],
  ])("rejects %s, naming file and line", (_, line, message) => {
    expect(() => parseFragment("kernel/x.config", `# header\n${line}\n`)).toThrow(message);
  });
});

describe("mergedRequests", () => {
  it("lets a later fragment override an earlier one, as merge_config.sh does", () => {
    const merged = mergedRequests([
      fragment("kernel/10-a.config", "CONFIG_VXLAN=y", "CONFIG_DUMMY=y"),
      fragment("kernel/20-b.config", "CONFIG_VXLAN=m"),
    ]);
    expect(merged.get("CONFIG_VXLAN")).toEqual({ option: "CONFIG_VXLAN", value: "m", file: "kernel/20-b.config", line: 1 });
    expect(merged.get("CONFIG_DUMMY")?.file).toBe("kernel/10-a.config");
  });
});

describe("parseDotConfig", () => {
  it("reads values, and 'is not set' as n", () => {
    const values = parseDotConfig(dotConfig);
    expect(values.get("CONFIG_VXLAN")).toBe("y");
    expect(values.get("CONFIG_IP_VS_RR")).toBe("m");
    expect(values.get("CONFIG_CGROUP_FREEZER")).toBe("n");
    expect(values.get("CONFIG_MODULE_SIG_KEY")).toBe('"certs/signing_key.pem"');
    expect(values.has("CONFIG_DUMMY")).toBe(false);
  });
});

describe("unmetRequests", () => {
  it("accepts a .config that has everything as asked", () => {
    const fragments = [
      fragment("kernel/a.config", "CONFIG_64BIT=y", "CONFIG_IP_VS_RR=m", "CONFIG_NR_CPUS=64"),
      fragment("kernel/b.config", "# CONFIG_CGROUP_FREEZER is not set", "# CONFIG_CGROUP_DEVICE is not set"),
      fragment("kernel/c.config", 'CONFIG_MODULE_SIG_KEY="certs/signing_key.pem"'),
    ];
    expect(unmetRequests(fragments, dotConfig)).toEqual([]);
  });

  it("reports an option Kconfig dropped, one it changed and a value it did not take", () => {
    const fragments = [
      fragment("kernel/a.config", "CONFIG_SQUASHFS=y", "CONFIG_VXLAN=m"),
      fragment("kernel/b.config", "CONFIG_IP_VS_RR=y", "CONFIG_NR_CPUS=8", "# CONFIG_64BIT is not set"),
    ];
    const unmet = unmetRequests(fragments, dotConfig);
    expect(unmet.map((u) => [u.request.option, u.request.value, u.found])).toEqual([
      ["CONFIG_SQUASHFS", "y", "n"],
      ["CONFIG_VXLAN", "m", "y"],
      ["CONFIG_IP_VS_RR", "y", "m"],
      ["CONFIG_NR_CPUS", "8", "64"],
      ["CONFIG_64BIT", "n", "y"],
    ]);
    expect(describeUnmet(unmet)).toBe(
      [
        "kernel config: 5 option(s) from the fragments are not in the final .config as asked " +
          "(an unmet dependency, a missing option or a select overrode them):",
        "  CONFIG_SQUASHFS: kernel/a.config:1 asks for y, final .config has not set",
        "  CONFIG_VXLAN: kernel/a.config:2 asks for m, final .config has y",
        "  CONFIG_IP_VS_RR: kernel/b.config:1 asks for y, final .config has m",
        "  CONFIG_NR_CPUS: kernel/b.config:2 asks for 8, final .config has 64",
        "  CONFIG_64BIT: kernel/b.config:3 asks for not set, final .config has y",
      ].join("\n"),
    );
  });

  it("checks only the last request for an option", () => {
    const fragments = [fragment("kernel/a.config", "CONFIG_VXLAN=m"), fragment("kernel/b.config", "CONFIG_VXLAN=y")];
    expect(unmetRequests(fragments, dotConfig)).toEqual([]);
  });
});

describe("the repository's kernel/ fragments", () => {
  const dir = path.join(repoRoot, "kernel");
  const files = fs.readdirSync(dir).filter((f) => f.endsWith(".config")).sort();

  it("exist, parse, and each starts with a comment saying what it is for", () => {
    expect(files.length).toBeGreaterThan(5);
    for (const f of files) {
      const text = fs.readFileSync(path.join(dir, f), "utf8");
      expect(parseFragment(`kernel/${f}`, text).length, f).toBeGreaterThan(0);
      expect(text.startsWith("# "), `${f} starts with a comment`).toBe(true);
    }
  });

  it("never ask for the same option twice", () => {
    const seen = new Map<string, string>();
    for (const f of files) {
      for (const r of parseFragment(`kernel/${f}`, fs.readFileSync(path.join(dir, f), "utf8"))) {
        expect(seen.get(r.option), `${r.option} in ${r.file}:${r.line}`).toBeUndefined();
        seen.set(r.option, `${r.file}:${r.line}`);
      }
    }
  });
});
