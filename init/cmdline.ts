/**
 * kiOS's options on the kernel command line (pure parsing):
 * `kios.log=console` sends the services' output to /dev/console instead of
 * their log pipes, to debug a node that has no pod reading the pipes yet.
 */
export interface BootOptions {
  /** Where services write their output instead of their log pipes. */
  serviceLogs?: string;
}

export function bootOptions(cmdline: string): BootOptions {
  const words = cmdline.trim().split(/\s+/);
  return words.includes("kios.log=console") ? { serviceLogs: "/dev/console" } : {};
}
