/** The kiOS init (PID 1): init/ bundled by esbuild, compiled by qjsc, linked static by gcc (init/build.sh). */
import { File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

export const initPackages = [
  "quickjs", "libquickjs", "esbuild", "gcc", "gcc-14", "libc6-dev", "linux-libc-dev", "libmnl-dev", "binutils",
];

export function buildInit(ctx: StageContext): File {
  return ctx
    .toolchain(initPackages)
    .withDirectory("/src/init", ctx.source.directory("init"), { include: ["**/*.ts", "native/**", "build.sh"], exclude: ["**/*.test.ts", "test/**"] })
    .withExec(["sh", "/src/init/build.sh", "/src/init", "/out/init"])
    .file("/out/init");
}
