/**
 * Boot step 5, network settings made while the runtime starts: forwarding
 * on (pods are routed), and promote_secondaries on every interface (removing
 * a primary address keeps the others; dhcpcd checks it on each NIC and, in
 * a pod whose /proc/sys is read-only, cannot set it itself).
 */
import type { Log } from "./log.js";
import { why } from "./log.js";
import type { Sys } from "./sys.js";

export const FORWARDING = ["/proc/sys/net/ipv4/ip_forward", "/proc/sys/net/ipv6/conf/all/forwarding"];
const IPV4_CONF = "/proc/sys/net/ipv4/conf";

/** Every setting, in order: forwarding, then promote_secondaries for "all", "default" and each interface there is. */
export function networkSettings(sys: Sys): { path: string; value: string }[] {
  let interfaces: string[] = [];
  try {
    interfaces = sys.listDir(IPV4_CONF).filter((name) => name !== "all" && name !== "default").sort();
  } catch {
    // no IPv4 configuration: forwarding alone
  }
  return [
    ...FORWARDING.map((path) => ({ path, value: "1\n" })),
    ...["all", "default", ...interfaces].map((name) => ({ path: `${IPV4_CONF}/${name}/promote_secondaries`, value: "1\n" })),
  ];
}

export function applyNetworkSettings(sys: Sys, log: Log): void {
  for (const { path, value } of networkSettings(sys)) {
    try {
      sys.writeFile(path, value);
    } catch (error) {
      log.error(why(error));
    }
  }
}
