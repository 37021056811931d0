"""tokenvault: an encrypted, multi-process-safe drop-in ``store=`` for the Zoho CRM Python SDK.

One changed line moves an application off the SDK's plain-text ``FileStore``::

    from tokenvault import VaultStore

    store = VaultStore("tokens.vault")   # passphrase from TOKENVAULT_PASSPHRASE, or passphrase=...
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
    MissingAuthDetailsError,
    NotAVaultError,
    TokenNotFoundError,
    UnsupportedVersionError,
    VaultBusyError,
    VaultError,
    VaultExistsError,
    VaultNotFoundError,
    WrongPassphraseError,
    inspect,
)

# These import the Zoho SDK when it is installed (most of `import tokenvault`'s time, README
# §Install), so they load on first use: the `tokenvault` command (__main__.py) never needs them.
if TYPE_CHECKING:
    from ._sdk import SDK_AVAILABLE
    from .migration import MigrationReport
    from ._config import PASSPHRASE_COMMAND_ENV, PASSPHRASE_ENV, KdfParams
    from .store import VaultStore

_ON_FIRST_USE = {
    "SDK_AVAILABLE": "._sdk",
    "MigrationReport": ".migration",
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
    "PASSPHRASE_COMMAND_ENV",
    "PASSPHRASE_ENV",
    "SDK_AVAILABLE",
    "CorruptedVaultError",
    "InvalidIdError",
    "InvalidTokenFileError",
    "KdfParams",
    "KeyChangedError",
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
    "WrongPassphraseError",
    "inspect",
]
