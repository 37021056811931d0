"""VaultStore on a MySQL/MariaDB server: a ``mysql://`` URL in place of the path. Needs a server
named by TOKENVAULT_TEST_MYSQL_URL (``.ci/steps/50-mysql.sh`` starts one and runs this file);
without it every test here is skipped, with the reason shown by ``pytest -rs``."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from conftest import PASSPHRASE, TEST_KDF, make_token, token_dict
from tokenvault import VaultStore, WrongPassphraseError, inspect
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
    s = VaultStore(URL, PASSPHRASE, kdf=TEST_KDF)
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
