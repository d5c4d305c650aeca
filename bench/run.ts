/**
 * npm run bench [group ...]: runs the benchmark groups (all by default),
 * merges their figures into out/bench.json (one flat object of named
 * figures), writes docs/figures.md from it and prints them as a table.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { repoRoot } from "../offline-engine/engine-env.js";
import { bootstrapEngine } from "../offline-engine/engine-env.js";
import { initFigures } from "../init/bench.js";
import { bootBenchFigures } from "./boot.js";
import { buildFigures } from "./build.js";
import { clusterFigures } from "./cluster.js";
import { componentFigures } from "./components.js";
import { engineFigures } from "./engine.js";
import { figuresPage } from "./figures-page.js";
import { kernelFigures } from "./kernel.js";
import { moduleFigures } from "./module.js";
import { reproColdFigures, reproFigures } from "./repro.js";
import { sbomFigures, syftFigures } from "./sbom.js";

export type Figures = Record<string, number>;

const groups: Record<string, () => Promise<Figures>> = {
  engine: engineFigures,
  module: moduleFigures,
  components: componentFigures,
  kernel: kernelFigures,
  init: async () => {
    Object.assign(process.env, await bootstrapEngine());
    return { ...(await initFigures()) };
  },
  boot: bootBenchFigures,
  cluster: clusterFigures,
  sbom: sbomFigures,
  syft: syftFigures,
  build: buildFigures,
  repro: reproFigures,
  "repro-cold": reproColdFigures,
};

async function main(): Promise<void> {
  const wanted = process.argv.slice(2);
  for (const name of wanted) {
    if (!groups[name]) throw new Error(`unknown benchmark group ${JSON.stringify(name)} (have: ${Object.keys(groups).join(", ")})`);
  }
  const file = path.join(repoRoot, "out/bench.json");
  const figures: Figures = fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, "utf8")) : {};
  for (const name of wanted.length ? wanted : Object.keys(groups)) {
    console.error(`[bench] ${name}...`);
    Object.assign(figures, await groups[name]());
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, JSON.stringify(figures, null, 2) + "\n");
  }
  const measured = `${new Date().toISOString().slice(0, 10)} on ${os.cpus().length} × ${os.cpus()[0]?.model ?? "unknown CPU"}`;
  fs.writeFileSync(path.join(repoRoot, "docs/figures.md"), figuresPage(figures, measured));
  console.table(Object.entries(figures).map(([figure, value]) => ({ figure, value })));
}

main().catch((e: Error) => {
  console.error(`bench: ${e.message}`);
  process.exit(1);
});
