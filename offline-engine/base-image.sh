#!/usr/bin/env bash
# The offline stand-in for build.toml's [base] image: Debian trixie minbase
# made with mmdebstrap, imported into Docker and saved as the image archive
# build.toml names as base.offline_archive (under $KIOS_CACHE/images).
source "$(dirname "$0")/lib.sh"

archive_name=$(node -e '
  const toml = require("@iarna/toml");
  console.log(toml.parse(require("fs").readFileSync(process.argv[1], "utf8")).base.offline_archive ?? "")' \
  "$KIOS_ROOT/build.toml")
[ -n "$archive_name" ] || die "build.toml: base.offline_archive is missing"
archive=$KIOS_CACHE/images/$archive_name
key=$(hash_files "$0")

if [ -s "$archive" ] && [ "$(cat "$archive.key" 2>/dev/null)" = "$key" ]; then
  echo "$archive"; exit 0
fi
tag=$KIOS_DOCKER_PREFIX/base:$DEBIAN_SUITE
IMPORT_CHANGES=(--change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin')
debian_image "$tag" "$key" \
  --include=ca-certificates \
  --customize-hook='rm -rf "$1"/var/lib/apt/lists/* "$1"/var/cache/apt/*.bin'
log "docker save $tag -> $archive"
docker save "$tag" -o "$archive.tmp"
mv "$archive.tmp" "$archive"
echo "$key" >"$archive.key"
echo "$archive"
