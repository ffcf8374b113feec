#!/usr/bin/env python3
"""Benchmark: transitions, side by side with what the database itself can do.

One fresh database seeded with bench/seed.sql (a million cases by default;
one in 14 is `submitted`, version 1), then, interleaved round by round:
- the anchor: the minimal SQL of one transition (read the case and its
  categories, update it under its version, append its event and its one
  dispatch row, read its timeline for the answer), in one transaction, on
  cases the app never touches. On PostgreSQL it is pgbench with that script
  (16 clients, 2 threads); on SQLite one plain connection looping over the
  same statements (WAL, synchronous=FULL like the app's default);
- the app: `POST /api/v1/cases/{id}/actions` (`acknowledge`, by a handler)
  from wrk, 16 connections, each request on a submitted case not yet
  acknowledged, against `madoguchi serve` on the same database.
Prints each one's rate and the app's share of the anchor (median and range)
and wrk's p99, beside issue 16's goal (share >= 50 %).

    python3 bench/transitions.py [sqlite|postgres] [--cases 1000000] [--rounds 3] [--seconds 5]

Needs wrk and, for PostgreSQL, pgbench. Builds the release binary unless
BENCH_BINARY names one; PostgreSQL is BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres)."""

import argparse, os, shutil, sqlite3, subprocess, sys, tempfile, time, uuid

from common import describe, release_binary
from reports import create_handler, login, run, seed_sql, serve
from wrk_runs import percentile, pgbench_rate, wrk_script

# Seeded case n is in state n % 14: 0 is `submitted` (the app's), 7 is
# `remedy_delivered` (the anchor's: its SQL checks no state).
APP_RESIDUE, ANCHOR_RESIDUE = 0, 7

PG_ANCHOR = """\\set k random(0, {last_k})
\\set n 14 * :k + 7
BEGIN;
SELECT id, state, version, priority, employer_organisation_id, supervising_organisation_id, mediator_user_id, worker_user_id FROM cases WHERE id = '03000000-0000-7000-8000-' || lpad(:n::text, 12, '0') FOR UPDATE;
SELECT category FROM case_categories WHERE case_id = '03000000-0000-7000-8000-' || lpad(:n::text, 12, '0');
UPDATE cases SET version = version + 1, updated_at = now(), stage_entered_at = now() WHERE id = '03000000-0000-7000-8000-' || lpad(:n::text, 12, '0');
INSERT INTO case_events (id, case_id, occurred_at, actor_role, kind, action, from_state, to_state, details, visibility) VALUES (gen_random_uuid()::text, '03000000-0000-7000-8000-' || lpad(:n::text, 12, '0'), now(), 'handler', 'transition', 'acknowledge', 'remedy_delivered', 'remedy_delivered', '{{}}', 'parties');
INSERT INTO dispatches (case_id, payload, created_at) VALUES ('03000000-0000-7000-8000-' || lpad(:n::text, 12, '0'), '{{}}', now());
SELECT id, occurred_at, kind, action, from_state, to_state, details FROM case_events WHERE case_id = '03000000-0000-7000-8000-' || lpad(:n::text, 12, '0') ORDER BY id;
COMMIT;
"""

# Each wrk thread (there are 2; a Lua state is per thread, shared by its
# connections) walks its own submitted cases, from a start given per round,
# so no case is acknowledged twice (which would answer 409).
WRK_LUA = """
local threads = 0
function setup(thread)
  thread:set("index", threads)
  threads = threads + 1
end
function init(args)
  start = tonumber(args[1])
  stride = tonumber(args[2])
  sent = 0
end
function request()
  local k = start + index + sent * stride
  sent = sent + 1
  local id = string.format("03000000-0000-7000-8000-%012d", 14 * k)
  return wrk.format("POST", "/api/v1/cases/" .. id .. "/actions",
    {["Content-Type"] = "application/json", ["Authorization"] = "Bearer TOKEN"},
    '{"action": "acknowledge", "version": 1}')
end
"""


