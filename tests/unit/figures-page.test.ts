import { describe, expect, it } from "vitest";
import { figuresPage } from "../../bench/figures-page.js";

describe("the generated figures page", () => {
  it("shows each measured value with its target's verdict, and — for what was not measured", () => {
    const page = figuresPage({ "uki.signed_bytes": 49_289_744, "boot.kernel_to_kubelet_ms": 5254, "kubelet.bytes": 60_129_442 }, "2026-12-07 on test");
    expect(page).toContain("| `uki.signed_bytes` | the signed release UKI | 49,289,744 | ≤ 48,000,000: **not met** |");
    expect(page).toContain("| `boot.kernel_to_kubelet_ms` | kernel banner → kubelet started | 5,254 | ≤ 8,000: met |");
    expect(page).toContain("| `kubelet.bytes` | size of each static binary | 60,129,442 |  |");
    expect(page).toMatch(/\| `kernel\.cold_s` \| [^|]+ \| — \| ≤ 480 \|/);
    expect(page).toContain("Last written 2026-12-07 on test.");
  });

  it("refuses a figure it has no description for, so none goes unexplained", () => {
    expect(() => figuresPage({ "boot.new_thing_ms": 1 }, "now")).toThrow(/catalogue: boot\.new_thing_ms/);
  });
});
