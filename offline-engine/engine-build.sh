#!/usr/bin/env bash
# Build the Dagger CLI and engine binaries at the SDK's version from the Go
# module proxy, through the wrapper module in offline-engine/engine. Prints the output dir.
source "$(dirname "$0")/lib.sh"

wrapper=$KIOS_ROOT/offline-engine/engine
grep -qE "^\s*github.com/dagger/dagger $DAGGER_VERSION( |\$)" "$wrapper/go.mod" ||
  die "offline-engine/engine/go.mod does not require github.com/dagger/dagger $DAGGER_VERSION (the SDK version in package.json)"
command -v go >/dev/null || die "go is not installed (Go >= 1.24 is needed to build the engine)"

overlay=$wrapper/_overlay
out=$KIOS_CACHE/dagger/$DAGGER_VERSION-$(hash_files "$0" "$wrapper"/go.mod "$wrapper"/go.sum "$wrapper"/distconsts/* "$overlay"/core/sdk/*)
if [ -x "$out/bin/dagger-engine" ]; then
  echo "$out"; exit 0
fi

log "building Dagger $DAGGER_VERSION CLI and engine from the Go module proxy (cold: tens of minutes)"
tmp=$out.tmp
rm -rf "$tmp"; mkdir -p "$tmp/bin"
pkg=github.com/dagger/dagger
# Our "typescript" SDK (offline-engine/engine/_overlay) replaces the stock one, which
# pulls registry images: the build uses a copy of dagger's module with our
# file added to core/sdk and the loader's typescript case pointed at it.
# (go build -overlay cannot replace files in the module cache.)
src=$(cd "$wrapper" && go mod download -json "$pkg@$DAGGER_VERSION" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')
[ -f "$src/core/sdk/loader.go" ] || die "cannot find $pkg@$DAGGER_VERSION in the module cache"
stock='return l.loadBuiltinSDK(ctx, root, sdk, digest.Digest(os.Getenv(distconsts.TypescriptSDKManifestDigestEnvName)))'
[ "$(grep -cF "$stock" "$src/core/sdk/loader.go")" = 1 ] ||
  die "core/sdk/loader.go of $DAGGER_VERSION does not load the typescript SDK as expected: update offline-engine/engine-build.sh"
patched=$KIOS_CACHE/dagger/src-$DAGGER_VERSION # one stable path, so Go's build cache keeps serving it
rm -rf "$patched"; cp -r "$src" "$patched"; chmod -R u+w "$patched"
sed "s|$stock|return \\&kiosTypescriptSDK{root: root, rawConfig: sdk.Config}, nil|" "$src/core/sdk/loader.go" > "$patched/core/sdk/loader.go"
cp "$overlay"/core/sdk/*.go "$patched/core/sdk/"
# The wrapper's go.mod with dagger replaced by the copy (and its own replace made absolute).
sed "s|=> ./distconsts|=> $wrapper/distconsts|" "$wrapper/go.mod" > "$tmp/go.mod"
echo "replace $pkg => $patched" >> "$tmp/go.mod"
cp "$wrapper/go.sum" "$tmp/go.sum"
ldflags="-s -w -X $pkg/engine.Version=$DAGGER_VERSION -X $pkg/engine.Tag=$DAGGER_VERSION"
# name in the image : Go package
# (codegen goes into the TypeScript runtime image: bindings of module dependencies.)
for pair in dagger:cmd/dagger dagger-engine:cmd/engine dagger-init:cmd/init dial-stdio:cmd/dialstdio dnsname:cmd/dnsname codegen:cmd/codegen; do
  name=${pair%%:*}; path=${pair#*:}
  log "go build $path"
  (cd "$wrapper" && CGO_ENABLED=0 go build -trimpath -modfile="$tmp/go.mod" -tags dfexcludepatterns,dfparents \
     -ldflags "$ldflags" -o "$tmp/bin/$name" "$pkg/$path")
done
rm "$tmp/go.mod" "$tmp/go.sum"
mv "$tmp" "$out"
echo "$out"
