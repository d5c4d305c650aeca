/**
 * A containerd content store with images preloaded, made at build time by
 * running our containerd and importing the archives with ctr into the CRI
 * namespace. Layers are stored, not unpacked (unpacking needs mounts the
 * build container may not do); CRI unpacks them when it first creates a
 * container from them.
 */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, goWorkspace, OUT, SRC } from "./go.js";
import type { ImageArchive } from "./images.js";

/** ctr, containerd's client: a build-time tool here, never shipped in /bin. */
export async function buildCtr(ctx: StageContext): Promise<File> {
  const pin = ctx.config.containerd;
  const source = await fetchGoModule(ctx, "containerd", pin);
  return goWorkspace(ctx, source)
    .withExec(
      goBuildArgs({
        pkg: "./cmd/ctr",
        name: "ctr",
        tags: ["urfave_cli_no_docs", "osusergo", "netgo", "static_build"],
        stamps: { [`${pin.module}/version.Version`]: pin.version },
      }),
    )
    .file(`${OUT}/ctr`);
}

/**
 * kios-store-normalize (tools/store-normalize): sets the bolt databases'
 * timestamps to SOURCE_DATE_EPOCH and rewrites them in key order. Built in
 * containerd's module, whose go.mod already pins bbolt.
 */
export async function buildStoreNormalizer(ctx: StageContext): Promise<File> {
  const source = await fetchGoModule(ctx, "containerd", ctx.config.containerd);
  return goWorkspace(ctx, source)
    .withDirectory(`${SRC}/cmd/kios-store-normalize`, ctx.source.directory("tools/store-normalize"))
    .withExec(goBuildArgs({ pkg: "./cmd/kios-store-normalize", name: "kios-store-normalize", tags: [], stamps: {} }))
    .file(`${OUT}/kios-store-normalize`);
}

const buildTimeConfig = `version = 3
root = "/store/var/lib/containerd"
state = "/run/containerd-build"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"]
[grpc]
  address = "/run/containerd-build/containerd.sock"
`;

/**
 * Returns /var/lib/containerd (as a directory tree rooted at var/lib/containerd)
 * holding `images`, the same bytes on every build of the same images: the
 * databases normalized by `normalizer`, containerd's random instance ID removed.
 */
export function preloadedStore(ctx: StageContext, containerd: Directory, tools: { ctr: File; normalizer: File }, images: ImageArchive[]): Directory {
  let c = ctx
    .toolchain([])
    .withEnvVariable("SOURCE_DATE_EPOCH", String(ctx.config.reproducible.source_date_epoch))
    .withFile("/usr/local/bin/containerd", containerd.file("containerd"), { permissions: 0o755 })
    .withFile("/usr/local/bin/ctr", tools.ctr, { permissions: 0o755 })
    .withFile("/usr/local/bin/kios-store-normalize", tools.normalizer, { permissions: 0o755 })
    .withNewFile("/etc/kios-build/containerd.toml", buildTimeConfig);
  const imports: string[] = [];
  images.forEach((image, i) => {
    c = c.withFile(`/images/${i}.tar`, image.archive);
    imports.push(
      `ctr -a "$sock" -n k8s.io images import --no-unpack --index-name '${image.ref}' ` +
        `--label io.cri-containerd.image=managed /images/${i}.tar`,
    );
  });
  return c
    .withExec([
      "sh",
      "-ec",
      [
        "sock=/run/containerd-build/containerd.sock",
        "mkdir -p /store/var/lib/containerd",
        "containerd --config /etc/kios-build/containerd.toml --log-level warn 2>/tmp/containerd.log &",
        "pid=$!",
        // Ready when it answers, not when its socket appears: under load ctr once failed right after.
        'for _ in $(seq 300); do ctr -a "$sock" version >/dev/null 2>&1 && break; sleep 0.1; done',
        'ctr -a "$sock" version >/dev/null || { echo "containerd did not answer in 30 s:" >&2; cat /tmp/containerd.log >&2; exit 1; }',
        ...imports,
        'ctr -a "$sock" -n k8s.io images ls',
        'kill "$pid"; wait "$pid" || true',
        // What containerd leaves that differs between builds: its instance
        // ID, and time stamps and page order in its databases.
        "rm -rf /store/var/lib/containerd/io.containerd.grpc.v1.introspection /store/var/lib/containerd/tmpmounts",
        '[ -z "$(ls -A /store/var/lib/containerd/io.containerd.content.v1.content/ingest 2>/dev/null)" ] || { echo "containerd store: unfinished ingests left" >&2; exit 1; }',
        "kios-store-normalize /store/var/lib/containerd",
      ].join("\n"),
    ])
    .directory("/store");
}
