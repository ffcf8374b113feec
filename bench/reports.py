#!/usr/bin/env python3
"""Benchmark: seeds N synthetic cases (default one million) straight into a
fresh database, then times `madoguchi export summary` with its peak memory,
times `madoguchi export cases --format csv` (and its peak memory) beside
its anchor, interleaved over --rounds rounds (COPY of the same rows on
PostgreSQL; one plain connection writing them with Python's csv on SQLite),
measures how much `GET /api/v1/reports/summary` (JSON and XLSX) raises the
peak memory of a running `madoguchi serve` above its own baseline (a fresh
server per measurement, formats interleaved over --rounds rounds, median and
range), and measures the latency of `GET /api/v1/cases` (keyset pages with
filters) from 16 concurrent clients against `madoguchi serve`. The clients
are Python threads on the same machine, so those latencies include their own
overhead: read them as an upper bound, not as the server's figure.

    python3 bench/reports.py sqlite            # a temporary SQLite file
    python3 bench/reports.py postgres          # a scratch database on BENCH_POSTGRES_URL
    python3 bench/reports.py sqlite --cases 100000

It builds the release binary first (cargo build --release)."""

import argparse, csv, json, os, sqlite3, subprocess, sys, tempfile, threading, time, urllib.request, uuid

from common import describe, free_port, memory_kib, reset_peak, wait_ready

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
STATES = ["submitted", "acknowledged", "referred", "responded", "in_mediation", "remedy_proposed", "remedy_agreed",
          "remedy_delivered", "remedy_verified", "escalated", "referred_external", "closed", "not_admissible", "withdrawn"]
CATEGORIES = ["passport_id_retention", "recruitment_fees_debt", "contract_deception", "unpaid_wages", "excessive_hours",
              "unsafe_work", "housing", "restriction_of_movement", "harassment_violence", "discrimination",
              "forced_return_or_dismissal", "job_change_obstructed", "representation", "policy_absence", "other"]


def case_expr(values):
    whens = " ".join(f"WHEN {i} THEN '{v}'" for i, v in enumerate(values))
    return f"CASE n % {len(values)} {whens} END"


def seed_sql(backend, n):
    sql = open(os.path.join(ROOT, "bench", "seed.sql")).read()
    if backend == "postgres":
        subs = {
            "{seq}": f"SELECT generate_series(1, {n}) AS n",
            "{seq200}": "SELECT generate_series(1, 200) AS n",
            "{seq20}": "SELECT generate_series(1, 20) AS n",
            "{supervisor}": "lpad((1 + n % 20)::text, 12, '0')",
            "{pad3}": "lpad(n::text, 3, '0')", "{pad12}": "lpad(n::text, 12, '0')",
            "{prefecture}": "lpad((1 + n % 47)::text, 2, '0')", "{employer}": "lpad((1 + n % 200)::text, 12, '0')",
            "{employer_n}": "(1 + n % 200)::text",
            "{false}": "FALSE",
            "{created}": "(TIMESTAMP '2026-01-01' + (n % 365) * INTERVAL '1 day' + (n % 86400) * INTERVAL '1 second')",
            "{created_plus_days}": "(TIMESTAMP '2026-01-01' + (n % 365 + 1 + n % 9) * INTERVAL '1 day')",
        }
    else:
        subs = {
            "{seq}": f"WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < {n}) SELECT n FROM seq",
            "{seq200}": "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 200) SELECT n FROM seq",
            "{seq20}": "WITH RECURSIVE seq(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM seq WHERE n < 20) SELECT n FROM seq",
            "{supervisor}": "printf('%012d', 1 + n % 20)",
            "{pad3}": "printf('%03d', n)", "{pad12}": "printf('%012d', n)",
            "{prefecture}": "printf('%02d', 1 + n % 47)", "{employer}": "printf('%012d', 1 + n % 200)",
            "{employer_n}": "(1 + n % 200)",
            "{false}": "0",
            "{created}": "datetime('2026-01-01', '+' || (n % 365) || ' days', '+' || (n % 86400) || ' seconds')",
            "{created_plus_days}": "datetime('2026-01-01', '+' || (n % 365 + 1 + n % 9) || ' days')",
        }
    for key, value in subs.items():
        sql = sql.replace(key, value)
    return sql.replace("(ARRAY_STATES)", case_expr(STATES)).replace("(ARRAY_CATEGORIES)", case_expr(CATEGORIES))


