/**
 * The kernel stage on the real engine, built from Debian trixie's kernel
 * source (the upstream tarball is out of reach offline): it boots under QEMU
 * TCG to its version banner, its config has what Docker's check-config.sh
 * calls generally necessary, its modules are signed, an unsatisfiable
 * fragment fails the stage naming the option, a changed fragment rebuilds
 * only the kernel and only what it touches, and ccache refills a new build
 * directory.
 */
import fs from "node:fs";
import path from "node:path";
import { dag, type Directory } from "@dagger.io/dagger";
import { describe, expect, it } from "vitest";
import { parseBuildConfig } from "../../.dagger/src/config/index.js";
import { Kios } from "../../.dagger/src/index.js";
import { parseDotConfig } from "../../modules/kernel/src/config-check.js";
import { withDebianDownloads } from "../../.dagger/src/stages/toolchain.js";
import { repoRoot } from "../../offline-engine/engine-env.js";
import { kernelVersion } from "../support/kernel-version.js";
import { withKios } from "../support/kios.js";

const config = parseBuildConfig(fs.readFileSync(path.join(repoRoot, "build.toml"), "utf8"));
/** A cold build takes about 10 minutes on two shared cores; a warm one seconds. */
const BUILD_TIMEOUT = 30 * 60_000;

/** The build with one kernel fragment added or replaced, as a downstream adds one (withKernelFragment). */
function withFragment(kios: Kios, name: string, text: string): Kios {
  return kios.withKernelFragment(name, dag.directory().withNewFile(name, text).file(name));
}

/** The counters `ccache --print-log-stats` wrote at the end of a build log. */
function ccacheStats(log: string): Record<string, number> {
  const section = log.split("ccache statistics of this build:\n")[1];
  if (!section) throw new Error("build log: no ccache statistics section");
  return Object.fromEntries(
    section
      .split("\n")
      .map((line) => /^(\w+)\t(\d+)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1], Number(m[2])]),
  );
}

/** `date -u -d @epoch` in the C locale ("Thu Jan  1 00:00:00 UTC 2026"): KBUILD_BUILD_TIMESTAMP. */
function dateUtc(epoch: number): string {
  const d = new Date(epoch * 1000);
  const day = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"][d.getUTCDay()];
  const month = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"][d.getUTCMonth()];
  const time = d.toISOString().slice(11, 19);
  return `${day} ${month} ${String(d.getUTCDate()).padStart(2, " ")} ${time} UTC ${d.getUTCFullYear()}`;
}

