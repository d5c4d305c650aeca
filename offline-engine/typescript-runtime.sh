#!/usr/bin/env bash
# Build the runtime image of our "typescript" SDK (offline-engine/engine/_overlay) as
# built-in engine content: Debian's Node.js, and in /opt/kios-ts the Dagger
# TypeScript SDK at the engine's version, tsx and npm (offline-engine/typescript-runtime).
# Writes an OCI content store (blobs/sha256/...) and prints
# "<store dir> <manifest digest>".
source "$(dirname "$0")/lib.sh"
src=$KIOS_ROOT/offline-engine/typescript-runtime

sdk=v$(node -p 'require(process.argv[1]).dependencies["@dagger.io/dagger"]' "$src/package.json")
[ "$sdk" = "$DAGGER_VERSION" ] ||
  die "offline-engine/typescript-runtime/package.json pins @dagger.io/dagger $sdk, the engine is $DAGGER_VERSION"

key=$( (cat "$0"; cd "$src" && cat package.json package-lock.json entrypoint.ts prepare run) | sha256sum | cut -c1-16)
out=$KIOS_CACHE/typescript-runtime/$key
if [ -s "$out/digest" ]; then
  echo "$out/content $(cat "$out/digest")"; exit 0
fi
log "building the TypeScript runtime image (Node.js from Debian, SDK $DAGGER_VERSION)"
rm -rf "$KIOS_CACHE/typescript-runtime"; mkdir -p "$out"
stage=$out/stage; mkdir -p "$stage/opt/kios-ts"
cp "$src"/{package.json,package-lock.json,entrypoint.ts,prepare,run} "$stage/opt/kios-ts/"
(cd "$stage/opt/kios-ts" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error)
# The core API's types for the introspector, as a module's generated sdk/ would carry them.
api=/opt/kios-ts/node_modules/@dagger.io/dagger/dist/src
sed "s|\"../common/|\"$api/common/|g" "$stage$api/api/client.gen.d.ts" > "$stage/opt/kios-ts/client.gen.ts"

SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600} mmdebstrap --quiet --variant=minbase \
  --include=ca-certificates,nodejs --format=tar \
  --customize-hook="sync-in $stage/opt /opt" \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/* "$1"/usr/share/doc "$1"/usr/share/man' \
  "$DEBIAN_SUITE" "$out/rootfs.tar" "$DEBIAN_MIRROR"

# One-layer OCI image in a content store (the layout the engine's _builtinContainer reads).
blobs=$out/content/blobs/sha256; mkdir -p "$blobs"
put() { local d; d=$(sha256sum "$1" | cut -d' ' -f1); mv "$1" "$blobs/$d"; echo "$d"; }
diff_id=$(sha256sum "$out/rootfs.tar" | cut -d' ' -f1)
gzip -n -6 < "$out/rootfs.tar" > "$out/layer"; rm "$out/rootfs.tar"
layer_size=$(stat -c %s "$out/layer"); layer=$(put "$out/layer")
cat > "$out/config" <<JSON
{"architecture":"amd64","os":"linux","config":{"Env":["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"]},"rootfs":{"type":"layers","diff_ids":["sha256:$diff_id"]}}
JSON
config_size=$(stat -c %s "$out/config"); config=$(put "$out/config")
cat > "$out/manifest" <<JSON
{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:$config","size":$config_size},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:$layer","size":$layer_size}]}
JSON
manifest=$(put "$out/manifest")
rm -rf "$stage"
echo "sha256:$manifest" > "$out/digest"
echo "$out/content sha256:$manifest"
