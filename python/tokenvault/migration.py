"""Moving an SDK FileStore token file (``sdk_tokens.txt``) into a vault, in one call."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from typing import List, Optional, Tuple

from . import _handles, _native
from ._config import (
    KdfParams,
    Passphrase,
    PathLike,
    busy_timeout_or_default,
    credential,
    kdf_tuple,
)

log = logging.getLogger("tokenvault")


@dataclass(frozen=True)
class MigrationReport:
    """What ``VaultStore.migrate_file_store`` did."""

    #: The FileStore token file that was read (left in place, unchanged).
    file_store_path: str
    #: The vault the tokens were stored in (a server URL without its password).
    vault_path: str
    #: Token rows in the file.
    rows: int
    #: Tokens stored.
    inserted: int
    #: Tokens that replaced one with the same id (only when the file repeats a user or token).
    updated: int
    #: ``(row number, reason)`` of each row the FileStore could not have written (a user name
    #: without any access, refresh or grant token); these are not in the vault.
    skipped: List[Tuple[int, str]] = field(default_factory=list)
    #: Whether the vault file was created by the migration.
    created_vault: bool = False
    #: Always true: the plaintext file is never modified or deleted.
    plaintext_left_in_place: bool = True

    @property
    def message(self) -> str:
        """A summary for people: counts, skipped rows, and what to do with the plaintext file."""
        lines = [
            "Migrated %d of %d tokens from %s into %s (%d new, %d updated, %d skipped)."
            % (
                self.inserted + self.updated,
                self.rows,
                self.file_store_path,
                self.vault_path,
                self.inserted,
                self.updated,
                len(self.skipped),
            )
        ]
        for row, reason in self.skipped:
            lines.append("  row %d skipped: %s" % (row, reason))
        lines.append(
            "The plaintext file %s was left in place and still holds every secret in the "
            "clear: once the application runs on the vault, delete it (and its backups)."
            % self.file_store_path
        )
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.message


def migrate(
    file_store_path: PathLike,
    vault_path: PathLike,
    passphrase: Passphrase = None,
    *,
    key_file: Optional[PathLike] = None,
    kdf: Optional[KdfParams] = None,
    busy_timeout: Optional[float] = None,
    insecure_kdf: bool = False,
) -> MigrationReport:
    """See ``VaultStore.migrate_file_store``."""
    source = os.path.abspath(os.fspath(file_store_path))
    target = _handles.resolve(vault_path)
    # Blames the caller of VaultStore.migrate_file_store for a key file others can read.
    secret = credential(passphrase, key_file, stacklevel=4)
    timeout = busy_timeout_or_default(busy_timeout)
    held = _handles.held(target, secret)
    if held is None:
        # One native call: the file read and checked once (a bad file leaves nothing behind),
        # then the core's create_or_import — a new vault with every row in one transaction, or
        # an existing one that holds no token.
        migrated = _native.migrate_filestore(
            target,
            secret,
            source,
            kdf=kdf_tuple(kdf),
            busy_timeout=timeout,
            insecure_kdf=insecure_kdf,
        )
        counts: _native.ImportCounts = migrated
        created = migrated["created"]
    else:
        # The vault is open in this process, and the core allows one handle per file and
        # process: the rows go in through that handle, under the same rule (no token there).
        counts = held.import_filestore(source, require_empty=True)
        created = False
    report = MigrationReport(
        file_store_path=source,
        # Shown without a server password: the report is logged and printed.
        vault_path=_handles.shown(target),
        rows=counts["rows"],
        inserted=counts["inserted"],
        updated=counts["updated"],
        skipped=[(position + 1, reason) for position, reason in counts["skipped"]],
        created_vault=created,
    )
    log.warning("%s", report.message)
    return report
