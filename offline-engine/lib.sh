# Shared settings for the offline-engine/ scripts. Source it; do not run it.
set -euo pipefail

KIOS_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# Every cache the offline path keeps lives under this one directory.
KIOS_CACHE=${KIOS_CACHE:-$HOME/.cache/kios}
mkdir -p "$KIOS_CACHE"

# The SDK's version is the one pin: CLI and engine are built at exactly it.
DAGGER_VERSION=v$(node -p 'require(process.argv[1]).dependencies["@dagger.io/dagger"]' "$KIOS_ROOT/package.json")
# Docker names are prefixed, so that a benchmark can build a second, cold copy.
KIOS_DOCKER_PREFIX=${KIOS_DOCKER_PREFIX:-kios}
# A repository with a "/": the CLI parses the runner host as a URL (host/path).
ENGINE_IMAGE=$KIOS_DOCKER_PREFIX/dagger-engine:$DAGGER_VERSION
DEBIAN_SUITE=trixie
DEBIAN_MIRROR=${DEBIAN_MIRROR:-http://deb.debian.org/debian}

export GOMODCACHE=$KIOS_CACHE/go/mod GOCACHE=$KIOS_CACHE/go/build GOFLAGS=-mod=readonly

log() { printf '[kios %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
die() { log "error: $*"; exit 1; }

# Content hash of files, used to key cached artefacts.
hash_files() { cat "$@" | sha256sum | cut -c1-16; }

# Ensure Docker has image $1 (tag) built from a Debian rootfs whose recipe
# hashes to $2; otherwise run mmdebstrap with the remaining args and import
# the result. The key is stored as an ENV of the image.
debian_image() {
  local tag=$1 key=$2; shift 2
  local have
  have=$(docker image inspect -f '{{range .Config.Env}}{{println .}}{{end}}' "$tag" 2>/dev/null | sed -n 's/^KIOS_IMAGE_KEY=//p' || true)
  [ "$have" = "$key" ] && return 0
  # A tag may carry the key itself (the engine's); tarballs are named by the
  # rest, so that those of earlier recipes are found and dropped.
  local family=${tag%-"$key"}
  family=${family//[:\/]/_}
  local tar=$KIOS_CACHE/images/$family-$key.tar
  mkdir -p "$KIOS_CACHE/images"
  find "$KIOS_CACHE/images" -name "$family-*.tar" ! -name "${tar##*/}" -delete
  if [ ! -s "$tar" ]; then
    log "mmdebstrap $DEBIAN_SUITE -> $tag"
    SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-1735689600} mmdebstrap --quiet --variant=minbase \
      --format=tar "$@" "$DEBIAN_SUITE" "$tar.tmp" "$DEBIAN_MIRROR"
    mv "$tar.tmp" "$tar"
  fi
  log "docker import $tag"
  docker import --change "ENV KIOS_IMAGE_KEY=$key" "${IMPORT_CHANGES[@]}" "$tar" "$tag" >/dev/null
}
