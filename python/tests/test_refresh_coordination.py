"""Many workers, one refresh (issue 11): the real SDK's ``get_token`` in many processes and
threads at once on one token it must refresh, with the accounts server stubbed
(``refresh_workers.AccountsStub``: every request logged to a shared file, ~300 ms each).

VaultStore must make one request per expiry; the SDK's own FileStore under the same load makes
one per worker (its counts are printed, ``pytest -s``, and in the run's measurements). Timings
here are generous correctness bounds (a loaded 2-core machine must pass), never benchmarks:
``benches/refresh/run.py`` measures.
"""

from __future__ import annotations

import multiprocessing
import queue
import threading
import time
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

import refresh_workers as rw
from conftest import MEASUREMENTS, PASSPHRASE, TEST_KDF
from tokenvault import VaultStore

TIMEOUT = 120  # seconds before a worker is called hung
SLACK = 3.0  # seconds a loaded machine may add to a bound (process scheduling, not waiting)


def new_spec(tmp_path: Path, store: str, kind: str = "refresh", query: str = "refresh",
             **extra: Any) -> Dict[str, Any]:
    """A store holding one token that the SDK must refresh (or exchange), and the workers' spec."""
    tmp_path.mkdir(parents=True, exist_ok=True)
    path = tmp_path / ("tokens.vault" if store == "vault" else "sdk_tokens.txt")
    token = rw.stored_token(kind, extra.pop("expiry_ms", None))
    if store == "vault":
        with VaultStore(path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True) as s:
            s.save_token(token)
    else:
        from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore

        FileStore(str(path)).save_token(token)
    assert token.get_id() == "1"
    resources = tmp_path / "resources"
    resources.mkdir(exist_ok=True)
    spec = {"store": store, "path": str(path), "passphrase": PASSPHRASE, "query": query,
            "calls_file": str(tmp_path / "calls.log"), "delay": 0.3,
            "resource_path": str(resources)}
    spec.update(extra)
    return spec


def run_processes(spec: Dict[str, Any], n: int, method: str = "fork",
                  expect: Optional[int] = None) -> List[Dict[str, Any]]:
    """n worker processes (``refresh_workers.process_worker``), started together; their results
    (``expect`` of them: fewer when one is killed), sorted by worker."""
    if method not in multiprocessing.get_all_start_methods():
        method = "spawn"
    ctx = multiprocessing.get_context(method)
    start = ctx.Barrier(n, timeout=TIMEOUT)
    results = ctx.Queue()
    done = ctx.Event()
    procs = [ctx.Process(target=rw.process_worker, args=(spec, w, start, results, done))
             for w in range(n)]
    got: List[Dict[str, Any]] = []
    try:
        for p in procs:
            p.start()
        for _ in range(n if expect is None else expect):
            try:
                got.append(results.get(timeout=TIMEOUT))
            except queue.Empty:
                pytest.fail("a worker hung: %d of %d results after %d s"
                            % (len(got), n, TIMEOUT))
        done.set()
        for p in procs:
            p.join(TIMEOUT)
    finally:
        done.set()
        for p in procs:
            if p.is_alive():
                p.kill()
                p.join()
    setup_failures = [r for r in got if r.get("error", {}).get("type") == "setup failed"]
    assert not setup_failures, "a worker could not set up (its traceback is above)"
    return sorted(got, key=lambda r: r["worker"])


