"""VaultStore on a MySQL/MariaDB server: a ``mysql://`` URL in place of the path. Needs a server
named by TOKENVAULT_TEST_MYSQL_URL (``.ci/steps/50-mysql.sh`` starts one and runs this file);
without it every test here is skipped, with the reason shown by ``pytest -rs``."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import FILES, PASSPHRASE, TEST_KDF, exception_texts, make_token, token_dict
from tokenvault import VaultError, VaultStore, WrongPassphraseError, _handles, inspect
from tokenvault._sdk import SDKException
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

URL = os.environ.get("TOKENVAULT_TEST_MYSQL_URL", "")
pytestmark = pytest.mark.skipif(
    not URL, reason="no MySQL server (set TOKENVAULT_TEST_MYSQL_URL)"
)


def password() -> str:
    userinfo = URL.split("://", 1)[1].rsplit("@", 1)[0]
    return userinfo.split(":", 1)[1] if ":" in userinfo else ""


@pytest.fixture
def store():
    s = VaultStore(URL, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    s.delete_tokens()
    yield s
    s.delete_tokens()
    s.close()


def test_a_server_url_works_where_a_path_does(store):
    token = OAuthToken(client_id="1000.CID", client_secret="client-secret-value",
                       refresh_token="1000.refresh-value",
                       user_signature=UserSignature("ann@zylker.com"))
    store.save_token(token)
    assert token.get_id() == "1"
    found = store.find_token(make_token({"user_name": "ann@zylker.com"}))
    assert token_dict(found) == token_dict(token)
    assert [token_dict(t) for t in store.get_tokens()] == [token_dict(token)]
    assert inspect(URL)["token_count"] == 1


def test_another_process_sees_the_same_server_vault(store):
    store.save_token(OAuthToken(client_id="c", client_secret="s", refresh_token="1000.r",
                                user_signature=UserSignature("bob@zylker.com")))
    script = textwrap.dedent("""
        import sys
        from tokenvault import VaultStore
        print(len(VaultStore(sys.argv[1], sys.argv[2])))
    """)
    out = subprocess.run([sys.executable, "-c", script, URL, PASSPHRASE],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_the_password_never_shows(store):
    secret = password()
    assert secret, "the test server's URL has a password"
    assert secret not in store.path
    assert secret not in repr(store)
    with pytest.raises(WrongPassphraseError) as e:
        VaultStore(URL, "another passphrase")
    assert secret not in str(e.value)


# ---- the server password never reaches a log, a repr, an exception or a report ----------------

def url_with_password_parameter() -> str:
    """URL with its password moved from the user information to ``?password=``."""
    scheme, rest = URL.split("://", 1)
    userinfo, hostpart = rest.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    separator = "&" if "?" in hostpart else "?"
    return "%s://%s@%s%spassword=%s" % (scheme, user, hostpart, separator, password())


def assert_hidden(*texts: object) -> None:
    secret = password()
    assert secret, "the test server's URL has a password"
    for text in texts:
        assert secret not in str(text), "the password shows in %r" % (text,)


def test_a_migration_report_and_its_log_never_show_the_password(store, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    source = FILES / "typical.txt"
    report = VaultStore.migrate_file_store(source, URL, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    assert report.inserted > 0 and caplog.records, "the migration logs its report"
    assert_hidden(report.vault_path, report.message, str(report), repr(report), caplog.text)
    assert report.vault_path.startswith("mysql://"), "the report still names the server"


def test_a_refused_migration_never_shows_the_password(store, caplog):
    caplog.set_level(logging.DEBUG)
    store.save_token(OAuthToken(client_id="c", client_secret="s", refresh_token="1000.r",
                                user_signature=UserSignature("cy@zylker.com")))
    with pytest.raises(VaultError) as e:
        VaultStore.migrate_file_store(FILES / "typical.txt", URL, PASSPHRASE, kdf=TEST_KDF,
                                      insecure_kdf=True)
    assert "already holds" in str(e.value)
    assert_hidden(*exception_texts(e.value), caplog.text)


def test_a_closed_server_vault_never_shows_the_password(caplog):
    caplog.set_level(logging.DEBUG)
    s = VaultStore(URL, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    handle = s._handle
    s.close()
    with pytest.raises(SDKException) as e:
        s.get_tokens()
    assert "closed" in str(e.value.__cause__)
    assert_hidden(*exception_texts(e.value), caplog.text, repr(handle), handle.path)


def test_a_password_given_as_a_url_parameter_never_shows(caplog):
    caplog.set_level(logging.DEBUG)
    url = url_with_password_parameter()
    s = VaultStore(url, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    try:
        assert len(s) >= 0
        assert_hidden(s.path, repr(s), repr(s._handle), s._handle.path)
        with pytest.raises(WrongPassphraseError) as e:
            VaultStore(url, "another passphrase")
        assert_hidden(*exception_texts(e.value), caplog.text)
    finally:
        s.close()


def test_vault_store_attributes_and_registry_keys_hold_no_password(store):
    assert_hidden(repr(store), store.path, *vars(store).values())
    assert_hidden(*(key for key, _ in _handles._handles))
