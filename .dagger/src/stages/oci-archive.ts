/**
 * An OCI image archive made byte for byte the same from the same files:
 * one uncompressed layer (tar sorted by name, owners 0, every mtime
 * SOURCE_DATE_EPOCH), a config and index without build times. Dagger's
 * asTarball stamps the wall clock into the index and the config's history,
 * so images that go into a release are packed here instead.
 */
import type { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";

/** What the image's config holds besides its layer. */
export interface ImageConfig {
  entrypoint?: string[];
}

/** The PATH Docker and Dagger give an image that sets none. */
const DEFAULT_PATH = "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

/** The image config's JSON with the layer's diff ID left as @DIFF_ID@ (filled in by the packing step). */
export function imageConfigJson(created: string, config: ImageConfig): string {
  return JSON.stringify({
    architecture: "amd64",
    config: { Env: [DEFAULT_PATH], ...(config.entrypoint ? { Entrypoint: config.entrypoint } : {}) },
    created,
    os: "linux",
    rootfs: { diff_ids: ["sha256:@DIFF_ID@"], type: "layers" },
  });
}

const TAR = "tar --create --sort=name --format=gnu --numeric-owner --owner=0 --group=0 --mtime=@$SOURCE_DATE_EPOCH";

/** `root` as a one-layer OCI image archive (what `ctr images import` takes). */
export function ociArchive(ctx: StageContext, root: Directory, config: ImageConfig): File {
  const epoch = ctx.config.reproducible.source_date_epoch;
  const created = new Date(epoch * 1000).toISOString().replace(".000Z", "Z");
  return ctx
    .toolchain([])
    .withEnvVariable("SOURCE_DATE_EPOCH", String(epoch))
    .withDirectory("/image", root)
    .withNewFile("/tmp/config.json", imageConfigJson(created, config))
    .withExec([
      "bash",
      "-ec",
      `mkdir -p /oci/blobs/sha256 && cd /oci
blob() { d=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" blobs/sha256/$d; echo "$d $(stat -c %s blobs/sha256/$d)"; }
(cd /image && ${TAR} --file=/oci/layer .)
read -r layer layer_size < <(blob layer)
sed "s/@DIFF_ID@/$layer/" /tmp/config.json > config
read -r config config_size < <(blob config)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%s},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"sha256:%s","size":%s}]}' \\
  "$config" "$config_size" "$layer" "$layer_size" > manifest
read -r manifest manifest_size < <(blob manifest)
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%s,"platform":{"architecture":"amd64","os":"linux"}}]}' \\
  "$manifest" "$manifest_size" > index.json
printf '{"imageLayoutVersion":"1.0.0"}' > oci-layout
${TAR} --file=/image.tar oci-layout index.json blobs`,
    ])
    .file("/image.tar");
}
