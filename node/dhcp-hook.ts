/**
 * kios-dhcp-hook: what dhcpcd runs on each lease event (its --script; there
 * is no shell on the node). Writes the host's resolv.conf from the lease's
 * name servers, or from node.yaml's fallback when the lease has none.
 */
import { resolvConf } from "./plan.js";

/** Events after which the interface has a lease whose options count. */
const LEASE_EVENTS = new Set(["BOUND", "RENEW", "REBIND", "REBOOT", "INFORM", "STATIC"]);

/** The resolv.conf a lease event calls for, or null to leave it as it is. */
export function resolvConfForLease(env: Record<string, string | undefined>, fallback: string | null): string | null {
  if (!LEASE_EVENTS.has(env.reason ?? "")) return null;
  const servers = (env.new_domain_name_servers ?? "").split(/\s+/).filter(Boolean);
  if (servers.length === 0) return fallback;
  const search = (env.new_domain_search ?? env.new_domain_name ?? "").split(/\s+/).filter(Boolean);
  return resolvConf(servers, search);
}

/** One line for the pod's log about a lease event. */
export function describeLease(env: Record<string, string | undefined>): string {
  const address = env.new_ip_address ? `${env.new_ip_address}/${env.new_subnet_cidr ?? "?"}` : "no address";
  const via = env.new_routers ? ` via ${env.new_routers}` : "";
  const dns = env.new_domain_name_servers ? `, name servers ${env.new_domain_name_servers}` : "";
  return `${env.reason ?? "?"} ${env.interface ?? "?"}: ${address}${via}${dns}`;
}
