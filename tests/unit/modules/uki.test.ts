/** The uki sub-module's schema, read by the SDK's own introspector, and the commands of its recipes. */
import { beforeAll, describe, expect, it } from "vitest";
import { checkCompression, CPIO_PACKAGES, packCpio } from "../../../modules/uki/src/cpio.js";
import { MEASURE_FILES, MEASURE_PACKAGES, PHASE_PATHS } from "../../../modules/uki/src/measure.js";
import { SIGN_PACKAGES, signEfi, signEfiPkcs11 } from "../../../modules/uki/src/sign.js";
import { buildUki, UKIFY_PACKAGES, ukifyBuild } from "../../../modules/uki/src/ukify.js";
import { ModuleSchema, scanModule } from "../../../offline-engine/module-schema.js";

let schema: ModuleSchema;
beforeAll(async () => {
  schema = await scanModule("modules/uki/src", "uki");
}, 60_000);

const object = (name: string) => ({ kind: "OBJECT_KIND", name });
const string = { kind: "STRING_KIND" };

/** A stand-in for a Dagger object: records each call (objects in arguments by name) and returns a stand-in for the result. */
function recorder(name: string, calls: string[] = []): any {
  return new Proxy({ name, calls }, {
    get: (target, prop) =>
      prop in target || prop === "toJSON" || prop === "then"
        ? target[prop as keyof typeof target]
        : (...args: unknown[]) => {
            calls.push(`${String(prop)} ${JSON.stringify(args, (_k, v) => (v?.calls ? `<${v.name}>` : v))}`);
            return recorder(`${name}.${String(prop)}`, calls);
          },
  });
}

describe("uki module schema (SDK introspector)", () => {
  it("exposes Uki and its MeasuredUki result, described, and no stray interfaces", () => {
    expect(Object.keys(schema.objects)).toEqual(["Uki", "MeasuredUki"]);
    expect(Object.keys(schema.objects.MeasuredUki.properties).sort()).toEqual(["pcr11", "pcrPublicKey", "uki"]);
    expect(schema.objects.Uki.description).toMatch(/unified kernel images/);
    expect(schema.interfaces).toEqual({});
  });

  it("takes the toolchain and SOURCE_DATE_EPOCH in its constructor", () => {
    const args = schema.objects.Uki.constructor!.arguments;
    expect(Object.keys(args)).toEqual(["toolchain", "sourceDateEpoch"]);
    expect(args.toolchain).toMatchObject({ type: object("Container"), isOptional: false });
    expect(args.sourceDateEpoch).toMatchObject({ type: { kind: "INTEGER_KIND" }, defaultValue: 0 });
  });

  it("has cpio(root, devNodes, compression): File, uki(...): File, measuredUki(..., pcrKey): MeasuredUki, sign(efi, key, cert): File and packages(): [String!]", () => {
    const { methods } = schema.objects.Uki;
    expect(Object.keys(methods).sort()).toEqual(["cpio", "measuredUki", "packages", "sign", "uki"]);
    expect(methods.measuredUki.returnType).toEqual(object("MeasuredUki"));
    expect(Object.keys(methods.measuredUki.arguments)).toEqual(["kernel", "initramfs", "cmdline", "osRelease", "sbat", "pcrKey"]);
    expect(methods.measuredUki.arguments.pcrKey.type).toEqual(object("Secret"));
    expect(methods.cpio.returnType).toEqual(object("File"));
    expect(Object.keys(methods.cpio.arguments)).toEqual(["root", "devNodes", "compression"]);
    expect(methods.cpio.arguments.root.type).toEqual(object("Directory"));
    expect(methods.cpio.arguments.devNodes).toMatchObject({ type: { kind: "BOOLEAN_KIND" }, defaultValue: true });
    expect(methods.cpio.arguments.compression).toMatchObject({ type: string, defaultValue: "zstd" });
    expect(methods.uki.returnType).toEqual(object("File"));
    expect(Object.keys(methods.uki.arguments)).toEqual(["kernel", "initramfs", "cmdline", "osRelease", "sbat"]);
    expect(methods.uki.arguments.kernel.type).toEqual(object("File"));
    expect(methods.uki.arguments.initramfs.type).toEqual({ kind: "LIST_KIND", typeDef: object("File") });
    for (const arg of ["cmdline", "osRelease", "sbat"]) expect(methods.uki.arguments[arg]!.type).toEqual(string);
    expect(methods.sign.returnType).toEqual(object("File"));
    expect(Object.keys(methods.sign.arguments)).toEqual(["efi", "key", "cert"]);
    expect(methods.sign.arguments.key.type).toEqual(object("Secret"));
    expect(methods.packages.returnType).toEqual({ kind: "LIST_KIND", typeDef: string });
  });

});

