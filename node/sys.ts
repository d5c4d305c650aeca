/**
 * What the node tools need from the machine, synchronous like everything
 * they do. In production native/sys.ts (QuickJS); in unit tests a real
 * temporary folder in Node (test/node-sys.ts).
 */
export interface NodeSys {
  /** A file's text, or null when it does not exist. */
  readFile(path: string): string | null;
  /** A regular file's size, or null when there is none. */
  fileSize(path: string): number | null;
  listDir(path: string): string[];
  /** Up to `length` bytes at `offset`, or null when the file cannot be read. */
  readBytes(path: string, offset: number, length: number): Uint8Array | null;
  /**
   * Writes `content` to a new file next to `path` (missing parents made,
   * 0755) and returns its path: renamed over `path` later, a reader sees the
   * old file or the new one, never a part.
   */
  stageFile(path: string, content: string, mode: number): string;
  /** stageFile with the bytes of the file `from`. */
  stageCopy(path: string, from: string, mode: number): string;
  rename(from: string, to: string): void;
  /** Removes a file; a missing one is not an error. */
  remove(path: string): void;
  mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  umount(target: string): void;
  /** One HTTP/1.1 exchange (Connection: close); throws when no server answers within timeoutMs. */
  httpExchange(host: string, port: number, request: string, timeoutMs: number, maxBytes: number): Uint8Array;
  /** UTF-8 bytes as text (QuickJS has no TextDecoder). */
  decodeUtf8(bytes: Uint8Array): string;
  /** Sends one byte to a Unix stream socket. */
  sendByte(path: string, byte: number): void;
  /** One line for people: on the node's console (/dev/kmsg) and on stderr (the pod's log). */
  report(level: "info" | "error", line: string): void;
  sleep(ms: number): void;
  /** Monotonic milliseconds. */
  now(): number;
}

/** mount(2) flags. */
export const MS = { RDONLY: 0x1, NOSUID: 0x2, NODEV: 0x4, NOEXEC: 0x8 } as const;
