"""Key files (format 2's key-file slots) from Python: ``VaultStore(path, key_file=...)`` and
``TOKENVAULT_KEY_FILE``, in the CLI's order of sources; the core reads the file and its errors
map onto the wrong-credential exceptions; a key file others can read gets the core's warning; a
vault made here opens with the same key file from the CLI, and the other way round; migration
and the SDK's own token flow work on a key-file vault."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil
import stat
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Dict, List, Optional

import pytest
import requests

from conftest import FILES, PASSPHRASE, REPO, TEST_KDF, make_token, token_dict
from tokenvault import (
    KeyFileError,
    VaultError,
    VaultStore,
    WrongKeyFileError,
    WrongPassphraseError,
    _handles,
    inspect,
)
from tokenvault._config import credential
import test_sdk_token_flow as flow
from zohocrmsdk.src.com.zoho.api.authenticator import oauth_token as oauth_token_module
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken

FORMAT_1_VAULT = REPO / "tests" / "fixtures" / "v1" / "two-tokens.vault"
FORMAT_1_PASSPHRASE = "fixture passphrase v1"

TOKEN = {"user_name": "ann@zylker.com", "client_id": "1000.CID",
         "client_secret": "client-secret-value", "refresh_token": "1000.refresh-value"}


def write_key(path: Path, mode: int = 0o600) -> Path:
    """A key file as `tokenvault ... --generate` makes one: 32 random bytes, private."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(os.urandom(32))
    os.chmod(path, mode)
    return path


