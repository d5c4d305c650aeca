#!/bin/sh
# Builds what the init's PID 1 tests run besides the init and the kernel
# (inside Debian trixie, as root, with the packages tests/support/init-exe.ts
# installs): the stand-in services and the QEMU test's initramfs around a
# given init executable.
#
#   build-assets.sh SRC OUT [INIT]
#     SRC: init/test; OUT: output folder; INIT: the init executable to pack
#     (without it no initramfs is made).
# Writes OUT/fake-service and, given INIT, OUT/initramfs.cpio.
set -eu
src=$(cd "$1" && pwd)
out=$2
init=${3:-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cflags="-std=gnu11 -Os -static -Wall -Wextra -Werror"
# shellcheck disable=SC2086
gcc $cflags -o "$out/fake-service" "$src/fake-service.c"

[ -n "$init" ] || exit 0

# The initramfs (uncompressed): /init, the stand-ins as /bin/containerd and
# /bin/kubelet, a node's /etc.
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/etc/containerd" "$root/etc/kubernetes/manifests" \
  "$root/proc" "$root/sys" "$root/run" "$root/tmp" "$root/var/lib" "$root/var/run"
install -m 0755 "$init" "$root/init"
install -m 0755 "$out/fake-service" "$root/bin/containerd"
install -m 0755 "$out/fake-service" "$root/bin/kubelet"
printf 'kios-qemu-test\n' > "$root/etc/hostname"
mkdir -p "$root/etc/fake" && touch "$root/etc/fake/dump-kmsg"
printf 'version = 3\n' > "$root/etc/containerd/config.toml"
printf 'kind: KubeletConfiguration\n' > "$root/etc/kubernetes/config.yaml"
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 644 "$root/dev/kmsg" c 1 11
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet -R 0:0) > "$out/initramfs.cpio"
