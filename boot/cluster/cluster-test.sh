#!/bin/sh
# Drives the cluster test from the boot container while the node runs:
# waits for the node to register and be Ready, runs a Deployment on it,
# reads its logs and execs into it through the API server, checks that the
# kubelet refuses an anonymous request, reads the kubelet's startup metrics,
# then presses the power button and watches the API server for the node's
# graceful shutdown. Every finding is a line "<epoch ms> <what>" in DIR/results.log.
#
#   cluster-test.sh DIR BIN PKI MONITOR     MONITOR: QEMU's monitor socket
set -u
dir=$1
bin=$2
pki=$3
monitor=$4
here=$(cd "$(dirname "$0")" && pwd)
k="$bin/kubectl --kubeconfig=$pki/admin.kubeconfig --request-timeout=10s"
say() { echo "$(date +%s%3N) $*" >>"$dir/results.log"; }
fail() { say "failed: $*"; exit 1; }
within() { # SECONDS COMMAND...: retry COMMAND until it succeeds
  deadline=$(($(date +%s) + $1)); shift
  until "$@" >/dev/null 2>&1; do [ "$(date +%s)" -lt "$deadline" ] || return 1; sleep 0.5; done
}
nodeName() { $k get nodes -o jsonpath='{.items[0].metadata.name}' 2>/dev/null | grep -q . ; }

csr() { $k get csr -o jsonpath='{range .items[*]}{.spec.signerName} {.status.conditions[0].type} {.spec.username}{"\n"}{end}' | head -1; }
csrApproved() { csr | grep -q " Approved "; }
within 600 csrApproved || fail "no client certificate request approved: $(csr)"
say "csr $(csr)"
within 600 nodeName || fail "no node registered"
node=$($k get nodes -o jsonpath='{.items[0].metadata.name}')
say "registered $node"
within 600 $k wait --for=condition=Ready "node/$node" --timeout=5s || fail "node not Ready: $($k get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].message}')"
say "ready"

$k apply -f "$here/workload.yaml" >/dev/null || fail "apply"
within 600 $k wait --for=condition=Ready pod -l app=hello --timeout=5s || fail "pod not running: $($k get pods -o wide 2>&1 | tail -1)"
pod=$($k get pod -l app=hello -o jsonpath='{.items[0].metadata.name}')
say "running $pod on $($k get pod "$pod" -o jsonpath='{.spec.nodeName} {.status.podIP}')"
# Ready is not yet the container's first line: wait for it to be written.
within 60 sh -c "$k logs $pod | grep -q ." || fail "no log from $pod"
say "logs $($k logs "$pod")"
say "exec $($k exec "$pod" -- /bin/busybox cat /proc/version | cut -c1-40)"
ip=$($k get node "$node" -o jsonpath='{.status.addresses[?(@.type=="InternalIP")].address}')
say "anonymous $(python3 -c '
import ssl, sys, urllib.request, urllib.error
try:
    urllib.request.urlopen("https://" + sys.argv[1] + ":10250/pods", context=ssl._create_unverified_context(), timeout=10)
    print("200")
except urllib.error.HTTPError as e:
    print(e.code)
' "$ip")"
$k get --raw "/api/v1/nodes/$node/proxy/metrics" | grep '^kubelet_node_startup' | while read -r metric value; do say "metric $metric $value"; done

# The kubelet's own log, through the kios-logs pod and the API server (kept beside the results).
$k logs -n kube-system "kios-logs-$node" -c kubelet >"$dir/kubelet.log" 2>&1
say "kubelet log $(grep -c . "$dir/kubelet.log") lines from pids $(grep -oE '^[IWEF][0-9]{4} [0-9:.]+ +[0-9]+' "$dir/kubelet.log" | awk '{print $3}' | sort -u | tr '\n' ' ')"

say "power button"
python3 -c 'import socket, sys; s = socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); s.sendall(b"system_powerdown\n")' "$monitor"
# The preStop hook's mark and the node's condition, read through the API server while the node drains.
within 120 sh -c "$k get pod $pod -o jsonpath='{.status.containerStatuses[0].state.terminated.message}' | grep -q drained" &&
  say "terminated $($k get pod "$pod" -o jsonpath='{.status.containerStatuses[0].state.terminated.reason}: {.status.containerStatuses[0].state.terminated.message}')"
say "node $($k get node "$node" -o jsonpath='{.status.conditions[?(@.type=="Ready")].reason}: {.status.conditions[?(@.type=="Ready")].message}')"
say "done"
