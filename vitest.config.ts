import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["tests/**/*.test.ts", "init/**/*.test.ts", "node/**/*.test.ts"],
    // Brings up the offline Dagger engine (offline-engine/bootstrap.sh) once for the run.
    globalSetup: ["tests/setup/engine.ts"],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Engine and QEMU tests share two cores: run test files one at a time.
    fileParallelism: false,
  },
});
