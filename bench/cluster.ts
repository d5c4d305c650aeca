/**
 * The cluster figures, through the module's public functions:
 *
 * - controlplane.cold_s: the control plane stage (etcd, kube-apiserver,
 *   controller manager, scheduler, kubectl) with empty compile caches (the
 *   Go module cache and apt layers stay warm, as for the other cold_s).
 * - boot.kernel_to_node_ready_ms, boot.kernel_to_api_pod_running_ms,
 *   boot.power_button_to_poweroff_ms: the signed release UKI joined to the
 *   test control plane (clusterBoot) BOOTS times; the median of each. The
 *   kernel clock starts at the kernel's first line.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ClusterReport } from "../.dagger/src/boot/cluster-report.js";
import { withKios } from "../tests/support/kios.js";
import { daggerSigning, makeTestKeys } from "../tests/support/secure-boot-keys.js";
import { medians } from "./boot.js";
import { coldCaches, emptyVolumes, withCompileCaches } from "./build.js";
import type { Figures } from "./run.js";
import { timed } from "./timing.js";

const BOOTS = 3;

export async function clusterFigures(): Promise<Figures> {
  const keys = makeTestKeys();
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "kios-bench-cluster-"));
  try {
    return await withKios(async (kios) => {
      const figures: Figures = {};
      const caches = coldCaches(`${process.pid}-${Date.now()}`);
      try {
        const cold = withCompileCaches(kios, caches);
        figures["controlplane.cold_s"] = (await timed(() => cold.controlPlane().then((d) => d.sync()))).s;
      } finally {
        await emptyVolumes(kios, caches);
      }
      const signing = daggerSigning(keys);
      const uki = await kios.sign(await kios.uki(), signing.key, signing.cert);
      const runs: Figures[] = [];
      for (let i = 0; i < BOOTS; i++) {
        const dir = path.join(out, `cluster-${i}`);
        await (await (await kios.clusterBoot(uki, signing.cert, `bench-${Date.now()}-${i}`)).clusterReport()).export(dir);
        const r: ClusterReport = JSON.parse(fs.readFileSync(path.join(dir, "cluster-report.json"), "utf8"));
        runs.push({
          "boot.kernel_to_node_ready_ms": Math.round(r.events.nodeReady),
          "boot.kernel_to_api_pod_running_ms": Math.round(r.events.podRunning),
          "boot.power_button_to_poweroff_ms": Math.round(r.powerButtonToPoweroffMs),
        });
        console.error(`[bench] cluster boot ${i + 1}/${BOOTS}: ${JSON.stringify(runs[i])}`);
      }
      return { ...figures, ...medians(runs) };
    });
  } finally {
    keys.remove();
    fs.rmSync(out, { recursive: true, force: true });
  }
}
