"""tokenvault: an encrypted, multi-process-safe drop-in ``store=`` for the Zoho CRM Python SDK.

One changed line moves an application off the SDK's plain-text ``FileStore``::

    from tokenvault import VaultStore

    store = VaultStore("tokens.vault")   # passphrase from TOKENVAULT_PASSPHRASE, or passphrase=...
    store = VaultStore("tokens.vault", key_file="/run/secrets/tokenvault.key")   # or a key file
    Initializer.initialize(environment=env, token=token, store=store)

Existing tokens move over with ``VaultStore.migrate_file_store("sdk_tokens.txt", "tokens.vault")``.
"""

import importlib
from typing import TYPE_CHECKING, Any

from ._native import (
    FORMAT_VERSION,
    __version__ as __version__,
    CorruptedVaultError,
    InvalidIdError,
    InvalidTokenFileError,
    KeyChangedError,
    KeyFileError,
    MissingAuthDetailsError,
    NotAVaultError,
    TokenNotFoundError,
    UnsupportedVersionError,
    VaultBusyError,
    VaultError,
    VaultExistsError,
    VaultNotFoundError,
    WrongKeyFileError,
    WrongPassphraseError,
    inspect,
)

# These import the Zoho SDK when it is installed (most of `import tokenvault`'s time, README
# §Install), so they load on first use: the `tokenvault` command (__main__.py) never needs them.
if TYPE_CHECKING:
    from ._sdk import SDK_AVAILABLE
    from .migration import MigrationReport
    from ._config import KEY_FILE_ENV, PASSPHRASE_COMMAND_ENV, PASSPHRASE_ENV, KdfParams
    from .store import VaultStore

_ON_FIRST_USE = {
    "SDK_AVAILABLE": "._sdk",
    "MigrationReport": ".migration",
    "KEY_FILE_ENV": "._config",
    "PASSPHRASE_ENV": "._config",
    "PASSPHRASE_COMMAND_ENV": "._config",
    "KdfParams": "._config",
    "VaultStore": ".store",
}


def __getattr__(name: str) -> Any:
    if name not in _ON_FIRST_USE:
        raise AttributeError("module %r has no attribute %r" % (__name__, name))
    value = getattr(importlib.import_module(_ON_FIRST_USE[name], __name__), name)
    globals()[name] = value
    return value


__all__ = [
    "FORMAT_VERSION",
    "KEY_FILE_ENV",
    "PASSPHRASE_COMMAND_ENV",
    "PASSPHRASE_ENV",
    "SDK_AVAILABLE",
    "CorruptedVaultError",
    "InvalidIdError",
    "InvalidTokenFileError",
    "KdfParams",
    "KeyChangedError",
    "KeyFileError",
    "MigrationReport",
    "MissingAuthDetailsError",
    "NotAVaultError",
    "TokenNotFoundError",
    "UnsupportedVersionError",
    "VaultBusyError",
    "VaultError",
    "VaultExistsError",
    "VaultNotFoundError",
    "VaultStore",
    "WrongKeyFileError",
    "WrongPassphraseError",
    "inspect",
]
