/**
 * What PID 1 mounts at boot (in this order) and how it unmounts at shutdown.
 * Every mount is nosuid and noexec; nodev unless it holds devices. /bin and
 * /lib are made read-only.
 */
import type { Log } from "./log.js";
import { why } from "./log.js";
import { MNT_DETACH, MS, type Sys } from "./sys.js";

export interface MountSpec {
  fstype: string;
  target: string;
  flags: number;
  data: string;
  /** Made shared after mounting, so that pods' mountPropagation works. */
  shared?: boolean;
}

const SAFE = MS.NOSUID | MS.NOEXEC;
const NO_DEVICES = SAFE | MS.NODEV;

const tmpfs = (target: string, mode: string, shared = false): MountSpec => ({
  fstype: "tmpfs",
  target,
  flags: NO_DEVICES,
  data: `mode=${mode}`,
  ...(shared ? { shared } : {}),
});

export const mountTable: readonly MountSpec[] = [
  { fstype: "proc", target: "/proc", flags: NO_DEVICES, data: "" },
  { fstype: "sysfs", target: "/sys", flags: NO_DEVICES, data: "" },
  { fstype: "devtmpfs", target: "/dev", flags: SAFE, data: "mode=0755" },
  { fstype: "devpts", target: "/dev/pts", flags: SAFE, data: "mode=0620,ptmxmode=0666" },
  { fstype: "securityfs", target: "/sys/kernel/security", flags: NO_DEVICES, data: "" },
  { fstype: "cgroup2", target: "/sys/fs/cgroup", flags: NO_DEVICES, data: "" },
  tmpfs("/run", "0755"),
  tmpfs("/tmp", "1777"),
  tmpfs("/var/cache", "0755"),
  tmpfs("/var/tmp", "1777"),
  tmpfs("/var/run", "0755", true),
  tmpfs("/var/lib/kubelet", "0755", true),
];

/**
 * Parts of the root that nothing on a running node may change: bound over
 * themselves and made read-only (still executable: /bin is where services
 * come from). The rest of the root stays writable (README: writable paths).
 */
export const readOnlyDirs: readonly string[] = ["/bin", "/lib"];

/** Directories made after mounting: the runtime's state and the kubelet's. */
export const stateDirs: readonly { path: string; mode: number }[] = [
  { path: "/run/containerd", mode: 0o711 },
  { path: "/var/lib/containerd", mode: 0o711 },
  { path: "/var/lib/kubelet/pods", mode: 0o750 },
  { path: "/var/lib/kubelet/seccomp", mode: 0o755 },
];

/** Every ancestor of an absolute path and the path itself, shortest first. */
export function pathAndParents(path: string): string[] {
  const parts = path.split("/").filter((part) => part !== "");
  return parts.map((_, i) => "/" + parts.slice(0, i + 1).join("/"));
}

/** mkdir -p: missing parents get mode 0755, the directory itself `mode`. */
function mkdirs(sys: Sys, path: string, mode: number): void {
  const dirs = pathAndParents(path);
  dirs.forEach((dir, i) => sys.mkdir(dir, i === dirs.length - 1 ? mode : 0o755));
}

/** Boot step 2. A failed mount is logged and the boot goes on: PID 1 must not stop here. */
export function mountFilesystems(sys: Sys, log: Log): void {
  for (const m of mountTable) {
    try {
      mkdirs(sys, m.target, 0o755);
      sys.mount(m.fstype, m.target, m.fstype, m.flags, m.data);
      if (m.shared) sys.mount("", m.target, "", MS.SHARED, "");
    } catch (error) {
      log.error(why(error));
    }
  }
  for (const dir of stateDirs) {
    try {
      mkdirs(sys, dir.path, dir.mode);
    } catch (error) {
      log.error(why(error));
    }
  }
  for (const dir of readOnlyDirs) {
    if (!sys.exists(dir)) continue;
    try {
      sys.mount(dir, dir, "", MS.BIND | MS.REC, "");
      sys.mount("", dir, "", MS.REMOUNT | MS.BIND | MS.RDONLY | MS.NOSUID | MS.NODEV, "");
    } catch (error) {
      log.error(why(error));
    }
  }
  try {
    sys.mount("", "/", "", MS.REC | MS.SHARED, "");
  } catch (error) {
    log.error(why(error));
  }
}

/** Undoes the octal escapes of /proc/self/mountinfo (space, tab, newline, backslash). */
function unescapeMountPath(field: string): string {
  return field.replace(/\\([0-7]{3})/g, (_, octal: string) => String.fromCharCode(parseInt(octal, 8)));
}

/** The mount points of /proc/self/mountinfo, in its order (parents before children). */
export function mountPoints(mountinfo: string): string[] {
  return mountinfo
    .split("\n")
    .map((line) => line.split(" ")[4])
    .filter((field): field is string => field !== undefined && field !== "")
    .map(unescapeMountPath);
}

/** What shutdown unmounts, leaf-first: all but / and /proc (which it reads). */
export function unmountOrder(mountinfo: string): string[] {
  return mountPoints(mountinfo)
    .filter((path) => path !== "/" && path !== "/proc" && !path.startsWith("/proc/"))
    .reverse();
}

/** Shutdown's unmount step: a busy mount is detached rather than left behind. */
export function unmountAll(sys: Sys, log: Log): void {
  let mountinfo: string | null = null;
  try {
    mountinfo = sys.readFile("/proc/self/mountinfo");
  } catch (error) {
    log.error(why(error));
  }
  for (const target of unmountOrder(mountinfo ?? "")) {
    try {
      sys.umount(target, 0);
    } catch (error) {
      try {
        sys.umount(target, MNT_DETACH);
        log.warn(`${why(error)}: detached instead`);
      } catch (detachError) {
        log.warn(why(detachError));
      }
    }
  }
}
