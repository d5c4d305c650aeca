/** Pipelines on the real offline engine: base image, apt, Go modules, caching. */
import { describe, expect, it } from "vitest";
import { withKios } from "../support/kios.js";

describe("pipelines on the real engine", () => {
  it("runs a command in a container from the base image", async () => {
    const osRelease = await withKios(async (kios) =>
      (await kios.toolchain()).withExec(["cat", "/etc/os-release"]).stdout(),
    );
    expect(osRelease).toMatch(/^VERSION_CODENAME=trixie$/m);
    expect(osRelease).toMatch(/^ID=debian$/m);
  });

  it("installs a Debian package with apt-get", async () => {
    const greeting = await withKios(async (kios) => (await kios.toolchain(["hello"])).withExec(["hello"]).stdout());
    expect(greeting.trim()).toBe("Hello, world!");
  }, 300_000);

  it("downloads a Go module with go mod download", async () => {
    const listing = await withKios(async (kios) =>
      (await kios.toolchain(["golang-go"]))
        .withEnvVariable("GOFLAGS", "-modcacherw")
        .withWorkdir("/src")
        .withExec(["go", "mod", "init", "example.com/probe"])
        .withExec(["go", "mod", "download", "-json", "github.com/google/uuid@v1.6.0"])
        .stdout(),
    );
    const info = JSON.parse(listing);
    expect(info.Version).toBe("v1.6.0");
    // The module's checksum as recorded in the Go checksum database.
    expect(info.Sum).toBe("h1:NIvaJDMOsjHA8n1jAhLSgzrAzy1Hgr+hNrb57e+94F0=");
  }, 600_000);

  it("serves a repeated pipeline from the engine's cache", async () => {
    // A command whose output differs on every real run: an unchanged result
    // proves the second run came from the cache. The sleep makes the timing
    // ratio a second, independent signal. RUN_ID keeps earlier test runs'
    // cache entries out of the first run.
    const runId = `${process.pid}-${Date.now()}`;
    const run = (id: string) =>
      withKios(async (kios) => {
        const started = Date.now();
        const out = await (await kios.toolchain())
          .withEnvVariable("RUN_ID", id)
          .withExec(["sh", "-c", "sleep 3; cat /proc/sys/kernel/random/uuid"])
          .stdout();
        return { out, ms: Date.now() - started };
      });
    const first = await run(runId);
    const second = await run(runId);
    expect(first.ms).toBeGreaterThanOrEqual(3000);
    expect(second.out).toBe(first.out);
    expect(second.ms).toBeLessThan(first.ms / 2);
    // Control: a changed input really runs again and gives a fresh UUID.
    const third = await run(`${runId}-changed`);
    expect(third.out).not.toBe(first.out);
  }, 120_000);
});
