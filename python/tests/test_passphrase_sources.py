"""Where VaultStore's passphrase comes from when ``passphrase=`` is not given: the CLI's order,
``TOKENVAULT_PASSPHRASE``, then the command in ``TOKENVAULT_PASSPHRASE_COMMAND`` (run by the
core), and errors that name the command's exit status, never its output."""

from __future__ import annotations

import json

import pytest

from conftest import PASSPHRASE, TEST_KDF
from test_key_file import cli
from tokenvault import VaultError, VaultStore, WrongPassphraseError, _native
from tokenvault._native import Credential
from tokenvault._config import credential


def printing(text: str) -> str:
    return "printf '%%s\\n' '%s'" % text


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("TOKENVAULT_PASSPHRASE", raising=False)
    monkeypatch.delenv("TOKENVAULT_PASSPHRASE_COMMAND", raising=False)
    monkeypatch.delenv("TOKENVAULT_KEY_FILE", raising=False)
    monkeypatch.delenv("TOKENVAULT_RECOVERY_KEY", raising=False)
    return monkeypatch


def test_the_argument_then_the_variable_then_the_command(clean_env):
    # The core's order; a credential tells which passphrase it is by comparing digests.
    def same(a, b):
        return repr(a) == repr(b) and _digest_equal(a, b)

    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", printing("from the command"))
    assert same(credential(None), Credential.passphrase(b"from the command"))
    clean_env.setenv("TOKENVAULT_PASSPHRASE", "from the variable")
    assert same(credential(None), Credential.passphrase(b"from the variable"))
    assert same(credential("given"), Credential.passphrase(b"given"))


def _digest_equal(a, b) -> bool:
    # Two credentials with the same secret are the same one to an open vault (Vault.accepts
    # answers from the identity, without a key derivation).
    return a.kind == b.kind and a.key_file_path == b.key_file_path and _accepts(a, b)


def _accepts(a, b) -> bool:
    import tempfile
    from pathlib import Path
    with tempfile.TemporaryDirectory() as tmp:
        vault, _ = _native.Vault.open(str(Path(tmp) / "v.vault"), a, create=True,
                                      kdf=tuple(TEST_KDF), insecure_kdf=True)
        try:
            return vault.accepts(b)
        finally:
            vault.close()


def test_the_command_output_loses_one_trailing_newline_and_nothing_else(clean_env, vault_path):
    VaultStore(vault_path, " two\nlines \n", kdf=TEST_KDF, insecure_kdf=True).close()
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", "printf ' two\\nlines \\n\\n'")
    VaultStore(vault_path, create=False).close()


def test_a_recovery_key_in_the_environment_opens_the_vault_as_in_the_cli(clean_env, vault_path):
    VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True).close()
    added = cli("--vault", str(vault_path), "--json", "slot", "add", "--new-recovery-key",
                env={"TOKENVAULT_PASSPHRASE": PASSPHRASE})
    assert added.returncode == 0, added.stderr
    recovery_key = json.loads(added.stdout)["recovery_key"]
    clean_env.setenv("TOKENVAULT_RECOVERY_KEY", recovery_key)
    clean_env.setenv("TOKENVAULT_PASSPHRASE", "not it: the recovery key comes first")
    assert credential(None).kind == "recovery key"
    VaultStore(vault_path, create=False).close()


def test_a_vault_opens_with_a_passphrase_command(clean_env, vault_path):
    VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True).close()
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", printing(PASSPHRASE))
    VaultStore(vault_path, create=False).close()
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", printing("not it"))
    with pytest.raises(WrongPassphraseError):
        VaultStore(vault_path, create=False)


@pytest.mark.parametrize("command, expected", [
    ("printf 'leaked-secret'; exit 5", "exited with status 5"),
    ("true", "printed no passphrase"),
    ("printf 'leaked-secret'; kill -9 $$", "killed by signal 9"),
])
def test_a_failing_command_names_its_status_never_its_output(clean_env, vault_path, command,
                                                             expected):
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", command)
    with pytest.raises(VaultError) as e:
        VaultStore(vault_path, kdf=TEST_KDF, insecure_kdf=True)
    text = str(e.value) + repr(e.value)
    assert expected in text and "TOKENVAULT_PASSPHRASE_COMMAND" in text
    assert "leaked-secret" not in text
    assert not vault_path.exists()


def test_no_source_names_both_variables(clean_env):
    with pytest.raises(VaultError, match="TOKENVAULT_PASSPHRASE_COMMAND"):
        credential(None)
