import type { Directory } from "@dagger.io/dagger";

/** The kernel version a source tree builds ("6.12.117"), from its top Makefile. */
export async function kernelVersion(source: Directory): Promise<string> {
  const makefile = await source.file("Makefile").contents();
  const field = (name: string) => {
    const m = new RegExp(`^${name} =[ \\t]*(\\S*)$`, "m").exec(makefile);
    if (!m) throw new Error(`kernel source Makefile: no ${name} line`);
    return m[1];
  };
  return `${field("VERSION")}.${field("PATCHLEVEL")}.${field("SUBLEVEL")}${field("EXTRAVERSION")}`;
}
