#!/bin/sh
# Builds what the init's PID 1 tests run besides the init (inside Debian trixie,
# as root, with the packages tests/support/init-exe.ts installs): the stand-in
# services, the QEMU test's kernel and module loader, and its initramfs around
# a given init executable.
#
#   build-assets.sh SRC OUT [INIT]
#     SRC: init/test; OUT: output folder; INIT: the init executable to pack
#     (without it no initramfs is made).
# Writes OUT/fake-service, OUT/vmlinuz and, given INIT, OUT/initramfs.cpio.gz.
set -eu
src=$(cd "$1" && pwd)
out=$2
init=${3:-}

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cflags="-std=gnu11 -Os -static -Wall -Wextra -Werror"
# shellcheck disable=SC2086
gcc $cflags -o "$out/fake-service" "$src/fake-service.c"
# shellcheck disable=SC2086
gcc $cflags -o "$work/preload" "$src/preload.c"

# The kernel: unpacked from its package, not installed (no initramfs hooks).
# KERNEL_DEBS: a folder holding the downloaded linux-image .deb to unpack.
dpkg-deb -x "${KERNEL_DEBS:?KERNEL_DEBS=folder of the linux-image .deb is required}"/linux-image-*.deb "$work/kernel"
cp "$work"/kernel/boot/vmlinuz-* "$out/vmlinuz"

[ -n "$init" ] || exit 0

# The initramfs: /init, the stand-ins as /bin/containerd and /bin/kubelet, a
# node's /etc, the power button driver and the test-only module loader.
root=$work/root
mkdir -p "$root/bin" "$root/dev" "$root/lib/modules" "$root/etc/containerd" "$root/etc/kubernetes/manifests" \
  "$root/proc" "$root/sys" "$root/run" "$root/tmp" "$root/var/lib" "$root/var/run"
install -m 0755 "$init" "$root/init"
install -m 0755 "$out/fake-service" "$root/bin/containerd"
install -m 0755 "$out/fake-service" "$root/bin/kubelet"
install -m 0755 "$work/preload" "$root/preload"
xz -dc "$(find "$work/kernel/usr/lib/modules" -name 'button.ko.xz')" > "$root/lib/modules/button.ko"
printf 'kios-qemu-test\n' > "$root/etc/hostname"
mkdir -p "$root/etc/fake" && touch "$root/etc/fake/dump-kmsg"
printf 'version = 3\n' > "$root/etc/containerd/config.toml"
printf 'kind: KubeletConfiguration\n' > "$root/etc/kubernetes/config.yaml"
mknod -m 600 "$root/dev/console" c 5 1
mknod -m 644 "$root/dev/kmsg" c 1 11
(cd "$root" && find . | LC_ALL=C sort | cpio -o -H newc --reproducible --quiet -R 0:0) | gzip -n -1 > "$out/initramfs.cpio.gz"