def run_threads(spec: Dict[str, Any], n: int) -> List[Dict[str, Any]]:
    """n threads of this process, each with its own token object, on one store."""
    # Replaces the fixture's stub; the fixture's monkeypatch restores requests afterwards.
    rw.AccountsStub(spec["calls_file"], spec["delay"], spec.get("first")).install()
    store = rw.open_store(spec)
    rw.warm_up_sdk(spec["resource_path"])
    start = threading.Barrier(n, timeout=TIMEOUT)
    got: List[Dict[str, Any]] = []

    def work() -> None:
        start.wait()
        got.append(rw.call_get_token(store, spec["query"], spec["resource_path"]))

    threads = [threading.Thread(target=work) for _ in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(TIMEOUT)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return got


@pytest.fixture(autouse=True)
def stubbed_accounts_server(monkeypatch, tmp_path):
    """In this process too (threads; and any stray call): the stub, never the network."""
    import requests

    stub = rw.AccountsStub(str(tmp_path / "calls.log"))
    monkeypatch.setattr(requests, "post", stub.post)
    monkeypatch.setattr(requests, "get", stub.get)
    yield
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

    Initializer.initializer = None


def accesses(results: List[Dict[str, Any]]) -> List[str]:
    return [r.get("access") for r in results]


def assert_no_stray_calls(spec: Dict[str, Any]) -> None:
    stray = [c for c in rw.read_calls(spec["calls_file"])
             if c["event"] not in ("request", "killed")]
    assert stray == [], "the SDK made calls the stub does not expect"


def assert_one_refresh_for_all(spec: Dict[str, Any], results: List[Dict[str, Any]],
                               grant_type: str = "refresh_token") -> str:
    """Exactly one token request, and every caller got the access token it issued."""
    calls = rw.refresh_calls(spec["calls_file"])
    assert [c["grant_type"] for c in calls] == [grant_type], \
        "%d token requests for %d callers" % (len(calls), len(results))
    errors = [r["error"] for r in results if "error" in r]
    assert errors == []
    fresh = results[0]["access"]
    assert fresh.startswith("1000.access.%d." % calls[0]["pid"]), "the request's token"
    assert accesses(results) == [fresh] * len(results)
    assert_no_stray_calls(spec)
    return fresh


def measure(label: str, n: int, vault_calls: int, file_calls: int) -> None:
    line = ("refresh coordination, %s, %d callers on one expired token: VaultStore %d token "
            "request(s), SDK FileStore %d" % (label, n, vault_calls, file_calls))
    print(line)
    MEASUREMENTS.append(line)


# ---- many processes, one refresh ---------------------------------------------------------------

@pytest.mark.parametrize("n", [8, 32])
def test_processes_make_one_refresh_where_the_filestore_makes_one_each(n, tmp_path):
    vault = new_spec(tmp_path / "vault", "vault")
    results = run_processes(vault, n)
    fresh = assert_one_refresh_for_all(vault, results)
    assert fresh != rw.STALE_ACCESS
    with VaultStore(vault["path"], PASSPHRASE) as s:
        assert s.get_tokens()[0].get_access_token() == fresh
        assert len(s.get_tokens()) == 1

    file = new_spec(tmp_path / "file", "file")
    file_results = run_processes(file, n)
    file_calls = len(rw.refresh_calls(file["calls_file"]))
    measure("%d processes" % n, n, 1, file_calls)
    assert file_calls > 1, "the FileStore, under the same load, refreshes in several workers"
    assert len(set(accesses(file_results))) > 1


def test_threads_of_one_process_make_one_refresh(tmp_path):
    n = 8
    vault = new_spec(tmp_path / "vault", "vault")
    assert_one_refresh_for_all(vault, run_threads(vault, n))

    file = new_spec(tmp_path / "file", "file")
    run_threads(file, n)
    file_calls = len(rw.refresh_calls(file["calls_file"]))
    measure("%d threads" % n, n, 1, file_calls)
    assert file_calls > 1


def test_a_grant_token_is_exchanged_once(tmp_path):
    n = 8
    vault = new_spec(tmp_path / "vault", "vault", kind="grant", query="grant")
    results = run_processes(vault, n)
    assert_one_refresh_for_all(vault, results, grant_type="authorization_code")
    with VaultStore(vault["path"], PASSPHRASE) as s:
        stored = s.get_tokens()
        assert len(stored) == 1 and stored[0].get_refresh_token() == rw.REFRESH

    file = new_spec(tmp_path / "file", "file", kind="grant", query="grant")
    run_processes(file, n)
    file_calls = len(rw.refresh_calls(file["calls_file"]))
    measure("%d processes, grant token only" % n, n, 1, file_calls)
    assert file_calls > 1, "with the FileStore the single-use grant token is sent several times"


def test_find_token_by_id_makes_one_refresh(tmp_path):
    n = 8
    vault = new_spec(tmp_path / "vault", "vault", query="id")
    assert_one_refresh_for_all(vault, run_processes(vault, n))


def test_without_coordination_every_worker_refreshes_as_with_the_filestore(tmp_path):
    n = 8
    vault = new_spec(tmp_path / "vault", "vault", coordinate=False)
    results = run_processes(vault, n)
    calls = len(rw.refresh_calls(vault["calls_file"]))
    print("coordinate_refresh=False, %d processes: %d token requests" % (n, calls))
    assert calls > 1
    assert [r for r in results if "error" in r] == []


# ---- the holder fails ----------------------------------------------------------------------

def waiters_and_holder(spec, results):
    calls = rw.refresh_calls(spec["calls_file"])
    first_pid = calls[0]["pid"]
    waiters = [r for r in results if r["pid"] != first_pid]
    return calls, first_pid, waiters


@pytest.mark.parametrize("hosts", ["same host", "other hosts"])
def test_a_holder_killed_during_its_refresh_is_taken_over(hosts, tmp_path):
    n = 8
    if hosts == "same host":
        # A lease far longer than the test may wait: the takeover must not wait it out.
        lease, host_ids, method = 60.0, None, "fork"
    else:
        # Every worker on a host of its own: no one can see the holder's death, only the deadline.
        lease, host_ids, method = 2.0, ["host-%d" % w for w in range(n)], "spawn"
    spec = new_spec(tmp_path, "vault", first="kill", lease=lease, host_ids=host_ids)
    results = run_processes(spec, n, method=method, expect=n - 1)

    calls, killed_pid, waiters = waiters_and_holder(spec, results)
    killed_at = [c["time"] for c in rw.read_calls(spec["calls_file"]) if c["event"] == "killed"]
    assert len(killed_at) == 1 and len(calls) == 2, "one more request after the killed one"
    assert len(waiters) == n - 1 and all(r["pid"] != killed_pid for r in results)
    assert [r.get("error") for r in waiters] == [None] * (n - 1)
    fresh = waiters[0]["access"]
    assert fresh.startswith("1000.access.%d." % calls[1]["pid"])
    assert accesses(waiters) == [fresh] * (n - 1)

    started = min(r["started"] for r in results)  # no lease before the start
    takeover = calls[1]["time"] - killed_at[0]
    waited = max(r["ended"] for r in waiters) - started
    print("%s: takeover %.2f s after the kill; the waiters done %.2f s after the start "
          "(lease %.0f s)" % (hosts, takeover, waited, lease))
    if hosts == "same host":
        assert takeover < 1 + SLACK, "the holder's death was seen at once, not at the deadline"
    else:
        assert calls[1]["time"] >= started + lease, "no takeover before the deadline"
    assert waited < (calls[0]["time"] - started) + lease + 1 + spec["delay"] + SLACK


def test_a_holder_whose_refresh_fails_is_taken_over_at_the_deadline(tmp_path):
    n = 8
    lease = 2.0
    spec = new_spec(tmp_path, "vault", first="deny", lease=lease)
    results = run_processes(spec, n)

    calls, holder_pid, waiters = waiters_and_holder(spec, results)
    assert len(calls) == 2, "one more request after the denied one"
    holder = [r for r in results if r["pid"] == holder_pid]
    assert len(holder) == 1
    # What the SDK raises for Zoho's answer, unchanged by the store.
    assert holder[0]["error"] == {
        "type": "zohocrmsdk.src.com.zoho.crm.api.exception.sdk_exception.SDKException",
        "code": "INVALID TOKEN ERROR", "message": "Access Denied", "cause": None}
    assert [r.get("error") for r in waiters] == [None] * (n - 1)
    fresh = waiters[0]["access"]
    assert fresh.startswith("1000.access.%d." % calls[1]["pid"])
    assert accesses(waiters) == [fresh] * (n - 1)

    started = min(r["started"] for r in results)
    waited = max(r["ended"] for r in waiters) - started
    print("refresh denied: the next request %.2f s after the start, waiters done after %.2f s "
          "(lease %.0f s)" % (calls[1]["time"] - started, waited, lease))
    assert calls[1]["time"] >= started + lease, "the live holder's lease stood to its deadline"
    assert waited < (calls[0]["time"] - started) + lease + 1 + spec["delay"] + SLACK


# ---- no refresh due ----------------------------------------------------------------------

def test_a_token_that_needs_no_refresh_is_found_without_a_write(tmp_path):
    valid = int(time.time() * 1000) + 3_600_000
    spec = new_spec(tmp_path, "vault", expiry_ms=valid)
    with VaultStore(spec["path"], PASSPHRASE) as store:
        generation = store.info()["generation"]
        for _ in range(50):
            assert store.find_token(rw.query_token("refresh")).get_access_token() == \
                rw.STALE_ACCESS
            assert store.find_token_by_id("1").get_access_token() == rw.STALE_ACCESS
        results = run_processes(spec, 4)
        assert accesses(results) == [rw.STALE_ACCESS] * 4
        assert store.info()["generation"] == generation, "a lookup wrote"
    assert rw.read_calls(spec["calls_file"]) == []


# ---- the SDK's steady state: long-lived token objects ----------------------------------------

def test_workers_keeping_their_token_objects_make_one_refresh_when_it_expires(tmp_path):
    """As an application runs: each worker initialized the SDK at its start, while the token was
    valid, and keeps that token object (the SDK calls ``get_token`` on it before every request;
    once the object has the stored token's id, ``get_token`` looks the token up by id). When the
    token expires, every worker's object is expired at once."""
    n = 8
    due_in = 10.0  # seconds for every worker to initialize before the token is due
    now = time.time()
    spec = new_spec(tmp_path, "vault", long_lived=True, due_at=now + due_in + 0.2,
                    expiry_ms=int((now + due_in) * 1000) + 5000)
    results = run_processes(spec, n)
    late = [r["initialized"] for r in results if r["initialized"] >= now + due_in]
    assert late == [], "a worker started after the token was due (machine too slow for the test)"
    assert all(r["started"] >= spec["due_at"] for r in results)
    assert_one_refresh_for_all(spec, results)
