"""A server URL's password never shows from Python, whatever characters it holds: every reserved
character of RFC 3986, ``%`` and a space, unescaped, alone and mixed, in exceptions (str, repr,
args, and the exceptions they were raised from), logs, ``repr(VaultStore)``, its attributes and
the handle registry's keys. No server is needed: the URLs either do not parse or name a closed
port on 127.0.0.1."""

from __future__ import annotations

import logging
import os
from typing import Any, List

import pytest

from conftest import PASSPHRASE, TEST_KDF, exception_texts
from tokenvault import VaultStore, _handles, _native, inspect
from tokenvault._sdk import SDKException

HEAD = "Hx7qV"
TAIL = "Zk9wJ"
SPECIAL = ":/?#[]@!$&'()*+,;=% "
PASSWORDS = [HEAD + c + TAIL for c in SPECIAL] + [HEAD + SPECIAL + TAIL, HEAD + "#?/@" + TAIL]


def urls(password: str) -> List[str]:
    return [
        "mysql://app:%s@db.example.com/zoho" % password,
        "mysql://app:%s@127.0.0.1:9/zoho?connect_timeout=1" % password,
        "mysql://app:%s@127.0.0.1:9/zoho?connect_timeout=1&password=%s" % (password, password),
    ]


def assert_hidden(*texts: object) -> None:
    for text in texts:
        shown = str(text)
        assert HEAD not in shown and TAIL not in shown, "the password shows in %r" % (text,)


@pytest.mark.parametrize("password", PASSWORDS)
def test_a_server_password_with_reserved_characters_never_shows_in_errors_or_logs(
    password: str, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    for url in urls(password):
        assert_hidden(_handles.shown(url))
        with pytest.raises((_native.VaultError, SDKException)) as e:
            VaultStore(url, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
        assert_hidden(*exception_texts(e.value))
        with pytest.raises(_native.VaultError) as e:
            inspect(url)
        assert_hidden(*exception_texts(e.value))
    assert_hidden(caplog.text)


def test_the_cli_in_the_package_never_prints_a_password_with_reserved_characters(
    capfd: pytest.CaptureFixture[str],
) -> None:
    for password in PASSWORDS:
        url = urls(password)[0]
        assert _native.run_cli(["tokenvault", "--database-url", url, "info"]) != 0
        out, err = capfd.readouterr()
        assert_hidden(out, err)


def test_a_server_location_still_shows_its_user_and_host() -> None:
    assert _handles.shown("mysql://app:S3cr#t99@db.example.com/zoho") == (
        "mysql://app@db.example.com/zoho"
    )


class FakeHandle:
    """Stands for a native handle on a server vault (no server here)."""

    def __init__(self, path: str) -> None:
        self.path = _handles.shown(path)
        self.closed = False
        self.owner_pid = os.getpid()

    @staticmethod
    def open(path: str, credential: Any, **_: Any) -> Any:
        return FakeHandle(path), False

    def accepts(self, credential: Any) -> bool:
        return True

    def close(self) -> None:
        self.closed = True


def test_vault_store_attributes_and_registry_keys_never_hold_a_server_password(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(_native, "Vault", FakeHandle)
    url = "mysql://app:%s@db.example.com/zoho" % (HEAD + "#?/@" + TAIL)
    store = VaultStore(url, PASSPHRASE)
    try:
        assert store.path == "mysql://app@db.example.com/zoho"
        assert_hidden(repr(store), store.path, *vars(store).values())
        assert_hidden(*(key for key, _ in _handles._handles))
        # The same URL finds the same handle; another password is another key.
        again = VaultStore(url, PASSPHRASE)
        assert again._handle is store._handle
        other = VaultStore(url.replace(TAIL, "other"), PASSPHRASE)
        assert other._handle is not store._handle
        other.close()
    finally:
        store.close()
    assert not [key for key, _ in _handles._handles if "db.example.com" in key]


def test_a_closed_handle_holds_no_passphrase_verifier(tmp_path: Any) -> None:
    # After close() the handle no longer recognises the passphrase it was opened with (it kept
    # a MAC of it to tell a second VaultStore's credential at once): it is wiped, so
    # `accepts` has to ask the vault, which is closed.
    credential = _native.Credential.passphrase(PASSPHRASE.encode())
    handle, created = _native.Vault.open(
        str(tmp_path / "v.vault"), credential, create=True, kdf=(8, 1, 1), insecure_kdf=True
    )
    assert created and handle.accepts(credential)
    handle.close()
    with pytest.raises(_native.VaultError, match="closed"):
        handle.accepts(credential)
