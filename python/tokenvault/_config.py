"""What opening a vault takes from the caller: the passphrase (or where it comes from) and the
key-derivation cost of a new vault. The rules themselves are the core's: the default cost comes
from it, and it refuses an empty passphrase."""

from __future__ import annotations

import os
from typing import NamedTuple, Optional, Tuple, Union

from . import _native

PASSPHRASE_ENV = "TOKENVAULT_PASSPHRASE"
PASSPHRASE_COMMAND_ENV = "TOKENVAULT_PASSPHRASE_COMMAND"

#: A vault's path: a file path, or a server URL.
PathLike = Union[str, "os.PathLike[str]"]

_DEFAULT_MEMORY_KIB, _DEFAULT_ITERATIONS, _DEFAULT_PARALLELISM = _native.DEFAULT_KDF


class KdfParams(NamedTuple):
    """Argon2id cost of a *new* vault's passphrase key (an existing vault keeps its own).

    The default is the core's: RFC 9106's second recommendation, 64 MiB, 3 passes, 4 lanes.
    """

    memory_kib: int = _DEFAULT_MEMORY_KIB
    iterations: int = _DEFAULT_ITERATIONS
    parallelism: int = _DEFAULT_PARALLELISM

    @classmethod
    def insecure_for_tests(cls) -> "KdfParams":
        """Tiny parameters (8 KiB, 1 pass, 1 lane) for tests, far below the floor: a vault is
        created with them only with ``insecure_kdf=True``. Never protect real tokens with
        them."""
        return cls(8, 1, 1)


def kdf_tuple(kdf: Optional[KdfParams]) -> Optional[Tuple[int, int, int]]:
    """``kdf`` as the native module takes it (``None``: the core's default)."""
    return None if kdf is None else tuple(KdfParams(*kdf))  # type: ignore[return-value]


def busy_timeout_or_default(busy_timeout: Optional[float]) -> float:
    """``busy_timeout``, or the core's default."""
    return _native.DEFAULT_BUSY_TIMEOUT if busy_timeout is None else busy_timeout


def passphrase_bytes(passphrase: Union[str, bytes, None]) -> bytes:
    """The passphrase as bytes (a ``str`` as UTF-8, nothing trimmed or normalised), from the first
    source that has one, in the CLI's order (README "Contract"):

    0. (reserved: ``TOKENVAULT_KEY_FILE`` comes first once vaults have key slots)
    1. ``passphrase=`` given by the caller;
    2. ``TOKENVAULT_PASSPHRASE``;
    3. what the command in ``TOKENVAULT_PASSPHRASE_COMMAND`` prints (run by the core, as the
       CLI's ``--passphrase-command``: ``sh -c``, stdin ``/dev/null``, one trailing newline
       removed, stopped after ``PASSPHRASE_COMMAND_TIMEOUT`` seconds; a failure is a
       ``VaultError`` naming its exit status, never its output).

    The CLI's ``--passphrase-file`` has no counterpart here: read the file and pass it. An empty
    passphrase is refused by the core when the vault is opened."""
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
    if passphrase is None:
        command = os.environ.get(PASSPHRASE_COMMAND_ENV)
        if command is not None:
            return _native.passphrase_from_command(command)
        raise _native.VaultError(
            "no passphrase: pass passphrase=... to VaultStore, or set the environment "
            "variable %s (or %s to a command that prints it)"
            % (PASSPHRASE_ENV, PASSPHRASE_COMMAND_ENV)
        )
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if not isinstance(passphrase, (bytes, bytearray)):
        raise TypeError("passphrase must be str or bytes, not %s" % type(passphrase).__name__)
    return bytes(passphrase)
