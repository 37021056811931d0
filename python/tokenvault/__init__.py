"""tokenvault: an encrypted, multi-process-safe drop-in ``store=`` for the Zoho CRM Python SDK.

One changed line moves an application off the SDK's plain-text ``FileStore``::

    from tokenvault import VaultStore

    store = VaultStore("tokens.vault")   # passphrase from TOKENVAULT_PASSPHRASE, or passphrase=...
    Initializer.initialize(environment=env, token=token, store=store)

Existing tokens move over with ``VaultStore.migrate_file_store("sdk_tokens.txt", "tokens.vault")``.
"""

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
from ._sdk import SDK_AVAILABLE
from .migration import MigrationReport
from .store import PASSPHRASE_ENV, KdfParams, VaultStore

__all__ = [
    "FORMAT_VERSION",
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
