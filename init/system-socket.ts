/**
 * The system socket: a Unix stream socket where node components send one-byte
 * commands to PID 1, and where PID 1 broadcasts one-byte events.
 * Only root may talk to it (the peer's uid, SO_PEERCRED: any other client is
 * closed at once). Nothing a client sends can stop PID 1: unknown bytes are
 * logged and dropped, and the number of clients is capped so that file descriptors stay
 * few (the QuickJS event loop uses select(), limited to fds below 1024).
 */
import { why, type Log } from "./log.js";
import type { Connection, Sys } from "./sys.js";

export const SYSTEM_SOCKET = "/run/system.sock";

export const Command = {
  shutdown: 0x01,
  continueShutdown: 0x02,
  restartKubelet: 0x03,
  restartRuntime: 0x04,
  /** Not in the original: like shutdown, but ends in a restart. */
  reboot: 0x05,
} as const;
export type CommandName = keyof typeof Command;

export const Event = { shutdown: 0x01 } as const;

export const MAX_CLIENTS = 64;

/** The command a byte stands for, or null for a byte that is none. */
export function decodeCommand(byte: number): CommandName | null {
  for (const [name, value] of Object.entries(Command)) {
    if (value === byte) return name as CommandName;
  }
  return null;
}

export class SystemSocket {
  private readonly clients = new Set<Connection>();
  private stopListening: (() => void) | null = null;

  constructor(
    private readonly sys: Sys,
    private readonly log: Log,
    private readonly onCommand: (command: CommandName) => void,
  ) {}

  open(path: string = SYSTEM_SOCKET): void {
    this.stopListening = this.sys.listen(path, {
      connected: (conn) => {
        if (conn.peerUid !== 0) {
          this.log.warn(`system socket: refused a client with uid ${conn.peerUid} (only root may connect)`);
          conn.close();
          return;
        }
        if (this.clients.size >= MAX_CLIENTS) this.dropGone();
        if (this.clients.size >= MAX_CLIENTS) {
          this.log.warn(`system socket: more than ${MAX_CLIENTS} clients, refusing one`);
          conn.close();
          return;
        }
        this.clients.add(conn);
      },
      data: (_conn, bytes) => this.handleBytes(bytes),
      ended: (conn) => {
        // A half-closed client may still wait for events: keep it until it is gone.
        if (conn.gone()) this.drop(conn);
      },
    });
  }

  /** Sends an event to every client; clients that are gone are dropped. */
  broadcast(event: number): number {
    let delivered = 0;
    for (const conn of [...this.clients]) {
      if (conn.send(Uint8Array.of(event))) delivered++;
      else this.drop(conn);
    }
    return delivered;
  }

  /** Stops listening and drops every client (shutdown, before unmounting /run). */
  close(): void {
    this.stopListening?.();
    this.stopListening = null;
    for (const conn of [...this.clients]) this.drop(conn);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  private handleBytes(bytes: Uint8Array): void {
    const unknown: number[] = [];
    for (const byte of bytes) {
      const command = decodeCommand(byte);
      if (command === null) {
        unknown.push(byte);
        continue;
      }
      this.log.notice(`system socket: ${command}`);
      try {
        this.onCommand(command);
      } catch (error) {
        this.log.error(`system socket: ${command} failed: ${why(error)}`);
      }
    }
    if (unknown.length > 0) {
      const first = unknown[0]!.toString(16).padStart(2, "0");
      this.log.warn(`system socket: ${unknown.length} unknown byte(s) ignored (first 0x${first})`);
    }
  }

  private dropGone(): void {
    for (const conn of [...this.clients]) if (conn.gone()) this.drop(conn);
  }

  private drop(conn: Connection): void {
    this.clients.delete(conn);
    conn.close();
  }
}
