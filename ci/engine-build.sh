#!/usr/bin/env bash
# Build the Dagger CLI and engine binaries at the SDK's version from the Go
# module proxy, through the wrapper module in ci/engine. Prints the output dir.
source "$(dirname "$0")/lib.sh"

wrapper=$KIOS_ROOT/ci/engine
grep -qE "^\s*github.com/dagger/dagger $DAGGER_VERSION( |\$)" "$wrapper/go.mod" ||
  die "ci/engine/go.mod does not require github.com/dagger/dagger $DAGGER_VERSION (the SDK version in package.json)"
command -v go >/dev/null || die "go is not installed (Go >= 1.24 is needed to build the engine)"

out=$KIOS_CACHE/dagger/$DAGGER_VERSION-$(hash_files "$wrapper"/go.mod "$wrapper"/go.sum "$wrapper"/distconsts/*)
if [ -x "$out/bin/dagger-engine" ]; then
  echo "$out"; exit 0
fi

log "building Dagger $DAGGER_VERSION CLI and engine from the Go module proxy (cold: tens of minutes)"
tmp=$out.tmp
rm -rf "$tmp"; mkdir -p "$tmp/bin"
pkg=github.com/dagger/dagger
ldflags="-s -w -X $pkg/engine.Version=$DAGGER_VERSION -X $pkg/engine.Tag=$DAGGER_VERSION"
# name in the image : Go package
for pair in dagger:cmd/dagger dagger-engine:cmd/engine dagger-init:cmd/init dial-stdio:cmd/dialstdio dnsname:cmd/dnsname; do
  name=${pair%%:*}; path=${pair#*:}
  log "go build $path"
  (cd "$wrapper" && CGO_ENABLED=0 go build -trimpath -tags dfexcludepatterns,dfparents \
     -ldflags "$ldflags" -o "$tmp/bin/$name" "$pkg/$path")
done
mv "$tmp" "$out"
echo "$out"
