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
        "  done",
        "done",
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
