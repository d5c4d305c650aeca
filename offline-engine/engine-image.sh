#!/usr/bin/env bash
# Assemble the Dagger engine image from a Debian trixie rootfs, Debian's
# runc/tini/CNI plugins/dnsmasq/iptables, and the binaries engine-build.sh
# made, and the runtime image of our TypeScript SDK as built-in content
# (offline-engine/typescript-runtime.sh); import it into Docker. Prints the image tag.
# Usage: engine-image.sh <dir with bin/ from engine-build.sh>
source "$(dirname "$0")/lib.sh"
bin=${1:?usage: engine-image.sh BINDIR}/bin

packages=runc,tini,containernetworking-plugins,dnsmasq-base,iptables,nftables,git,openssh-client,pigz,xz-utils,e2fsprogs,ca-certificates,util-linux
read -r ts_content ts_digest < <("$KIOS_ROOT/offline-engine/typescript-runtime.sh" "$1") && [ -n "${ts_digest:-}" ] ||
  die "offline-engine/typescript-runtime.sh failed"
key=$( (basename "$1"; echo "$ts_digest"; cat "$0" "$KIOS_ROOT"/offline-engine/engine/*.sh) | sha256sum | cut -c1-16)
tag=$ENGINE_IMAGE-$key

IMPORT_CHANGES=(
  --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin'
  --change 'ENTRYPOINT ["/usr/local/bin/dagger-entrypoint"]'
  --change 'VOLUME /var/lib/dagger'
  --change "ENV KIOS_TYPESCRIPT_RUNTIME_MANIFEST_DIGEST=$ts_digest"
)
debian_image "$tag" "$key" --include="$packages" \
  --customize-hook="upload $bin/dagger-engine /usr/local/bin/dagger-engine" \
  --customize-hook="upload $bin/dagger-init /usr/local/bin/dagger-init" \
  --customize-hook="upload $bin/dagger /usr/local/bin/dagger" \
  --customize-hook="upload $KIOS_ROOT/offline-engine/engine/entrypoint.sh /usr/local/bin/dagger-entrypoint" \
  --customize-hook="upload $bin/dial-stdio /usr/bin/dial-stdio" \
  --customize-hook="upload $bin/dnsname /usr/lib/cni/dnsname" \
  --customize-hook="mkdir -p \"\$1\"/usr/local/share/dagger/content" \
  --customize-hook="sync-in $ts_content /usr/local/share/dagger/content" \
  --customize-hook="upload $KIOS_ROOT/offline-engine/engine/image-setup.sh /tmp/image-setup.sh" \
  --customize-hook='chroot "$1" sh /tmp/image-setup.sh'
# Images of earlier recipes that no container uses are dropped (~650 MB each).
docker image ls --format '{{.Repository}}:{{.Tag}}' "$ENGINE_IMAGE*" | grep -vxF "$tag" |
  xargs -r docker image rm >/dev/null 2>&1 || true
echo "$tag"
