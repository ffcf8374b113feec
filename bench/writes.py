#!/usr/bin/env python3
"""Benchmark: lodging, side by side with what the database itself can do.

For each backend, one fresh database, and interleaved round by round:
- the anchor: the minimal SQL of one lodging (take a reference number,
  insert the case, its category, its identity, its event and its one
  dispatch row, in one transaction). On PostgreSQL it is pgbench with that
  script (16 clients, 2 threads); on SQLite one plain connection looping
  over the same statements (WAL, synchronous=FULL like the app's default);
- the app: `POST /api/v1/intake` (anonymous lodging) from wrk, 16
  connections, against `madoguchi serve` on the same database.
Prints each one's rate and the app's share of the anchor (median and range)
and wrk's p99. Only the ratios mean anything on a shared machine.

    python3 bench/writes.py [sqlite|postgres] [--rounds 3] [--seconds 10]

Needs wrk and, for PostgreSQL, pgbench. Builds the release binary unless
BENCH_BINARY names one; PostgreSQL is BENCH_POSTGRES_URL (default
postgres://postgres@127.0.0.1:5432/postgres)."""

import argparse, json, os, shutil, sqlite3, subprocess, sys, tempfile, time, uuid

from common import ROOT, describe, free_port, release_binary, wait_ready
from wrk_runs import percentile, pgbench_rate, wrk_script

GRIEVANCE = {
    "categories": ["unpaid_wages"],
    "narrative": "The company kept my passport and did not pay October's wages.",
    "narrative_language": "vi",
    "employer_name": "Bench Foods",
    "identity": {"full_name": "Nguyen Van A", "email": "a.nguyen@example.org"},
}

# The app's lodging, as few statements as the schema allows.
PG_ANCHOR = """\\set r random(1, 9000000000000000)
BEGIN;
SELECT nextval('case_reference_seq');
INSERT INTO cases (id, reference, state, version, priority, narrative, narrative_language, employer_name, lodged_via, receipt_code_hash, identity_disclosure_consent, created_at, updated_at, stage_entered_at, stage_due_at) VALUES ('a-' || :r, 'MG-2999-' || :r, 'submitted', 1, 'normal', 'The company kept my passport.', 'vi', 'Bench Foods', 'intake', 'h-' || :r, false, now(), now(), now(), now() + interval '7 days');
INSERT INTO case_categories (case_id, category) VALUES ('a-' || :r, 'unpaid_wages');
INSERT INTO case_identities (case_id, full_name, email, updated_at) VALUES ('a-' || :r, 'Nguyen Van A', 'a.nguyen@example.org', now());
INSERT INTO case_events (id, case_id, occurred_at, actor_role, kind, to_state, details, visibility) VALUES ('e-' || :r, 'a-' || :r, now(), 'worker', 'lodged', 'submitted', '{}', 'parties');
INSERT INTO dispatches (case_id, payload, created_at) VALUES ('a-' || :r, '{}', now());
COMMIT;
"""


def sqlite_anchor(path, seconds):
    conn = sqlite3.connect(path, isolation_level=None)
    conn.executescript("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON; PRAGMA busy_timeout=5000;")
    done, deadline, latencies = 0, time.monotonic() + seconds, []
    while time.monotonic() < deadline:
        started = time.perf_counter()
        key = uuid.uuid4().hex
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("SELECT 1")  # the reference number: the writer counts it in memory
        conn.execute("INSERT INTO cases (id, reference, state, version, priority, narrative, narrative_language, "
                     "employer_name, lodged_via, receipt_code_hash, identity_disclosure_consent, created_at, updated_at, "
                     "stage_entered_at, stage_due_at) VALUES (?, ?, 'submitted', 1, 'normal', 'The company kept my passport.', "
                     "'vi', 'Bench Foods', 'intake', ?, 0, datetime('now'), datetime('now'), datetime('now'), datetime('now'))",
                     (f"a-{key}", f"MG-2999-{key}", f"h-{key}"))
        conn.execute("INSERT INTO case_categories (case_id, category) VALUES (?, 'unpaid_wages')", (f"a-{key}",))
        conn.execute("INSERT INTO case_identities (case_id, full_name, email, updated_at) VALUES (?, 'Nguyen Van A', "
                     "'a.nguyen@example.org', datetime('now'))", (f"a-{key}",))
        conn.execute("INSERT INTO case_events (id, case_id, occurred_at, actor_role, kind, to_state, details, visibility) "
                     "VALUES (?, ?, datetime('now'), 'worker', 'lodged', 'submitted', '{}', 'parties')", (f"e-{key}", f"a-{key}"))
        conn.execute("INSERT INTO dispatches (case_id, payload, created_at) VALUES (?, '{}', datetime('now'))", (f"a-{key}",))
        conn.execute("COMMIT")
        latencies.append(time.perf_counter() - started)
        done += 1
    conn.close()
    return done / seconds, percentile(latencies, 0.99) * 1000