/** A serial console's text without carriage returns and the escape sequences SeaBIOS resets the terminal with (on the banner's line too). */
function plainConsole(text: string): string {
  return text.replace(/\x1b(\[[0-9;?]*[A-Za-z]|c)|\r/g, "");
}

/** The QEMU TCG command both boot tests run in their containers (-kernel, -initrd and -append follow). */
const QEMU_TCG = "timeout 600 qemu-system-x86_64 -accel tcg -machine q35 -cpu max -m 512 -nographic -no-reboot -nic none";

/** Compiler runs ccache saw: hits, misses and the ones it cannot cache. */
function compilations(stats: Record<string, number>): number {
  return ["direct_cache_hit", "preprocessed_cache_hit", "cache_miss", "unsupported_code_directive"]
    .map((k) => stats[k] ?? 0)
    .reduce((a, b) => a + b, 0);
}

describe("kernel stage", () => {
  it("boots under QEMU TCG to the version banner of its source, stamped from build.toml", async () => {
    const { version, console } = await withKios(async (kios) => {
      const source = await kios.kernelSource();
      const kernel = await kios.kernel(source);
      const qemu = (await kios.toolchain(["qemu-system-x86"]))
        .withFile("/boot/bzImage", kernel.bzImage)
        .withExec([
          "sh",
          "-c",
          // panic=-1 reboots at the panic (no root file system), -no-reboot then exits QEMU.
          `${QEMU_TCG} -kernel /boot/bzImage -append "${config.kernel.cmdline}"; echo "qemu exited: $?"`,
        ]);
      const output = plainConsole(await qemu.stdout());
      return { version: await kernelVersion(source), console: output };
    });
    expect(version.startsWith(config.kernel.version.split(".").slice(0, 2).join(".") + ".")).toBe(true);
    const { source_date_epoch, build_user, build_host } = config.reproducible;
    // The banner may follow SeaBIOS's "Booting from ROM.." on the same line.
    expect(console).toMatch(new RegExp(`Linux version ${version.replace(/\./g, "\\.")} \\(${build_user}@${build_host}\\) `));
    expect(console).toMatch(new RegExp(`Linux version .* ${dateUtc(source_date_epoch)}$`, "m"));
    // The ACPI power button is registered as an input device (70-acpi-power.config).
    expect(console).toMatch(/input: Power Button as /);
    // It got as far as looking for a root file system, and QEMU exited on its own.
    expect(console).toMatch(/Kernel panic - not syncing: VFS: Unable to mount root fs/);
    expect(console).toMatch(/^qemu exited: 0$/m);
  }, BUILD_TIMEOUT);

  it("loads its signed modules under QEMU TCG and refuses one with a byte changed", async () => {
    const console = await withKios(async (kios) => {
      const kernel = await kios.kernel();
      // An initramfs of busybox, the modules tree and a script that loads a
      // module as kube-proxy does (modprobe), then a tampered copy of another.
      const init = [
        "#!/bin/busybox sh",
        "/bin/busybox --install -s /bin",
        // SeaBIOS leaves its "Booting from ROM.." line open; with loglevel=4
        // the kernel may print nothing to close it before the first marker.
        "echo",
        "mount -t proc proc /proc",
        "modprobe ip_vs_rr && echo modprobe-ok",
        "grep -o '^ip_vs_rr ' /proc/modules && echo listed-ok",
        "insmod /tampered.ko; echo tampered-exit-$?",
        "poweroff -f",
      ].join("\n");
      const qemu = (await kios.toolchain(["qemu-system-x86", "busybox-static", "cpio"]))
        .withDirectory("/root/lib", kernel.modules.directory("lib"))
        .withNewFile("/root/init", init, { permissions: 0o755 })
        .withFile("/boot/bzImage", kernel.bzImage)
        .withExec([
          "bash",
          "-ec",
          // One byte of the module's license string changed after signing.
          `cd /root && mkdir -p bin proc && cp /bin/busybox bin/
           ko=$(find lib -name ip_vs_wrr.ko) && cp "$ko" tampered.ko
           offset=$(grep -obUa 'license=GPL' tampered.ko | head -1 | cut -d: -f1)
           printf X | dd of=tampered.ko bs=1 seek="$offset" conv=notrunc status=none
           cmp -s "$ko" tampered.ko && { echo "tampering changed nothing" >&2; exit 1; }
           find . | sort | cpio -o -H newc --quiet > /boot/initrd
           ${QEMU_TCG} -kernel /boot/bzImage -initrd /boot/initrd -append "console=ttyS0 loglevel=4"; echo "qemu exited: $?"`,
        ]);
      return plainConsole(await qemu.stdout());
    });
    expect(console).toMatch(/^modprobe-ok$/m);
    expect(console).toMatch(/^listed-ok$/m);
    // busybox insmod exits with the errno: EKEYREJECTED is 129.
    expect(console).toMatch(/insmod: can't insert '\/tampered.ko': Key was rejected by service/);
    expect(console).toMatch(/^tampered-exit-129$/m);
    expect(console).toMatch(/^qemu exited: 0$/m);
  }, BUILD_TIMEOUT);

  it("has what Docker's check-config.sh calls generally necessary but cgroup v1, and signed modules", async () => {
    const { checkConfig, dotConfig, modules } = await withKios(async (kios) => {
      const kernel = await kios.kernel();
      // check-config.sh from Debian's docker.io package, unpacked without installing Docker.
      const caches = { archives: kios.aptArchives, lists: kios.aptLists };
      const pin = `docker.io=${config.debian.packages["docker.io"]}`;
      const checked = withDebianDownloads(await kios.toolchain([]), caches, [pin], "/tmp/docker")
        .withExec(["sh", "-ec", "dpkg-deb -x docker.io_*.deb . && cp usr/share/docker.io/contrib/check-config.sh /"])
        .withFile("/kernel.config", kernel.config)
        .withExec(["sh", "-c", "sh /check-config.sh /kernel.config; true"]);
      return {
        checkConfig: await checked.stdout(),
        dotConfig: await kernel.config.contents(),
        modules: await moduleReport(kios, kernel.modules),
      };
    });
    const necessary = checkConfig.split("Generally Necessary:")[1]?.split("Optional Features:")[0];
    expect(necessary, "check-config.sh output has a Generally Necessary section").toBeDefined();
    const flags = [...necessary!.matchAll(/^- (CONFIG_\w+): (.*)$/gm)].map(([, flag, state]) => [flag, state]);
    expect(flags.length).toBeGreaterThan(20);
    // All of them, but the cgroup v1 controllers the script lists on any host
    // (cgroup v2 has a freezer of its own, device rules as BPF, cpu.stat).
    const v1Only = ["CONFIG_CGROUP_CPUACCT", "CONFIG_CGROUP_DEVICE", "CONFIG_CGROUP_FREEZER"];
    const notEnabled = flags.filter(([, state]) => !state.startsWith("enabled")).map(([flag]) => flag);
    expect(notEnabled.filter((flag) => !v1Only.includes(flag!))).toEqual([]);

    const values = parseDotConfig(dotConfig);
    for (const v1 of ["CGROUP_FREEZER", "CGROUP_DEVICE", "CGROUP_CPUACCT", "CPUSETS_V1", "MEMCG_V1", "CGROUP_NET_CLASSID"]) {
      expect(values.get(`CONFIG_${v1}`) ?? "n", v1).toBe("n");
    }
    expect(values.get("CONFIG_MODULE_SIG_FORCE")).toBe("y");

    expect(modules.count).toBeGreaterThanOrEqual(10);
    expect(modules.names).toContain("ip_vs_rr");
    expect(modules.unsigned).toEqual([]);
    expect(new Set(modules.hashes)).toEqual(new Set(["sha512"]));
    expect(modules.depmod).toBe(true);
  }, BUILD_TIMEOUT);

  it("fails naming an option a fragment asks for that Kconfig cannot give", async () => {
    const attempt = withKios(async (kios) => {
      // squashfs depends on MISC_FILESYSTEMS, which the same fragment turns off.
      const broken = withFragment(kios, "99-unsatisfiable.config", "# test\nCONFIG_SQUASHFS=y\n# CONFIG_MISC_FILESYSTEMS is not set\n");
      await broken.kernel();
    });
    await expect(attempt).rejects.toThrow(
      "CONFIG_SQUASHFS: kernel/99-unsatisfiable.config:2 asks for y, final .config has not set",
    );
  }, BUILD_TIMEOUT);

  it("rebuilds only the kernel, and only what a changed fragment touches", async () => {
    const tag = Date.now().toString(36);
    const run = (localversion?: string) =>
      withKios(async (kios) => {
        const source = await kios.kernelSource();
        let changed = kios;
        if (localversion) {
          const arch = await kios.source.file("kernel/00-arch.config").contents();
          changed = withFragment(kios, "00-arch.config", `${arch}CONFIG_LOCALVERSION="${localversion}"\n`);
        }
        const started = Date.now();
        const kernel = await changed.kernel(source);
        const releases = (await kernel.modules.directory("lib/modules").entries()).map((e) => e.replace(/\/$/, ""));
        const log = await kernel.log.contents();
        return { ms: Date.now() - started, log, releases };
      });

    const unchanged = await run(); // possibly a real build, if nothing built this source yet
    const again = await run();
    // The kept build directory may hold another configuration's objects
    // (Dagger served the calls above): the first change brings it to this
    // one, the second is the one measured.
    await run(`-a${tag}`);
    const changed = await run(`-b${tag}`);

    // Unchanged inputs: served from the engine's cache, the very same build.
    expect(again.ms).toBeLessThan(60_000);
    expect(again.log).toBe(unchanged.log);
    // The changed fragment took effect and the kernel was really built again...
    expect(changed.releases).toEqual([`${unchanged.releases[0]}-b${tag}`]);
    expect(changed.log).toMatch(/reusing the build directory/);
    // ...on the very same toolchain layer (its apt run, with its time stamp, was not redone)...
    const installed = (log: string) => /toolchain: .*installed Start-Date: .*/.exec(log)?.[0];
    expect(installed(changed.log)).toBeDefined();
    expect(installed(changed.log)).toBe(installed(unchanged.log));
    // ...compiling only a few of the kernel's objects again.
    const objects = Number(/(\d+) objects in the build directory/.exec(changed.log)?.[1]);
    expect(objects).toBeGreaterThan(1000);
    expect(compilations(ccacheStats(changed.log))).toBeLessThan(objects / 10);
  }, BUILD_TIMEOUT);

  it("refills a new build directory from ccache", async () => {
    // A build directory of its own (a new, empty cache volume), every
    // compilation the same as the module's cached build.
    const buildInNewDirectory = () =>
      withKios(async (kios) => {
        const directory = dag.cacheVolume(`kios-test-kernel-build-${Date.now()}`);
        const fresh = new Kios(kios.source, kios.offline, undefined, kios.aptArchives, kios.aptLists, undefined, undefined, undefined, undefined, directory);
        try {
          return await (await fresh.kernel()).log.contents();
        } finally {
          // Nothing builds in it again: keep no disk for it.
          await (await kios.toolchain([])).withMountedCache("/build", directory).withExec(["find", "/build", "-mindepth", "1", "-delete"]).sync();
        }
      });
    const hitRatio = (log: string) => {
      const stats = ccacheStats(log);
      expect(compilations(stats)).toBeGreaterThan(1000);
      return ((stats.direct_cache_hit ?? 0) + (stats.preprocessed_cache_hit ?? 0)) / compilations(stats);
    };
    let log = await buildInNewDirectory();
    expect(log).toMatch(/new build directory/);
    // If the configuration was last built by reusing a build directory,
    // kbuild recompiled only what the change touched, and ccache has no entry
    // for the rest under the new autoconf.h: this first build fills it, and
    // the second one is measured.
    if (hitRatio(log) <= 0.9) log = await buildInNewDirectory();
    expect(log).toMatch(/new build directory/);
    expect(hitRatio(log)).toBeGreaterThan(0.9);
  }, 2 * BUILD_TIMEOUT);
});

interface ModuleReport {
  count: number;
  names: string[];
  unsigned: string[];
  hashes: string[];
  depmod: boolean;
}

/** Module names, which ones lack a signature, their signature hashes, whether depmod ran. */
async function moduleReport(kios: Kios, modules: Directory): Promise<ModuleReport> {
  const out = await (await kios.toolchain(["kmod"]))
    .withDirectory("/m", modules)
    .withExec([
      "bash",
      "-ec",
      `cd /m/lib/modules/*/
       [ -s modules.dep ] && echo depmod
       find . -name '*.ko' | sort | while read -r ko; do
         echo "module $(basename "$ko" .ko)"
         [ "$(tail -c 28 "$ko")" = "~Module signature appended~" ] || echo "unsigned $ko"
         echo "hash $(modinfo -F sig_hashalgo "$ko")"
       done`,
    ])
    .stdout();
  const field = (key: string) => [...out.matchAll(new RegExp(`^${key} (.*)$`, "gm"))].map((m) => m[1]);
  return {
    count: field("module").length,
    names: field("module"),
    unsigned: field("unsigned"),
    hashes: field("hash"),
    depmod: /^depmod$/m.test(out),
  };
}
