/**
 * A containerd content store with images preloaded, made at build time by
 * running our containerd and importing the archives with ctr into the CRI
 * namespace. Layers are stored, not unpacked (unpacking needs mounts the
 * build container may not do); CRI unpacks them when it first creates a
 * container from them.
 */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import { fetchGoModule, goBuildArgs, goWorkspace, OUT } from "./go.js";
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

const buildTimeConfig = `version = 3
root = "/store/var/lib/containerd"
state = "/run/containerd-build"
disabled_plugins = ["io.containerd.grpc.v1.cri", "io.containerd.cri.v1.runtime", "io.containerd.cri.v1.images"]
[grpc]
  address = "/run/containerd-build/containerd.sock"
`;

/** Returns /var/lib/containerd (as a directory tree rooted at var/lib/containerd) holding `images`. */
export function preloadedStore(ctx: StageContext, containerd: Directory, ctr: File, images: ImageArchive[]): Directory {
  let c = ctx
    .toolchain([])
    .withFile("/usr/local/bin/containerd", containerd.file("containerd"), { permissions: 0o755 })
    .withFile("/usr/local/bin/ctr", ctr, { permissions: 0o755 })
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
      ].join("\n"),
    ])
    .directory("/store");
}
