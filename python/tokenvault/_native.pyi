"""Type stubs for the native module (``python/src/*.rs``)."""

import os
import pathlib
from typing import List, Literal, Optional, Tuple, TypedDict, Union

Fields = Tuple[Optional[str], ...]
"""A token: ten ``str | None`` in ``FIELDS`` order."""

__version__: str
FORMAT_VERSION: int
FIELDS: List[str]
DEFAULT_BUSY_TIMEOUT: float
DEFAULT_KDF: Tuple[int, int, int]
DEFAULT_REFRESH_LEASE: float
PASSPHRASE_COMMAND_TIMEOUT: float

class KdfInfo(TypedDict):
    """A passphrase slot's Argon2id parameters."""

    memory_kib: int
    iterations: int
    parallelism: int

class SlotInfo(TypedDict):
    """One key slot of a vault."""

    name: str
    kind: Literal["passphrase", "key-file"]
    created_unix: int
    kdf: Optional[KdfInfo]
    """``None`` for a key-file slot."""

class VaultInfo(TypedDict):
    format_version: int
    """The file's format: 1 (one passphrase) or 2 (key slots)."""
    store_id: str
    slots: List[SlotInfo]
    created_unix: int
    generation: int
    seal_count: int
    token_count: int
    file_size: int

class FileInfo(TypedDict):
    """What `inspect` reads without the passphrase."""

    format_version: int
    store_id: str
    slots: List[SlotInfo]
    created_unix: int
    token_count: int
    file_size: int

class VerifyReport(TypedDict):
    records_ok: int
    index_entries: int
    problems: List[str]

class ImportCounts(TypedDict):
    rows: int
    inserted: int
    updated: int
    skipped: List[Tuple[int, str]]

class MigrationCounts(ImportCounts):
    created: bool

class VaultError(Exception): ...
class WrongPassphraseError(VaultError): ...
class WrongKeyFileError(WrongPassphraseError): ...
class KeyFileError(VaultError): ...
class VaultNotFoundError(VaultError): ...
class VaultExistsError(VaultError): ...
class NotAVaultError(VaultError): ...
class CorruptedVaultError(VaultError): ...
class UnsupportedVersionError(VaultError): ...
class VaultBusyError(VaultError): ...
class KeyChangedError(VaultError): ...
class TokenNotFoundError(VaultError): ...
class MissingAuthDetailsError(VaultError): ...
class InvalidIdError(VaultError): ...
class InvalidTokenFileError(VaultError): ...

class Credential:
    """What unlocks a vault (the core's ``Credential``), kept in native memory."""

    @staticmethod
    def passphrase(passphrase: bytes) -> "Credential": ...
    @staticmethod
    def key_file(
        path: Union[str, os.PathLike[str]], *, source: Optional[str] = None
    ) -> "Credential":
        """Read now by the core: exactly 32 bytes, else ``KeyFileError``."""
    @property
    def kind(self) -> Literal["passphrase", "key file", "recovery key"]: ...
    @property
    def key_file_path(self) -> Optional[pathlib.Path]: ...

class Vault:
    """An unlocked vault, usable by the process that opened it. Operations release the GIL."""

    @staticmethod
    def open(
        path: Union[str, os.PathLike[str]],
        credential: Credential,
        *,
        create: bool,
        kdf: Optional[Tuple[int, int, int]] = None,
        busy_timeout: float = 10.0,
        refresh_lease: float = 10.0,
        insecure_kdf: bool = False,
    ) -> Tuple["Vault", bool]: ...
    def reopen_here(self) -> "Vault": ...
    def accepts(self, credential: Credential) -> bool: ...
    @property
    def unlocked_with(self) -> str:
        """``"a passphrase"`` or ``'the key file "PATH"'``."""
    @property
    def path(self) -> pathlib.Path: ...
    @property
    def owner_pid(self) -> int: ...
    @property
    def closed(self) -> bool: ...
    def close(self) -> None: ...
    def find_token(self, fields: Fields, *, coordinate: bool = False) -> Optional[Fields]: ...
    def save_token(self, fields: Fields) -> Fields: ...
    def delete_token(self, id: str) -> None: ...
    def get_tokens(self) -> List[Fields]: ...
    def delete_tokens(self) -> None: ...
    def find_token_by_id(self, id: str, *, coordinate: bool = False) -> Fields: ...
    def __len__(self) -> int: ...
    def info(self) -> VaultInfo: ...
    def verify(self) -> VerifyReport: ...
    def import_filestore(
        self, csv_path: Union[str, os.PathLike[str]], *, require_empty: bool
    ) -> ImportCounts: ...

def migrate_filestore(
    path: Union[str, os.PathLike[str]],
    credential: Credential,
    csv_path: Union[str, os.PathLike[str]],
    *,
    kdf: Optional[Tuple[int, int, int]] = None,
    busy_timeout: float = 10.0,
    insecure_kdf: bool = False,
) -> MigrationCounts:
    """The file read once, then the core's ``create_or_import`` (an existing vault must hold no
    token). The vault must not be open in this process."""
def credential_from_sources(
    key_file: Optional[str], passphrase: Optional[bytes], *, stacklevel: int = 1
) -> Optional[Credential]:
    """The core's order of credential sources (arguments, then TOKENVAULT_KEY_FILE,
    TOKENVAULT_RECOVERY_KEY, TOKENVAULT_PASSPHRASE, TOKENVAULT_PASSPHRASE_COMMAND); ``None``
    when none is set."""
def inspect(path: Union[str, os.PathLike[str]]) -> FileInfo: ...
def shown_location(text: Union[str, os.PathLike[str]]) -> str: ...
def is_server_location(text: Union[str, os.PathLike[str]]) -> bool: ...
def permission_warning(path: Union[str, os.PathLike[str]]) -> Optional[str]: ...
def secret_file_warning(path: Union[str, os.PathLike[str]], what: str) -> Optional[str]: ...
def passphrase_from_command(command: str, timeout: Optional[float] = None) -> bytes: ...

def run_cli(argv: List[str]) -> int: ...