def cli(*args: str, env: Optional[Dict[str, str]] = None) -> subprocess.CompletedProcess:
    """``python -m tokenvault ARGS`` (the CLI inside the wheel), with no TOKENVAULT_* variable
    but those in ``env``."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TOKENVAULT_")}
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "tokenvault", *args], capture_output=True,
                          text=True, env=environ, timeout=120, stdin=subprocess.DEVNULL)


def listed_users(vault: Path, *unlock: str, env: Optional[Dict[str, str]] = None) -> List[str]:
    out = cli("--vault", str(vault), *unlock, "--json", "list", env=env)
    assert out.returncode == 0, out.stderr
    return [t["user_name"] for t in json.loads(out.stdout)["tokens"]]


def in_a_fresh_process(code: str, env: Dict[str, str]) -> str:
    """Runs ``code`` in a new interpreter (this process's handles would be shared) with only the
    TOKENVAULT_* variables in ``env``; returns what it prints."""
    environ = {k: v for k, v in os.environ.items() if not k.startswith("TOKENVAULT_")}
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         env=environ, timeout=120)
    assert out.returncode == 0, out.stderr
    return out.stdout


@pytest.fixture
def clean_env(monkeypatch):
    for name in ("TOKENVAULT_KEY_FILE", "TOKENVAULT_PASSPHRASE", "TOKENVAULT_PASSPHRASE_COMMAND"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def key(tmp_path: Path) -> Path:
    return write_key(tmp_path / "worker.key")


@pytest.fixture
def key_vault(clean_env, vault_path: Path, key: Path) -> Path:
    """A vault created by VaultStore with ``key_file=`` (so its one slot is the key file),
    holding one token, closed."""
    with VaultStore(vault_path, key_file=key) as store:
        store.save_token(make_token(TOKEN))
    return vault_path


@pytest.fixture
def passphrase_vault(clean_env, vault_path: Path) -> Path:
    """A vault with one passphrase slot, holding one token, closed."""
    with VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True) as store:
        store.save_token(make_token(TOKEN))
    return vault_path


# ---- opening with a key file ------------------------------------------------------------------

def test_a_vault_created_with_a_key_file_has_it_as_its_only_slot(key_vault, key):
    info = inspect(key_vault)
    assert info["format_version"] == 2
    assert [(s["name"], s["kind"], s["kdf"]) for s in info["slots"]] == [
        ("key-file", "key-file", None)]
    with VaultStore(key_vault, key_file=key, create=False) as store:
        assert [token_dict(t)["user_name"] for t in store.get_tokens()] == ["ann@zylker.com"]
        assert store.info()["slots"] == info["slots"]
    with pytest.raises(WrongPassphraseError, match="no passphrase slot"):
        VaultStore(key_vault, PASSPHRASE)


def test_the_key_file_can_come_from_TOKENVAULT_KEY_FILE(key_vault, key, clean_env):
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(key))
    with VaultStore(key_vault, create=False) as store:
        assert len(store) == 1


def test_a_relative_key_file_path_is_from_the_working_directory(key_vault, key, clean_env):
    elsewhere = key.parent / "keys"
    elsewhere.mkdir()
    key.rename(elsewhere / key.name)
    clean_env.chdir(elsewhere)
    with VaultStore(key_vault, key_file=key.name, create=False) as store:
        assert len(store) == 1


# ---- which source wins ----------------------------------------------------------------------

def test_the_order_of_sources_is_the_clis(clean_env, key, tmp_path):
    with pytest.raises(VaultError, match="key_file=.*TOKENVAULT_KEY_FILE.*TOKENVAULT_PASSPHRASE"):
        credential()
    other = write_key(tmp_path / "other.key")
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", "printf from-the-command")
    assert credential().kind == "passphrase"
    clean_env.setenv("TOKENVAULT_PASSPHRASE", "from the variable")
    assert credential().kind == "passphrase"
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(other))
    # The variable's key file comes before both passphrase variables ...
    assert (credential().kind, credential().key_file_path) == ("key file", other)
    # ... and after both arguments.
    assert credential(passphrase="given").kind == "passphrase"
    assert credential(passphrase=b"").kind == "passphrase"
    assert credential(key_file=key).key_file_path == key


def test_TOKENVAULT_KEY_FILE_wins_over_TOKENVAULT_PASSPHRASE(key_vault, key, clean_env):
    clean_env.setenv("TOKENVAULT_PASSPHRASE", "not the vault's passphrase")
    clean_env.setenv("TOKENVAULT_PASSPHRASE_COMMAND", "exit 7")
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(key))
    with VaultStore(key_vault, create=False) as store:
        assert len(store) == 1


def test_a_passphrase_argument_wins_over_TOKENVAULT_KEY_FILE(passphrase_vault, key, clean_env):
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(key))
    with VaultStore(passphrase_vault, PASSPHRASE, create=False) as store:
        assert len(store) == 1


def test_both_arguments_are_refused_before_anything_is_read(clean_env, vault_path, tmp_path):
    with pytest.raises(TypeError, match="passphrase= or key_file=, not both"):
        VaultStore(vault_path, PASSPHRASE, key_file=tmp_path / "missing.key")
    with pytest.raises(TypeError, match="not both"):
        VaultStore.migrate_file_store(FILES / "typical.txt", vault_path, "",
                                      key_file=tmp_path / "missing.key")
    assert not vault_path.exists()


def test_an_empty_TOKENVAULT_KEY_FILE_is_refused_as_the_cli_refuses_it(passphrase_vault,
                                                                       clean_env):
    clean_env.setenv("TOKENVAULT_PASSPHRASE", PASSPHRASE)
    clean_env.setenv("TOKENVAULT_KEY_FILE", "")
    with pytest.raises(KeyFileError, match="TOKENVAULT_KEY_FILE is empty"):
        VaultStore(passphrase_vault)
    assert cli("--vault", str(passphrase_vault), "list",
               env={"TOKENVAULT_PASSPHRASE": PASSPHRASE, "TOKENVAULT_KEY_FILE": ""}
               ).returncode != 0


# ---- wrong or unusable key files ------------------------------------------------------------

def test_a_wrong_key_file_is_a_wrong_credential_and_shows_nothing_secret(key_vault, tmp_path):
    wrong = write_key(tmp_path / "wrong.key")
    before = key_vault.read_bytes()
    with pytest.raises(WrongKeyFileError) as e:
        VaultStore(key_vault, key_file=wrong)
    assert isinstance(e.value, WrongPassphraseError) and isinstance(e.value, VaultError)
    text = str(e.value) + repr(e.value)
    assert text.startswith("wrong key file: it does not unlock any key slot of this vault")
    assert "key_file= or TOKENVAULT_KEY_FILE" in text
    secret = wrong.read_bytes()
    assert secret.hex() not in text.lower() and repr(secret)[2:-1] not in text
    assert key_vault.read_bytes() == before


def test_a_key_file_for_a_vault_without_key_file_slots_is_wrong(passphrase_vault, key):
    with pytest.raises(WrongKeyFileError, match="no key file slot.*slot list"):
        VaultStore(passphrase_vault, key_file=key)


def test_a_format_1_vault_opens_with_its_passphrase_and_refuses_a_key_file(tmp_path, key,
                                                                           clean_env):
    vault = tmp_path / "v1.vault"
    shutil.copyfile(FORMAT_1_VAULT, vault)
    os.chmod(vault, 0o600)
    assert inspect(vault)["format_version"] == 1
    assert [(s["name"], s["kind"], s["kdf"]) for s in inspect(vault)["slots"]] == [
        ("passphrase", "passphrase", TEST_KDF._asdict())]
    with pytest.raises(WrongKeyFileError, match="no key file slot"):
        VaultStore(vault, key_file=key)
    with VaultStore(vault, FORMAT_1_PASSPHRASE, create=False) as store:
        assert len(store) == 2 and store.info()["format_version"] == 1


@pytest.mark.parametrize("length, expected", [(31, "it holds 31 bytes"), (0, "it holds 0 bytes"),
                                              (64, "more than 32"), (None, "cannot be read")])
def test_an_unusable_key_file_names_itself_and_where_it_was_named(clean_env, vault_path, tmp_path,
                                                                  length, expected):
    bad = tmp_path / "bad.key"
    if length is not None:
        bad.write_bytes(b"k" * length)
        bad.chmod(0o600)
    with pytest.raises(KeyFileError) as e:
        VaultStore(vault_path, key_file=bad)
    assert expected in str(e.value) and str(bad) in str(e.value)
    assert str(e.value).endswith("(key_file=)")
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(bad))
    with pytest.raises(KeyFileError, match=r"\(TOKENVAULT_KEY_FILE\)$"):
        VaultStore(vault_path)
    assert not vault_path.exists(), "no vault is created without a usable credential"


# ---- warnings ---------------------------------------------------------------------------------

def test_a_key_file_others_can_read_gets_the_cores_warning(key_vault, key, clean_env):
    key.chmod(0o644)
    with pytest.warns(UserWarning, match=r"the key file \(key_file=\) .*mode 644.*chmod 600") as w:
        VaultStore(key_vault, key_file=key).close()
    assert [Path(r.filename).name for r in w] == [Path(__file__).name], "blames the caller"
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(key))
    with pytest.warns(UserWarning, match=r"the key file \(TOKENVAULT_KEY_FILE\) .*mode 644"):
        VaultStore(key_vault).close()
    key.chmod(0o600)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        VaultStore(key_vault).close()


def test_migrating_with_a_key_file_others_can_read_warns(clean_env, vault_path, key):
    key.chmod(0o640)
    with pytest.warns(UserWarning, match="mode 640") as w:
        VaultStore.migrate_file_store(FILES / "typical.txt", vault_path, key_file=key)
    assert [Path(r.filename).name for r in w] == [Path(__file__).name]


# ---- one handle per process ---------------------------------------------------------------

def test_stores_in_one_process_share_the_handle_with_any_credential_that_unlocks_it(
        key_vault, key, tmp_path, clean_env):
    first = VaultStore(key_vault, key_file=key)
    try:
        clean_env.chdir(key.parent)
        second = VaultStore(key_vault, key_file=key.name)
        assert second._vault() is first._vault()
        with pytest.raises(WrongKeyFileError, match="does not unlock"):
            VaultStore(key_vault, key_file=write_key(tmp_path / "other.key"))
        with pytest.raises(WrongPassphraseError, match="does not unlock"):
            VaultStore(key_vault, PASSPHRASE)
        # Another slot's key file, added meanwhile by another process, shares the handle.
        added = cli("--vault", str(key_vault), "slot", "add", "--new-key-file",
                    str(tmp_path / "added.key"), "--generate",
                    env={"TOKENVAULT_KEY_FILE": str(key)})
        assert added.returncode == 0, added.stderr
        third = VaultStore(key_vault, key_file=tmp_path / "added.key")
        assert third._vault() is first._vault()
    finally:
        first.close()


def list_in_child(store, parent_pid: int) -> None:
    count = len(store.get_tokens())
    _handles._handles.pop((store._path, parent_pid), None)
    os._exit(0 if count == 1 else 3)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork()")
def test_a_forked_child_reopens_with_the_key_read_by_its_parent(key_vault, key):
    store = VaultStore(key_vault, key_file=key)
    assert len(store) == 1
    key.unlink()  # e.g. a secret the service removes once read: the child does not read it
    child = multiprocessing.get_context("fork").Process(target=list_in_child,
                                                        args=(store, os.getpid()))
    child.start()
    child.join(timeout=60)
    if child.is_alive():
        child.kill()
    assert child.exitcode == 0
    store.close()


def test_nothing_shows_the_key(key_vault, key):
    secret = key.read_bytes()
    with VaultStore(key_vault, key_file=key) as store:
        shown = repr(store) + repr(store._vault()) + store._vault().unlocked_with
        native = credential(key_file=key)
        shown += repr(native) + repr(credential(passphrase="hunter2-passphrase"))
    assert str(key) in shown and "key file" in shown
    assert secret.hex() not in shown.lower() and repr(secret)[2:-1] not in shown
    assert "hunter2" not in shown
    assert not [name for name in dir(native) if "byte" in name or "secret" in name]


# ---- with the CLI -----------------------------------------------------------------------------

def test_a_vault_created_by_vaultstore_opens_with_its_key_file_in_the_cli(key_vault, key):
    assert listed_users(key_vault, "--key-file", str(key)) == ["ann@zylker.com"]
    assert listed_users(key_vault, env={"TOKENVAULT_KEY_FILE": str(key)}) == ["ann@zylker.com"]
    wrong = cli("--vault", str(key_vault), "--key-file", str(write_key(key.parent / "w.key")),
                "list")
    assert wrong.returncode == 3 and "wrong key file" in wrong.stderr


def test_a_key_file_the_cli_generates_opens_the_vault_in_vaultstore(tmp_path, clean_env):
    vault, key = tmp_path / "cli.vault", tmp_path / "cli.key"
    made = cli("--vault", str(vault), "init", "--key-file", str(key), "--generate")
    assert made.returncode == 0, made.stderr
    assert stat.S_IMODE(key.stat().st_mode) == 0o600 and key.stat().st_size == 32
    with VaultStore(vault, key_file=key, create=False) as store:
        store.save_token(make_token(TOKEN))
    assert listed_users(vault, "--key-file", str(key)) == ["ann@zylker.com"]


def test_a_key_slot_added_by_the_cli_opens_a_passphrase_vault_in_a_second_process(
        passphrase_vault, tmp_path):
    added = tmp_path / "added.key"
    out = cli("--vault", str(passphrase_vault), "slot", "add", "--new-key-file", str(added),
              "--generate", env={"TOKENVAULT_PASSPHRASE": PASSPHRASE})
    assert out.returncode == 0, out.stderr
    code = ("from tokenvault import VaultStore\n"
            "s = VaultStore(%r, create=False)\n"
            "print(len(s), sorted(x['kind'] for x in s.info()['slots']))\n" % str(passphrase_vault))
    printed = in_a_fresh_process(code, {"TOKENVAULT_KEY_FILE": str(added),
                                        "TOKENVAULT_PASSPHRASE": "not the passphrase"})
    assert printed.split(None, 1) == ["1", "['key-file', 'passphrase']\n"]


# ---- migration ------------------------------------------------------------------------------

def test_migrating_with_a_key_file_creates_a_key_file_vault(clean_env, vault_path, key):
    report = VaultStore.migrate_file_store(FILES / "typical.txt", vault_path, key_file=key)
    assert report.created_vault and report.inserted == report.rows > 0
    assert [s["kind"] for s in inspect(vault_path)["slots"]] == ["key-file"]
    assert len(listed_users(vault_path, "--key-file", str(key))) == report.rows
    with pytest.raises(WrongKeyFileError):
        VaultStore(vault_path, key_file=write_key(key.parent / "other.key"))


def test_migrating_into_an_existing_key_file_vault(clean_env, vault_path, key):
    VaultStore(vault_path, key_file=key).close()
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(key))
    report = VaultStore.migrate_file_store(FILES / "typical.txt", vault_path)
    assert not report.created_vault and report.inserted == report.rows > 0
    with VaultStore(vault_path, create=False) as store:
        assert len(store) == report.rows


def test_migrating_with_a_wrong_key_file_changes_nothing(key_vault, tmp_path):
    before = key_vault.read_bytes()
    with pytest.raises(WrongKeyFileError):
        VaultStore.migrate_file_store(FILES / "typical.txt", key_vault,
                                      key_file=write_key(tmp_path / "wrong.key"))
    assert key_vault.read_bytes() == before


# ---- the SDK's token flow ---------------------------------------------------------------------

@pytest.fixture
def zoho(monkeypatch):
    fake = flow.FakeZoho()
    monkeypatch.setattr(requests, "post", fake.post)
    monkeypatch.setattr(requests, "get", fake.get)
    clock = flow.Clock()
    monkeypatch.setattr(oauth_token_module, "time", clock)
    flow.forget_initializer()
    yield fake, clock
    flow.forget_initializer()


def test_the_sdk_token_flow_on_a_key_file_vault(zoho, clean_env, vault_path, key, tmp_path):
    fake, clock = zoho
    clean_env.setenv("TOKENVAULT_KEY_FILE", str(key))
    store = VaultStore(vault_path)
    token = OAuthToken(client_id=flow.CLIENT_ID, client_secret=flow.CLIENT_SECRET,
                       grant_token=flow.GRANT, redirect_url=flow.REDIRECT)
    flow.initialize(store, token, tmp_path)
    assert fake.token_requests() == ["authorization_code"]
    clock.offset = 3600  # the access token has expired: the SDK refreshes and saves by id
    access = token.get_token()
    assert fake.token_requests() == ["authorization_code", "refresh_token"]
    flow.assert_no_secret_in_the_clear(vault_path, fake.secrets())
    store.close()
    flow.forget_initializer()

    # The next start: a new store from the same key file finds the refreshed token.
    store = VaultStore(vault_path, create=False)
    restarted = OAuthToken(client_id=flow.CLIENT_ID, client_secret=flow.CLIENT_SECRET,
                           refresh_token=fake.refresh_token)
    flow.initialize(store, restarted, tmp_path)
    assert fake.token_requests() == ["authorization_code", "refresh_token"], "nothing asked"
    assert restarted.get_access_token() == access and restarted.get_id() == "1"
    assert [s["kind"] for s in store.info()["slots"]] == ["key-file"]
    store.close()
