/** The qemu-boot sub-module's schema, read by the SDK's own introspector, and the commands of its boot. */
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { harnessContainer, MONITOR_SOCKET, QEMU_CPU, readBootRun, runBoot, SCRIPTS_DIR } from "../../../modules/qemu-boot/src/boot.js";
import { findMilestones, MissedMilestone, parseConsole } from "../../../modules/qemu-boot/src/console.js";
import { enrolledVars } from "../../../modules/qemu-boot/src/secureboot.js";
import { SOFTWARE_TPM_PACKAGES, softwareTpm } from "../../../modules/qemu-boot/src/tpm.js";
import { repoRoot } from "../../../offline-engine/engine-env.js";
import { ModuleSchema, scanModule } from "../../../offline-engine/module-schema.js";

let schema: ModuleSchema;
beforeAll(async () => {
  schema = await scanModule("modules/qemu-boot/src", "qemu-boot");
}, 60_000);

const object = (name: string) => ({ kind: "OBJECT_KIND", name });
const string = { kind: "STRING_KIND" };
const strings = { kind: "LIST_KIND", typeDef: string };

/** A stand-in for a Dagger object: records each call (objects in arguments by name) and returns a stand-in for the result. */
function recorder(name: string, calls: string[] = [], files: Record<string, string> = {}): any {
  return new Proxy({ name, calls }, {
    get: (target, prop) =>
      prop in target || prop === "toJSON" || prop === "then"
        ? target[prop as keyof typeof target]
        : (...args: unknown[]) => {
            if (prop === "contents") return Promise.resolve(files[name] ?? "");
            calls.push(`${String(prop)} ${JSON.stringify(args, (_k, v) => (v?.calls ? `<${v.name}>` : v))}`);
            return recorder(prop === "file" ? (args[0] as string) : `${name}.${String(prop)}`, calls, files);
          },
  });
}

/** The final withExec's command and options. */
function bootCommand(calls: string[]): [string[], { insecureRootCapabilities: boolean }] {
  return JSON.parse(calls.filter((c) => c.startsWith("withExec ")).at(-1)!.slice("withExec ".length));
}

describe("qemu-boot module schema (SDK introspector)", () => {
  it("exposes QemuBoot and its BootRun and BootStamp results, each described, and no stray interfaces", () => {
    expect(Object.keys(schema.objects).sort()).toEqual(["BootRun", "BootStamp", "QemuBoot"]);
    expect(schema.objects.QemuBoot.description).toMatch(/Boots a UKI in QEMU with OVMF/);
    expect(schema.objects.BootRun.description).toMatch(/One boot of a UKI/);
    expect(schema.objects.BootStamp.description).toMatch(/wall clock/);
    expect(schema.interfaces).toEqual({});
  });

  it("takes the toolchain and the harness (default: the module's harness.py) in its constructor", () => {
    const args = schema.objects.QemuBoot.constructor!.arguments;
    expect(Object.keys(args)).toEqual(["toolchain", "harness"]);
    expect(args.toolchain).toMatchObject({ type: object("Container"), isOptional: false });
    expect(args.harness).toMatchObject({ type: object("File"), defaultPath: "harness.py" });
    expect(fs.statSync(path.join(repoRoot, "modules/qemu-boot", args.harness.defaultPath!)).mode & 0o111).not.toBe(0);
    expect(fs.existsSync(path.join(repoRoot, "boot/harness.py"))).toBe(false);
  });

  it("has chainable with* builders that return QemuBoot", () => {
    const { methods } = schema.objects.QemuBoot;
    const withs = Object.keys(methods).filter((m) => m.startsWith("with")).sort();
    expect(withs).toEqual(["withDirectory", "withDrive", "withFile", "withInsecureRootCapabilities", "withQemuArgs", "withSecureBoot", "withSetup", "withSoftwareTpm"]);
    for (const name of withs) expect(methods[name]!.returnType, name).toEqual(object("QemuBoot"));
    expect(methods.withSecureBoot.arguments.vars.type).toEqual(object("File"));
    expect(methods.withDrive.arguments.image.type).toEqual(object("File"));
    expect(Object.keys(methods.withFile.arguments)).toEqual(["path", "file"]);
    expect(Object.keys(methods.withDirectory.arguments)).toEqual(["path", "directory"]);
    expect(methods.withSetup.arguments.script.type).toEqual(string);
    expect(methods.withQemuArgs.arguments.args.type).toEqual(strings);
    expect(methods.withInsecureRootCapabilities.arguments).toEqual({});
  });

  it("has boot(uki, timeout, powerOffAfter, ...): BootRun, secureBootVars(certs, owner): File and packages()", () => {
    const { methods } = schema.objects.QemuBoot;
    expect(Object.keys(methods).filter((m) => !m.startsWith("with")).sort()).toEqual(["boot", "packages", "secureBootVars"]);
    const boot = methods.boot;
    expect(boot.returnType).toEqual(object("BootRun"));
    expect(Object.keys(boot.arguments)).toEqual(["uki", "timeout", "powerOffAfter", "powerOffDelay", "stopAt", "stamp", "clockBehind", "nonce"]);
    expect(boot.arguments.uki).toMatchObject({ type: object("File"), isOptional: false });
    expect(boot.arguments.timeout).toMatchObject({ type: { kind: "INTEGER_KIND" }, defaultValue: 600 });
    for (const arg of ["powerOffAfter", "stopAt", "stamp"]) expect(boot.arguments[arg]).toMatchObject({ type: string, isOptional: true });
    expect(methods.secureBootVars.returnType).toEqual(object("File"));
    expect(Object.keys(methods.secureBootVars.arguments)).toEqual(["certs", "owner"]);
    expect(methods.packages.returnType).toEqual(strings);
  });

  it("has BootRun with the console, why it ended, the UKI's sha256, stamps and the container, and milestones()", () => {
    const run = schema.objects.BootRun;
    expect(Object.keys(run.properties).sort()).toEqual(["console", "container", "ended", "exitCode", "powerOffSent", "seconds", "stamps", "ukiSha256"]);
    expect(run.properties.seconds.type).toEqual({ kind: "FLOAT_KIND" });
    expect(run.properties.stamps.type).toEqual({ kind: "LIST_KIND", typeDef: object("BootStamp") });
    expect(run.properties.container.type).toEqual(object("Container"));
    for (const field of Object.values(run.properties)) expect(field.description, field.name).not.toBe("");
    expect(Object.keys(run.methods)).toEqual(["milestones"]);
    expect(run.methods.milestones.arguments.patterns.type).toEqual(strings);
    expect(run.methods.milestones.returnType).toEqual(strings);
    expect(Object.keys(schema.objects.BootStamp.properties).sort()).toEqual(["epochMs", "line"]);
  });

});