def run(binary, env, args):
    """Runs the binary; returns (seconds, its own peak resident memory in MiB)."""
    started = time.monotonic()
    child = subprocess.Popen([binary, *args], env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    # wait4 reports the resources of this one child (not of earlier ones, like cargo).
    _, status, usage = os.wait4(child.pid, 0)
    elapsed = time.monotonic() - started
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"{' '.join(args)} failed:\n{child.stderr.read().decode()}")
    return elapsed, usage.ru_maxrss / 1024


QUERIES = ["", "?state=referred", "?category=unpaid_wages", "?priority=urgent", "?overdue=true",
           "?state=closed&category=housing", "?created_from=2026-06-01T00:00:00Z&created_before=2026-07-01T00:00:00Z"]


PASSWORD = "bench password 12345"


def create_handler(binary, env):
    """A handler of the seeded operator, who may read every report."""
    created = subprocess.run([binary, "admin", "create-user", "--role", "handler", "--email", "bench@example.org",
                              "--organisation-id", "01000000-0000-7000-8000-000000000001", "--password-stdin"],
                             input=PASSWORD + "\n", env=env, cwd=ROOT, capture_output=True, text=True)
    if created.returncode != 0:
        sys.exit(created.stderr)


def serve(binary, env):
    """Starts `serve` on a free port (no outbox worker); returns (process, API base URL)."""
    port = free_port()
    serve_env = dict(env, MADOGUCHI__SERVER__PORT=str(port), MADOGUCHI__OUTBOX__RUN_IN_SERVE="false")
    server = subprocess.Popen([binary, "serve"], env=serve_env, cwd=ROOT, stdout=subprocess.DEVNULL,
                              stderr=subprocess.PIPE)
    wait_ready(f"http://127.0.0.1:{port}", server)
    return server, f"http://127.0.0.1:{port}/api/v1"


def login(base):
    request = urllib.request.Request(f"{base}/auth/login", method="POST", headers={"content-type": "application/json"},
                                     data=json.dumps({"email": "bench@example.org", "password": PASSWORD}).encode())
    return json.load(urllib.request.urlopen(request))["access_token"]


