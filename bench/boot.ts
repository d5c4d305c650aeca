/**
 * The UKI's size and the boot figures, from the module's `build` (throw-away
 * test keys, so its smoke boot runs under Secure Boot) on warm caches:
 * BOOTS releases that differ only in the smoke boot's nonce, so the UKI is
 * built once and booted BOOTS times. Each boot.* figure is the median of
 * those boots (under TCG one boot varies by up to 40% here). Then the same
 * node, unsigned, booted as often with plain OVMF (boot.plain_ovmf.*), to
 * tell the firmware's share (README: why Secure Boot boots are slower).
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { BootReport } from "../.dagger/src/boot/report.js";
import { nodeInitramfs, nodeParts, nodeRootfs, smokeBoot } from "../.dagger/src/node.js";
import { buildRelease } from "../.dagger/src/release.js";
import { buildKernel } from "../.dagger/src/stages/kernel.js";
import { debianKernelSource } from "../.dagger/src/stages/kernel-source.js";
import { withKios } from "../tests/support/kios.js";
import { daggerSigning, makeTestKeys } from "../tests/support/secure-boot-keys.js";
import { stageContextOf } from "../tests/support/stage-context.js";
import type { Figures } from "./run.js";

const BOOTS = 5;

/** The boot figures (`<prefix>.kernel_to_init_ms`...) from a boot report's milestones. */
export function bootFigures(report: BootReport, prefix = "boot"): Figures {
  const at = (name: string) => {
    const m = report.milestones.find((x) => x.name === name);
    if (!m) throw new Error(`boot report: no milestone "${name}"`);
    return m.ms;
  };
  return {
    [`${prefix}.kernel_to_init_ms`]: Math.round(at("init started") - at("kernel banner")),
    [`${prefix}.init_to_runtime_ms`]: Math.round(report.initExecToRuntimeMs),
    [`${prefix}.kernel_to_kubelet_ms`]: Math.round(at("kubelet started") - at("kernel banner")),
    [`${prefix}.kernel_to_pod_running_ms`]: Math.round(at("static pod ran") - at("kernel banner")),
    [`${prefix}.pid1_rss_kb`]: report.pid1RssKb,
  };
}

/** Each figure's median over several runs' figures. */
export function medians(runs: Figures[]): Figures {
  const result: Figures = {};
  for (const name of Object.keys(runs[0] ?? {})) {
    const values = runs.map((r) => r[name]!).sort((a, b) => a - b);
    result[name] = values[Math.floor(values.length / 2)]!;
  }
  return result;
}

export async function bootBenchFigures(): Promise<Figures> {
  const keys = makeTestKeys();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kios-bench-boot-"));
  try {
    return await withKios(async (kios) => {
      const ctx = await stageContextOf(kios);
      const signing = daggerSigning(keys);
      const runs: Figures[] = [];
      let ukiBytes = 0;
      for (let i = 0; i < BOOTS; i++) {
        const dir = path.join(out, String(i));
        const release = await buildRelease(ctx, { kernelSource: debianKernelSource(ctx), ...signing, nonce: `bench-boot-${Date.now()}-${i}` });
        await release.export(dir);
        ukiBytes = fs.statSync(path.join(dir, "kios.efi")).size;
        runs.push(bootFigures(JSON.parse(fs.readFileSync(path.join(dir, "boot-report.json"), "utf8"))));
        console.error(`[bench] boot ${i + 1}/${BOOTS}: ${JSON.stringify(runs[i])}`);
      }
      const [kernel, parts] = await Promise.all([buildKernel(ctx, debianKernelSource(ctx)), nodeParts(ctx)]);
      const initramfs = nodeInitramfs(ctx, await nodeRootfs(ctx, parts));
      const plainRuns: Figures[] = [];
      for (let i = 0; i < BOOTS; i++) {
        const boot = await smokeBoot(ctx, kernel, initramfs, undefined, `bench-plain-${Date.now()}-${i}`);
        plainRuns.push(bootFigures(boot.report, "boot.plain_ovmf"));
        console.error(`[bench] plain OVMF boot ${i + 1}/${BOOTS}: ${JSON.stringify(plainRuns[i])}`);
      }
      return { "uki.signed_bytes": ukiBytes, ...medians(runs), ...medians(plainRuns) };
    });
  } finally {
    keys.remove();
    fs.rmSync(out, { recursive: true, force: true });
  }
}
