/** The QuickJS modules the node tools run on (registered by native/main.c). */

declare module "kiosnode" {
  export function mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  export function umount(target: string): void;
  /** One HTTP exchange over TCP (the request says Connection: close); the whole answer, at most maxBytes. */
  export function httpExchange(host: string, port: number, request: string, timeoutMs: number, maxBytes: number): ArrayBuffer;
  /** Connects to a Unix stream socket, sends one byte, closes. */
  export function sendByte(path: string, byte: number): void;
  export function decodeUtf8(bytes: ArrayBuffer): string;
  /** SIGTERM and SIGINT end the process at once (a container's first process has no default action for them). */
  export function exitOnTerminate(): void;
}

declare module "qjs:std" {
  export function getenviron(): Record<string, string>;
  export function loadFile(path: string): string | null;
  export function exit(code: number): never;
  export function strerror(errno: number): string;
  export const SEEK_SET: number;
  export const err: { puts(text: string): void; flush(): void };
}

declare module "qjs:os" {
  export const O_RDONLY: number;
  export const O_WRONLY: number;
  export const O_RDWR: number;
  export const O_CREAT: number;
  export const O_TRUNC: number;
  export const O_EXCL: number;
  /** A file descriptor, or -errno. */
  export function open(path: string, flags: number, mode?: number): number;
  export function close(fd: number): number;
  /** Bytes read or written, or -errno. */
  export function read(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  export function write(fd: number, buffer: ArrayBuffer, offset: number, length: number): number;
  export function seek(fd: number, offset: number, whence: number): number;
  export function rename(from: string, to: string): number;
  export function remove(path: string): number;
  export function mkdir(path: string, mode?: number): number;
  export function stat(path: string): [{ size: number; mode: number } | null, number];
  export function readdir(path: string): [string[], number];
  export function sleep(ms: number): void;
  export function now(): number;
  export const S_IFMT: number;
  export const S_IFREG: number;
}
