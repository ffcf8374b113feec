#!/usr/bin/env python3
"""Benchmark: how fast one `madoguchi worker` drains an outbox backlog to a
local SMTP server, against an anchor of a plain SMTP client (Python's smtplib
over one connection) sending the same number of messages to the same server.
Rounds are interleaved (anchor, worker, anchor, worker, ...) so that the
machine's background load hits both alike; the script prints each one's
median and range, and the worker's rate as a share of the anchor's.

    python3 bench/mail.py                       # 10,000 messages, 3 rounds
    python3 bench/mail.py --messages 2000 --rounds 5

The SMTP server is aiosmtpd (python3 -m pip install aiosmtpd), counting what
arrives. The backlog is written straight into a fresh SQLite database. It
builds the release binary first (cargo build --release), unless BENCH_BINARY
names one."""

import argparse, json, os, signal, smtplib, sqlite3, statistics, subprocess, sys, tempfile, threading, time, uuid
from email.message import EmailMessage

from common import ROOT, describe, free_port, release_binary

try:
    from aiosmtpd.controller import Controller
except ImportError:
    sys.exit("needs aiosmtpd: python3 -m pip install aiosmtpd")


class Counter:
    def __init__(self):
        self.count, self.lock = 0, threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
        return "250 OK"

    def reset(self):
        with self.lock:
            self.count = 0

    def wait_for(self, n, timeout):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self.lock:
                if self.count >= n:
                    return True
            time.sleep(0.005)
        return False


def anchor(port, n):
    """A plain client: one connection, one message after another."""
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = "bench@example.org", "worker@example.org", "anchor"
    message.set_content("Your case MG-2026-000001 has changed.\n" * 10)
    started = time.monotonic()
    with smtplib.SMTP("127.0.0.1", port) as client:
        for _ in range(n):
            client.send_message(message)
    return n / (time.monotonic() - started)


def seed(path, n):
    db = sqlite3.connect(path)
    rows = []
    for i in range(n):
        case_id = str(uuid.uuid4())
        params = json.dumps({"reference": f"MG-2026-{i:06d}", "case_id": case_id, "state": "acknowledged"})
        rows.append((str(uuid.uuid4()), "email", "case_state_changed", None, f"worker{i}@example.org", "vi", params,
                     f"<{uuid.uuid4()}@bench.madoguchi.localhost>", "pending", 0, "2026-01-01 00:00:00",
                     None, None, None, "2026-01-01 00:00:00", None))
    db.executemany("INSERT INTO outbox VALUES (" + ",".join("?" * 16) + ")", rows)
    db.commit()
    db.close()


def worker(binary, env, counter, n):
    counter.reset()
    started = time.monotonic()
    child = subprocess.Popen([binary, "worker"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    done = counter.wait_for(n, timeout=600)
    elapsed = time.monotonic() - started
    child.send_signal(signal.SIGTERM)
    _, stderr = child.communicate(timeout=60)
    if not done:
        sys.exit(f"the worker delivered {counter.count} of {n} in 600 s:\n{stderr.decode()[-2000:]}")
    return n / elapsed, elapsed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    binary = release_binary()
    counter = Counter()
    port = free_port()
    controller = Controller(counter, hostname="127.0.0.1", port=port)
    controller.start()

    anchors, rates, drains = [], [], []
    try:
        for round_ in range(args.rounds):
            anchors.append(anchor(port, args.messages))
            with tempfile.TemporaryDirectory() as folder:
                env = dict(os.environ, DATABASE_URL=f"sqlite://{folder}/bench.db",
                           MADOGUCHI__STORAGE__DATA_DIR=folder, MADOGUCHI__MAIL__TRANSPORT="smtp",
                           MADOGUCHI__MAIL__SMTP__HOST="127.0.0.1", MADOGUCHI__MAIL__SMTP__PORT=str(port),
                           MADOGUCHI__MAIL__SMTP__TLS="none", RUST_LOG="warn")
                subprocess.run([binary, "migrate"], env=env, cwd=ROOT, check=True, stdout=subprocess.DEVNULL)
                seed(f"{folder}/bench.db", args.messages)
                rate, elapsed = worker(binary, env, counter, args.messages)
            rates.append(rate)
            drains.append(elapsed)
            print(f"round {round_ + 1}: anchor {anchors[-1]:,.0f} msg/s, worker {rate:,.0f} msg/s "
                  f"({args.messages:,} drained in {elapsed:.1f} s)", flush=True)
    finally:
        controller.stop()

    print(f"anchor (smtplib, one connection): {describe(anchors, 'msg/s')}")
    print(f"madoguchi worker: {describe(rates, 'msg/s')}")
    ratios = [100 * r / a for r, a in zip(rates, anchors)]
    print(f"worker / anchor: median {statistics.median(ratios):.0f} % (range {min(ratios):.0f}–{max(ratios):.0f} %)")
    print(f"{args.messages:,}-message backlog drained in median {statistics.median(drains):.1f} s "
          f"(range {min(drains):.1f}–{max(drains):.1f} s)")


if __name__ == "__main__":
    main()
