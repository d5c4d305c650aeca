#!/bin/sh
# Builds kios-node, the node tools' one static executable: node/main.ts
# bundled with its npm dependencies (esbuild, from NODE_PATH), compiled to
# QuickJS bytecode (qjsc) and linked with native/ (gcc). Runs inside Debian
# trixie with the packages the Dagger `nodeTools` stage installs
# (stages/node-tools.ts; versions pinned in build.toml).
#
#   build.sh SRC OUT     SRC: the kiOS tree (node/ and .dagger/src/), OUT: the executable to write
set -eu
src=$(cd "$1" && pwd)
out=$2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Relative paths only, so that no build folder's name ends up in the bytecode.
(cd "$src" && esbuild node/main.ts --bundle --format=esm --platform=neutral --target=es2023 --minify \
  --main-fields=module,main --external:kiosnode --external:qjs:os --external:qjs:std \
  --log-level=warning --outfile="$work/node.js")
(cd "$work" && qjsc -c -s -m -M kiosnode,kiosnode -M qjs:os,os -M qjs:std,std -N qjsc_node -o node_bytecode.c node.js)

gcc -std=gnu11 -Os -static-pie -fPIE \
  -Wall -Wextra -Werror -Wformat=2 -Wformat-security \
  -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fcf-protection \
  -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--gc-sections -ffunction-sections -fdata-sections \
  -ffile-prefix-map="$src"=kios -ffile-prefix-map="$work"=build \
  -isystem /usr/include/quickjs -I"$src/node/native" \
  -o "$work/kios-node" "$src"/node/native/*.c "$work/node_bytecode.c" \
  -L/usr/lib/x86_64-linux-gnu/quickjs -lquickjs -lm -ldl -lpthread
strip --strip-all "$work/kios-node"
mkdir -p "$(dirname "$out")"
install -m 0755 "$work/kios-node" "$out"
echo "built $out: $(stat -c %s "$out") bytes"