describe("uki recipes", () => {
  it("lists the Debian packages of its three recipes", () => {
    expect(CPIO_PACKAGES).toEqual(["cpio", "lz4", "zstd"]);
    expect(UKIFY_PACKAGES).toEqual(["systemd-ukify", "systemd-boot-efi", "python3-pefile"]);
    expect(SIGN_PACKAGES).toEqual(["sbsigntool", "faketime"]);
  });

  it("takes zstd and lz4 as compressions, nothing else", () => {
    expect(checkCompression("lz4")).toBe("lz4");
    expect(() => checkCompression("xz")).toThrow(/unknown compression "xz" \(known: zstd, lz4\)/);
  });

  it("packs a cpio with every mtime at the epoch, device nodes unless told, lz4 ended by zero bytes", () => {
    const calls: string[] = [];
    packCpio(recorder("toolchain", calls), recorder("root"), 1767225600, { devNodes: false, compression: "lz4" });
    const script = JSON.parse(calls.find((c) => c.startsWith("withExec "))!.slice("withExec ".length))[0][2] as string;
    expect(script.split("\n")).toEqual([
      ":",
      'find . -exec touch -h -d "@1767225600" {} +',
      "find . | LC_ALL=C sort | cpio -o -H newc --reproducible -R 0:0 --quiet | lz4 -l -12 -q -c > /initramfs.cpio",
      "n=$(stat -c %s /initramfs.cpio); head -c $((4 + (4 - n % 4) % 4)) /dev/zero >> /initramfs.cpio",
    ]);
    calls.length = 0;
    packCpio(recorder("toolchain", calls), recorder("root"), 0);
    expect(calls.join("\n")).toContain("mknod -m 600 dev/console c 5 1 && mknod -m 644 dev/kmsg c 1 11");
    expect(calls.join("\n")).toContain("zstd -q -19 --long=27 -T0 > /initramfs.cpio");
  });

  it("builds the UKI with the initramfs archives in order and SOURCE_DATE_EPOCH set", () => {
    const calls: string[] = [];
    buildUki(recorder("toolchain", calls), { kernel: recorder("k"), initramfs: [recorder("a"), recorder("b")], cmdline: "c", osRelease: "o", sbat: "s" }, 42);
    expect(calls.slice(0, 3)).toEqual(['withFile ["/uki/initramfs-0","<a>"]', 'withFile ["/uki/initramfs-1","<b>"]', 'withEnvVariable ["SOURCE_DATE_EPOCH","42"]']);
    expect(calls.join("\n")).toContain('"--initrd=initramfs-0","--initrd=initramfs-1","--cmdline=@cmdline"');
    expect(calls.at(-1)).toBe('file ["kios.efi"]');
  });

  it("with a PCR key: mounts it as a secret, refuses non-RSA keys, signs and predicts the four boot phase paths", () => {
    const calls: string[] = [];
    ukifyBuild(recorder("toolchain", calls), { kernel: recorder("k"), initramfs: [recorder("a")], cmdline: "c", osRelease: "o", sbat: "s" }, 0, recorder("pcrKey"));
    expect(MEASURE_PACKAGES).toEqual(["systemd", "libtss2-esys-3.0.2-0t64", "libtss2-mu-4.0.1-0t64", "libtss2-rc0t64", "openssl"]);
    expect(PHASE_PATHS.at(-1)).toBe("enter-initrd:leave-initrd:sysinit:ready");
    expect(calls).toContain('withMountedSecret ["/run/secrets/pcr.key","<pcrKey>"]');
    const scripts = calls.filter((c) => c.startsWith("withExec ")).map((c) => JSON.parse(c.slice("withExec ".length))[0][2] as string);
    expect(scripts[0]).toContain("pcrKey: not an RSA key");
    expect(scripts[1]).toContain(`--pcr-private-key=/run/secrets/pcr.key --pcr-public-key=pcr-pub.pem --pcr-banks=sha256 --phases="${PHASE_PATHS.join(" ")}" --measure > ${MEASURE_FILES.printed}`);
    expect(scripts[2]).toContain("for s in .linux .initrd .cmdline .osrel .uname .sbat .pcrsig .pcrpkey;");
    expect(scripts[3]).toContain(`> ${MEASURE_FILES.json}`);
    // The key never appears in an argument, only its mount path.
    expect(calls.join("\n")).not.toMatch(/BEGIN|PRIVATE KEY/);
  });

  it("signs with the key mounted as a secret, then checks the signature", () => {
    const calls: string[] = [];
    signEfi(recorder("toolchain", calls), recorder("efi"), recorder("key"), recorder("cert"), 1767225600);
    expect(calls).toContain('withMountedSecret ["/run/secrets/db.key","<key>"]');
    const execs = calls.filter((c) => c.startsWith("withExec")).map((c) => JSON.parse(c.slice("withExec ".length))[0] as string[]);
    expect(execs.map((e) => e.find((a) => a === "sbsign" || a === "sbverify"))).toEqual(["sbsign", "sbverify"]);
    expect(execs[0]!.slice(0, 5)).toEqual(["env", "TZ=UTC", "faketime", "-f", "2026-01-01 00:00:00"]);
  });

  it("signs with a PKCS#11 key: the PIN a mounted secret copied to a tmpfs, the URI pointing at that copy, SoftHSM's tokens copied in", () => {
    const calls: string[] = [];
    signEfiPkcs11(recorder("toolchain", calls), recorder("efi"), { uri: "pkcs11:token=t;object=db", pin: recorder("pin"), tokens: recorder("tokens") }, recorder("cert"), 0);
    expect(calls).toContain('withDirectory ["/run/softhsm/tokens","<tokens>"]');
    expect(calls).toContain('withEnvVariable ["PKCS11_MODULE_PATH","/usr/lib/softhsm/libsofthsm2.so"]');
    expect(calls).toContain('withMountedSecret ["/run/secrets/pkcs11-pin","<pin>"]');
    expect(calls).toContain('withMountedTemp ["/run/pkcs11"]');
    const execs = calls.filter((c) => c.startsWith("withExec")).map((c) => JSON.parse(c.slice("withExec ".length))[0] as string[]);
    expect(execs[0]!.slice(0, 2)).toEqual(["sh", "-euc"]);
    expect(execs[0]!.slice(9, 14)).toEqual(["sbsign", "--engine", "pkcs11", "--key", "pkcs11:token=t;object=db;pin-source=file:/run/pkcs11/pin"]);
    expect(execs[1]![0]).toBe("sbverify");
  });
});
