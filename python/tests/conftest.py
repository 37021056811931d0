"""Shared fixtures: paths to the reference material, SDK token helpers, fresh vaults, and the
measurements printed at the end of the run (cases replayed, rows kept under concurrency)."""

from __future__ import annotations

import csv
import os
from pathlib import Path
from typing import Any, Dict, List, Optional

import pytest

from tokenvault import KdfParams, VaultStore

# The recorded data kept in the repository (tests/data, provenance in its README).
REPO = Path(__file__).resolve().parents[2]
DATA = REPO / "tests" / "data"
CASES = Path(os.environ.get("TOKENVAULT_CASES", DATA / "compat" / "filestore-cases.json"))
FILES = DATA / "compat" / "files"

PASSPHRASE = "test passphrase"
TEST_KDF = KdfParams.insecure_for_tests()

COLUMNS = ["id", "user_name", "client_id", "client_secret", "refresh_token", "access_token",
           "grant_token", "expiry_time", "redirect_url", "api_domain"]
SETTERS = {"id": "set_id", "client_id": "set_client_id", "client_secret": "set_client_secret",
           "refresh_token": "set_refresh_token", "access_token": "set_access_token",
           "grant_token": "set_grant_token", "expiry_time": "set_expires_in",
           "redirect_url": "set_redirect_url", "api_domain": "set_api_domain"}
GETTERS = {k: v.replace("set_", "get_") for k, v in SETTERS.items()}

sdk = pytest.importorskip("zohocrmsdk.src.com.zoho.api.authenticator.oauth_token")
from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken  # noqa: E402
from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore  # noqa: E402
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature  # noqa: E402


def make_token(fields: Dict[str, Optional[str]]) -> OAuthToken:
    """An SDK OAuthToken from a case's token object, built as the recorder built it."""
    t = object.__new__(OAuthToken)
    FileStore.set_oauth_token(t)
    for k, v in fields.items():
        if k == "user_name":
            t.set_user_signature(None if v is None else UserSignature(v))
        else:
            getattr(t, SETTERS[k])(v)
    return t


def token_dict(t: Optional[OAuthToken]) -> Optional[Dict[str, Optional[str]]]:
    """The ten fields of an OAuthToken, as the cases file writes them."""
    if t is None:
        return None
    d: Dict[str, Optional[str]] = {}
    for k in COLUMNS:
        if k == "user_name":
            s = t.get_user_signature()
            d[k] = None if s is None else s.get_name()
        else:
            d[k] = getattr(t, GETTERS[k])()
    return d


def token_row(t: OAuthToken) -> List[str]:
    """A token as a FileStore row: ten strings, "" for absent."""
    return ["" if v is None else v for v in token_dict(t).values()]


def row_token(row: List[str]) -> OAuthToken:
    """A FileStore row as a token: "" is absent."""
    return make_token({k: v for k, v in zip(COLUMNS, row) if v != ""})


def read_csv_rows(path: Path) -> List[List[str]]:
    """A token file's rows after the header, blank lines skipped."""
    with open(path, newline="") as f:
        rows = [r for r in csv.reader(f) if len(r) > 0]
    return rows[1:]


@pytest.fixture(autouse=True)
def no_key_file_from_the_environment(monkeypatch):
    """A TOKENVAULT_KEY_FILE in the developer's environment would come before every passphrase
    a test gives through the environment (test_key_file.py sets it where it means to)."""
    monkeypatch.delenv("TOKENVAULT_KEY_FILE", raising=False)


@pytest.fixture
def vault_path(tmp_path: Path) -> Path:
    return tmp_path / "tokens.vault"


@pytest.fixture
def store(vault_path: Path):
    """A fresh VaultStore (tiny KDF), closed after the test."""
    s = VaultStore(vault_path, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True)
    yield s
    s.close()


# The database servers the server tests run on (test_server_url.py, test_server_refresh.py):
# each test runs once per engine, skipped where its variable is unset.
SERVERS = {"mysql": "TOKENVAULT_TEST_MYSQL_URL", "postgres": "TOKENVAULT_TEST_POSTGRES_URL"}


@pytest.fixture(params=sorted(SERVERS))
def server_name(request) -> str:
    return request.param


@pytest.fixture
def server_url(server_name: str) -> str:
    url = os.environ.get(SERVERS[server_name], "")
    if not url:
        pytest.skip("no %s server (set %s)" % (server_name, SERVERS[server_name]))
    return url


def pytest_report_header(config):
    import tokenvault
    from importlib.metadata import PackageNotFoundError, version

    try:
        sdk_version = version("zohocrmsdk8-0")
    except PackageNotFoundError:
        sdk_version = "not installed under that name"
    return ["tokenvault from %s" % os.path.dirname(tokenvault.__file__),
            "zohocrmsdk8-0 %s" % sdk_version]


# ---- measurements printed at the end of the run ----------------------------------------------

MEASUREMENTS: List[str] = []
_REPLAYED: Dict[str, List[int]] = {}  # store -> [passed, total]


def pytest_runtest_logreport(report):
    if report.when != "call":
        return
    for prefix, store_name in (("test_vaultstore_gives_the_recorded_result", "VaultStore"),
                               ("test_sdk_filestore_gives_the_recorded_result", "FileStore")):
        if prefix in report.nodeid:
            counts = _REPLAYED.setdefault(store_name, [0, 0])
            counts[1] += 1
            counts[0] += int(report.passed)


def pytest_terminal_summary(terminalreporter):
    lines = ["%s: %d of %d recorded FileStore cases give the recorded result (%s)"
             % (name, passed, total, CASES) for name, (passed, total) in _REPLAYED.items()]
    lines += MEASUREMENTS
    if lines:
        terminalreporter.section("tokenvault measurements")
        for line in lines:
            terminalreporter.write_line(line)


def exception_texts(error: BaseException) -> List[Any]:
    """str, repr and args of an exception and of every exception it was raised from."""
    texts: List[Any] = []
    seen = set()
    current: Optional[BaseException] = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        texts += [str(current), repr(current), current.args]
        current = current.__cause__ or current.__context__
    return texts
