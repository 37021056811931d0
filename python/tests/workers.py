"""Worker processes for the concurrency tests (a module of its own so that spawned children can
import it without pytest)."""

from __future__ import annotations

import os
import traceback


def distinct_token(worker: int, i: int):
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
    from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

    return OAuthToken(
        client_id="1000.CID",
        client_secret="client-secret",
        refresh_token="1000.rt.%d.%d" % (worker, i),
        user_signature=UserSignature("user-%d-%d@zylker.com" % (worker, i)),
    )


def save_many(store, worker: int, count: int, start, results, created: bool = False) -> None:
    """Waits for `start` (a barrier), then saves `count` distinct tokens; reports
    (worker, saved, errors, whether this worker created the vault)."""
    saved = errors = 0
    start.wait()
    for i in range(count):
        try:
            store.save_token(distinct_token(worker, i))
            saved += 1
        except Exception:  # counted: the FileStore raises under contention
            errors += 1
    results.put((worker, saved, errors, created))


def save_many_in_new_process(kind: str, path: str, passphrase: str, kdf, worker: int,
                             count: int, start, results, open_after_start: bool = False) -> None:
    """A spawned process: opens the store itself, as a worker of a web app does (by default
    before the common start, so that only the saves race)."""
    if open_after_start:
        start.wait()
    try:
        if kind == "vault":
            from tokenvault import KdfParams, VaultStore

            store = VaultStore(path, passphrase, kdf=KdfParams(*kdf), insecure_kdf=True)
        else:
            from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore

            store = FileStore(path)
    except Exception:
        traceback.print_exc()
        start.wait()
        results.put((worker, 0, count, False))
        return
    save_many(store, worker, count, start, results, created=getattr(store, "created", False))


def pid() -> int:
    return os.getpid()
