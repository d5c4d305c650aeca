/**
 * The production Sys: the "kios" C module for system calls, quickjs-libc's
 * event loop ("qjs:os": select() over read handlers, plus timers) for events.
 * Signals arrive through a signalfd, so none is lost between two waits.
 */
import * as k from "kios";
import * as os from "qjs:os";
import { kmsgRecord, Level, why } from "../log.js";
import type { Connection, Signal, SocketHandlers, Sys } from "../sys.js";

/** Wraps an event handler: whatever it throws is logged, never left to the loop. */
function guarded(what: string, handler: () => void): () => void {
  return () => {
    try {
      handler();
    } catch (error) {
      k.kmsg(kmsgRecord(Level.err, `${what}: ${why(error)}`));
    }
  };
}

function dirname(path: string): string {
  return path.slice(0, path.lastIndexOf("/")) || "/";
}

function connection(fd: number, handlers: SocketHandlers): Connection {
  let open = true;
  const conn: Connection = {
    peerUid: k.peerUid(fd),
    send: (bytes) => open && k.send(fd, bytes.slice().buffer as ArrayBuffer),
    gone: () => !open || k.peerGone(fd),
    close: () => {
      if (!open) return;
      open = false;
      os.setReadHandler(fd, null);
      k.close(fd);
    },
  };
  os.setReadHandler(
    fd,
    guarded("system socket client", () => {
      const data = k.recv(fd);
      if (data === undefined) return; // spurious wake-up
      if (data === null) {
        os.setReadHandler(fd, null); // nothing more to read; the client may still wait for events
        handlers.ended(conn);
        return;
      }
      handlers.data(conn, new Uint8Array(data));
    }),
  );
  return conn;
}

/** Sinks opened once each and kept for PID 1's life, so a log pipe always has a writer and never reads EOF. */
const sinks = new Map<string, number>();

function sinkFor(path: string): number {
  let fd = sinks.get(path);
  if (fd === undefined) sinks.set(path, (fd = k.openSink(path)));
  return fd;
}

/**
 * Copies a service's output to its sink as it comes. When the sink is full
 * (nobody reads the log pipe) output is dropped, and said once per episode:
 * the service itself never waits.
 */
function relayOutput(name: string, from: number, sink: string): void {
  const to = sinkFor(sink);
  let dropping = 0;
  os.setReadHandler(
    from,
    guarded(`${name} output`, () => {
      const r = k.relay(from, to);
      if (r.dropped > 0 && dropping === 0) k.kmsg(kmsgRecord(Level.warning, `${name} output: ${sink} is full, dropping output until it is read`));
      dropping += r.dropped;
      if (dropping > 0 && r.dropped === 0 && r.copied > 0) {
        k.kmsg(kmsgRecord(Level.info, `${name} output: ${sink} read again, ${dropping} bytes were dropped`));
        dropping = 0;
      }
      if (r.ended) {
        os.setReadHandler(from, null);
        k.close(from);
      }
    }),
  );
}

export function nativeSys(): Sys {
  return {
    kmsg: k.kmsg,
    readFile: k.readFile,
    writeFile: k.writeFile,
    exists: k.exists,
    listDir: k.listDir,
    mkdir: k.mkdir,
    unlink: k.unlink,
    mkfifo: k.mkfifo,
    mount: k.mount,
    umount: k.umount,
    sethostname: k.sethostname,
    setProcessName: k.setProcessName,
    interfaceUp: k.interfaceUp,
    sync: k.sync,
    reboot: k.reboot,
    kill: k.kill,
    reap: k.reap,
    now: k.now,
    rootMount: k.rootMount,
    bindRootOverItself: k.bindRootOverItself,
    tpmTransmit: (device, command) => new Uint8Array(k.tpmTransmit(device, command.slice().buffer as ArrayBuffer)),

    spawn(argv, env, output) {
      const child = k.spawn(argv, env);
      relayOutput(argv[0]!.slice(argv[0]!.lastIndexOf("/") + 1), child.output, output);
      return child.pid;
    },

    closeOutputs() {
      for (const fd of sinks.values()) k.close(fd);
      sinks.clear();
    },

    onSignal(handler) {
      const fd = k.signalFd();
      os.setReadHandler(
        fd,
        guarded("signal", () => {
          for (const signal of k.readSignals(fd)) handler(signal as Signal);
        }),
      );
    },

    onPowerButton(handler) {
      const fd = k.acpiEventSocket();
      os.setReadHandler(
        fd,
        guarded("acpi event", () => {
          for (const event of k.readAcpiEvents(fd)) {
            if (event.deviceClass.startsWith("button/power")) handler();
          }
        }),
      );
    },

    listen(path, handlers) {
      const fd = k.listenUnix(path);
      const stop = () => {
        os.setReadHandler(fd, null);
        k.close(fd);
      };
      os.setReadHandler(
        fd,
        guarded("system socket", () => {
          for (let client = k.accept(fd); client >= 0; client = k.accept(fd)) {
            handlers.connected(connection(client, handlers));
          }
        }),
      );
      return stop;
    },

    whenExists(path, ready) {
      // Watch first, then look: a file created in between is not missed.
      const fd = k.watchDir(dirname(path));
      const name = path.slice(path.lastIndexOf("/") + 1);
      const done = () => {
        os.setReadHandler(fd, null);
        k.close(fd);
        ready();
      };
      if (k.exists(path)) return done();
      os.setReadHandler(
        fd,
        guarded(`watch ${path}`, () => {
          if (k.readWatch(fd).includes(name)) done();
        }),
      );
    },

    setTimer(ms, fire) {
      const timer = os.setTimeout(guarded("timer", fire), ms);
      return () => os.clearTimeout(timer);
    },
  };
}
