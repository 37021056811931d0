"""Where VaultStore's passphrase comes from when ``passphrase=`` is not given: the CLI's order,
``TOKENVAULT_PASSPHRASE``, then the command in ``TOKENVAULT_PASSPHRASE_COMMAND`` (run by the
core), and errors that name the command's exit status, never its output."""

from __future__ import annotations

import pytest

from conftest import PASSPHRASE, TEST_KDF
from tokenvault import VaultError, VaultStore, WrongPassphraseError
from tokenvault._config import passphrase_bytes


def printing(text: str) -> str:
    return "printf '%%s\\n' '%s'" % text


@pytest.fixture
def clean_env(monkeypatch):
    monkeypatch.delenv("TOKENVAULT_PASSPHRASE", raising=False)
    monkeypatch.delenv("TOKENVAULT_PASSPHRASE_COMMAND", raising=False)
    return monkeypatch


def test_the_argument_then_the_variable_then_the_command(clean_env):
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", printing("from the command"))
    assert passphrase_bytes(None) == b"from the command"
    clean_env.setenv("TOKENVAULT_PASSPHRASE", "from the variable")
    assert passphrase_bytes(None) == b"from the variable"
    assert passphrase_bytes("given") == b"given"


def test_the_command_output_loses_one_trailing_newline_and_nothing_else(clean_env):
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", "printf ' two\\nlines \\n\\n'")
    assert passphrase_bytes(None) == b" two\nlines \n"


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
        passphrase_bytes(None)
