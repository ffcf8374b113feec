#!/usr/bin/env python3
"""Benchmark: what sealing personal data costs, as a ratio against the
release build of the commit before it (BENCH_BASELINE_BINARY, with its own
config folder BENCH_BASELINE_CONFIG, since the older build knows no
`[privacy]` settings).

Each build serves its own fresh SQLite database filled by `admin
seed-demo`; rounds alternate between them (baseline, sealed, baseline, …)
so that a busy machine slows both alike. Per round, wrk (2 threads, 8
connections) measures for `--seconds` each:
- lodge: `POST /api/v1/intake` (seals the narrative and six identity fields);
- case read: `GET /api/v1/cases/{id}` as the handler (opens them);
- export: `GET /api/v1/reports/cases?format=csv` as the analyst
  (pseudonymised rows, nothing sealed in them: a control).
Prints each build's rate and sealed / baseline (median and range).

    BENCH_BASELINE_BINARY=/tmp/madoguchi-base BENCH_BASELINE_CONFIG=/tmp/seal-base/config \\
        python3 bench/sealing.py [--rounds 3] [--seconds 5]

Builds this tree's release binary unless BENCH_BINARY names one."""

import argparse, json, os, re, shutil, subprocess, sys, tempfile, urllib.request

from common import ROOT, describe, free_port, release_binary, wait_ready

GRIEVANCE = {
    "categories": ["unpaid_wages"],
    "narrative": "The company kept my passport and did not pay October's wages. " * 8,
    "narrative_language": "vi",
    "employer_name": "Bench Foods",
    "identity": {"full_name": "Nguyen Van A", "email": "a.nguyen@example.org", "phone": "+81 90 1111 2222",
                 "passport_number": "C1234567", "residence_card_number": "AB12345678CD"},
}


def start(binary, config, folder):
    port = free_port()
    env = dict(os.environ, MADOGUCHI_CONFIG_DIR=config, MADOGUCHI__STORAGE__DATA_DIR=folder,
               MADOGUCHI__SERVER__PORT=str(port), MADOGUCHI__OUTBOX__RUN_IN_SERVE="false", RUST_LOG="error",
               MADOGUCHI__RATE_LIMIT__INTAKE_PER_IP_PER_MINUTE="100000000",
               MADOGUCHI__RATE_LIMIT__LOGIN_PER_IP_PER_MINUTE="100000",
               DATABASE_URL=f"sqlite://{os.path.join(folder, 'bench.db')}")
    seeded = subprocess.run([binary, "admin", "seed-demo"], env=env, cwd=ROOT, capture_output=True, text=True,
                            check=True).stdout
    logins = {m.group(1): (m.group(2), m.group(3))
              for m in re.finditer(r"^(handler|analyst)\s+email\s+(\S+)\s+(\S+)", seeded, re.M)}
    child = subprocess.Popen([binary, "serve"], env=env, cwd=ROOT, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    wait_ready(base, child)
    tokens = {role: login(base, *creds) for role, creds in logins.items()}
    cases = call(base, "/api/v1/cases?limit=1", tokens["handler"])
    return child, base, tokens, cases["items"][0]["id"]


def call(base, path, token=None, body=None):
    request = urllib.request.Request(f"{base}{path}", data=json.dumps(body).encode() if body else None,
                                     headers={"Content-Type": "application/json"})
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.load(response)


def login(base, email, password):
    return call(base, "/api/v1/auth/login", body={"email": email, "password": password})["access_token"]


def wrk(url, seconds, folder, token=None, body=None):
    lua = os.path.join(folder, "request.lua")
    with open(lua, "w") as f:
        if body:
            f.write('wrk.method = "POST"\nwrk.headers["Content-Type"] = "application/json"\n'
                    f"wrk.body = {json.dumps(json.dumps(body))}\n")
        if token:
            f.write(f'wrk.headers["Authorization"] = "Bearer {token}"\n')
    out = subprocess.run(["wrk", "-t2", "-c8", f"-d{seconds}s", "-s", lua, url], capture_output=True, text=True,
                         check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit(f"{bad.group(1)} failed requests to {url}\n{out}")
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))


def measure(server, seconds, folder):
    _, base, tokens, case_id = server
    return {
        "lodge": wrk(f"{base}/api/v1/intake", seconds, folder, body=GRIEVANCE),
        "case read": wrk(f"{base}/api/v1/cases/{case_id}", seconds, folder, token=tokens["handler"]),
        "export": wrk(f"{base}/api/v1/reports/cases?format=csv", seconds, folder, token=tokens["analyst"]),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("needs wrk")
    baseline = os.environ.get("BENCH_BASELINE_BINARY")
    baseline_config = os.environ.get("BENCH_BASELINE_CONFIG")
    if not (baseline and baseline_config):
        sys.exit("set BENCH_BASELINE_BINARY and BENCH_BASELINE_CONFIG (see the docstring)")
    sealed = release_binary()
    rates = {"baseline": [], "sealed": []}
    with tempfile.TemporaryDirectory() as one, tempfile.TemporaryDirectory() as two:
        servers = {"baseline": start(baseline, baseline_config, one),
                   "sealed": start(sealed, os.path.join(ROOT, "config"), two)}
        try:
            for round_ in range(args.rounds):
                for build in ["baseline", "sealed"]:
                    rates[build].append(measure(servers[build], args.seconds, one if build == "baseline" else two))
                line = ", ".join(f"{k} {rates['sealed'][-1][k] / rates['baseline'][-1][k]:.2f}"
                                 for k in rates["sealed"][-1])
                print(f"round {round_ + 1}: sealed / baseline: {line}", flush=True)
        finally:
            for child, *_ in servers.values():
                child.terminate()
                child.wait(timeout=30)
    for what in rates["sealed"][0]:
        base = [r[what] for r in rates["baseline"]]
        seal = [r[what] for r in rates["sealed"]]
        ratios = [s / b for s, b in zip(seal, base)]
        print(f"{what}: baseline {describe(base, 'req/s')}; sealed {describe(seal, 'req/s')}; "
              f"sealed / baseline {describe(ratios, '', 2)}")


if __name__ == "__main__":
    main()
