"""Several worker processes on one store, as gunicorn or celery run an app: 8 processes x 20
save_token of distinct tokens. VaultStore must keep all 160; the SDK's FileStore, under the same
load, is measured (the figures are printed at the end of the run). Also: forked workers, workers
racing to create the vault, and threads sharing one store."""

from __future__ import annotations

import csv
import gc
import multiprocessing
import os
import queue
import threading
from pathlib import Path

import pytest

import workers
from conftest import MEASUREMENTS, PASSPHRASE, TEST_KDF
from tokenvault import KdfParams, VaultStore
from tokenvault import _handles

PROCESSES = 8
SAVES = 20
TIMEOUT = 120  # seconds a worker may take before the test calls it hung


def run_workers(ctx, target, args_for):
    """Starts PROCESSES workers, which start working together (a barrier: each waits until all
    are ready), and returns their results. `args_for(w)` gives a worker's arguments; the last
    one goes after (start, results)."""
    start = ctx.Barrier(PROCESSES, timeout=TIMEOUT)
    results = ctx.Queue()
    procs = [ctx.Process(target=target, args=args_for(w)[:-1] + (start, results) + args_for(w)[-1:])
             for w in range(PROCESSES)]
    try:
        for p in procs:
            p.start()
        try:
            got = [results.get(timeout=TIMEOUT) for _ in procs]
        except queue.Empty:
            pytest.fail("a worker process hung (no result after %d s)" % TIMEOUT)
        for p in procs:
            p.join(TIMEOUT)
        assert all(p.exitcode == 0 for p in procs), [p.exitcode for p in procs]
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
    return got


def assert_all_saved(store: VaultStore, expected: int):
    tokens = store.get_tokens()
    assert len(tokens) == expected
    assert sorted(int(t.get_id()) for t in tokens) == list(range(1, expected + 1))
    assert len({t.get_refresh_token() for t in tokens}) == expected
    assert store.verify()["problems"] == []


def test_eight_processes_saving_twenty_tokens_each_keep_all_160(vault_path: Path):
    VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True).close()
    ctx = multiprocessing.get_context("spawn")
    got = run_workers(ctx, workers.save_many_in_new_process,
                      lambda w: ("vault", str(vault_path), PASSPHRASE, tuple(TEST_KDF), w, SAVES,
                                 False))

    assert sum(r[1] for r in got) == PROCESSES * SAVES
    assert sum(r[2] for r in got) == 0
    with VaultStore(vault_path, PASSPHRASE) as store:
        assert_all_saved(store, PROCESSES * SAVES)
        for worker, i in ((0, 0), (7, 19), (3, 11)):
            query = workers.distinct_token(worker, i)
            found = store.find_token(query)
            assert found is query and query.get_id() is not None
    MEASUREMENTS.append("VaultStore, %d processes x %d save_token: %d of %d rows kept, 0 errors"
                        % (PROCESSES, SAVES, PROCESSES * SAVES, PROCESSES * SAVES))


def test_sdk_filestore_under_the_same_load_is_measured(tmp_path: Path):
    """Not a test of tokenvault: the same load on the SDK's FileStore, for comparison."""
    from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore

    path = tmp_path / "sdk_tokens.txt"
    FileStore(str(path))
    ctx = multiprocessing.get_context("spawn")
    got = run_workers(ctx, workers.save_many_in_new_process,
                      lambda w: ("file", str(path), "", tuple(TEST_KDF), w, SAVES, False))

    with open(path, newline="") as f:
        lines = [r for r in csv.reader(f) if r]
    kept = sum(1 for r in lines if r[0].isdigit())
    header = bool(lines) and lines[0][0] == "id"
    errors = sum(r[2] for r in got)
    assert len(got) == PROCESSES
    MEASUREMENTS.append("SDK FileStore, %d processes x %d save_token: %d of %d rows kept, %d "
                        "exceptions, header line %s"
                        % (PROCESSES, SAVES, kept, PROCESSES * SAVES, errors,
                           "kept" if header else "lost"))


def save_many_after_fork(store, parent_pid, worker, count, start, results, _unused):
    workers.save_many(store, worker, count, start, results)
    # Drop every reference to the handle inherited from the parent, as a child's interpreter
    # does at exit: it must not close the parent's vault.
    _handles._handles.pop((store.path, parent_pid), None)
    gc.collect()


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_forked_workers_reopen_the_vault_and_leave_the_parents_handle_working(vault_path: Path):
    # Two lanes, so key derivation really runs in parallel in the children (rayon's global pool
    # would have no threads there).
    kdf = KdfParams(memory_kib=64, iterations=1, parallelism=2)
    store = VaultStore(vault_path, PASSPHRASE, kdf=kdf, insecure_kdf=True)
    store.save_token(workers.distinct_token(99, 0))  # the parent uses the vault before forking
    parent = os.getpid()

    ctx = multiprocessing.get_context("fork")
    got = run_workers(ctx, save_many_after_fork, lambda w: (store, parent, w, SAVES, None))

    assert sum(r[1] for r in got) == PROCESSES * SAVES
    assert store._vault().owner_pid == parent
    store.save_token(workers.distinct_token(99, 1))
    assert_all_saved(store, PROCESSES * SAVES + 2)
    store.close()


def list_in_child(store, parent_pid, expected):
    count = len(store.get_tokens())
    _handles._handles.pop((store.path, parent_pid), None)
    os._exit(0 if count == expected else 3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_lists_a_large_vault_the_parent_listed(vault_path: Path, tmp_path: Path):
    # get_tokens opens a large vault's records on several threads; none may be a pool that a
    # forked child inherits without its threads (the child would wait forever).
    rows = 3000
    source = tmp_path / "sdk_tokens.txt"
    header = ("id,user_name,client_id,client_secret,refresh_token,access_token,grant_token,"
              "expiry_time,redirect_uri,api_domain\r\n")
    source.write_text(header + "".join(
        "%d,user%d@zylker.com,1000.C,secret,1000.refresh.%d,,,,,\r\n" % (i, i, i)
        for i in range(1, rows + 1)), newline="")
    VaultStore.migrate_file_store(source, vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    store = VaultStore(vault_path, PASSPHRASE)
    assert len(store.get_tokens()) == rows  # the parent runs the threads before forking

    child = multiprocessing.get_context("fork").Process(
        target=list_in_child, args=(store, os.getpid(), rows))
    child.start()
    child.join(timeout=120)
    if child.is_alive():
        child.kill()
        pytest.fail("the forked child did not finish listing the vault")
    assert child.exitcode == 0
    store.close()


def test_processes_racing_to_create_the_vault_all_open_the_same_one(vault_path: Path):
    ctx = multiprocessing.get_context("spawn")
    got = run_workers(ctx, workers.save_many_in_new_process,
                      lambda w: ("vault", str(vault_path), PASSPHRASE, tuple(TEST_KDF), w, 1, True))

    assert sorted(r[1] for r in got) == [1] * PROCESSES
    assert sum(r[3] for r in got) == 1, "exactly one process created the vault"
    with VaultStore(vault_path, PASSPHRASE, create=False) as store:
        assert_all_saved(store, PROCESSES)


def test_threads_sharing_one_store_keep_every_save(store):
    threads_count, saves = 8, 25

    def work(worker):
        for i in range(saves):
            store.save_token(workers.distinct_token(worker, i))

    threads = [threading.Thread(target=work, args=(w,)) for w in range(threads_count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert_all_saved(store, threads_count * saves)