def get(url, token, timeout=600):
    request = urllib.request.Request(url, headers={"authorization": f"Bearer {token}"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        return response.read()


def summary_memory(binary, env, rounds, formats=("json", "xlsx")):
    """Peak memory growth of `serve` answering one summary, per format: a
    fresh server each time; its baseline is its resident memory once ready
    and warmed by one small authenticated request; the peak is reset to that
    baseline (clear_refs) before the summary is asked for, and read after.
    Formats are interleaved round by round, so drift on a shared machine
    falls on both alike. Returns {format: [(growth MiB, baseline MiB, seconds)]}."""
    results = {fmt: [] for fmt in formats}
    for _ in range(rounds):
        for fmt in formats:
            server, base = serve(binary, env)
            try:
                token = login(base)
                get(f"{base}/me", token)
                baseline = memory_kib(server.pid, "VmRSS")
                reset_peak(server.pid)
                started = time.monotonic()
                body = get(f"{base}/reports/summary?format={fmt}", token)
                seconds = time.monotonic() - started
                peak = memory_kib(server.pid, "VmHWM")
                if len(body) < 100:
                    sys.exit(f"summary ({fmt}) came back with {len(body)} bytes")
                results[fmt].append(((peak - baseline) / 1024, baseline / 1024, seconds))
            finally:
                server.terminate()
                server.wait()
    return results


def list_latency(binary, env, clients, requests_per_client):
    """Serves the seeded database and times case lists: first pages and the pages after them."""
    server, base = serve(binary, env)
    try:
        token = login(base)
        latencies, lock = [], threading.Lock()

        def client(index):
            mine = []
            cursor = None
            for i in range(requests_per_client):
                query = QUERIES[(index + i) % len(QUERIES)]
                url = f"{base}/cases{query}"
                if cursor and i % 2:
                    url += ("&" if "?" in url else "?") + f"cursor={cursor}"
                started = time.perf_counter()
                page = json.load(urllib.request.urlopen(urllib.request.Request(url, headers={"authorization": f"Bearer {token}"})))
                mine.append(time.perf_counter() - started)
                cursor = page.get("next_cursor")
            with lock:
                latencies.extend(mine)

        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        return latencies
    finally:
        server.terminate()
        server.wait()


def export_sql(backend):
    """The case export's rows in one statement: its joins, and the categories
    aggregated per case, in id order."""
    categories = ("(SELECT string_agg(category, ',' ORDER BY category) FROM case_categories cc WHERE cc.case_id = c.id)"
                  if backend == "postgres" else
                  "(SELECT group_concat(category, ',') FROM case_categories cc WHERE cc.case_id = c.id)")
    return ("SELECT c.id, c.created_at, c.state, c.priority, c.nationality, c.residence_status, c.prefecture, "
            "c.industry, c.employer_organisation_id, COALESCE(o.name, c.employer_name) AS employer, "
            "s.id AS supervising_organisation_id, s.name AS supervising_organisation, c.lodged_via, c.channel, "
            "c.acknowledged_at, c.referred_at, c.first_response_at, c.remedy_verified_at, c.finished_at, "
            f"c.satisfaction_rating, {categories} AS categories "
            "FROM cases c LEFT JOIN organisations o ON o.id = c.employer_organisation_id "
            "LEFT JOIN case_parties sp ON sp.case_id = c.id AND sp.party_role = 'supervisor' "
            "LEFT JOIN organisations s ON s.id = sp.organisation_id ORDER BY c.id")


def export_anchor(backend, env):
    """Seconds the database itself takes to write the export's rows as CSV:
    COPY on PostgreSQL (through psql, to /dev/null); on SQLite one plain
    connection with Python's csv writer."""
    started = time.monotonic()
    if backend == "postgres":
        with open(os.devnull, "w") as sink:
            subprocess.run(["psql", env["DATABASE_URL"], "-qv", "ON_ERROR_STOP=1", "-c",
                            f"COPY ({export_sql(backend)}) TO STDOUT WITH (FORMAT csv, HEADER)"],
                           stdout=sink, check=True)
    else:
        db = sqlite3.connect(env["DATABASE_URL"].removeprefix("sqlite://"))
        cursor = db.execute(export_sql(backend))
        with open(os.devnull, "w", newline="") as sink:
            writer = csv.writer(sink)
            writer.writerow([column[0] for column in cursor.description])
            writer.writerows(cursor)
        db.close()
    return time.monotonic() - started


def export_beside_anchor(binary, env, backend, work, rounds):
    """`madoguchi export cases --format csv` and its anchor, interleaved round by round."""
    anchors, apps, peaks = [], [], []
    output = os.path.join(work, "cases.csv")
    for round_ in range(rounds):
        anchors.append(export_anchor(backend, env))
        seconds, peak = run(binary, env, ["export", "cases", "--format", "csv", "--output", output])
        apps.append(seconds)
        peaks.append(peak)
        print(f"  round {round_ + 1}: case CSV export {seconds:.2f} s (peak {peak:.1f} MiB), "
              f"anchor {anchors[-1]:.2f} s, x{seconds / anchors[-1]:.2f}", flush=True)
    rows = sum(1 for _ in open(output, encoding="utf-8-sig")) - 1
    times = [app / anchor for app, anchor in zip(apps, anchors)]
    anchor_name = "COPY" if backend == "postgres" else "one connection and Python's csv"
    print(f"case CSV export ({rows:,} rows): {describe(apps, 's', 2)}, peak {describe(peaks, 'MiB', 1)}; "
          f"anchor ({anchor_name}) {describe(anchors, 's', 2)}; export / anchor {describe(times, 'times', 2)} "
          f"(goal <= 3 on PostgreSQL)")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("backend", choices=["sqlite", "postgres"])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--requests", type=int, default=100, help="per client")
    parser.add_argument("--rounds", type=int, default=3, help="of the summary memory measurement")
    parser.add_argument("--skip-latency", action="store_true", help="leave out the case-list latency run")
    args = parser.parse_args()

    binary = os.environ.get("BENCH_BINARY")
    if not binary:
        subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
        binary = os.path.join(os.environ.get("CARGO_TARGET_DIR", os.path.join(ROOT, "target")), "release", "madoguchi")
    work = tempfile.mkdtemp(prefix="madoguchi-bench-")
    env = dict(os.environ, MADOGUCHI_PROFILE="test", MADOGUCHI__STORAGE__DATA_DIR=work, RUST_LOG="warn")
    admin_url = None
    if args.backend == "sqlite":
        path = os.path.join(work, "bench.db")
        env["DATABASE_URL"] = f"sqlite://{path}"
    else:
        admin_url = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/postgres")
        name = f"madoguchi_bench_{uuid.uuid4().hex[:8]}"
        subprocess.run(["psql", admin_url, "-qc", f"CREATE DATABASE {name}"], check=True)
        env["DATABASE_URL"] = admin_url.rsplit("/", 1)[0] + "/" + name
    try:
        run(binary, env, ["migrate"])
        started = time.monotonic()
        sql = seed_sql(args.backend, args.cases)
        if args.backend == "sqlite":
            db = sqlite3.connect(path)
            db.executescript(sql + "\nANALYZE;")
            db.close()
        else:
            subprocess.run(["psql", env["DATABASE_URL"], "-qv", "ON_ERROR_STOP=1", "-c", sql, "-c", "ANALYZE"], check=True)
        print(f"{args.backend}: seeded {args.cases:,} cases in {time.monotonic() - started:.1f} s")
        results = []
        for label, command in [
            ("summary (json)", ["export", "summary", "--format", "json", "--output", os.path.join(work, "summary.json")]),
            ("summary (xlsx)", ["export", "summary", "--format", "xlsx", "--output", os.path.join(work, "summary.xlsx")]),
        ]:
            seconds, peak = run(binary, env, command)
            results.append((label, seconds, peak))
        print(f"{'step':<16} {'seconds':>9} {'peak MiB':>9}")
        for label, seconds, peak in results:
            print(f"{label:<16} {seconds:>9.2f} {peak:>9.1f}")
        export_beside_anchor(binary, env, args.backend, work, args.rounds)
        create_handler(binary, env)
        for fmt, runs in summary_memory(binary, env, args.rounds).items():
            print(f"GET /reports/summary?format={fmt}, {len(runs)} rounds: growth over the server's baseline "
                  f"{describe([r[0] for r in runs], 'MiB', 1)}; baseline {describe([r[1] for r in runs], 'MiB', 1)}; "
                  f"{describe([r[2] for r in runs], 's', 2)}")
        if args.skip_latency:
            return
        latencies = list_latency(binary, env, args.clients, args.requests)
        latencies.sort()
        pick = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
        print(f"GET /api/v1/cases, {args.clients} clients, {len(latencies):,} requests: "
              f"p50 {pick(0.5):.1f} ms, p99 {pick(0.99):.1f} ms, max {latencies[-1] * 1000:.1f} ms")
    finally:
        if admin_url:
            subprocess.run(["psql", admin_url, "-qc", f"DROP DATABASE IF EXISTS {env['DATABASE_URL'].rsplit('/', 1)[1]} WITH (FORCE)"])


if __name__ == "__main__":
    main()