def pg_anchor(url, seconds, folder):
    script = os.path.join(folder, "lodge.sql")
    with open(script, "w") as f:
        f.write(PG_ANCHOR)
    return pgbench_rate(url, script, seconds)


def wrk_post(base, seconds, folder):
    lua = os.path.join(folder, "post.lua")
    with open(lua, "w") as f:
        f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                f"wrk.body = {json.dumps(json.dumps(GRIEVANCE))}\n")
    return wrk_script(f"{base}/api/v1/intake", lua, seconds)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", nargs="?", default="sqlite", choices=["sqlite", "postgres"])
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    args = parser.parse_args()
    for tool in ["wrk"] + (["pgbench"] if args.backend == "postgres" else []):
        if not shutil.which(tool):
            sys.exit(f"needs {tool}")
    binary = release_binary()
    with tempfile.TemporaryDirectory() as folder:
        port = free_port()
        env = dict(os.environ, MADOGUCHI_CONFIG_DIR=os.path.join(ROOT, "config"), MADOGUCHI__STORAGE__DATA_DIR=folder,
                   MADOGUCHI__SERVER__PORT=str(port), MADOGUCHI__OUTBOX__RUN_IN_SERVE="false", RUST_LOG="warn",
                   MADOGUCHI__RATE_LIMIT__INTAKE_PER_IP_PER_MINUTE="100000000")
        admin = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        database = None
        if args.backend == "postgres":
            database = f"madoguchi_bench_{uuid.uuid4().hex}"
            subprocess.run(["psql", admin, "-qc", f"CREATE DATABASE {database}"], check=True)
            url = admin.rsplit("/", 1)[0] + "/" + database
        else:
            path = os.path.join(folder, "bench.db")
            url = f"sqlite://{path}"
        env["DATABASE_URL"] = url
        child = subprocess.Popen([binary, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        base = f"http://127.0.0.1:{port}"
        anchors, anchor_p99s, apps, p99s = [], [], [], []
        try:
            wait_ready(base, child)
            for round_ in range(args.rounds):
                anchor, anchor_p99 = pg_anchor(url, args.seconds, folder) if database else sqlite_anchor(path, args.seconds)
                app, p99 = wrk_post(base, args.seconds, folder)
                anchors.append(anchor)
                anchor_p99s.append(anchor_p99)
                apps.append(app)
                p99s.append(p99)
                print(f"round {round_ + 1}: anchor {anchor:,.0f}/s (p99 {anchor_p99:.1f} ms), app {app:,.0f} lodges/s (p99 {p99:.1f} ms), "
                      f"{100 * app / anchor:.0f} %", flush=True)
        finally:
            child.terminate()
            child.wait(timeout=30)
            if database:
                subprocess.run(["psql", admin, "-qc", f"DROP DATABASE IF EXISTS {database} WITH (FORCE)"])
    shares = [100 * a / b for a, b in zip(apps, anchors)]
    tails = [a / b for a, b in zip(p99s, anchor_p99s)]
    print(f"lodge, 16 clients, {args.backend}: anchor {describe(anchors, 'tx/s')}, p99 {describe(anchor_p99s, 'ms', 1)}; "
          f"app {describe(apps, 'req/s')}, p99 {describe(p99s, 'ms', 1)}; app / anchor {describe(shares, '%')} "
          f"(goal >= 50); app p99 / anchor p99 {describe(tails, 'times', 1)} (goal <= 4 on PostgreSQL; "
          f"on SQLite the goal is a p99 <= 25 ms)")


if __name__ == "__main__":
    main()
