/**
 * docs/figures.md, generated from out/bench.json by `npm run bench`: every
 * figure the bench groups measure, what it means, its target, and whether
 * the value met it. No figure is written by hand.
 */
import type { Figures } from "./run.js";

interface Figure {
  /** The key in out/bench.json; a `*` stands for one path segment. */
  key: string;
  what: string;
  /** Upper bound the issues set, in the figure's own unit. */
  max?: number;
}

interface Group {
  name: string;
  figures: Figure[];
}

const bootFigures = (prefix: string, firmware: string): Figure[] => [
  { key: `${prefix}.kernel_to_init_ms`, what: `kernel banner → /init (${firmware})` },
  { key: `${prefix}.init_to_runtime_ms`, what: "exec of /init → exec of containerd" },
  { key: `${prefix}.kernel_to_kubelet_ms`, what: "kernel banner → kubelet started", max: prefix === "boot" ? 8000 : undefined },
  { key: `${prefix}.kernel_to_config_applied_ms`, what: "kernel → node.yaml applied (kubelet restarted with it)" },
  { key: `${prefix}.kernel_to_lease_ms`, what: "kernel → the DHCP server's first ACK" },
  { key: `${prefix}.kernel_to_time_synced_ms`, what: "kernel → chrony stepped the hour-behind clock" },
  { key: `${prefix}.restart_containerd_ms`, what: "kill -9 of containerd → PID 1 started it again (median of 10)", max: 1000 },
  { key: `${prefix}.restart_kubelet_ms`, what: "kill -9 of the kubelet → PID 1 started it again (median of 10)", max: 1000 },
  { key: `${prefix}.pid1_rss_kb`, what: "PID 1's resident memory on the running node" },
];

export const catalogue: Group[] = [
  {
    name: "engine",
    figures: [
      { key: "engine.cold_build_s", what: "Dagger CLI + engine built from the Go module proxy, image assembled, from nothing" },
      { key: "engine.image_bytes", what: "the engine image" },
      { key: "engine.warm_start_s", what: "bootstrap with everything cached, engine stopped → first answered query" },
    ],
  },
  {
    name: "module",
    figures: [
      { key: "module.load_cold_s", what: "`dagger functions` on a module source the engine never saw (npm cache warm)" },
      { key: "module.load_warm_s", what: "`dagger functions` again, cached" },
      { key: "module.call_build_warm_s", what: "`dagger call build ... export` with nothing changed" },
    ],
  },
  {
    name: "components",
    figures: [
      { key: "containerd.cold_s", what: "containerd + shim, empty Go build cache" },
      { key: "runc.cold_s", what: "runc, empty Go build cache" },
      { key: "kubelet.cold_s", what: "kubelet (patched, its tests run), empty Go build cache" },
      { key: "stages.cold_s", what: "the compile stages one after another, cold", max: 1800 },
      { key: "stages.warm_s", what: "the compile stages, nothing changed", max: 30 },
      { key: "*.bytes", what: "size of each static binary" },
    ],
  },
  {
    name: "kernel",
    figures: [
      { key: "kernel.cold_s", what: "kernel from an empty ccache and build directory", max: 480 },
      { key: "kernel.fragment_rebuild_s", what: "one fragment changed, caches warm", max: 120 },
      { key: "kernel.warm_s", what: "nothing changed" },
      { key: "kernel.bzimage_bytes", what: "bzImage" },
      { key: "kernel.modules_count", what: "signed modules shipped" },
    ],
  },
  {
    name: "init",
    figures: [
      { key: "init.exe_bytes", what: "the static PID 1 executable", max: 3_000_000 },
      { key: "init.rss_kb", what: "PID 1 idle in a namespace", max: 4096 },
      { key: "init.exec_to_runtime_ms", what: "exec of /init → exec of containerd under the host's QEMU (median of 3)", max: 50 },
    ],
  },
  {
    name: "boot",
    figures: [
      { key: "uki.signed_bytes", what: "the signed release UKI", max: 48_000_000 },
      ...bootFigures("boot", "Secure Boot, median of 3"),
      ...bootFigures("boot.plain_ovmf", "unsigned, plain OVMF, median of 3"),
    ],
  },
  {
    name: "cluster",
    figures: [
      { key: "controlplane.cold_s", what: "etcd + kube-apiserver, controller manager, scheduler, kubectl, compile caches cold" },
      { key: "boot.kernel_to_node_ready_ms", what: "kernel → Node Ready in the test cluster (median of 3)", max: 20_000 },
      { key: "boot.kernel_to_api_pod_running_ms", what: "kernel → a Deployment's pod Running (median of 3)", max: 30_000 },
      { key: "boot.power_button_to_poweroff_ms", what: "ACPI power button → the VM gone, pods drained (median of 3)" },
    ],
  },
  {
    name: "sbom",
    figures: [
      { key: "sbom.packages", what: "packages (components) in the release's SPDX SBOM" },
      { key: "sbom.files", what: "file entries in it (initramfs, kernel, image files)" },
      { key: "sbom.bytes", what: "the SBOM (kios.spdx.json)" },
      { key: "sbom.zstd_bytes", what: "the SBOM compressed as the UKI carries it" },
      { key: "syft.cold_s", what: "syft, the SBOM's scanner, built with the Go build cache cold" },
    ],
  },
  {
    name: "build",
    figures: [
      { key: "build.cold_s", what: "the whole build with the compile stages cold, smoke boot included" },
      { key: "build.warm_init_change_s", what: "init source changed: init, initramfs, UKI, smoke boot again" },
    ],
  },
  {
    name: "repro",
    figures: [
      { key: "repro.identical", what: "two builds byte for byte the same: kernel, config, modules, initramfs archives, both UKIs (1 = yes)", max: 1 },
      { key: "repro.second_build_s", what: "the second build: every step again, from an empty kernel build directory (compiler caches shared)" },
      { key: "repro.cold_identical", what: "the same with the kernel's ccache and Go's build cache empty for the second build (1 = yes)", max: 1 },
      { key: "repro.cold_second_build_s", what: "that second build, every compiler run again" },
    ],
  },
];

