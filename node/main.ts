/**
 * kios-node: the node tools in one executable (QuickJS), chosen by the name
 * it is run as or by its first argument:
 *   kios-node bootstrap        apply node.yaml (bootstrap.ts)
 *   kios-node logs PIPE        copy a service's log pipe to stdout
 *   kios-node install-cni      put the pod network's plugins and conflist on the node (cni.ts), then wait
 *   kios-dhcp-hook             dhcpcd's --script (dhcp-hook.ts)
 */
import * as std from "qjs:std";
import * as os from "qjs:os";
import { exitOnTerminate } from "kiosnode";
import { EC2_METADATA } from "./channel.js";
import { CNI_BIN, installCni } from "./cni.js";
import { runBootstrap } from "./bootstrap.js";
import { describeLease, resolvConfForLease } from "./dhcp-hook.js";
import { nativeNodeSys } from "./native/sys.js";
import { PATHS } from "./plan.js";

declare const scriptArgs: string[];

const HOST = "/host";

function copyForever(path: string): never {
  const buffer = new ArrayBuffer(64 * 1024);
  for (;;) {
    const fd = os.open(path, os.O_RDONLY);
    if (fd < 0) {
      std.err.puts(`kios-node logs: cannot open ${path}: ${std.strerror(-fd)}\n`);
      os.sleep(1_000);
      continue;
    }
    for (;;) {
      const n = os.read(fd, buffer, 0, buffer.byteLength);
      if (n <= 0) break; // no writer left (PID 1 keeps one, so this is rare): open again
      for (let done = 0; done < n; ) {
        const w = os.write(1, buffer, done, n - done);
        if (w <= 0) std.exit(1);
        done += w;
      }
    }
    os.close(fd);
    os.sleep(1_000);
  }
}

function main(): number {
  const [program = "", ...args] = scriptArgs;
  const name = program.slice(program.lastIndexOf("/") + 1);
  const command = name === "kios-node" ? args.shift() : name.replace(/^kios-/, "");
  const sys = nativeNodeSys(`kios-${command ?? "node"}`);
  switch (command) {
    case "bootstrap":
      return runBootstrap(sys, {
        hostRoot: HOST,
        driveMount: "/run/kios-drive",
        metadata: EC2_METADATA,
        systemSocket: "/run/system.sock",
      })
        ? 0
        : 1;
    case "install-cni": {
      exitOnTerminate();
      installCni(sys, HOST, CNI_BIN, std.getenviron().KIOS_POD_SUBNET ?? "10.88.0.0/16");
      for (;;) os.sleep(3_600_000); // stay up, as CNI install containers do
    }
    case "logs":
      if (!args[0]) break;
      exitOnTerminate();
      return copyForever(args[0]);
    case "dhcp-hook": {
      const env = std.getenviron();
      const resolv = resolvConfForLease(env, sys.readFile(HOST + PATHS.dnsFallback));
      if (resolv !== null) sys.rename(sys.stageFile(HOST + PATHS.resolvConf, resolv, 0o644), HOST + PATHS.resolvConf);
      sys.report("info", describeLease(env));
      return 0;
    }
  }
  std.err.puts("usage: kios-node bootstrap | kios-node logs PIPE | kios-node install-cni | kios-dhcp-hook (as dhcpcd's --script)\n");
  return 2;
}

std.exit(main());
