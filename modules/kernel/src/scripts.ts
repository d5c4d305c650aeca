/**
 * The kernel build's paths and shell scripts: the config step (tinyconfig,
 * merge_config.sh, olddefconfig) and the build step (bzImage, modules,
 * modules_install) in a kept kbuild output directory.
 */

export const SRC = "/src";
export const BUILD = "/build";
/** The fragments go to /kios/kernel/, so kbuild's messages name them as kernel/<name>. */
export const KIOS = "/kios";
export const OUT = "/out";
/** ccache wraps the compilers; Kconfig sees the same CC in the config and build steps. */
export const MAKE = `make -C ${SRC} O=${BUILD} CC="ccache gcc" HOSTCC="ccache gcc"`;

/** Where the build step finds a given module signing key (a Secret), and where it copies it for kbuild (a tmpfs). */
export const MODULE_KEY_SECRET = "/run/secrets/module-signing-key";
const MODULE_KEY = "/run/kios-module-key/signing_key.pem";

/** The fragment that makes kbuild sign with the given key instead of generating one. */
export const MODULE_KEY_FRAGMENT = {
  file: "kernel/zz-module-signing-key.config",
  text: `# The module signing key given to the build (a Secret, on a tmpfs).\nCONFIG_MODULE_SIG_KEY="${MODULE_KEY}"\n`,
};

/** The shell prelude of both steps: timed phases, KBUILD_BUILD_TIMESTAMP from SOURCE_DATE_EPOCH. */
const PRELUDE = `
start=$SECONDS
phase() { echo "[kernel +$((SECONDS - start))s] $*"; }
export KBUILD_BUILD_TIMESTAMP="$(date -u -d "@$SOURCE_DATE_EPOCH")"
`;

/** The config step: tinyconfig, the fragments merged in the order given, olddefconfig; writes /build/.config. */
export function configScript(fragmentPaths: string[]): string {
  return `${PRELUDE}
mkdir -p ${BUILD}
phase "kernel $(make -s -C ${SRC} kernelversion): make tinyconfig"
${MAKE} -s tinyconfig
phase "merge_config.sh ${fragmentPaths.join(" ")}"
${SRC}/scripts/kconfig/merge_config.sh -m -O ${BUILD} ${BUILD}/.config ${fragmentPaths.join(" ")}
phase "make olddefconfig"
${MAKE} -s olddefconfig
`;
}

/** The build step: bzImage, modules and modules_install in the kept build directory; the results and build.log in /out. */
export function buildScript(): string {
  return `${PRELUDE}
set -o pipefail
mkdir -p ${OUT}
build() {
jobs=$(nproc)
phase "kernel $(make -s -C ${SRC} kernelversion), $jobs jobs, KBUILD_BUILD_TIMESTAMP=$KBUILD_BUILD_TIMESTAMP"
phase "toolchain: $(gcc --version | head -1); installed $(grep Start-Date /var/log/apt/history.log | tail -1)"
# A build directory a killed build left behind (.kios-dirty), or (should two
# keys ever share a volume name) one of another key, is emptied; ccache then
# refills it.
if [ "$(cat ${BUILD}/.kios-key 2>/dev/null)" != "$KIOS_BUILD_KEY" ] || [ -e ${BUILD}/.kios-dirty ]; then
  phase "new build directory"
  find ${BUILD} -mindepth 1 -delete
  echo "$KIOS_BUILD_KEY" >${BUILD}/.kios-key
else
  phase "reusing the build directory: kbuild recompiles what the changes touch"
fi
touch ${BUILD}/.kios-dirty
if [ -e ${MODULE_KEY_SECRET} ]; then
  install -m 0600 ${MODULE_KEY_SECRET} ${MODULE_KEY}
  openssl pkey -in ${MODULE_KEY} -noout 2>/dev/null || { echo "module signing key: no PEM private key in it" >&2; exit 1; }
  openssl x509 -in ${MODULE_KEY} -noout 2>/dev/null || { echo "module signing key: no PEM certificate in it (kbuild wants the key and its certificate in one file)" >&2; exit 1; }
  openssl x509 -in ${MODULE_KEY} -noout -text | grep -q 'Public Key Algorithm: rsaEncryption' \
    || { echo "module signing key: RSA required (ECDSA signatures differ on every build)" >&2; exit 1; }
  [ "$(openssl pkey -in ${MODULE_KEY} -pubout)" = "$(openssl x509 -in ${MODULE_KEY} -noout -pubkey)" ] \
    || { echo "module signing key: the certificate is not the private key's" >&2; exit 1; }
  # The same key as last time: older than the certificate kbuild extracted
  # from it, so nothing is relinked.
  if [ -e ${BUILD}/certs/signing_key.x509 ] && openssl x509 -in ${MODULE_KEY} -outform DER | cmp -s - ${BUILD}/certs/signing_key.x509; then
    touch -d @0 ${MODULE_KEY}
  fi
  phase "module signing key given: $(openssl x509 -in ${MODULE_KEY} -noout -subject)"
else
  phase "no module signing key given: kbuild's throw-away key signs the modules (not reproducible)"
fi
# An unchanged .config keeps its time stamp, so kbuild sees nothing to redo.
cmp -s /tmp/checked.config ${BUILD}/.config || cp /tmp/checked.config ${BUILD}/.config
phase "make bzImage modules"
${MAKE} -j"$jobs" bzImage modules
# Building must not have changed the checked configuration.
cmp ${BUILD}/.config /tmp/checked.config || { echo "the build changed the checked .config" >&2; exit 1; }
# The kernel trusts the module signing key's certificate, which
# certs/system_certificates.S pulls in with .incbin: ccache cannot see that
# file, so a new build directory (a new key) can get another key's object
# from it, and the kernel would refuse every module. Check, and rebuild that
# object without ccache if so.
if [ -e ${BUILD}/certs/signing_key.x509 ] && ! perl -e 'local $/; open my $o, "<", $ARGV[0] or die; open my $c, "<", $ARGV[1] or die; exit(index(<$o>, <$c>) < 0)' ${BUILD}/certs/system_certificates.o ${BUILD}/certs/signing_key.x509; then
  phase "certs/system_certificates.o from ccache holds another key's certificate: rebuilding it without ccache"
  rm -f ${BUILD}/certs/system_certificates.o
  CCACHE_DISABLE=1 ${MAKE} -j"$jobs" bzImage
fi
phase "make modules_install (signs the modules)"
${MAKE} -s INSTALL_MOD_PATH=${OUT}/modules INSTALL_MOD_STRIP=1 modules_install
rm -f ${BUILD}/.kios-dirty
# Links back into this build container mean nothing outside it.
rm -f ${OUT}/modules/lib/modules/*/build ${OUT}/modules/lib/modules/*/source
cp ${BUILD}/arch/x86/boot/bzImage ${OUT}/bzImage
cp ${BUILD}/.config ${OUT}/config
phase "done: release $(cat ${BUILD}/include/config/kernel.release), bzImage $(stat -c %s ${OUT}/bzImage) bytes, $(find ${OUT}/modules -name '*.ko' | wc -l) modules, $(find ${BUILD} -name '*.o' | wc -l) objects in the build directory"
echo "ccache statistics of this build:"
ccache --print-log-stats
}
build 2>&1 | tee ${OUT}/build.log
`;
}
