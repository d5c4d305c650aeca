/**
 * NodeSys in Node for unit tests: files are real, under a temporary folder
 * standing for the pod's root; mounts are recorded, and mounting a device
 * copies the folder the test gave for it; HTTP goes to a real server through
 * a child process (NodeSys calls are synchronous); console lines are kept.
 */
import { execFileSync } from "node:child_process";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import type { NodeSys } from "../sys.js";

const EXCHANGE = `
const net = require("node:net");
const [host, port, timeout] = process.argv.slice(1);
const chunks = [];
const socket = net.connect({ host, port: Number(port) }, () => socket.end(Buffer.from(process.env.REQUEST, "base64")));
socket.setTimeout(Number(timeout), () => { console.error("ETIMEDOUT"); process.exit(3); });
socket.on("data", (d) => chunks.push(d));
socket.on("error", (e) => { console.error(e.code); process.exit(2); });
socket.on("close", () => process.stdout.write(Buffer.concat(chunks).toString("base64")));
`;

export class TestNodeSys implements NodeSys {
  readonly root = fs.mkdtempSync(path.join(os.tmpdir(), "kios-node-"));
  readonly calls: string[] = [];
  readonly lines: { level: string; line: string }[] = [];
  /** Device path -> folder whose files a mount of it shows. */
  readonly devices = new Map<string, string>();
  /** Paths whose stageFile fails (as a full disk would). */
  readonly failWrites = new Set<string>();
  private clock = 0;

  at(p: string): string {
    return path.join(this.root, p);
  }
  write(p: string, content: string | Uint8Array): void {
    fs.mkdirSync(path.dirname(this.at(p)), { recursive: true });
    fs.writeFileSync(this.at(p), content);
  }
  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }

  readFile(p: string): string | null {
    try {
      return fs.readFileSync(this.at(p), "utf8");
    } catch {
      return null;
    }
  }
  fileSize(p: string): number | null {
    try {
      const st = fs.statSync(this.at(p));
      return st.isFile() ? st.size : null;
    } catch {
      return null;
    }
  }
  listDir(p: string): string[] {
    return fs.readdirSync(this.at(p));
  }
  readBytes(p: string, offset: number, length: number): Uint8Array | null {
    try {
      const fd = fs.openSync(this.at(p), "r");
      const buf = Buffer.alloc(length);
      const n = fs.readSync(fd, buf, 0, length, offset);
      fs.closeSync(fd);
      return buf.subarray(0, n);
    } catch {
      return null;
    }
  }
  stageFile(p: string, content: string, mode: number): string {
    if (this.failWrites.has(p)) throw new Error(`open ${p}: ENOSPC`);
    const temp = path.join(path.dirname(p), `.${path.basename(p)}.kios-new`);
    fs.mkdirSync(path.dirname(this.at(p)), { recursive: true });
    fs.writeFileSync(this.at(temp), content, { mode });
    fs.chmodSync(this.at(temp), mode);
    this.calls.push(`stage ${p}`);
    return temp;
  }
  stageCopy(p: string, from: string, mode: number): string {
    const temp = this.stageFile(p, "", mode);
    fs.copyFileSync(this.at(from), this.at(temp));
    fs.chmodSync(this.at(temp), mode);
    return temp;
  }
  rename(from: string, to: string): void {
    fs.renameSync(this.at(from), this.at(to));
    this.calls.push(`rename ${to}`);
  }
  remove(p: string): void {
    fs.rmSync(this.at(p), { force: true });
    this.calls.push(`remove ${p}`);
  }
  mount(source: string, target: string, fstype: string, flags: number): void {
    this.calls.push(`mount ${source} ${target} ${fstype} 0x${flags.toString(16)}`);
    const files = this.devices.get(source);
    if (!files) throw new Error(`mount ${target}: EINVAL`);
    fs.cpSync(files, this.at(target), { recursive: true });
  }
  umount(target: string): void {
    this.calls.push(`umount ${target}`);
    fs.rmSync(this.at(target), { recursive: true, force: true });
    fs.mkdirSync(this.at(target), { recursive: true });
  }
  httpExchange(host: string, port: number, request: string, timeoutMs: number): Uint8Array {
    try {
      const out = execFileSync(process.execPath, ["-e", EXCHANGE, host, String(port), String(timeoutMs)], {
        env: { ...process.env, REQUEST: Buffer.from(request).toString("base64") },
        stdio: ["ignore", "pipe", "pipe"],
      });
      return Buffer.from(out.toString(), "base64");
    } catch (error) {
      const code = (error as { stderr?: Buffer }).stderr?.toString().trim() || "EIO";
      throw new Error(`connect ${host}:${port}: ${code}`);
    }
  }
  decodeUtf8(bytes: Uint8Array): string {
    return Buffer.from(bytes).toString("utf8");
  }
  sendByte(p: string, byte: number): void {
    this.calls.push(`send 0x${byte.toString(16).padStart(2, "0")} to ${p}`);
  }
  report(level: "info" | "error", line: string): void {
    this.lines.push({ level, line });
  }
  sleep(ms: number): void {
    this.clock += ms;
  }
  now(): number {
    return this.clock;
  }
}
