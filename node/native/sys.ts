/** The node tools' NodeSys on QuickJS: quickjs-libc's std and os, plus the kiosnode module. */
import * as k from "kiosnode";
import * as os from "qjs:os";
import * as std from "qjs:std";
import type { NodeSys } from "../sys.js";

function check(result: number, call: string, path: string): number {
  if (result < 0) throw new Error(`${call} ${path}: ${std.strerror(-result)}`);
  return result;
}

function utf8Bytes(text: string): Uint8Array {
  const bytes: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) bytes.push(c);
    else if (c < 0x800) bytes.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) bytes.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else bytes.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(bytes);
}

function mkdirs(dir: string): void {
  const parts = dir.split("/").filter(Boolean);
  for (let i = 1; i <= parts.length; i++) {
    const path = "/" + parts.slice(0, i).join("/");
    const [st] = os.stat(path);
    if (!st) check(os.mkdir(path, 0o755), "mkdir", path);
  }
}

function writeAll(fd: number, path: string, buffer: ArrayBuffer, length: number): void {
  for (let done = 0; done < length; ) done += check(os.write(fd, buffer, done, length - done), "write", path);
}

/** Writes a new file next to `path` (missing parents made) with `fill`, and returns its path. */
function stage(path: string, mode: number, fill: (fd: number, temp: string) => void): string {
  const slash = path.lastIndexOf("/");
  mkdirs(path.slice(0, slash));
  const temp = `${path.slice(0, slash)}/.${path.slice(slash + 1)}.kios-new`;
  const fd = check(os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode), "open", temp);
  try {
    fill(fd, temp);
  } finally {
    os.close(fd);
  }
  return temp;
}

/** `tag` prefixes console lines, e.g. "kios-bootstrap". */
export function nativeNodeSys(tag: string): NodeSys {
  return {
    readFile: (path) => std.loadFile(path),
    fileSize(path) {
      const [st] = os.stat(path);
      return st && (st.mode & os.S_IFMT) === os.S_IFREG ? st.size : null;
    },
    listDir(path) {
      const [names, err] = os.readdir(path);
      check(-err, "readdir", path);
      return names.filter((n) => n !== "." && n !== "..");
    },
    readBytes(path, offset, length) {
      const fd = os.open(path, os.O_RDONLY);
      if (fd < 0) return null;
      try {
        const buffer = new ArrayBuffer(length);
        if (os.seek(fd, offset, std.SEEK_SET) < 0) return null;
        const n = os.read(fd, buffer, 0, length);
        return n < 0 ? null : new Uint8Array(buffer, 0, n);
      } finally {
        os.close(fd);
      }
    },
    stageFile(path, content, mode) {
      const bytes = utf8Bytes(content);
      return stage(path, mode, (fd, temp) => writeAll(fd, temp, bytes.buffer as ArrayBuffer, bytes.length));
    },
    stageCopy(path, from, mode) {
      const src = check(os.open(from, os.O_RDONLY), "open", from);
      try {
        return stage(path, mode, (fd, temp) => {
          const buffer = new ArrayBuffer(1 << 20);
          for (let n = os.read(src, buffer, 0, buffer.byteLength); n !== 0; n = os.read(src, buffer, 0, buffer.byteLength)) {
            writeAll(fd, temp, buffer, check(n, "read", from));
          }
        });
      } finally {
        os.close(src);
      }
    },
    rename: (from, to) => void check(os.rename(from, to), "rename", to),
    remove(path) {
      os.remove(path);
    },
    mount: k.mount,
    umount: k.umount,
    httpExchange: (host, port, request, timeoutMs, maxBytes) => new Uint8Array(k.httpExchange(host, port, request, timeoutMs, maxBytes)),
    decodeUtf8: (bytes) => k.decodeUtf8(bytes.slice().buffer as ArrayBuffer),
    sendByte: k.sendByte,
    report(level, line) {
      std.err.puts(`${line}\n`);
      std.err.flush();
      const fd = os.open("/dev/kmsg", os.O_WRONLY);
      if (fd < 0) return; // not privileged: the pod's log has it
      const record = utf8Bytes(`<${level === "error" ? 3 : 6}>${tag}: ${line}\n`);
      os.write(fd, record.buffer as ArrayBuffer, 0, record.length);
      os.close(fd);
    },
    sleep: (ms) => os.sleep(ms),
    now: () => os.now(),
  };
}
