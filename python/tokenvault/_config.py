"""What opening a vault takes from the caller: the credential — a passphrase or a key file — (or
where it comes from) and the key-derivation cost of a new vault. ``credential`` is the one place
that decides which source wins. The rules themselves are the core's: it reads the key file, the
default cost comes from it, and it refuses an empty passphrase."""

from __future__ import annotations

import os
from typing import NamedTuple, Optional, Tuple, Union

from . import _native

KEY_FILE_ENV = "TOKENVAULT_KEY_FILE"
PASSPHRASE_ENV = "TOKENVAULT_PASSPHRASE"
PASSPHRASE_COMMAND_ENV = "TOKENVAULT_PASSPHRASE_COMMAND"

#: A vault's path: a file path, or a server URL. Also a key file's path.
PathLike = Union[str, "os.PathLike[str]"]

#: A passphrase as callers pass it.
Passphrase = Union[str, bytes, None]

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


def credential(
    passphrase: Passphrase = None,
    key_file: Optional[PathLike] = None,
    *,
    stacklevel: int = 2,
) -> _native.Credential:
    """What unlocks the vault, from the first source that has one — the core's order
    (``tokenvault::CredentialSources``, which the CLI follows too; README "Contract"), the
    arguments before the environment:

    1. ``key_file=`` given by the caller;
    2. ``passphrase=`` given by the caller (giving both is a ``TypeError``);
    3. the key file named by ``TOKENVAULT_KEY_FILE``;
    4. the recovery key in ``TOKENVAULT_RECOVERY_KEY``;
    5. ``TOKENVAULT_PASSPHRASE``;
    6. what the command in ``TOKENVAULT_PASSPHRASE_COMMAND`` prints (run by the core, as the
       CLI's ``--passphrase-command``: ``sh -c``, stdin ``/dev/null``, one trailing newline
       removed, stopped after ``PASSPHRASE_COMMAND_TIMEOUT`` seconds; a failure is a
       ``VaultError`` naming its exit status, never its output).

    A passphrase is bytes as given (a ``str`` as UTF-8, nothing trimmed); an empty one is
    refused. A key file is read by the core (exactly 32 bytes; ``KeyFileError`` otherwise,
    naming the file and where it was named), and its bytes stay in native memory. One that other
    users can read gets the core's warning as a ``UserWarning`` (``stacklevel`` as for
    ``warnings.warn`` called here: 2 blames this function's caller), as the CLI prints it for
    ``--key-file``; the file is still used. The CLI's ``--passphrase-file`` has no counterpart
    here: read the file and pass it."""
    if key_file is not None and passphrase is not None:
        raise TypeError(
            "pass passphrase= or key_file=, not both: a vault is unlocked by one credential "
            "(key_file= for a key-file slot, passphrase= for a passphrase slot)"
        )
    if key_file is not None and not isinstance(key_file, (str, os.PathLike)):
        raise TypeError(
            "key_file must be a path (str or os.PathLike), not %s" % type(key_file).__name__
        )
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    if passphrase is not None and not isinstance(passphrase, (bytes, bytearray)):
        raise TypeError("passphrase must be str or bytes, not %s" % type(passphrase).__name__)
    found = _native.credential_from_sources(
        None if key_file is None else os.fspath(key_file),
        None if passphrase is None else bytes(passphrase),
        stacklevel=stacklevel,
    )
    if found is None:
        raise _native.VaultError(
            "no passphrase or key file: pass key_file=... or passphrase=... to VaultStore, or "
            "set the environment variable %s (a key file's path), %s, or %s (a command that "
            "prints the passphrase)" % (KEY_FILE_ENV, PASSPHRASE_ENV, PASSPHRASE_COMMAND_ENV)
        )
    return found
