"""VaultStore on a database server: a ``mysql://`` or ``postgres://`` url in place of the path.
Each test runs on each server named by TOKENVAULT_TEST_MYSQL_url and TOKENVAULT_TEST_POSTGRES_url
(the ``server_url`` fixture of conftest.py; ``.ci/steps/50-mysql.sh`` and ``55-postgres.sh``
start them and run this file); without one, its tests are skipped, with the reason shown by
``pytest -rs``."""

from __future__ import annotations

import logging
import subprocess
import sys
import textwrap

import pytest

from conftest import FILES, PASSPHRASE, TEST_KDF, exception_texts, make_token, token_dict
from tokenvault import VaultError, VaultStore, WrongPassphraseError, _handles, inspect
from tokenvault._sdk import SDKException
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

def password(url: str) -> str:
    userinfo = url.split("://", 1)[1].rsplit("@", 1)[0]
    return userinfo.split(":", 1)[1] if ":" in userinfo else ""


@pytest.fixture
def url(server_url):
    return server_url


@pytest.fixture
def store(url):
    s = VaultStore(url, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    s.delete_tokens()
    yield s
    s.delete_tokens()
    s.close()


def test_a_server_url_works_where_a_path_does(store, url):
    token = OAuthToken(client_id="1000.CID", client_secret="client-secret-value",
                       refresh_token="1000.refresh-value",
                       user_signature=UserSignature("ann@zylker.com"))
    store.save_token(token)
    assert token.get_id() == "1"
    found = store.find_token(make_token({"user_name": "ann@zylker.com"}))
    assert token_dict(found) == token_dict(token)
    assert [token_dict(t) for t in store.get_tokens()] == [token_dict(token)]
    assert inspect(url)["token_count"] == 1


def test_another_process_sees_the_same_server_vault(store, url):
    store.save_token(OAuthToken(client_id="c", client_secret="s", refresh_token="1000.r",
                                user_signature=UserSignature("bob@zylker.com")))
    script = textwrap.dedent("""
        import sys
        from tokenvault import VaultStore
        print(len(VaultStore(sys.argv[1], sys.argv[2])))
    """)
    out = subprocess.run([sys.executable, "-c", script, url, PASSPHRASE],
                         capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"


def test_the_password_never_shows(store, url):
    secret = password(url)
    assert secret, "the test server's url has a password"
    assert secret not in store.path
    assert secret not in repr(store)
    with pytest.raises(WrongPassphraseError) as e:
        VaultStore(url, "another passphrase")
    assert secret not in str(e.value)


# ---- the server password never reaches a log, a repr, an exception or a report ----------------

def url_with_password_parameter(url: str) -> str:
    """url with its password moved from the user information to ``?password=``."""
    scheme, rest = url.split("://", 1)
    userinfo, hostpart = rest.rsplit("@", 1)
    user = userinfo.split(":", 1)[0]
    separator = "&" if "?" in hostpart else "?"
    return "%s://%s@%s%spassword=%s" % (scheme, user, hostpart, separator, password(url))


def assert_hidden(url: str, *texts: object) -> None:
    secret = password(url)
    assert secret, "the test server's url has a password"
    for text in texts:
        assert secret not in str(text), "the password shows in %r" % (text,)


def test_a_migration_report_and_its_log_never_show_the_password(store, url, caplog, tmp_path):
    caplog.set_level(logging.DEBUG)
    source = FILES / "typical.txt"
    report = VaultStore.migrate_file_store(source, url, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    assert report.inserted > 0 and caplog.records, "the migration logs its report"
    assert_hidden(url, report.vault_path, report.message, str(report), repr(report), caplog.text)
    assert report.vault_path.startswith(url.split("://")[0] + "://"), "the report names the server"


def test_a_refused_migration_never_shows_the_password(store, url, caplog):
    caplog.set_level(logging.DEBUG)
    store.save_token(OAuthToken(client_id="c", client_secret="s", refresh_token="1000.r",
                                user_signature=UserSignature("cy@zylker.com")))
    with pytest.raises(VaultError) as e:
        VaultStore.migrate_file_store(FILES / "typical.txt", url, PASSPHRASE, kdf=TEST_KDF,
                                      insecure_kdf=True)
    assert "already holds" in str(e.value)
    assert_hidden(url, *exception_texts(e.value), caplog.text)


def test_a_closed_server_vault_never_shows_the_password(url, caplog):
    caplog.set_level(logging.DEBUG)
    s = VaultStore(url, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    handle = s._handle
    s.close()
    with pytest.raises(SDKException) as e:
        s.get_tokens()
    assert "closed" in str(e.value.__cause__)
    assert_hidden(url, *exception_texts(e.value), caplog.text, repr(handle), handle.path)


def test_a_password_given_as_a_url_parameter_never_shows(url, caplog):
    caplog.set_level(logging.DEBUG)
    given = url_with_password_parameter(url)
    s = VaultStore(given, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    try:
        assert len(s) >= 0
        assert_hidden(url, s.path, repr(s), repr(s._handle), s._handle.path)
        with pytest.raises(WrongPassphraseError) as e:
            VaultStore(given, "another passphrase")
        assert_hidden(url, *exception_texts(e.value), caplog.text)
    finally:
        s.close()


def test_vault_store_attributes_and_registry_keys_hold_no_password(store, url):
    assert_hidden(url, repr(store), store.path, *vars(store).values())
    assert_hidden(url, *(key for key, _ in _handles._handles))
