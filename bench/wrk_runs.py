"""Running the load generators the side-by-side benchmarks share: wrk
against the app (rate and p99) and pgbench with an anchor script (rate)."""

import os, re, subprocess, sys, tempfile


def _wrk(args, seconds, connections=16):
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency"] + args,
                         capture_output=True, text=True, check=True).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    if bad:
        sys.exit(f"{bad.group(1)} requests failed\n{out}")
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)", out)
    scale = {"us": 0.001, "ms": 1.0, "s": 1000.0}[p99.group(2)]
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1)), float(p99.group(1)) * scale


def wrk_get(url, token, seconds, connections=16):
    """(requests/s, p99 ms) of GET url with a bearer token; exits on any non-2xx answer."""
    return _wrk(["-H", f"Authorization: Bearer {token}", url], seconds, connections)


def wrk_script(url, lua, seconds, connections=16, extra=()):
    """(requests/s, p99 ms) of wrk running a Lua script (`extra`: its arguments,
    after `--`); exits on any non-2xx answer."""
    return _wrk(["-s", lua, url, *extra], seconds, connections)


def pgbench_rate(url, script, seconds, clients=16):
    """(transactions/s, p99 ms) of pgbench running one script file; the p99
    comes from pgbench's per-transaction log (-l)."""
    with tempfile.TemporaryDirectory() as folder:
        prefix = os.path.join(folder, "tx")
        out = subprocess.run(["pgbench", "-n", f"-c{clients}", "-j2", f"-T{seconds}", "-l", f"--log-prefix={prefix}",
                              "-f", script, url], capture_output=True, text=True, check=True).stdout
        latencies = []
        for name in os.listdir(folder):
            with open(os.path.join(folder, name)) as log:
                # client_id transaction_no latency_us script_no epoch epoch_us
                latencies.extend(int(line.split()[2]) for line in log)
    return float(re.search(r"tps = ([\d.]+)", out).group(1)), percentile(latencies, 0.99) / 1000


def percentile(values, q):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