def sqlite_anchor(path, cases, seconds):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")
    last_k = (cases - ANCHOR_RESIDUE) // 14
    done, deadline, latencies = 0, time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        started = time.perf_counter()
        case = f"03000000-0000-7000-8000-{14 * (done % last_k) + ANCHOR_RESIDUE:012d}"
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT id, state, version, priority, employer_organisation_id, supervising_organisation_id, "
                     "mediator_user_id, worker_user_id FROM cases WHERE id = ?", (case,)).fetchall()
        conn.execute("SELECT category FROM case_categories WHERE case_id = ?", (case,)).fetchall()
        conn.execute("UPDATE cases SET version = version + 1, updated_at = datetime('now'), "
                     "stage_entered_at = datetime('now') WHERE id = ?", (case,))
        conn.execute("INSERT INTO case_events (id, case_id, occurred_at, actor_role, kind, action, from_state, to_state, "
                     "details, visibility) VALUES (?, ?, datetime('now'), 'handler', 'transition', 'acknowledge', "
                     "'remedy_delivered', 'remedy_delivered', '{}', 'parties')", (str(uuid.uuid4()), case))
        conn.execute("INSERT INTO dispatches (case_id, payload, created_at) VALUES (?, '{}', datetime('now'))", (case,))
        conn.execute("SELECT id, occurred_at, kind, action, from_state, to_state, details FROM case_events "
                     "WHERE case_id = ? ORDER BY id", (case,)).fetchall()
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - started)
        done += 1
    conn.close()
    return done / seconds, percentile(latencies, 0.99) * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    for tool in ["wrk"] + (["pgbench"] if args.backend == "postgres" else []):
        if not shutil.which(tool):
            sys.exit(f"needs {tool}")
    binary = release_binary()
    work = tempfile.mkdtemp(prefix="madoguchi-transitions-")
    env = dict(os.environ, MADOGUCHI_PROFILE="test", MADOGUCHI__STORAGE__DATA_DIR=work, RUST_LOG="warn")
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database = None
    if args.backend == "sqlite":
        path = os.path.join(work, "bench.db")
        env["DATABASE_URL"] = f"sqlite://{path}"
    else:
        database = f"madoguchi_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {database}"], check=True)
        env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + database
    server = None
    anchors, anchor_p99s, apps, p99s = [], [], [], []
    try:
        run(binary, env, ["migrate"])
        started = time.monotonic()
        sql = seed_sql(args.backend, args.cases)
        if database:
            subprocess.run(["psql", env["DATABASE_URL"], "-qv", "ON_ERROR_STOP=1", "-c", sql, "-c", "VACUUM ANALYZE"],
                           check=True, capture_output=True)
        else:
            db = sqlite3.connect(path)
            db.executescript(sql + "\nANALYZE;")
            db.close()
        print(f"{args.backend}, {args.cases:,} cases: seeded in {time.monotonic() - started:.0f} s", flush=True)
        create_handler(binary, env)
        server, base = serve(binary, env)
        token = login(base)
        lua = os.path.join(work, "acknowledge.lua")
        with open(lua, "w") as f:
            f.write(WRK_LUA.replace("TOKEN", token))
        script = os.path.join(work, "transition.sql")
        with open(script, "w") as f:
            f.write(PG_ANCHOR.format(last_k=(args.cases - ANCHOR_RESIDUE) // 14 - 1))
        # Submitted cases are k = 1 .. cases / 14 (case 0 does not exist);
        # each round starts past every case the earlier rounds could reach.
        available = args.cases // 14
        per_round = available // args.rounds
        for round_ in range(args.rounds):
            if database:
                anchor, anchor_p99 = pgbench_rate(env["DATABASE_URL"], script, args.seconds)
            else:
                anchor, anchor_p99 = sqlite_anchor(path, args.cases, args.seconds)
            start = 1 + round_ * per_round
            app, p99 = wrk_script(f"{base.rsplit('/api/v1', 1)[0]}", lua, args.seconds,
                                  extra=["--", str(start), "2"])
            if app * args.seconds > per_round:
                sys.exit(f"round {round_ + 1} ran past its {per_round:,} submitted cases: seed more (--cases)")
            anchors.append(anchor)
            anchor_p99s.append(anchor_p99)
            apps.append(app)
            p99s.append(p99)
            print(f"  round {round_ + 1}: anchor {anchor:,.0f} tx/s (p99 {anchor_p99:.1f} ms), app {app:,.0f} req/s (p99 {p99:.1f} ms), "
                  f"{100 * app / anchor:.0f} %", flush=True)
    finally:
        if server:
            server.terminate()
            server.wait()
        if database:
            subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])
        shutil.rmtree(work, ignore_errors=True)
    shares = [100 * a / b for a, b in zip(apps, anchors)]
    print(f"transition, 16 clients, {args.backend}, {args.cases:,} cases: anchor {describe(anchors, 'tx/s')}, "
          f"p99 {describe(anchor_p99s, 'ms', 1)}; "
          f"app {describe(apps, 'req/s')}, p99 {describe(p99s, 'ms', 1)}; app / anchor {describe(shares, '%')} "
          f"(goal >= 50)")


if __name__ == "__main__":
    main()
