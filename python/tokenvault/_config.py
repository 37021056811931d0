"""What opening a vault takes from the caller: the passphrase (or where it comes from) and the
key-derivation cost of a new vault. The rules themselves are the core's: the default cost comes
from it, and it refuses an empty passphrase."""

from __future__ import annotations

import os
from typing import NamedTuple, Optional, Tuple, Union

from . import _native

PASSPHRASE_ENV = "TOKENVAULT_PASSPHRASE"

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
    """The passphrase as bytes (a ``str`` as UTF-8), from ``TOKENVAULT_PASSPHRASE`` when none is
    given. An empty one is refused by the core when the vault is opened."""
    if passphrase is None:
        passphrase = os.environ.get(PASSPHRASE_ENV)
        if passphrase is None:
            raise _native.VaultError(
                "no passphrase: pass passphrase=... to VaultStore, or set the environment "
                "variable %s" % PASSPHRASE_ENV
            )
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if not isinstance(passphrase, (bytes, bytearray)):
        raise TypeError("passphrase must be str or bytes, not %s" % type(passphrase).__name__)
    return bytes(passphrase)
