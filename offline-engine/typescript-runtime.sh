#!/usr/bin/env bash
# Build the runtime image of our "typescript" SDK (offline-engine/engine/_overlay) as
# built-in engine content: Debian's Node.js, and in /opt/kios-ts the Dagger
# TypeScript SDK at the engine's version, tsx and npm (offline-engine/typescript-runtime),
# and Dagger's code generator (built by engine-build.sh) for modules with dependencies.
# Writes an OCI content store (blobs/sha256/...) and prints
# "<store dir> <manifest digest>".
# Usage: typescript-runtime.sh <dir with bin/ from engine-build.sh>
source "$(dirname "$0")/lib.sh"
src=$KIOS_ROOT/offline-engine/typescript-runtime
codegen=${1:?usage: typescript-runtime.sh BINDIR}/bin/codegen
[ -x "$codegen" ] || die "$codegen is missing: offline-engine/engine-build.sh builds it"

sdk=v$(node -p 'require(process.argv[1]).dependencies["@dagger.io/dagger"]' "$src/package.json")
[ "$sdk" = "$DAGGER_VERSION" ] ||
  die "offline-engine/typescript-runtime/package.json pins @dagger.io/dagger $sdk, the engine is $DAGGER_VERSION"

key=$( (cat "$0" "$codegen"; cd "$src" && cat package.json package-lock.json entrypoint.ts prepare generate run) | sha256sum | cut -c1-16)
out=$KIOS_CACHE/typescript-runtime/$key
if [ -s "$out/digest" ]; then
  echo "$out/content $(cat "$out/digest")"; exit 0
fi
log "building the TypeScript runtime image (Node.js from Debian, SDK $DAGGER_VERSION)"
rm -rf "$KIOS_CACHE/typescript-runtime"; mkdir -p "$out"
stage=$out/stage; mkdir -p "$stage/opt/kios-ts"
cp "$src"/{package.json,package-lock.json,entrypoint.ts,prepare,generate,run} "$stage/opt/kios-ts/"
mkdir -p "$stage/opt/kios-ts/bin" && cp "$codegen" "$stage/opt/kios-ts/bin/codegen"
# (npm prints its summary on stdout, which is this script's answer: keep it off.)
(cd "$stage/opt/kios-ts" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --loglevel=error) >&2
# The core API's types for the introspector, as a module's generated sdk/ would carry them.
api=/opt/kios-ts/node_modules/@dagger.io/dagger/dist/src
sed "s|\"../common/|\"$api/common/|g" "$stage$api/api/client.gen.d.ts" > "$stage/opt/kios-ts/client.gen.ts"
# The sdk/ template that generate copies into a module with dependencies and
# completes with its client.gen.ts. core.js re-exports the SDK's names that
# are not the core API's (the generated client has those), by absolute path:
# the decorators the module uses are then the entrypoint's, one registry.
sdk=$stage/opt/kios-ts/sdk; mkdir -p "$sdk"
names=$(cd "$stage$api" && node --input-type=module -e '
  const index = await import(process.cwd() + "/index.js");
  const api = await import(process.cwd() + "/api/client.gen.js");
  console.log(Object.keys(index).filter((k) => !(k in api)).sort().join(", "));')
echo "export { $names } from \"$api/index.js\"" > "$sdk/core.js"
{ cat "$sdk/core.js"; echo "export type { CallbackFct, ConnectOpts } from \"$api/index.js\""; } > "$sdk/core.d.ts"
printf 'export * from "./core.js"\nexport * from "./client.gen.js"\n' > "$sdk/index.ts"
echo "export * from \"$api/telemetry/index.js\"" > "$sdk/telemetry.ts"
cat > "$sdk/package.json" <<'JSON'
{ "name": "@dagger.io/dagger", "private": true, "type": "module", "main": "./index.ts", "types": "./index.ts",
  "exports": { ".": "./index.ts", "./telemetry": "./telemetry.ts" } }
JSON

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
