"""What the benchmark scripts share: the binary to measure, free ports,
waiting for `serve` to be ready, and median-and-range summaries."""

import os, socket, statistics, subprocess, sys, time, urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def release_binary():
    """BENCH_BINARY if set; otherwise builds and returns the release binary."""
    binary = os.environ.get("BENCH_BINARY")
    if binary:
        return binary
    subprocess.run(["cargo", "build", "--release", "--quiet"], cwd=ROOT, check=True)
    return os.path.join(ROOT, "target", "release", "madoguchi")


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_ready(base, child, seconds=60):
    """Waits for `GET /health/ready`; exits with serve's own output if it never comes."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            with urllib.request.urlopen(f"{base}/health/ready", timeout=2):
                return
        except Exception:  # noqa: BLE001 - not up yet
            if time.monotonic() > deadline or child.poll() is not None:
                sys.exit(f"serve did not become ready:\n{child.stderr.read().decode()[-2000:]}")
            time.sleep(0.1)


def describe(values, unit, digits=0):
    """`median 1,234 unit (range 1,100–1,300)`."""
    return (f"median {statistics.median(values):,.{digits}f} {unit} "
            f"(range {min(values):,.{digits}f}–{max(values):,.{digits}f})")


def memory_kib(pid, field):
    """A `VmRSS` / `VmHWM` figure of /proc/PID/status, in KiB."""
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"no {field} for {pid}")


def reset_peak(pid):
    """Resets the process's peak resident memory (VmHWM) to its current RSS (Linux: clear_refs 5)."""
    with open(f"/proc/{pid}/clear_refs", "w") as refs:
        refs.write("5")
