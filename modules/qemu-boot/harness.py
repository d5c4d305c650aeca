#!/usr/bin/env python3
"""Run one QEMU boot and capture its serial console.

Writes the console to --console as it arrives. --powerdown-delay seconds
(default 0) after a line matches --powerdown-after, sends `system_powerdown`
(the ACPI power button) on the QEMU monitor; when a line matches --stop-at,
kills QEMU. Stops
QEMU after --timeout seconds. Lines matching --stamp are noted with this
machine's wall clock. --clock-behind N starts the guest's clock N seconds
behind this machine's. Always exits 0 and writes {"exit": ..., "reason":
..., "stamps": [...]} to --result: judging the boot is the caller's job.
"""
import argparse
import datetime
import json
import re
import socket
import subprocess
import sys
import threading
import time


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--console", required=True)
    ap.add_argument("--result", required=True)
    ap.add_argument("--monitor", default="/tmp/qemu-monitor.sock")
    ap.add_argument("--powerdown-after", default=None)
    ap.add_argument("--powerdown-delay", type=float, default=0)
    ap.add_argument("--stop-at", default=None)
    ap.add_argument("--stamp", default=None)
    ap.add_argument("--clock-behind", type=int, default=0)
    ap.add_argument("--timeout", type=float, required=True)
    ap.add_argument("qemu", nargs=argparse.REMAINDER)
    args = ap.parse_args()
    qemu = [a for a in args.qemu if a != "--"]
    qemu += ["-monitor", f"unix:{args.monitor},server,nowait", "-serial", "stdio", "-display", "none"]
    if args.clock_behind:
        base = datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=args.clock_behind)
        qemu += ["-rtc", "base=" + base.strftime("%Y-%m-%dT%H:%M:%S")]

    started = time.monotonic()
    proc = subprocess.Popen(qemu, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
    reason = "qemu exited"
    timer = threading.Timer(args.timeout, proc.kill)
    timer.start()
    powered_down = threading.Event()
    stamps = []

    def power_down():
        if not powered_down.is_set():
            powered_down.set()
            send_monitor(args.monitor, "system_powerdown")

    with open(args.console, "wb") as console:
        for raw in iter(proc.stdout.readline, b""):
            console.write(raw)
            console.flush()
            line = raw.decode("utf-8", "replace")
            if args.stamp and re.search(args.stamp, line):
                stamps.append({"line": line.rstrip("\r\n"), "epoch_ms": int(time.time() * 1000)})
            if args.stop_at and re.search(args.stop_at, line):
                reason = "stop-at matched"
                proc.kill()
                break
            if args.powerdown_after and not powered_down.is_set() and re.search(args.powerdown_after, line):
                later = threading.Timer(args.powerdown_delay, power_down)
                later.daemon = True
                later.start()
    code = proc.wait()
    if not timer.is_alive() and reason == "qemu exited":
        reason = "timeout"
    timer.cancel()
    elapsed = time.monotonic() - started
    with open(args.result, "w") as f:
        json.dump({"exit": code, "reason": reason, "seconds": round(elapsed, 1), "powerdown_sent": powered_down.is_set(), "stamps": stamps}, f)


def send_monitor(path: str, command: str) -> None:
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as s:
            s.connect(path)
            s.sendall(command.encode() + b"\n")
            time.sleep(0.2)
    except OSError as error:  # QEMU already gone
        sys.stderr.write(f"harness: {command}: {error}\n")


if __name__ == "__main__":
    sys.exit(main())
