#!/bin/sh
# A test control plane on the test network (boot/test-network.sh), as
# processes in the boot container's own network namespace: etcd (loopback
# only), kube-apiserver on 10.0.2.1:6443, kube-controller-manager (signs
# and approves kubelet CSRs) and kube-scheduler; then the bootstrap token
# and the RBAC bindings that let a node join with it.
#
#   control-plane.sh DIR BIN PKI     logs and state under DIR; binaries in BIN; pki.sh's folder in PKI
set -eu
dir=$1
bin=$2
pki=$3
here=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$dir/etcd"
kubectl="$bin/kubectl --kubeconfig=$pki/admin.kubeconfig"

"$bin/etcd" --name kios-test --data-dir "$dir/etcd" \
  --listen-client-urls http://127.0.0.1:2379 --advertise-client-urls http://127.0.0.1:2379 \
  --listen-peer-urls http://127.0.0.1:2380 --initial-advertise-peer-urls http://127.0.0.1:2380 \
  --initial-cluster kios-test=http://127.0.0.1:2380 >"$dir/etcd.log" 2>&1 &

"$bin/kube-apiserver" --etcd-servers=http://127.0.0.1:2379 \
  --bind-address=10.0.2.1 --advertise-address=10.0.2.1 --secure-port=6443 \
  --tls-cert-file="$pki/apiserver.crt" --tls-private-key-file="$pki/apiserver.key" --client-ca-file="$pki/ca.crt" \
  --kubelet-client-certificate="$pki/apiserver-kubelet-client.crt" --kubelet-client-key="$pki/apiserver-kubelet-client.key" \
  --kubelet-preferred-address-types=InternalIP \
  --service-account-key-file="$pki/sa.pub" --service-account-signing-key-file="$pki/sa.key" \
  --service-account-issuer=https://kubernetes.default.svc.cluster.local \
  --service-cluster-ip-range=10.96.0.0/16 --authorization-mode=Node,RBAC --enable-bootstrap-token-auth=true \
  --enable-admission-plugins=NodeRestriction --allow-privileged=true >"$dir/kube-apiserver.log" 2>&1 &

for _ in $(seq 300); do
  $kubectl get --raw /readyz >/dev/null 2>&1 && break
  sleep 0.5
done
$kubectl get --raw /readyz >/dev/null

"$bin/kube-controller-manager" --kubeconfig="$pki/controller-manager.kubeconfig" \
  --authentication-kubeconfig="$pki/controller-manager.kubeconfig" --authorization-kubeconfig="$pki/controller-manager.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false --use-service-account-credentials=true \
  --controllers='*,bootstrapsigner,tokencleaner' \
  --cluster-signing-cert-file="$pki/ca.crt" --cluster-signing-key-file="$pki/ca.key" \
  --root-ca-file="$pki/ca.crt" --service-account-private-key-file="$pki/sa.key" >"$dir/kube-controller-manager.log" 2>&1 &

"$bin/kube-scheduler" --kubeconfig="$pki/scheduler.kubeconfig" \
  --authentication-kubeconfig="$pki/scheduler.kubeconfig" --authorization-kubeconfig="$pki/scheduler.kubeconfig" \
  --bind-address=127.0.0.1 --leader-elect=false >"$dir/kube-scheduler.log" 2>&1 &

token=$(cat "$pki/token")
sed -e "s/@TOKEN_ID@/${token%%.*}/" -e "s/@TOKEN_SECRET@/${token#*.}/" "$here/join.yaml" | $kubectl apply -f - >"$dir/join.log" 2>&1
echo "control plane up: $($kubectl version 2>/dev/null | tail -1)"
