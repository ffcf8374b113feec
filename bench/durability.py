#!/usr/bin/env python3
"""Benchmark: what durable commits cost on SQLite. Lodges cases over HTTP
(`POST /api/v1/intake`, anonymous, 16 concurrent clients) against
`madoguchi serve` on a fresh SQLite file, once with
`database.sqlite_synchronous = "normal"` and once with `"full"` (the
default), interleaved round by round so the machine's background load hits
both alike. Prints requests/s and p99 latency per setting (median and range
over the rounds) and full's throughput as a share of normal's.

    python3 bench/durability.py                  # 3 rounds of 3,000 lodges
    python3 bench/durability.py --lodges 5000 --rounds 5

The clients are Python threads on the same machine: read the ratio, not the
absolute figures. It builds the release binary first (cargo build
--release), unless BENCH_BINARY names one."""

import argparse, json, os, subprocess, sys, tempfile, threading, time, urllib.request

from common import ROOT, describe, free_port, release_binary, wait_ready
CLIENTS = 16
GRIEVANCE = json.dumps({
    "categories": ["unpaid_wages"],
    "narrative": "Công ty không trả lương tháng 10 và giữ hộ chiếu của tôi.",
    "narrative_language": "vi",
    "employer_name": "Sakura Foods",
    "prefecture": "JP-23",
}).encode()


def lodge_all(base, total):
    latencies, failures, lock = [], [], threading.Lock()
    per_client = total // CLIENTS

    def client():
        for _ in range(per_client):
            request = urllib.request.Request(f"{base}/api/v1/intake", data=GRIEVANCE, method="POST",
                                             headers={"Content-Type": "application/json"})
            started = time.monotonic()
            try:
                with urllib.request.urlopen(request, timeout=30) as response:
                    ok = response.status == 201
            except Exception as error:  # noqa: BLE001 - counted and reported
                ok, response = False, error
            elapsed = time.monotonic() - started
            with lock:
                (latencies if ok else failures).append(elapsed if ok else str(response))

    threads = [threading.Thread(target=client) for _ in range(CLIENTS)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - started
    if failures:
        sys.exit(f"{len(failures)} lodges failed, for example: {failures[0]}")
    latencies.sort()
    return len(latencies) / wall, latencies[int(len(latencies) * 0.99) - 1] * 1000


def serve_and_lodge(binary, synchronous, total):
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = dict(os.environ, DATABASE_URL=f"sqlite://{folder}/bench.db", MADOGUCHI__STORAGE__DATA_DIR=folder,
                   MADOGUCHI__SERVER__PORT=str(port), MADOGUCHI__OUTBOX__RUN_IN_SERVE="false",
                   MADOGUCHI__DATABASE__SQLITE_SYNCHRONOUS=synchronous,
                   MADOGUCHI__RATE_LIMIT__INTAKE_PER_IP_PER_MINUTE="100000000", RUST_LOG="warn")
        child = subprocess.Popen([binary, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, child)
            lodge_all(base, CLIENTS * 10)  # warm-up
            return lodge_all(base, total)
        finally:
            child.terminate()
            child.wait(timeout=30)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lodges", type=int, default=3_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()

    binary = release_binary()

    results = {"normal": [], "full": []}
    for round_ in range(args.rounds):
        for synchronous in results:
            rate, p99 = serve_and_lodge(binary, synchronous, args.lodges)
            results[synchronous].append((rate, p99))
            print(f"round {round_ + 1}, synchronous={synchronous}: {rate:,.0f} lodges/s, p99 {p99:.1f} ms",
                  flush=True)

    for synchronous, runs in results.items():
        print(f"synchronous={synchronous}: {describe([r for r, _ in runs], 'lodges/s')}, "
              f"p99 {describe([p for _, p in runs], 'ms', 1)}")
    shares = [100 * full[0] / normal[0] for full, normal in zip(results["full"], results["normal"])]
    print(f"full / normal throughput: {describe(shares, '%')}")


if __name__ == "__main__":
    main()