describe("qemu-boot recipes", () => {
  it("installs the harness as kios-boot-harness, the given scripts executable", () => {
    const calls: string[] = [];
    harnessContainer(recorder("toolchain", calls), recorder("scripts"), { include: ["*.py", "*.sh", "cluster/*"], executables: ["*.*", "cluster/*.sh"] });
    expect(calls).toEqual([
      `withDirectory ["${SCRIPTS_DIR}","<scripts>",{"include":["*.py","*.sh","cluster/*"]}]`,
      'withExec [["sh","-c","chmod 755 /usr/local/lib/kios-boot/*.* /usr/local/lib/kios-boot/cluster/*.sh && ln -s /usr/local/lib/kios-boot/harness.py /usr/local/bin/kios-boot-harness"]]',
    ]);
  });

  it("boots from an ESP with OVMF under the harness, without Secure Boot by default", () => {
    const calls: string[] = [];
    runBoot(recorder("c", calls), { uki: recorder("uki"), timeoutSeconds: 60 });
    expect(calls.slice(0, 6)).toEqual([
      'withWorkdir ["/boot"]',
      'withFile ["kios.efi","<uki>"]',
      'withExec [["mkfs.vfat","-C","--invariant","-n","KIOS-ESP","esp.img","131072"]]',
      'withExec [["mmd","-i","esp.img","::/EFI","::/EFI/BOOT"]]',
      'withExec [["mcopy","-i","esp.img","kios.efi","::/EFI/BOOT/BOOTX64.EFI"]]',
      'withExec [["cp","/usr/share/OVMF/OVMF_VARS_4M.fd","vars.fd"]]',
    ]);
    expect(calls[6]).toBe('withEnvVariable ["KIOS_BOOT_NONCE",""]');
    expect(bootCommand(calls)).toEqual([
      [
        "sh", "-ec", "sha256sum kios.efi | cut -d' ' -f1 > uki.sha256\nexec \"$@\"", "boot",
        "kios-boot-harness", "--console", "console.log", "--result", "result.json", "--monitor", MONITOR_SOCKET, "--timeout", "60", "--",
        "qemu-system-x86_64", "-accel", "tcg", "-cpu", QEMU_CPU, "-m", "1024", "-no-reboot", "-nic", "none", "-machine", "q35",
        "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd",
        "-drive", "if=pflash,format=raw,unit=1,file=vars.fd",
        "-drive", "if=virtio,format=raw,file=esp.img",
      ],
      { insecureRootCapabilities: false },
    ]);
  });

  it("starts a fresh swtpm with the SHA-256 bank alone and attaches it as QEMU's CRB device", () => {
    const tpm = softwareTpm();
    expect(SOFTWARE_TPM_PACKAGES).toEqual(["swtpm", "swtpm-tools"]);
    expect(tpm.setup).toContain("swtpm_setup --tpm2 --tpmstate /tmp/swtpm --pcr-banks sha256 --overwrite");
    expect(tpm.setup).toContain("swtpm socket --tpm2 --tpmstate dir=/tmp/swtpm --ctrl type=unixio,path=/tmp/swtpm/ctrl.sock --terminate --daemon");
    expect(tpm.qemuArgs).toEqual(["-chardev", "socket,id=chrtpm,path=/tmp/swtpm/ctrl.sock", "-tpmdev", "emulator,id=tpm0,chardev=chrtpm", "-device", "tpm-crb,tpmdev=tpm0"]);
  });

  it("adds Secure Boot, a drive, the caller's inputs, setup and QEMU arguments, in that order", () => {
    const calls: string[] = [];
    runBoot(recorder("c", calls), {
      uki: recorder("uki"),
      secureBootVars: recorder("vars"),
      drive: recorder("drive"),
      powerdownAfter: "done",
      powerdownDelaySeconds: 2,
      stopAt: "Access Denied",
      stamp: "time",
      clockBehindSeconds: 3600,
      timeoutSeconds: 900,
      nonce: "n",
      prepare: (c) => c.withNewFile("/net/input", "x"),
      setup: ["start-servers >&2"],
      qemuArgs: ["-netdev", "tap,id=net0"],
      insecureRootCapabilities: true,
    });
    expect(calls.slice(5, 9)).toEqual([
      'withFile ["vars.fd","<vars>"]',
      'withFile ["drive.img","<drive>"]',
      'withNewFile ["/net/input","x"]',
      'withEnvVariable ["KIOS_BOOT_NONCE","n"]',
    ]);
    const [command, options] = bootCommand(calls);
    expect(command.slice(2, 3)).toEqual(["sha256sum kios.efi | cut -d' ' -f1 > uki.sha256\nstart-servers >&2\nexec \"$@\""]);
    expect(command.slice(command.indexOf("--timeout"), command.indexOf("--"))).toEqual([
      "--timeout", "900", "--powerdown-after", "done", "--powerdown-delay", "2", "--stop-at", "Access Denied", "--stamp", "time", "--clock-behind", "3600",
    ]);
    expect(command.slice(command.indexOf("-machine"))).toEqual([
      "-machine", "q35,smm=on", "-global", "driver=cfi.pflash01,property=secure,value=on",
      "-drive", "if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.secboot.fd",
      "-drive", "if=pflash,format=raw,unit=1,file=vars.fd",
      "-drive", "if=virtio,format=raw,file=esp.img",
      "-drive", "if=virtio,format=raw,readonly=on,file=drive.img",
      "-netdev", "tap,id=net0",
    ]);
    expect(options).toEqual({ insecureRootCapabilities: true });
  });

  it("reads the harness's result, the console and the UKI's sha256", async () => {
    const files = {
      "result.json": JSON.stringify({ exit: 0, reason: "qemu exited", seconds: 12.5, powerdown_sent: true, stamps: [{ line: "t 1", epoch_ms: 1800000000000 }] }),
      "console.log": "[    0.000000] Linux version 6.12\n",
      "uki.sha256": "abc\n",
    };
    expect(await readBootRun(recorder("ran", [], files))).toEqual({
      console: "[    0.000000] Linux version 6.12\n",
      exit: 0,
      reason: "qemu exited",
      seconds: 12.5,
      powerdownSent: true,
      ukiSha256: "abc",
      stamps: [{ line: "t 1", epochMs: 1800000000000 }],
    });
  });

  it("enrolls PK, KEK and db under the owner GUID, Secure Boot on", () => {
    const calls: string[] = [];
    enrolledVars(recorder("toolchain", calls), recorder("certs"), "guid");
    const [args] = JSON.parse(calls.find((c) => c.startsWith("withExec "))!.slice("withExec ".length));
    expect(args).toEqual([
      "virt-fw-vars", "--input", "/usr/share/OVMF/OVMF_VARS_4M.fd", "--output", "/keys/vars.fd",
      "--set-pk", "guid", "PK.crt", "--add-kek", "guid", "KEK.crt", "--add-db", "guid", "db.crt", "--secure-boot",
    ]);
  });
});

describe("qemu-boot console reading", () => {
  const lines = parseConsole("BdsDxe: loading\r\n[    0.000000] Linux version 6.12.1\n[    1.500000] init\nmsg[    2.000000] reboot: Power down\n");

  it("splits printk times from the text, also after output without a newline", () => {
    expect(lines.slice(0, 4)).toEqual([{ text: "BdsDxe: loading" }, { ms: 0, text: "Linux version 6.12.1" }, { ms: 1500, text: "init" }, { text: "msg" }]);
    expect(lines[4]).toEqual({ ms: 2000, text: "reboot: Power down" });
  });

  it("finds milestones in order and names the first one missed", () => {
    const banner = { name: "banner", pattern: /Linux version/ };
    const off = { name: "off", pattern: /Power down/ };
    expect(findMilestones(lines, [banner, off]).map((h) => h.ms)).toEqual([0, 2000]);
    expect(() => findMilestones(lines, [off, banner])).toThrow(MissedMilestone);
    expect(() => findMilestones(lines, [off, banner])).toThrow(/boot missed "banner" \(reached: off\)/);
  });
});
