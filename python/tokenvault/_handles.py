"""One open vault per file per process.

A process may open a vault file only once (the core refuses a second handle), and opening with a
passphrase costs a key derivation (~64 MiB of Argon2id by default), so every ``VaultStore`` on
the same file in one process shares one native handle, kept here for the life of the process.

Handles are keyed by the file's real path (for a server URL, a keyed hash of it: see ``key``)
*and the process id*. A child created by ``fork()``
(gunicorn ``--preload``, celery's prefork pool, ``multiprocessing``'s fork start method) finds no
handle under its own pid and opens the vault again, deriving its keys once; the handle it
inherited is never used or closed there (see ``src/vault.rs``): it shares the parent's open
file and file locks.
"""

from __future__ import annotations

import hashlib
import os
import threading
import warnings
from typing import Dict, Optional, Tuple

from . import _native

_lock = threading.Lock()
_handles: Dict[Tuple[str, int], _native.Vault] = {}
# Keys the hashes of server URLs in ``key``: random, so a key tells nothing about the URL's
# password to whoever reads this registry (or a memory dump) without it.
_URL_KEY = os.urandom(32)


def _reset_lock_in_child() -> None:
    # Another thread may have held the lock at fork(); it does not exist in the child.
    global _lock
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_lock_in_child)


def resolve(path: "os.PathLike[str] | str") -> str:
    """The key a vault is known by: a file's absolute path with symlinks resolved, or a server
    URL (``mysql://…``, ``postgres://…``) as given."""
    text = os.fspath(path)
    if _native.is_server_location(text):
        return text
    return os.path.realpath(text)


def key(path: str) -> str:
    """What the registry knows the vault at ``path`` (resolved) by: a file's path, or for a
    server URL the URL without its password followed by a BLAKE2b MAC of the whole URL (under a
    random key of this process): two URLs that differ only in their password are two entries,
    and the password is kept nowhere but in the native handle that connects with it."""
    if not _native.is_server_location(path):
        return path
    mac = hashlib.blake2b(path.encode("utf-8", "surrogatepass"), key=_URL_KEY, digest_size=16)
    return "%s #%s" % (shown(path), mac.hexdigest())


def shown(path: str) -> str:
    """``path`` as it may be printed: a server URL loses its password (the core's rule)."""
    return _native.shown_location(path)


def acquire(
    path: str,
    credential: _native.Credential,
    *,
    create: bool,
    kdf: Optional[Tuple[int, int, int]],
    busy_timeout: float,
    refresh_lease: Optional[float] = None,
    insecure_kdf: bool = False,
) -> Tuple[_native.Vault, bool]:
    """This process's handle on the vault at ``path`` (resolved): the open one, or a new one.

    Returns ``(handle, created)``. A handle already open here must have been opened with the
    same credential (the same passphrase, or a key file at the same path);
    ``busy_timeout``, ``refresh_lease``, ``kdf`` and ``insecure_kdf`` of later calls do not
    change it.
    """
    entry = (key(path), os.getpid())
    with _lock:
        handle = _handles.get(entry)
        if handle is not None and not handle.closed:
            if not handle.accepts(credential):
                raise _another_credential(path, handle, credential)
            return handle, False
        handle, created = _native.Vault.open(
            path,
            credential,
            create=create,
            kdf=kdf,
            busy_timeout=busy_timeout,
            refresh_lease=(
                _native.DEFAULT_REFRESH_LEASE if refresh_lease is None else refresh_lease
            ),
            insecure_kdf=insecure_kdf,
        )
        _handles[entry] = handle
        warn_if_shared(path)
        return handle, created


def held(path: str, credential: _native.Credential) -> Optional[_native.Vault]:
    """This process's open handle on the vault at ``path`` (resolved), if there is one; it
    must accept ``credential`` (as for ``acquire``)."""
    with _lock:
        handle = _handles.get((key(path), os.getpid()))
        if handle is None or handle.closed:
            return None
        if not handle.accepts(credential):
            raise _another_credential(path, handle, credential)
        return handle


def _another_credential(
    path: str, handle: _native.Vault, credential: _native.Credential
) -> _native.WrongPassphraseError:
    """The error for a credential that does not unlock the vault ``handle`` holds open."""
    if credential.kind == "key file":
        return _native.WrongKeyFileError(
            "wrong key file: it does not unlock %s (open in this process with %s); check "
            "key_file= or TOKENVAULT_KEY_FILE" % (shown(path), handle.unlocked_with)
        )
    return _native.WrongPassphraseError(
        "wrong passphrase: it does not unlock %s (open in this process with %s); check "
        "TOKENVAULT_PASSPHRASE, TOKENVAULT_KEY_FILE or the passphrase= and key_file= arguments"
        % (shown(path), handle.unlocked_with)
    )


def warn_if_shared(path: str) -> None:
    """A ``UserWarning`` when other users can reach the vault file (the core's check, which the
    CLI prints too): anyone who can read it can attack the passphrase offline. Vaults are created
    with mode 0600; a copied or restored file may not be."""
    warning = _native.permission_warning(path)
    if warning is not None:
        warnings.warn(warning, UserWarning, stacklevel=4)


def for_this_process(handle: _native.Vault) -> _native.Vault:
    """``handle`` itself, or — in a forked child — this process's handle on the same vault."""
    pid = os.getpid()
    if handle.owner_pid == pid:
        return handle
    with _lock:
        # The key the handle was acquired under: ``handle.path`` shows a server URL without
        # its password, so it cannot be the key.
        known = next((k for (k, _), h in _handles.items() if h is handle), None)
        entry = (key(os.fspath(handle.path)) if known is None else known, pid)
        mine = _handles.get(entry)
        if mine is None or mine.closed:
            mine = handle.reopen_here()
            _handles[entry] = mine
        return mine


def release(handle: _native.Vault) -> None:
    """Closes ``handle`` and forgets it: the next ``acquire`` of its path opens it again."""
    with _lock:
        for entry in [k for k, h in _handles.items() if h is handle]:
            del _handles[entry]
    handle.close()
