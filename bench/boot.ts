/**
 * The UKI's size and the boot figures, through the module's public
 * functions on warm caches: the release UKI signed with throw-away test
 * keys and smoke-booted BOOTS times under Secure Boot (each boot a new
 * nonce, the UKI built once), then BOOTS times unsigned with plain OVMF
 * (boot.plain_ovmf.*), to tell the firmware's share. Each figure is the
 * median over the boots (under TCG one boot varies by up to 40% here); the
 * restart figures are each boot's median of ten kills first.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { type BootReport, median } from "../.dagger/src/boot/report.js";
import type { Kios } from "../.dagger/src/index.js";
import { withKios } from "../tests/support/kios.js";
import { daggerSigning, makeTestKeys } from "../tests/support/secure-boot-keys.js";
import type { Figures } from "./run.js";

const BOOTS = 3;

/** The boot figures (`<prefix>.kernel_to_init_ms`...) from a boot report. */
export function bootFigures(report: BootReport, prefix = "boot"): Figures {
  const at = (name: string) => {
    const m = report.milestones.find((x) => x.name === name);
    if (!m) throw new Error(`boot report: no milestone "${name}"`);
    return m.ms;
  };
  const kernel = at("kernel banner");
  return {
    [`${prefix}.kernel_to_init_ms`]: Math.round(at("init started") - kernel),
    [`${prefix}.init_to_runtime_ms`]: Math.round(report.initExecToRuntimeMs),
    [`${prefix}.kernel_to_kubelet_ms`]: Math.round(at("kubelet started") - kernel),
    [`${prefix}.kernel_to_lease_ms`]: Math.round(report.events.lease - kernel),
    [`${prefix}.kernel_to_config_applied_ms`]: Math.round(report.events.configApplied - kernel),
    [`${prefix}.kernel_to_time_synced_ms`]: Math.round(report.events.timeSynced - kernel),
    [`${prefix}.restart_containerd_ms`]: Math.round(median(report.restartMs.containerd)),
    [`${prefix}.restart_kubelet_ms`]: Math.round(median(report.restartMs.kubelet)),
    [`${prefix}.pid1_rss_kb`]: report.pid1RssKb,
  };
}

/** Each figure's median over several runs' figures. */
export function medians(runs: Figures[]): Figures {
  return Object.fromEntries(Object.keys(runs[0] ?? {}).map((name) => [name, median(runs.map((r) => r[name]!))]));
}

async function smokeBoots(kios: Kios, dir: string, signing: ReturnType<typeof daggerSigning> | undefined, prefix: string): Promise<Figures> {
  const runs: Figures[] = [];
  for (let i = 0; i < BOOTS; i++) {
    const report = path.join(dir, `${prefix}-${i}`);
    await (await kios.smokeBoot(signing?.key, signing?.cert, undefined, `bench-${prefix}-${Date.now()}-${i}`)).export(report);
    runs.push(bootFigures(JSON.parse(fs.readFileSync(path.join(report, "report.json"), "utf8")), prefix));
    console.error(`[bench] ${prefix} boot ${i + 1}/${BOOTS}: ${JSON.stringify(runs[i])}`);
  }
  return medians(runs);
}

export async function bootBenchFigures(): Promise<Figures> {
  const keys = makeTestKeys();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kios-bench-boot-"));
  try {
    return await withKios(async (kios) => {
      const signing = daggerSigning(keys);
      const signed = path.join(out, "kios.efi");
      await (await kios.sign(await kios.uki(), signing.key, signing.cert)).export(signed);
      return {
        "uki.signed_bytes": fs.statSync(signed).size,
        ...(await smokeBoots(kios, out, signing, "boot")),
        ...(await smokeBoots(kios, out, undefined, "boot.plain_ovmf")),
      };
    });
  } finally {
    keys.remove();
    fs.rmSync(out, { recursive: true, force: true });
  }
}
