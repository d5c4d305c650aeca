#!/bin/sh
# Builds the kiOS init: the TypeScript bundled to one ES module (esbuild),
# compiled to QuickJS bytecode (qjsc), linked with the native module into one
# static executable (gcc). Runs inside Debian trixie with the packages the
# Dagger `init` stage installs (stages/init.ts; versions pinned in build.toml).
#
#   build.sh SRC OUT     SRC: the init/ folder, OUT: the executable to write
set -eu
src=$(cd "$1" && pwd)
out=$2

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Relative paths only, so that no build folder's name ends up in the bytecode.
(cd "$src" && esbuild main.ts --bundle --format=esm --platform=neutral --target=es2023 \
  --external:kios --external:qjs:os --log-level=warning --outfile="$work/init.js")
(cd "$work" && qjsc -c -s -m -M kios,kios -M qjs:os,os -N qjsc_init -o init_bytecode.c init.js)

gcc -std=gnu11 -Os -static-pie -fPIE \
  -Wall -Wextra -Werror -Wformat=2 -Wformat-security \
  -D_FORTIFY_SOURCE=3 -fstack-protector-strong -fstack-clash-protection -fcf-protection \
  -Wl,-z,relro,-z,now,-z,noexecstack -Wl,--gc-sections -ffunction-sections -fdata-sections \
  -ffile-prefix-map="$src"=init -ffile-prefix-map="$work"=build \
  -isystem /usr/include/quickjs -I"$src/native" \
  -o "$work/init" "$src"/native/*.c "$work/init_bytecode.c" \
  -L/usr/lib/x86_64-linux-gnu/quickjs -lquickjs -lmnl -lm -ldl -lpthread
strip --strip-all "$work/init"
mkdir -p "$(dirname "$out")"
install -m 0755 "$work/init" "$out"
echo "built $out: $(stat -c %s "$out") bytes"
