/**
 * Debian trixie's kernel source (the linux-source-6.12 package, pinned in
 * build.toml) unpacked as a Directory, as the module's offline builds get it
 * (stages/kernel-source.ts): the real kernel source the kernel tests and boot
 * tests build instead of the upstream tarball.
 */
import type { Directory } from "@dagger.io/dagger";
import type { Kios } from "../../.dagger/src/index.js";
import { debianKernelSource as unpackedDebianKernelSource } from "../../.dagger/src/stages/kernel-source.js";
import { stageContextOf } from "./stage-context.js";

export async function debianKernelSource(kios: Kios): Promise<Directory> {
  return unpackedDebianKernelSource(await stageContextOf(kios));
}

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