function matches(pattern: string, key: string): boolean {
  const a = pattern.split(".");
  const b = key.split(".");
  return a.length === b.length && a.every((part, i) => part === "*" || part === b[i]);
}

function format(value: number): string {
  return Number.isInteger(value) ? value.toLocaleString("en-US") : String(value);
}

/** The value and target cells: "—" for a figure not measured. */
function row(value: number | undefined, max: number | undefined): string {
  const target = max === undefined ? "" : `≤ ${format(max)}`;
  if (value === undefined) return `— | ${target}`;
  return `${format(value)} | ${max === undefined ? "" : `${target}: ${value <= max ? "met" : "**not met**"}`}`;
}

/** The markdown page for these figures; `measured` says when and where. */
export function figuresPage(figures: Figures, measured: string): string {
  const lines = [
    "# Figures",
    "",
    "Generated by `npm run bench` from `out/bench.json`; do not edit by hand.",
    `Last written ${measured}. Under QEMU TCG and in compiles one step varies`,
    "by up to 40% from run to run on these shared 2-core machines; a figure",
    "shown as — was not measured on the machine that wrote this page.",
    "",
  ];
  const seen = new Set<string>();
  for (const group of catalogue) {
    lines.push(`## ${group.name}`, "", "| figure | what | value | target |", "| --- | --- | --- | --- |");
    for (const figure of group.figures) {
      const keys = Object.keys(figures).filter((k) => matches(figure.key, k) && !seen.has(k)).sort();
      for (const key of keys.length > 0 ? keys : [figure.key]) {
        seen.add(key);
        lines.push(`| \`${key}\` | ${figure.what} | ${row(figures[key], figure.max)} |`);
      }
    }
    lines.push("");
  }
  const unknown = Object.keys(figures).filter((k) => !seen.has(k));
  if (unknown.length > 0) {
    throw new Error(`bench: figures missing from bench/figures-page.ts's catalogue: ${unknown.join(", ")}`);
  }
  return lines.join("\n");
}
