#!/bin/sh
# The smoke boot's test network, inside the boot container's own network
# namespace: a tap device for the guest's NIC and the servers a node needs,
# bound to it. IP forwarding is turned off, so nothing the guest sends can
# leave this namespace. Servers run in the background, logging under DIR.
#
#   test-network.sh DIR
#     DIR/user-data      the metadata service's user data (optional)
#     DIR/no-metadata    when present, no metadata service at all
#     DIR/images/*.tar   OCI archives pushed to the registry; each has a
#                        DIR/images/<name>.ref holding its repository:tag
#
# Network 10.0.2.0/24 on tap kios0: 10.0.2.1 is DHCP (domain kios.test), DNS
# (names under kios.test only, no upstream), NTP (this container's clock, served, never
# set), and a registry on port 5000; 169.254.169.254 is the metadata service.
set -eu
dir=$1
mkdir -p "$dir"
here=$(cd "$(dirname "$0")" && pwd)

echo 0 > /proc/sys/net/ipv4/ip_forward
echo 0 > /proc/sys/net/ipv6/conf/all/forwarding
ip tuntap add dev kios0 mode tap
ip addr add 10.0.2.1/24 dev kios0
ip addr add 169.254.169.254/32 dev kios0
ip link set kios0 up

# Its log lines get this machine's wall clock in ms (the boot report times the lease with it).
dnsmasq --keep-in-foreground --interface=kios0 --bind-interfaces --except-interface=lo \
  --dhcp-range=10.0.2.50,10.0.2.99,1h --dhcp-option=option:router,10.0.2.1 \
  --dhcp-option=option:dns-server,10.0.2.1 --dhcp-option=option:ntp-server,10.0.2.1 \
  --domain=kios.test --no-resolv --no-hosts --local=/kios.test/ --address=/registry.kios.test/10.0.2.1 \
  --dhcp-leasefile="$dir/dnsmasq.leases" --log-dhcp --log-queries --log-facility=- \
  --pid-file="$dir/dnsmasq.pid" 2>&1 |
  python3 -u -c 'import sys, time
for line in sys.stdin: sys.stdout.write("%d %s" % (time.time() * 1000, line))' >"$dir/dnsmasq.log" &

# -x: serve this container's clock, never adjust it (it is the host's).
chronyd -x -d -u root 'local stratum 8' 'allow 10.0.2.0/24' 'bindaddress 10.0.2.1' 'cmdport 0' \
  "pidfile $dir/chronyd.pid" >"$dir/chronyd.log" 2>&1 &

[ -e "$dir/no-metadata" ] ||
  python3 "$here/metadata.py" --listen 169.254.169.254 --port 80 --user-data "$dir/user-data" >"$dir/metadata.log" 2>&1 &

cat >"$dir/registry.yml" <<YAML
version: 0.1
log: { level: info }
storage: { filesystem: { rootdirectory: $dir/registry } }
http: { addr: "10.0.2.1:5000" }
YAML
docker-registry serve "$dir/registry.yml" >"$dir/registry.log" 2>&1 &
for _ in $(seq 100); do
  python3 -c 'import socket; socket.create_connection(("10.0.2.1", 5000), 1)' 2>/dev/null && break
  sleep 0.1
done
for archive in "$dir"/images/*.tar; do
  [ -e "$archive" ] || continue
  ref=$(cat "${archive%.tar}.ref")
  skopeo copy --quiet --dest-tls-verify=false "oci-archive:$archive" "docker://10.0.2.1:5000/$ref" >>"$dir/registry.log" 2>&1
done
echo "test network up: $(ip -o -4 addr show dev kios0 | awk '{print $4}' | tr '\n' ' ')"
