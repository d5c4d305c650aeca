#!/bin/sh
# Runs inside the engine rootfs (mmdebstrap customize hook): put Debian's
# pieces where the engine looks for them.
set -eu
chmod 0755 /usr/local/bin/* /usr/bin/dial-stdio /usr/lib/cni/dnsname
ln -s dial-stdio /usr/bin/buildctl
ln -s /usr/sbin/runc /usr/local/bin/runc
# The engine expects the xtables multi-call binaries in /usr/bin.
ln -s /usr/sbin/xtables-nft-multi /usr/bin/xtables-nft-multi
ln -s /usr/sbin/xtables-legacy-multi /usr/bin/xtables-legacy-multi
mkdir -p /opt/cni /etc/dagger /var/lib/dagger
ln -s /usr/lib/cni /opt/cni/bin
# Unknown keys in engine.json make the engine refuse to start: keep it empty.
echo '{}' > /etc/dagger/engine.json
: > /etc/dagger/engine.toml
rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /tmp/image-setup.sh
