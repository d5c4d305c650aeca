import type { Sys } from "./sys.js";

/** syslog levels as /dev/kmsg reads them. */
export const Level = { err: 3, warning: 4, notice: 5, info: 6 } as const;

/** The longest record /dev/kmsg accepts is 1024 bytes; keep well under it. */
const MAX_MESSAGE = 900;

export interface Log {
  error(message: string): void;
  warn(message: string): void;
  notice(message: string): void;
  info(message: string): void;
}

/** "<3>kiOS: message", one line, truncated to fit a kmsg record. */
export function kmsgRecord(level: number, message: string): string {
  const oneLine = message.replace(/\s*\n\s*/g, " ").slice(0, MAX_MESSAGE);
  return `<${level}>kiOS: ${oneLine}\n`;
}

export function kmsgLog(sys: Sys): Log {
  const write = (level: number) => (message: string) => sys.kmsg(kmsgRecord(level, message));
  return {
    error: write(Level.err),
    warn: write(Level.warning),
    notice: write(Level.notice),
    info: write(Level.info),
  };
}

/** The message of anything thrown. */
export function why(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
