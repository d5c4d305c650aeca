import { describe, expect, it } from "vitest";
import { kmsgRecord } from "./log.js";

describe("kmsg records", () => {
  it("carry the level and the kiOS prefix, on one line", () => {
    expect(kmsgRecord(3, "mount /proc: EPERM")).toBe("<3>kiOS: mount /proc: EPERM\n");
    expect(kmsgRecord(6, "two\nlines \n  here")).toBe("<6>kiOS: two lines here\n");
  });

  it("stay under /dev/kmsg's record size", () => {
    const record = kmsgRecord(4, "x".repeat(5000));
    expect(record.length).toBeLessThan(1024);
    expect(record.endsWith("x\n")).toBe(true);
  });
});
