#!/usr/bin/env python3
"""Benchmark: authenticated request throughput against a bare handler.
`madoguchi serve` runs on a fresh SQLite file (or PostgreSQL); `wrk` (64
connections, 2 threads) drives `GET /health/live` (the anchor: an actix
handler that touches nothing) and `GET /api/v1/me` with a worker's access
token (JWT check, the per-request session check, and the account read),
interleaved round by round. Prints each one's requests/s (median and range)
and `/me` as a share of the anchor.

    python3 bench/requests.py                         # SQLite, 3 rounds of 5 s
    python3 bench/requests.py postgres                # a scratch database on BENCH_POSTGRES_URL
    python3 bench/requests.py --compare OTHER_BINARY  # the same, for a second build, interleaved

`--compare` measures what a change costs: give it a binary built before the
change. Needs `wrk` (apt-get install wrk). It builds the release binary first
(cargo build --release), unless BENCH_BINARY names one."""

import argparse, json, os, re, shutil, subprocess, sys, tempfile, urllib.request, uuid

from common import ROOT, describe, free_port, release_binary, wait_ready
PASSWORD = "bench password 12345"


def post(url, body):
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


class Server:
    def __init__(self, binary, backend, folder):
        self.port = free_port()
        # An empty config folder: each binary runs on its own compiled-in
        # defaults, so an older build is not fed keys it does not know.
        config = os.path.join(folder, "config")
        os.makedirs(config)
        env = dict(os.environ, MADOGUCHI_CONFIG_DIR=config, MADOGUCHI__STORAGE__DATA_DIR=folder,
                   MADOGUCHI__SERVER__PORT=str(self.port),
                   MADOGUCHI__OUTBOX__RUN_IN_SERVE="false", RUST_LOG="warn",
                   MADOGUCHI__RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE="100000",
                   MADOGUCHI__RATE_LIMIT__REGISTER_PER_IP_PER_MINUTE="100000")
        if backend == "postgres":
            admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
            self.database = f"madoguchi_bench_{uuid.uuid4().hex}"
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {self.database}"], check=True)
            self.admin = admin
            env["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + self.database
        else:
            self.database = None
            env["DATABASE_URL"] = f"sqlite://{folder}/bench.db"
        self.child = subprocess.Popen([binary, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                                      stderr=subprocess.PIPE)
        self.base = f"http://127.0.0.1:{self.port}"
        wait_ready(self.base, self.child)
        name = f"bench{uuid.uuid4().hex[:8]}"
        post(f"{self.base}/api/v1/auth/register", {"username": name, "password": PASSWORD})
        self.token = post(f"{self.base}/api/v1/auth/login", {"username": name, "password": PASSWORD})["access_token"]

    def stop(self):
        self.child.terminate()
        self.child.wait(timeout=30)
        if self.database:
            subprocess.run(["psql", self.admin, "-qc", f"DROP DATABASE IF EXISTS {self.database} WITH (FORCE)"])


def wrk(url, seconds, token=None):
    command = ["wrk", "-t2", "-c64", f"-d{seconds}s", "--latency"]
    if token:
        command += ["-H", f"Authorization: Bearer {token}"]
    output = subprocess.run(command + [url], capture_output=True, text=True, check=True).stdout
    non_2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
    if non_2xx:
        sys.exit(f"{url}: {non_2xx.group(1)} failed responses\n{output}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--compare", help="a second binary (for example built before a change)")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk: apt-get install wrk")

    binary = release_binary()
    builds = {"this build": binary}
    if args.compare:
        builds["--compare build"] = args.compare

    with tempfile.TemporaryDirectory() as folder:
        servers = {}
        for i, (name, path) in enumerate(builds.items()):
            data = os.path.join(folder, str(i))
            os.makedirs(data)
            servers[name] = Server(path, args.backend, data)
        results = {name: {"anchor": [], "me": []} for name in builds}
        try:
            for round_ in range(args.rounds):
                for name, server in servers.items():
                    anchor = wrk(f"{server.base}/health/live", args.seconds)
                    me = wrk(f"{server.base}/api/v1/me", args.seconds, server.token)
                    results[name]["anchor"].append(anchor)
                    results[name]["me"].append(me)
                    print(f"round {round_ + 1}, {name}: /health/live {anchor:,.0f} req/s, /me {me:,.0f} req/s "
                          f"({100 * me / anchor:.0f} %)", flush=True)
        finally:
            for server in servers.values():
                server.stop()

    for name, runs in results.items():
        shares = [100 * me / anchor for me, anchor in zip(runs["me"], runs["anchor"])]
        print(f"{name} ({args.backend}): /health/live {describe(runs['anchor'], 'req/s')}; "
              f"GET /me {describe(runs['me'], 'req/s')}; /me / anchor {describe(shares, '%')}")
    if args.compare:
        this, other = results["this build"]["me"], results["--compare build"]["me"]
        ratios = [100 * a / b for a, b in zip(this, other)]
        print(f"GET /me, this build / --compare build: {describe(ratios, '%')}")


if __name__ == "__main__":
    main()
