"""VaultStore beyond the recorded cases: opening (passphrase, create, errors that say what to do),
one handle per file per process, the SDKException mapping of the vault's own errors, the GIL
released during key derivation and storage I/O, and the package without the SDK."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
import threading

import pytest

from conftest import FILES, PASSPHRASE, TEST_KDF, make_token, token_dict
from tokenvault import (KdfParams, NotAVaultError, VaultError, VaultNotFoundError, VaultStore,
                        WrongPassphraseError, _native, inspect)
from tokenvault.store import ID_INVALID, ID_NOT_FOUND
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.crm.api.exception.sdk_exception import SDKException
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature


def ann() -> OAuthToken:
    return OAuthToken(client_id="1000.CID", client_secret="client-secret-value",
                      refresh_token="1000.refresh-value",
                      user_signature=UserSignature("ann@zylker.com"))


# ---- opening ----------------------------------------------------------------------------

def test_the_passphrase_comes_from_the_environment(vault_path, monkeypatch):
    monkeypatch.setenv("TOKENVAULT_PASSPHRASE", PASSPHRASE)
    with VaultStore(vault_path, kdf=TEST_KDF, insecure_kdf=True) as store:
        store.save_token(ann())
    with VaultStore(vault_path, PASSPHRASE) as store:
        assert len(store) == 1


def test_no_passphrase_says_how_to_give_one(vault_path, monkeypatch):
    monkeypatch.delenv("TOKENVAULT_PASSPHRASE", raising=False)
    with pytest.raises(VaultError, match="TOKENVAULT_PASSPHRASE"):
        VaultStore(vault_path)
    with pytest.raises(VaultError, match="empty"):
        VaultStore(vault_path, "")
    assert not vault_path.exists()


def test_a_wrong_passphrase_is_refused_without_revealing_it(vault_path):
    VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True).close()
    with pytest.raises(WrongPassphraseError) as e:
        VaultStore(vault_path, "guess-12345")
    assert "guess-12345" not in str(e.value)


def test_a_second_store_on_an_open_vault_needs_a_passphrase_that_unlocks_it(store, vault_path):
    with pytest.raises(WrongPassphraseError, match="does not unlock .*open in this process"):
        VaultStore(vault_path, "another passphrase")


def test_stores_on_the_same_file_share_one_handle(store, vault_path, tmp_path):
    link = tmp_path / "link.vault"
    link.symlink_to(vault_path)
    other = VaultStore(link, PASSPHRASE)
    assert other._vault() is store._vault()
    assert not other.created and store.created
    other.save_token(ann())
    seen = [token_dict(t) for t in store.get_tokens()]
    assert seen == [token_dict(t) for t in other.get_tokens()] and len(seen) == 1


def test_create_false_does_not_create(vault_path):
    with pytest.raises(VaultNotFoundError, match="no vault at"):
        VaultStore(vault_path, PASSPHRASE, create=False)
    assert not vault_path.exists()


def test_a_filestore_file_is_not_taken_for_a_vault(tmp_path):
    path = tmp_path / "sdk_tokens.txt"
    path.write_bytes((FILES / "typical.txt").read_bytes())
    with pytest.raises(NotAVaultError, match="not a tokenvault vault"):
        VaultStore(path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    assert path.read_bytes() == (FILES / "typical.txt").read_bytes()


def test_the_vault_file_is_private_to_its_owner(store, vault_path):
    assert stat.S_IMODE(os.stat(vault_path).st_mode) == 0o600


def test_kdf_parameters_are_checked_before_anything_is_created(vault_path):
    with pytest.raises(ValueError, match="parallelism"):
        VaultStore(vault_path, PASSPHRASE, kdf=KdfParams(8, 1, 0))
    assert not vault_path.exists()


def test_kdf_below_the_floor_needs_insecure_kdf(vault_path, tmp_path):
    weak = KdfParams(16 * 1024, 3, 4)
    with pytest.raises(ValueError, match="below the floor.*insecure_kdf=True"):
        VaultStore(vault_path, PASSPHRASE, kdf=weak)
    with pytest.raises(ValueError, match="below the floor"):
        VaultStore(vault_path, PASSPHRASE, kdf=KdfParams.insecure_for_tests())
    source = tmp_path / "sdk_tokens.txt"
    source.write_bytes((FILES / "typical.txt").read_bytes())
    with pytest.raises(ValueError, match="below the floor"):
        VaultStore.migrate_file_store(source, vault_path, PASSPHRASE, kdf=weak)
    assert not vault_path.exists()
    VaultStore(vault_path, PASSPHRASE, kdf=weak, insecure_kdf=True).close()
    assert inspect(vault_path)["slots"][0]["kdf"] == weak._asdict()


def test_a_vault_with_weak_kdf_settings_opens_without_insecure_kdf(vault_path):
    VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True).close()
    code = (
        "import sys; from tokenvault import VaultStore; "
        "VaultStore(sys.argv[1], sys.argv[2], create=False).close(); "
        "VaultStore(sys.argv[1], sys.argv[2]).close()"
    )
    # A fresh process: this one's handle would be shared, whatever the options.
    subprocess.run([sys.executable, "-c", code, str(vault_path), PASSPHRASE], check=True)


def test_inspect_needs_no_passphrase(store, vault_path):
    store.save_token(ann())
    info = inspect(vault_path)
    assert info["token_count"] == 1 and info["format_version"] == 2
    assert [(s["name"], s["kind"], s["kdf"]) for s in info["slots"]] == [
        ("passphrase", "passphrase", TEST_KDF._asdict())
    ]


def test_a_closed_store_can_be_opened_again(vault_path):
    store = VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    store.save_token(ann())
    store.close()
    with pytest.raises(SDKException) as e:
        store.get_tokens()
    assert e.value.code == "TOKEN_STORE" and "closed" in str(e.value)
    with VaultStore(vault_path, PASSPHRASE) as again:
        assert len(again) == 1


# ---- the SDK interface at its edges -----------------------------------------------------

@pytest.mark.parametrize("bad_id", ["07", "abc", "-1", "1.0", " 1"])
def test_an_id_that_is_not_a_decimal_number_is_refused(store, bad_id):
    token = ann()
    token.set_id(bad_id)
    with pytest.raises(SDKException) as e:
        store.save_token(token)
    assert e.value.code == "TOKEN_STORE"
    assert "decimal number" in e.value.error_message and repr(bad_id) in e.value.error_message
    assert store.get_tokens() == []


def test_objects_that_are_not_oauth_tokens_are_ignored_as_the_filestore_does(store):
    assert store.find_token("not a token") == "not a token"
    assert store.save_token({"access_token": "x"}) is None
    assert store.get_tokens() == []


@pytest.mark.parametrize("bad_id", [None, 1])
def test_ids_that_are_not_strings_are_not_found(store, bad_id):
    with pytest.raises(SDKException) as e:
        store.delete_token(bad_id)
    assert (e.value.code, e.value.error_message) == ("TOKEN_STORE", ID_NOT_FOUND)
    with pytest.raises(SDKException) as e:
        store.find_token_by_id(bad_id)
    assert (e.value.code, e.value.error_message) == ("TOKEN_STORE", ID_INVALID)


def test_a_signature_without_a_name_selects_the_user_rule_and_finds_nothing(store):
    store.save_token(ann())
    query = make_token({"access_token": "1000.at"})
    query.set_user_signature(UserSignature(None))
    assert store.find_token(query) is None


def test_the_vault_file_holds_no_secret_in_the_clear(store, vault_path):
    token = ann()
    token.set_access_token("1000.access-value")
    token.set_grant_token("1000.grant-value")
    store.save_token(token)
    data = vault_path.read_bytes()
    for secret in ("client-secret-value", "1000.refresh-value", "1000.access-value",
                   "1000.grant-value", "ann@zylker.com"):
        assert secret.encode() not in data


# ---- the GIL ----------------------------------------------------------------------------

def other_threads_run_during(call) -> bool:
    """Whether another thread ran Python code while `call` ran in a thread of its own.

    The switch interval is raised so that a thread keeps the GIL until it blocks or gives it up
    itself: if `call` holds the GIL, the main thread cannot run before it has returned.
    """
    state = {"done": False}
    old = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        def worker():
            call()
            state["done"] = True

        thread = threading.Thread(target=worker)
        thread.start()
        ran_while_calling = not state["done"]
        thread.join()
    finally:
        sys.setswitchinterval(old)
    return ran_while_calling


def test_the_harness_sees_a_call_that_holds_the_gil():
    assert not other_threads_run_during(lambda: sum(range(5_000_000)))


def test_key_derivation_releases_the_gil(tmp_path):
    kdf = (32 * 1024, 2, 1)  # 32 MiB: long enough for the main thread to be scheduled
    assert other_threads_run_during(
        lambda: _native.Vault.open(tmp_path / "gil.vault", _native.Credential.passphrase(b"pw"),
                                   create=True, kdf=kdf, insecure_kdf=True))


def test_a_long_write_releases_the_gil(store):
    vault = store._vault()
    assert other_threads_run_during(
        lambda: vault.import_filestore(FILES / "many.txt", require_empty=True))
    assert len(store) == 1000


# ---- without the SDK --------------------------------------------------------------------

def test_the_package_works_without_the_sdk(tmp_path):
    script = textwrap.dedent("""
        import sys
        sys.modules["zohocrmsdk"] = None   # as if the SDK were not installed
        import tokenvault
        from tokenvault import VaultStore, KdfParams
        from tokenvault._sdk import OAuthToken, SDKException, TokenStore, UserSignature
        assert not tokenvault.SDK_AVAILABLE
        store = VaultStore(sys.argv[1], "pw", kdf=KdfParams.insecure_for_tests(), insecure_kdf=True)
        assert isinstance(store, TokenStore)
        t = OAuthToken(client_id="c", client_secret="s", refresh_token="r",
                       user_signature=UserSignature("ann@zylker.com"))
        store.save_token(t)
        q = OAuthToken(user_signature=UserSignature("ann@zylker.com"))
        assert store.find_token(q) is q and q.get_refresh_token() == "r" and q.get_id() == "1"
        try:
            store.delete_token("9")
        except SDKException as e:
            assert str(e) == "Caused By: TOKEN_STORE - Exception in FileStore : Given Id not found"
        else:
            raise AssertionError("no error")
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script, str(tmp_path / "t.vault")],
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_opening_a_vault_other_users_can_read_warns(tmp_path):
    script = textwrap.dedent("""
        import sys, warnings
        from tokenvault import VaultStore, KdfParams
        warnings.simplefilter("always")
        with warnings.catch_warnings(record=True) as seen:
            VaultStore(sys.argv[1], "pw", kdf=KdfParams.insecure_for_tests(), insecure_kdf=True)
        print(len([w for w in seen if "other users" in str(w.message)]))
    """)
    path = tmp_path / "shared.vault"

    def warnings_on_open():
        out = subprocess.run([sys.executable, "-c", script, str(path)],
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        return int(out.stdout.strip())

    assert warnings_on_open() == 0          # created 0600
    assert warnings_on_open() == 0          # reopened, still 0600
    os.chmod(path, 0o644)
    assert warnings_on_open() == 1
