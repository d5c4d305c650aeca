#!/bin/sh
# A throw-away PKI for a test control plane, made with openssl: the cluster CA,
# the API server's serving certificate, client certificates for the API
# server (to kubelets), the admin, the controller manager and the scheduler,
# the service account key pair, kubeconfigs for the clients, and a bootstrap
# token. Made once per test run (its caller's nonce), never reused.
#
#   pki.sh OUT KUBECTL      OUT: the folder to fill; KUBECTL: kubectl to write kubeconfigs with
set -eu
out=$1
kubectl=$2
server=https://10.0.2.1:6443
mkdir -p "$out"
cd "$out"

openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 -subj "/CN=kios-test-cluster-ca" \
  -keyout ca.key -out ca.crt 2>/dev/null

# sign NAME SUBJECT EXTENSIONS
sign() {
  openssl req -new -newkey rsa:2048 -nodes -sha256 -subj "$2" -keyout "$1.key" -out "$1.csr" 2>/dev/null
  printf '%s\n' "$3" > "$1.ext"
  openssl x509 -req -sha256 -days 2 -in "$1.csr" -CA ca.crt -CAkey ca.key -CAcreateserial \
    -extfile "$1.ext" -out "$1.crt" 2>/dev/null
  rm "$1.csr" "$1.ext"
}
client="basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"
sign apiserver "/CN=kube-apiserver" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth
subjectAltName=IP:10.0.2.1,IP:10.96.0.1,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc,DNS:kubernetes.default.svc.cluster.local"
sign apiserver-kubelet-client "/O=system:masters/CN=kube-apiserver-kubelet-client" "$client"
sign admin "/O=system:masters/CN=kubernetes-admin" "$client"
sign controller-manager "/CN=system:kube-controller-manager" "$client"
sign scheduler "/CN=system:kube-scheduler" "$client"
openssl genrsa -out sa.key 2048 2>/dev/null
openssl rsa -in sa.key -pubout -out sa.pub 2>/dev/null

for user in admin controller-manager scheduler; do
  "$kubectl" --kubeconfig="$user.kubeconfig" config set-cluster kios --server="$server" --certificate-authority=ca.crt --embed-certs=true >/dev/null
  "$kubectl" --kubeconfig="$user.kubeconfig" config set-credentials "$user" --client-certificate="$user.crt" --client-key="$user.key" --embed-certs=true >/dev/null
  "$kubectl" --kubeconfig="$user.kubeconfig" config set-context kios --cluster=kios --user="$user" >/dev/null
  "$kubectl" --kubeconfig="$user.kubeconfig" config use-context kios >/dev/null
done

# A bootstrap token: [a-z0-9]{6}.[a-z0-9]{16}.
token=$(openssl rand -hex 11)
printf '%s.%s\n' "$(echo "$token" | cut -c1-6)" "$(echo "$token" | cut -c7-22)" > token
echo "test PKI in $out: $(ls | tr '\n' ' ')"
