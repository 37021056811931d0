"""VaultStore.migrate_file_store on the token files the real FileStore wrote
(tests/data/compat/files/): the vault must then give exactly what the SDK's FileStore gives for
the same file, the plaintext file must be left untouched, and a failed migration must leave
nothing behind."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from conftest import (FILES, PASSPHRASE, TEST_KDF, FileStore, make_token, read_csv_rows,
                      token_dict)
from tokenvault import InvalidTokenFileError, MigrationReport, VaultError, VaultStore

TOKEN_FILES = sorted(p for p in FILES.rglob("*.txt"))


def _migrate(source: Path, target: Path) -> MigrationReport:
    return VaultStore.migrate_file_store(source, target, PASSPHRASE, kdf=TEST_KDF,
                                         insecure_kdf=True)


def test_the_shared_token_files_are_there():
    names = {p.name for p in TOKEN_FILES}
    assert {"typical.txt", "many.txt", "quoting.txt", "empty.txt", "after-deletes.txt",
            "nine-columns.txt"} <= names


@pytest.mark.parametrize("source", TOKEN_FILES, ids=lambda p: str(p.relative_to(FILES)))
def test_migrated_vault_gives_what_the_filestore_gives(source: Path, tmp_path: Path):
    original = source.read_bytes()
    target = tmp_path / "tokens.vault"

    report = _migrate(source, target)

    rows = read_csv_rows(source)
    assert report.rows == len(rows)
    assert report.inserted == len(rows) and report.updated == 0 and report.skipped == []
    assert report.created_vault and report.plaintext_left_in_place
    assert source.read_bytes() == original, "the plaintext file is left as it was"
    assert "left in place" in report.message and os.path.abspath(source) in report.message

    # The SDK's FileStore on a copy (it upgrades a 9-column file in place).
    copy = tmp_path / "sdk_tokens.txt"
    shutil.copyfile(source, copy)
    expected = [token_dict(t) for t in FileStore(str(copy)).get_tokens()]
    with VaultStore(target, PASSPHRASE) as store:
        assert [token_dict(t) for t in store.get_tokens()] == expected
        assert store.verify()["problems"] == []
        # Each user's token is found by user name as the FileStore finds it (first 50 rows).
        file_store = FileStore(str(copy))
        for row in expected[:50]:
            if row["user_name"]:
                by_name = {"user_name": row["user_name"]}
                assert token_dict(store.find_token(make_token(by_name))) \
                    == token_dict(file_store.find_token(make_token(by_name)))

    data = target.read_bytes()
    for row in rows:
        for value in row[1:7]:  # user name, client id and secret, the three tokens
            if len(value) >= 6:
                assert value.encode() not in data, "a secret is in the vault in the clear"


def test_the_report_counts_and_says_the_plaintext_file_stays(tmp_path: Path):
    report = _migrate(FILES / "typical.txt", tmp_path / "tokens.vault")
    assert (report.rows, report.inserted, report.updated) == (3, 3, 0)
    assert report.message.startswith("Migrated 3 of 3 tokens from ")
    assert "still holds every secret in the clear" in str(report)


def test_a_malformed_file_is_refused_and_no_vault_is_created(tmp_path: Path):
    source = tmp_path / "sdk_tokens.txt"
    text = (FILES / "typical.txt").read_bytes() + b"4,too,few,fields\r\n"
    source.write_bytes(text)
    target = tmp_path / "tokens.vault"

    with pytest.raises(InvalidTokenFileError, match="line 5"):
        _migrate(source, target)

    assert not target.exists()
    assert source.read_bytes() == text


def test_a_missing_file_is_refused_and_no_vault_is_created(tmp_path: Path):
    target = tmp_path / "tokens.vault"
    with pytest.raises(FileNotFoundError, match="sdk_tokens.txt"):
        _migrate(tmp_path / "sdk_tokens.txt", target)
    assert not target.exists()


def test_an_import_that_fails_midway_leaves_no_vault(tmp_path: Path):
    # The file parses (every field is within the file's limit), but the second row's fields
    # together are larger than a record may be: the import fails after the first row.
    big = "a" * (16 * 1024)
    source = tmp_path / "sdk_tokens.txt"
    header = (FILES / "typical.txt").read_bytes().split(b"\r\n")[0]
    source.write_bytes(header + b"\r\n1,ann,,,,1000.at,,,,\r\n"
                       + f"2,bob,{big},{big},{big},{big},{big},,,\r\n".encode())
    target = tmp_path / "tokens.vault"

    with pytest.raises(VaultError, match="too large"):
        _migrate(source, target)

    assert not target.exists()
    report = _migrate(FILES / "typical.txt", target)
    assert report.created_vault and report.inserted == 3


def test_migrating_into_a_vault_that_holds_tokens_changes_nothing(tmp_path: Path):
    target = tmp_path / "tokens.vault"
    _migrate(FILES / "typical.txt", target)
    with VaultStore(target, PASSPHRASE) as store:
        before = [token_dict(t) for t in store.get_tokens()]

    with pytest.raises(VaultError, match="already holds 3 tokens"):
        _migrate(FILES / "many.txt", target)

    with VaultStore(target, PASSPHRASE) as store:
        assert [token_dict(t) for t in store.get_tokens()] == before


def test_migrating_into_an_existing_empty_vault_keeps_it(tmp_path: Path):
    target = tmp_path / "tokens.vault"
    VaultStore(target, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True).close()
    report = _migrate(FILES / "typical.txt", target)
    assert not report.created_vault and report.inserted == 3


def test_migrating_with_the_wrong_passphrase_changes_nothing(tmp_path: Path):
    target = tmp_path / "tokens.vault"
    VaultStore(target, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True).close()
    with pytest.raises(VaultError, match="wrong passphrase"):
        VaultStore.migrate_file_store(FILES / "typical.txt", target, "not the passphrase")
    with VaultStore(target, PASSPHRASE) as store:
        assert len(store) == 0


def test_migrating_into_an_empty_vault_open_in_this_process_goes_through_its_handle(
        tmp_path: Path):
    # The core allows one handle per file and process: the migration must use the open one.
    target = tmp_path / "tokens.vault"
    with VaultStore(target, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True) as store:
        report = _migrate(FILES / "typical.txt", target)
        assert not report.created_vault and report.inserted == 3
        assert len(store.get_tokens()) == 3
        with pytest.raises(VaultError, match="already holds 3 tokens"):
            _migrate(FILES / "typical.txt", target)
