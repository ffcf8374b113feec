#!/usr/bin/env python3
"""Benchmark: case lists, side by side with what the database itself can do.

For each size (10,000 and 1,000,000 cases by default), one fresh database
seeded with bench/seed.sql (parties, categories, identities, events and
remedies, and the list's denormalised columns), then, interleaved round by
round, for each list shape:
- the anchor: the minimal SQL of the same page (the keyset query of the
  list's columns with the categories of the page's cases, one statement). On PostgreSQL it
  is pgbench with that script (16 clients, 2 threads); on SQLite one plain
  connection looping over the same statement;
- the app: `GET /api/v1/cases?…` with a handler's token, from wrk (16
  connections), against `madoguchi serve` on the same database.

The shapes: employer + state + category, first page; the same filter from
a cursor deep in its result; and the unfiltered list from a cursor in the
middle of all cases. Prints each one's rate, the app's share of the anchor
and wrk's p99 (median and range), beside issue 16's goals (p99 <= 15 ms at
any depth, share >= 25 %). Only the ratios mean anything on a shared machine.

    python3 bench/lists.py [sqlite|postgres] [--sizes 10000,1000000] [--rounds 3] [--seconds 5]

Needs wrk and, for PostgreSQL, pgbench. Builds the release binary unless
BENCH_BINARY names one; PostgreSQL is BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres)."""

import argparse, os, shutil, sqlite3, subprocess, sys, tempfile, time, uuid

from common import describe, release_binary
from reports import create_handler, login, run, seed_sql, serve
from wrk_runs import percentile, pgbench_rate, wrk_get

# Employer 4 (n % 200 = 3) has cases in odd states and in categories 3, 8
# and 13 (n % 5 = 3): "responded" (state 3) and "unpaid_wages" (category 3)
# meet once every 4,200 cases, ~240 at a million.
EMPLOYER = "02000000-0000-7000-8000-000000000004"
FILTER = f"employer_organisation_id = '{EMPLOYER}' AND state = 'responded'"
CATEGORY = "unpaid_wages"
COLUMNS = ("id, reference, state, priority, employer_organisation_id, employer_name, channel, "
           "assigned_handler_user_id, created_at, stage_due_at")


def case_id(n):
    return f"03000000-0000-7000-8000-{n:012d}"


def shapes(cases):
    """(name, query string, WHERE clause of the anchor's keyset query)."""
    category = f"id IN (SELECT case_id FROM case_categories WHERE category = '{CATEGORY}')"
    deep = case_id(cases // 20)
    middle = case_id(cases // 2)
    return [
        ("employer + state + category, first page",
         f"employer_organisation_id={EMPLOYER}&state=responded&category={CATEGORY}",
         f"{FILTER} AND {category}"),
        ("employer + state + category, deep page",
         f"employer_organisation_id={EMPLOYER}&state=responded&category={CATEGORY}&cursor={deep}",
         f"{FILTER} AND {category} AND id < '{deep}'"),
        ("all cases, page in the middle", f"cursor={middle}", f"id < '{middle}'"),
    ]


def anchor_sql(where, backend):
    """The page and its cases' categories in one statement (the app sends
    two: the page, then the categories of its ids)."""
    aggregate = "string_agg(category, ',')" if backend == "postgres" else "group_concat(category, ',')"
    return [f"WITH page AS (SELECT {COLUMNS} FROM cases WHERE {where} ORDER BY id DESC LIMIT 51) "
            f"SELECT page.*, (SELECT {aggregate} FROM case_categories WHERE case_id = page.id) FROM page ORDER BY id DESC"]


def sqlite_anchor(path, statements, seconds):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript("PRAGMA journal_mode=WAL; PRAGMA query_only=ON;")
    done, deadline = 0, time.monotonic() + seconds
    latencies = []
    while time.monotonic() < deadline:
        started = time.perf_counter()
        for statement in statements:
            conn.execute(statement).fetchall()
        latencies.append(time.perf_counter() - started)
        done += 1
    conn.close()
    return done / seconds, percentile(latencies, 0.99) * 1000


def pg_anchor(url, statements, seconds, folder):
    script = os.path.join(folder, "list.sql")
    with open(script, "w") as f:
        f.write(";\n".join(statements) + ";\n")
    return pgbench_rate(url, script, seconds)


def measure_size(binary, backend, cases, rounds, seconds):
    work = tempfile.mkdtemp(prefix="madoguchi-lists-")
    env = dict(os.environ, MADOGUCHI_PROFILE="test", MADOGUCHI__STORAGE__DATA_DIR=work, RUST_LOG="warn")
    admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    database = None
    if backend == "sqlite":
        path = os.path.join(work, "bench.db")
        env["DATABASE_URL"] = f"sqlite://{path}"
    else:
        database = f"madoguchi_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {database}"], check=True)
        env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + database
    server = None
    try:
        run(binary, env, ["migrate"])
        started = time.monotonic()
        sql = seed_sql(backend, cases)
        if backend == "sqlite":
            db = sqlite3.connect(path)
            db.executescript(sql + "\nANALYZE;")
            db.close()
        else:
            subprocess.run(["psql", env["DATABASE_URL"], "-qv", "ON_ERROR_STOP=1", "-c", sql, "-c", "VACUUM ANALYZE"],
                           check=True, capture_output=True)
        print(f"{backend}, {cases:,} cases: seeded in {time.monotonic() - started:.0f} s", flush=True)
        create_handler(binary, env)
        server, base = serve(binary, env)
        token = login(base)
        results = {name: ([], [], [], []) for name, _, _ in shapes(cases)}
        for round_ in range(rounds):
            for name, query, where in shapes(cases):
                statements = anchor_sql(where, backend)
                if database:
                    anchor, anchor_p99 = pg_anchor(env["DATABASE_URL"], statements, seconds, work)
                else:
                    anchor, anchor_p99 = sqlite_anchor(path, statements, seconds)
                app, p99 = wrk_get(f"{base}/cases?{query}", token, seconds)
                for series, value in zip(results[name], (anchor, anchor_p99, app, p99)):
                    series.append(value)
                print(f"  round {round_ + 1}, {name}: anchor {anchor:,.0f} q/s (p99 {anchor_p99:.1f} ms), "
                      f"app {app:,.0f} req/s (p99 {p99:.1f} ms), {100 * app / anchor:.0f} %", flush=True)
        for name, (anchors, anchor_p99s, apps, p99s) in results.items():
            shares = [100 * a / b for a, b in zip(apps, anchors)]
            print(f"{backend}, {cases:,} cases, {name}: anchor {describe(anchors, 'q/s')}, "
                  f"p99 {describe(anchor_p99s, 'ms', 1)}; app {describe(apps, 'req/s')}, "
                  f"p99 {describe(p99s, 'ms', 1)} (goal <= 15); app / anchor {describe(shares, '%')} (goal >= 25)",
                  flush=True)
    finally:
        if server:
            server.terminate()
            server.wait()
        if database:
            subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])
        shutil.rmtree(work, ignore_errors=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--sizes", default="10000,1000000", help="comma-separated numbers of cases")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    for tool in ["wrk"] + (["pgbench"] if args.backend == "postgres" else []):
        if not shutil.which(tool):
            sys.exit(f"needs {tool}")
    binary = release_binary()
    for cases in (int(size) for size in args.sizes.split(",")):
        measure_size(binary, args.backend, cases, args.rounds, args.seconds)


if __name__ == "__main__":
    main()
