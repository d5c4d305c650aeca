import { describe, expect, it } from "vitest";
import { checkPcr11, loggedPcr11 } from "../../.dagger/src/boot/pcr11.js";

const hex = (c: string) => c.repeat(64);
const prediction = {
  pcr: 11,
  bank: "sha256",
  phases: { "enter-initrd": hex("a"), "enter-initrd:leave-initrd": hex("b"), "enter-initrd:leave-initrd:sysinit": hex("c"), "enter-initrd:leave-initrd:sysinit:ready": hex("d") },
};
const consoleWith = (ready: string) =>
  [
    `[    1.000000] kiOS: PCR 11 after enter-initrd: sha256=${hex("a")}`,
    `[    1.100000] kiOS: PCR 11 after leave-initrd: sha256=${hex("b")}`,
    "[    1.200000] kiOS: started containerd",
    `[    1.300000] kiOS: PCR 11 after sysinit: sha256=${hex("c")}`,
    `[    2.000000] kiOS: PCR 11 after ready: sha256=${ready}`,
    `[    9.000000] kiOS: PCR 11 after shutdown: sha256=${hex("e")}`,
  ].join("\n");

describe("the measured boot's check", () => {
  it("reads each boot word's value under its phase path, and ignores the shutdown words", () => {
    expect(loggedPcr11(consoleWith(hex("d")))).toEqual(prediction.phases);
  });

  it("passes when every phase path has its predicted value", () => {
    expect(checkPcr11(consoleWith(hex("d")), prediction)).toEqual(Object.keys(prediction.phases));
  });

  it("names each phase path whose value differs or is missing", () => {
    expect(() => checkPcr11(consoleWith(hex("0")), prediction)).toThrow(
      `enter-initrd:leave-initrd:sysinit:ready: the node logged ${hex("0")}, ukify predicted ${hex("d")}`,
    );
    expect(() => checkPcr11("kiOS: no TPM (/dev/tpmrm0): boot phases not measured", prediction)).toThrow(/enter-initrd: no "PCR 11 after" line on the console/);
  });
});
