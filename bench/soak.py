#!/usr/bin/env python3
"""Soak: does `madoguchi serve` keep its memory under steady load?

Starts `serve` on a fresh SQLite file (or PostgreSQL), then runs rounds of
load with wrk (16 connections): anonymous lodgings (`POST /api/v1/intake`)
and `GET /api/v1/me`, half a round each, and prints the server's resident
memory (VmRSS) after every round. Memory that levels off is what this looks
for; a figure that climbs by the same step every round is a leak.

    python3 bench/soak.py [sqlite|postgres] [--rounds 10] [--seconds 60]

The issue asks for 10 minutes: the defaults. Builds the release binary
unless BENCH_BINARY names one."""

import argparse, json, os, re, shutil, subprocess, sys, tempfile, uuid

from common import ROOT, free_port, memory_kib, release_binary, wait_ready
from requests import post, PASSWORD
from writes import GRIEVANCE


def wrk(args, seconds):
    out = subprocess.run(["wrk", "-t2", "-c16", f"-d{seconds}s"] + args, capture_output=True, text=True, check=True).stdout
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--seconds", type=int, default=60)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk")
    binary = release_binary()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = dict(os.environ, MADOGUCHI_CONFIG_DIR=os.path.join(ROOT, "config"), MADOGUCHI__STORAGE__DATA_DIR=folder,
                   MADOGUCHI__SERVER__PORT=str(port), RUST_LOG="warn",
                   MADOGUCHI__RATE_LIMIT__INTAKE_PER_IP_PER_MINUTE="100000000",
                   MADOGUCHI__RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE="100000",
                   MADOGUCHI__RATE_LIMIT__REGISTER_PER_IP_PER_MINUTE="100000")
        admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        database = None
        if args.backend == "postgres":
            database = f"madoguchi_soak_{uuid.uuid4().hex}"
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True)
            env["DATABASE_URL"] = admin.rsplit("/", 1)[0] + "/" + database
        else:
            env["DATABASE_URL"] = f"sqlite://{folder}/soak.db"
        child = subprocess.Popen([binary, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        try:
            wait_ready(base, child)
            name = f"soak{uuid.uuid4().hex[:8]}"
            post(f"{base}/api/v1/auth/register", {"username": name, "password": PASSWORD})
            token = post(f"{base}/api/v1/auth/login", {"username": name, "password": PASSWORD})["access_token"]
            lua = os.path.join(folder, "post.lua")
            with open(lua, "w") as f:
                f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                        f"wrk.body = {json.dumps(json.dumps(GRIEVANCE))}\n")
            print(f"start: RSS {memory_kib(child.pid, 'VmRSS') / 1024:.1f} MiB", flush=True)
            half = max(1, args.seconds // 2)
            for round_ in range(args.rounds):
                lodges = wrk(["-s", lua, f"{base}/api/v1/intake"], half)
                reads = wrk(["-H", f"Authorization: Bearer {token}", f"{base}/api/v1/me"], half)
                rss = memory_kib(child.pid, "VmRSS") / 1024
                print(f"round {round_ + 1}: {lodges:,.0f} lodges/s, {reads:,.0f} GET /me/s, RSS {rss:.1f} MiB", flush=True)
        finally:
            child.terminate()
            child.wait(timeout=30)
            if database:
                subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])


if __name__ == "__main__":
    main()
