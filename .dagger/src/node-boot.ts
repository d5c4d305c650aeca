/** The NodeBoot result object of bootNode. */
import { dag, Directory, field, func, object } from "@dagger.io/dagger";
import { clusterReport, clusterReportMarkdown, clusterReportSvg } from "./boot/cluster-report.js";
import { bootReport } from "./boot/report.js";
import { reportDirectory } from "./release.js";
import type { BootRun } from "./stages/boot.js";

/** One boot of a UKI on the test network, as it went (bootNode): judge it with `report`, or read its console. */
@object()
export class NodeBoot {
  /** The serial console, firmware to power-off. */
  @field() console: string;
  /** sha256 of the UKI that booted. */
  @field() ukiSha256: string;
  /** Why the boot ended: "qemu exited" (powered off), "stop-at matched" or "timeout". */
  @field() ended: string;
  /** The test network's server logs: DHCP and DNS (dnsmasq), NTP, registry, metadata service. */
  @field() networkLogs: Directory;
  /** The harness's wall-clock stamps of probe lines, as JSON. */
  @field() stamps: string;
  /** The DHCP server's log, each line after the wall clock in ms. */
  @field() dhcpLog: string;

  /**
   * @param console the serial console
   * @param ukiSha256 sha256 of the UKI that booted
   * @param ended why the boot ended
   * @param networkLogs the test network's server logs
   * @param stamps wall-clock stamps of probe lines (JSON)
   * @param dhcpLog the DHCP server's log
   */
  constructor(console: string, ukiSha256: string, ended: string, networkLogs: Directory, stamps: string, dhcpLog: string) {
    this.console = console;
    this.ukiSha256 = ukiSha256;
    this.ended = ended;
    this.networkLogs = networkLogs;
    this.stamps = stamps;
    this.dhcpLog = dhcpLog;
  }

  static of(run: BootRun): NodeBoot {
    return new NodeBoot(run.console, run.ukiSha256, run.reason, run.networkLogs ?? dag.directory(), JSON.stringify(run.stamps), run.dhcpLog);
  }

  /**
   * The smoke report of this boot (report.md, .svg, .json, console.log):
   * fails naming the first milestone the probe pod did not reach.
   */
  @func()
  report(): Directory {
    const run = { console: this.console, ukiSha256: this.ukiSha256, stamps: JSON.parse(this.stamps), networkLogs: this.networkLogs, dhcpLog: this.dhcpLog };
    return reportDirectory({ report: bootReport(run), run });
  }

  /**
   * The cluster test's report of this boot (clusterBoot): cluster-report.md,
   * .json and .svg (its timeline), console.log and the network's logs; fails naming the
   * step the test did not get past.
   */
  @func()
  async clusterReport(): Promise<Directory> {
    const results = await this.networkLogs.file("cluster/results.log").contents();
    const r = clusterReport({ console: this.console, ukiSha256: this.ukiSha256, stamps: JSON.parse(this.stamps) }, results);
    return dag
      .directory()
      .withNewFile("cluster-report.md", clusterReportMarkdown(r))
      .withNewFile("cluster-report.json", JSON.stringify(r, null, 2) + "\n")
      .withNewFile("cluster-report.svg", clusterReportSvg(r))
      .withNewFile("console.log", this.console)
      .withDirectory("network", this.networkLogs);
  }
}
