/**
 * The node services image: what kiOS's static pods run, built from Debian
 * packages without a distro around it: dhcpcd and chronyd with exactly the
 * libraries they link (ldd), kios-node (bootstrap, log reader, DHCP hook,
 * CNI installer) and the CNI plugins it installs. One image for all of
 * them, so the libraries are stored once.
 * Layers are uncompressed: the initramfs compresses the store as a whole.
 */
import { Directory, File } from "@dagger.io/dagger";
import type { StageContext } from "../context.js";
import type { ImageArchive } from "./images.js";
import { ociArchive } from "./oci-archive.js";

export const nodeServicesPackages = ["dhcpcd-base", "chrony"];

/** The daemons the image carries, with their shared libraries. */
export const nodeServicesBinaries = ["/usr/sbin/dhcpcd", "/usr/sbin/chronyd"];

/**
 * The Debian packages of the copied files, recorded as distroless images do
 * (var/lib/dpkg/status.d/<package>: dpkg's status entry; <package>.md5sums:
 * the files of it the image holds), so that an SBOM scanner sees them.
 * dpkg may know a file by its merged-/usr path only (ldd prints /lib/...).
 * Debian's os-release comes along: the packages are trixie's.
 */
const dpkgRecords = [
  "cp /usr/lib/os-release /image/usr/lib/os-release",
  "db=/image/var/lib/dpkg/status.d",
  'mkdir -p "$db"',
  "LC_ALL=C sort -u /tmp/copied | while read -r f; do",
  '  owner=$( { dpkg-query -S "$f" || :; dpkg-query -S "$(realpath "$f")" || :; } 2>/dev/null | sed -n "/^diversion by /!{p;q}")',
  '  [ -n "$owner" ] || { echo "collect: no Debian package owns $f" >&2; exit 1; }',
  '  pkg=${owner%%:*}',
  '  case $pkg in *[!a-z0-9.+-]*) echo "collect: $f: cannot tell its package from: $owner" >&2; exit 1 ;; esac',
  '  [ -f "$db/$pkg" ] || dpkg-query -s "$pkg" > "$db/$pkg"',
  '  (cd /image && md5sum "${f#/}") >> "$db/$pkg.md5sums"',
  "done",
].join("\n");

/** The image's root: the daemons, their libraries, kios-node, the CNI plugins, and manifests/node-services (dhcpcd.conf, passwd, group). */
export function nodeServicesRoot(ctx: StageContext, nodeTools: File, cniPlugins: Directory): Directory {
  return ctx
    .toolchain(nodeServicesPackages)
    .withFile("/image/bin/kios-node", nodeTools, { permissions: 0o755 })
    .withDirectory("/image/opt/cni/bin", cniPlugins)
    .withDirectory("/image/etc", ctx.source.directory("manifests/node-services"))
    .withExec([
      "sh",
      "-ec",
      [
        "cd /image",
        "mkdir -p run tmp usr/lib/dhcpcd var/lib/dhcpcd var/lib/chrony",
        "ln -s kios-node bin/kios-dhcp-hook",
        'for bin in "$@"; do',
        '  for f in "$bin" $(ldd "$bin" | awk \'$2 == "=>" && $3 ~ /^\\// { print $3 } $1 ~ /^\\/.*ld-linux/ { print $1 }\'); do',
        '    cp -L --parents "$f" /image',
        '    echo "$f" >> /tmp/copied',
        "  done",
        "done",
        dpkgRecords,
      ].join("\n"),
      "collect",
      ...nodeServicesBinaries,
    ])
    .directory("/image");
}

export function nodeServicesImage(ctx: StageContext, nodeTools: File, cniPlugins: Directory): ImageArchive {
  return {
    ref: `kios.local/node-services:${ctx.config.release.version}`,
    // The root alone (not the build container's layers), packed reproducibly.
    archive: ociArchive(ctx, nodeServicesRoot(ctx, nodeTools, cniPlugins), {}),
  };
}
