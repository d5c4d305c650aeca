/** The QuickJS modules the production Sys is built on (registered by main.c). */

declare module "qjs:os" {
  /** Calls handler whenever fd is readable (null removes it); quickjs-libc's select() loop. */
  export function setReadHandler(fd: number, handler: (() => void) | null): void;
  export function setTimeout(fire: () => void, ms: number): number;
  export function clearTimeout(timer: number): void;
}

declare module "kios" {
  export interface NativeExit {
    pid: number;
    code: number | null;
    signal: number | null;
  }
  export interface AcpiEvent {
    deviceClass: string;
    busId: string;
    type: number;
  }
  export function kmsg(record: string): void;
  export function readFile(path: string): string | null;
  export function writeFile(path: string, data: string): void;
  export function exists(path: string): boolean;
  export function listDir(path: string): string[];
  export function mkdir(path: string, mode: number): void;
  export function unlink(path: string): void;
  export function mkfifo(path: string, mode: number): void;
  export function mount(source: string, target: string, fstype: string, flags: number, data: string): void;
  export function umount(target: string, flags: number): void;
  export function sethostname(name: string): void;
  export function setProcessName(name: string): void;
  export function interfaceUp(name: string): void;
  export function sync(): void;
  export function reboot(action: string): void;
  /** Starts argv; output is the read end of the pipe on its stdout and stderr. */
  export function spawn(argv: string[], env: string[]): { pid: number; output: number };
  export function openSink(path: string): number;
  export function relay(from: number, to: number): { copied: number; dropped: number; ended: boolean };
  export function kill(pid: number, signal: string): void;
  export function reap(): { exits: NativeExit[]; childless: boolean };
  export function signalFd(): number;
  export function readSignals(fd: number): string[];
  export function watchDir(dir: string): number;
  export function readWatch(fd: number): string[];
  export function listenUnix(path: string): number;
  export function accept(fd: number): number;
  export function recv(fd: number): ArrayBuffer | null | undefined;
  export function send(fd: number, bytes: ArrayBuffer): boolean;
  export function peerGone(fd: number): boolean;
  export function peerUid(fd: number): number;
  export function close(fd: number): void;
  export function acpiEventSocket(): number;
  export function readAcpiEvents(fd: number): AcpiEvent[];
  export function now(): number;
  export function rootMount(): { id: number; parent: number };
  export function bindRootOverItself(): void;
  /** One TPM command and its response (tpm.c). */
  export function tpmTransmit(device: string, command: ArrayBuffer): ArrayBuffer;
}
