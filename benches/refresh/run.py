#!/usr/bin/env python3
"""Many workers, one refresh: refresh calls per token expiry and what waiting costs the waiters.

N worker processes (1, 8, 32) open the store, initialize the real Zoho SDK (zohocrmsdk8-0) and,
released together by a barrier, run its ``get_token`` (inside ``Initializer.initialize``) on one
expired token. The accounts server is stubbed where the SDK calls ``requests.post``; a refresh
takes ``--delay`` seconds (default 0.3, like a real one) and is logged to a shared file, so the
requests of all processes add up. Stores: tokenvault's ``VaultStore`` (coordinated refresh, the
default) and the SDK's own ``FileStore``.

Printed, as Markdown:
- token requests per expiry (each run is one expiry; the range over the runs);
- callers whose ``get_token`` raised (the FileStore, rewritten by several processes at once,
  is sometimes read half-written: "Given ID is invalid");
- how long ``get_token`` took the caller that refreshed, and the callers that did not (they
  waited for its save), median and max over every such caller of every run;
- the latency the wait added: a waiting caller's time less the median time of the same call on a
  token that needs no refresh (measured in the same way, first);
- how long after the refreshing caller's ``get_token`` returned the waiting callers' returned
  (the wake-up delay; waiters in other processes poll every 20 ms).

Uses the installed ``tokenvault`` wheel and the SDK (python/tests/refresh_workers.py holds the
worker code, shared with the tests). Run from anywhere:

    python benches/refresh/run.py            # 1, 8, 32 workers, 5 runs each (~2 minutes)
    python benches/refresh/run.py --runs 2   # quicker
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "python" / "tests"))

import refresh_workers as rw  # noqa: E402

PASSPHRASE = "benchmark passphrase"
TIMEOUT = 300


def new_store(directory: Path, store: str, expiry_ms: Optional[int] = None) -> Path:
    from tokenvault import KdfParams, VaultStore
    from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore

    directory.mkdir(parents=True)
    token = rw.stored_token("refresh", expiry_ms)
    if store == "vault":
        path = directory / "tokens.vault"
        # The KDF runs once per process at open, before the barrier: not part of the figures.
        with VaultStore(path, PASSPHRASE, kdf=KdfParams.insecure_for_tests(), insecure_kdf=True) as s:
            s.save_token(token)
    else:
        path = directory / "sdk_tokens.txt"
        FileStore(str(path)).save_token(token)
    return path


def run(directory: Path, store: str, n: int, delay: float,
        valid: bool = False) -> Dict[str, Any]:
    """One expiry (or, ``valid``, one lookup of a token that needs no refresh) with n workers."""
    expiry = int(time.time() * 1000) + 3_600_000 if valid else None
    path = new_store(directory, store, expiry)
    resources = directory / "resources"
    resources.mkdir()
    spec = {"store": store, "path": str(path), "passphrase": PASSPHRASE, "query": "refresh",
            "calls_file": str(directory / "calls.log"), "delay": delay,
            "resource_path": str(resources)}
    method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
    ctx = multiprocessing.get_context(method)
    start, results, done = ctx.Barrier(n, timeout=TIMEOUT), ctx.Queue(), ctx.Event()
    procs = [ctx.Process(target=rw.process_worker, args=(spec, w, start, results, done))
             for w in range(n)]
    try:
        for p in procs:
            p.start()
        got = [results.get(timeout=TIMEOUT) for _ in procs]
    finally:
        done.set()
        for p in procs:
            p.join(TIMEOUT)
            if p.is_alive():
                p.kill()
    errors = [r for r in got if "error" in r]
    if errors and store == "vault":
        raise SystemExit("a VaultStore worker failed: %r" % (errors[0]["error"],))
    calls = rw.refresh_calls(spec["calls_file"])
    refreshers = {c["pid"] for c in calls}
    ok = [r for r in got if "error" not in r]
    return {"requests": len(calls), "errors": len(errors),
            "messages": {"%s: %s" % (r["error"]["type"].rsplit(".", 1)[-1], r["error"]["message"])
                         for r in errors},
            "refreshing": [r for r in ok if r["pid"] in refreshers],
            "waiting": [r for r in ok if r["pid"] not in refreshers],
            "all": ok}


def ms(seconds: float) -> str:
    value = seconds * 1000
    return ("%.1f ms" if abs(value) < 10 else "%.0f ms") % value


def median_max(values: List[float]) -> str:
    if not values:
        return "—"
    return "%s / %s" % (ms(statistics.median(values)), ms(max(values)))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 8, 32])
    parser.add_argument("--runs", type=int, default=5, help="expiries per row (default 5)")
    parser.add_argument("--delay", type=float, default=0.3,
                        help="seconds a stubbed refresh takes (default 0.3)")
    args = parser.parse_args()

    import tokenvault
    from importlib.metadata import version

    began = time.time()
    load_before = os.getloadavg()
    rows = []
    with tempfile.TemporaryDirectory(prefix="tokenvault-refresh-bench.") as tmp:
        counter = iter(range(1_000_000))

        def fresh_dir() -> Path:
            return Path(tmp) / str(next(counter))

        # The same call on a token that needs no refresh: the baseline the wait is added to.
        baseline: Dict[str, float] = {}
        failures: set = set()
        for store in ("vault", "file"):
            times = [r["ended"] - r["started"] for _ in range(args.runs)
                     for r in run(fresh_dir(), store, 8, args.delay, valid=True)["all"]]
            baseline[store] = statistics.median(times)

        for n in args.workers:
            for store in ("vault", "file"):
                requests, refreshing, waiting, added, wake = [], [], [], [], []
                errors = 0
                messages: set = set()
                for _ in range(args.runs):
                    got = run(fresh_dir(), store, n, args.delay)
                    requests.append(got["requests"])
                    errors += got["errors"]
                    messages |= got["messages"]
                    refreshing += [r["ended"] - r["started"] for r in got["refreshing"]]
                    waiting += [r["ended"] - r["started"] for r in got["waiting"]]
                    added += [r["ended"] - r["started"] - baseline[store]
                              for r in got["waiting"]]
                    if got["refreshing"]:
                        holder_end = min(r["ended"] for r in got["refreshing"])
                        wake += [r["ended"] - holder_end for r in got["waiting"]]
                rows.append((n, store, requests, errors, refreshing, waiting, added, wake))
                failures |= messages
    took = time.time() - began

    commit = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"],
                            capture_output=True, text=True).stdout.strip() or "unknown"
    names = {"vault": "**VaultStore**", "file": "SDK FileStore"}
    print("Run: %s UTC, tokenvault %s (%s), zohocrmsdk8-0 %s, Python %s, %d cores, load "
          "average %.2f before / %.2f after, %.0f s." % (
              time.strftime("%Y-%m-%d %H:%M", time.gmtime(began)), commit,
              os.path.dirname(tokenvault.__file__), version("zohocrmsdk8-0"),
              platform.python_version(), os.cpu_count() or 0, load_before[0],
              os.getloadavg()[0], took))
    print("Stubbed refresh: %s; %d runs (expiries) per row; get_token on a token that needs no "
          "refresh: VaultStore %s, FileStore %s (median, 8 workers)." % (
              ms(args.delay), args.runs, ms(baseline["vault"]), ms(baseline["file"])))
    print()
    print("| workers | store | token requests per expiry | callers that failed "
          "| refreshing callers: median / max | waiting callers: median / max "
          "| added by the wait: median / max | waiters returned after the refresher: "
          "median / max |")
    print("|---:|---|---:|---:|---:|---:|---:|---:|")
    for n, store, requests, errors, refreshing, waiting, added, wake in rows:
        low, high = min(requests), max(requests)
        count = str(low) if low == high else "%d–%d" % (low, high)
        print("| %d | %s | %s | %d of %d | %s | %s | %s | %s |" % (
            n, names[store], count, errors, n * args.runs, median_max(refreshing),
            median_max(waiting), median_max(added), median_max(wake)))
    if failures:
        print()
        print("Failed callers raised: %s." % "; ".join(sorted(failures)))


if __name__ == "__main__":
    main()
