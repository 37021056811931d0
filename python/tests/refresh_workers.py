"""Workers for the refresh-coordination tests and benchmark (test_refresh_coordination.py,
benches/refresh/run.py): the real Zoho SDK's ``get_token`` on one shared token, with the accounts
server stubbed where the SDK calls ``requests.post``.

A module of its own, importable without pytest, so that spawned processes can run it. Every
stubbed refresh appends a line to a shared file opened with ``O_APPEND`` (one ``write`` per line),
so that the counts of all processes add up; the stub then sleeps like a real refresh (~300 ms).
"""

from __future__ import annotations

import json
import os
import signal
import threading
import time
import traceback
from typing import Any, Dict, List, Optional

ACCOUNTS = "https://accounts.zoho.com/oauth/v2/token"
CLIENT_ID = "1000.K3Q7ZB0Y9V5TWD2LJX8RMFA1CNHUEP"
CLIENT_SECRET = "8f2b1c9e0d4a7b6c5e3f1a2b3c4d5e6f7a8b9c0d1e"
REFRESH = "1000.refresh.0a1b2c3d4e5f60718293a4b5c6d7e8f9"
GRANT = "1000.grant.5f1e2d3c4b5a69788796a5b4c3d2e1f0"
REDIRECT = "https://zylker.com/oauth/callback"
USER_NAME = "ann@zylker.com:700000001"
API_DOMAIN = "https://www.zohoapis.com"
STALE_ACCESS = "1000.access.stale"

# Zoho's answer past its rate limit: HTTP 200, no access token.
ACCESS_DENIED = {"error": "Access Denied",
                 "error_description": "You have made too many requests continuously. "
                                      "Please try again after some time.",
                 "status": "failure"}


def stored_token(kind: str, expiry_ms: Optional[int] = None):
    """The token the vault (or FileStore file) holds before the run: ``refresh`` (an access token
    that expires at ``expiry_ms``, default: expired a minute ago) or ``grant`` (only a grant token,
    as after the user's consent)."""
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
    from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

    if kind == "grant":
        token = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_token=GRANT,
                           redirect_url=REDIRECT, user_signature=UserSignature(USER_NAME))
    else:
        token = OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET,
                           refresh_token=REFRESH, access_token=STALE_ACCESS,
                           user_signature=UserSignature(USER_NAME))
        if expiry_ms is None:
            expiry_ms = int(time.time() * 1000) - 60_000
        token.set_expires_in(str(expiry_ms))
    token.set_api_domain(API_DOMAIN)
    return token


def query_token(query: str):
    """The token an application passes to ``Initializer.initialize``: ``refresh`` (client id,
    secret and refresh token: ``find_token``), ``grant`` (client id, secret and grant token:
    ``find_token``) or ``id`` (the stored token's id: the SDK calls ``find_token_by_id``)."""
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken

    if query == "grant":
        return OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, grant_token=GRANT,
                          redirect_url=REDIRECT)
    if query == "id":
        return OAuthToken(id="1")
    return OAuthToken(client_id=CLIENT_ID, client_secret=CLIENT_SECRET, refresh_token=REFRESH)


# ---- the accounts server, stubbed ----------------------------------------------------------

def append_line(path: str, line: str) -> None:
    """One ``write`` on a file opened ``O_APPEND``: lines of concurrent processes never mix."""
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        os.write(fd, (line + "\n").encode())
    finally:
        os.close(fd)


def read_calls(path: str) -> List[Dict[str, Any]]:
    """The stub's log: one dict per event (``time``, ``pid``, ``grant_type``, ``event``)."""
    try:
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]
    except FileNotFoundError:
        return []


def refresh_calls(path: str) -> List[Dict[str, Any]]:
    """The token requests (refreshes and grant exchanges) made, in order."""
    return [c for c in read_calls(path) if c["event"] == "request"]



def zoho_response(url: str, payload: Dict[str, Any]) -> Any:
    """What ``requests`` returns for a JSON answer of Zoho's (HTTP 200), built in memory."""
    from requests.models import Response

    r = Response()
    r.status_code = 200
    r._content = json.dumps(payload).encode()
    r.headers["Content-Type"] = "application/json;charset=UTF-8"
    r.encoding = "utf-8"
    r.url = url
    return r

class AccountsStub:
    """``requests.post`` / ``requests.get`` as the SDK sees them.

    Each token request is logged to ``calls_file`` and takes ``delay`` seconds. ``first`` makes
    the first request of the whole run (across processes: whoever creates ``calls_file +
    '.first'``) fail: ``"deny"`` answers Zoho's "Access Denied", ``"kill"`` SIGKILLs the calling
    process in the middle of its request."""

    def __init__(self, calls_file: str, delay: float = 0.3, first: Optional[str] = None) -> None:
        self.calls_file = calls_file
        self.delay = delay
        self.first = first
        self.issued = 0

    def _log(self, event: str, grant_type: Optional[str]) -> None:
        append_line(self.calls_file, json.dumps({"time": time.time(), "pid": os.getpid(),
                                                 "grant_type": grant_type, "event": event}))

    def _is_first(self) -> bool:
        try:
            os.close(os.open(self.calls_file + ".first", os.O_WRONLY | os.O_CREAT | os.O_EXCL))
            return True
        except FileExistsError:
            return False

    _response = staticmethod(zoho_response)

    def post(self, url, data=None, **kwargs):
        data = dict(data or {})
        grant_type = data.get("grant_type")
        if url != ACCOUNTS or grant_type not in ("refresh_token", "authorization_code"):
            self._log("unexpected POST %s" % url, grant_type)
            raise AssertionError("unexpected POST")
        self._log("request", grant_type)
        first = self.first is not None and self._is_first()
        if first and self.first == "kill":
            time.sleep(self.delay / 3)
            self._log("killed", grant_type)
            os.kill(os.getpid(), signal.SIGKILL)
        time.sleep(self.delay)
        if first and self.first == "deny":
            return self._response(url, ACCESS_DENIED)
        self.issued += 1
        body = {"access_token": "1000.access.%d.%d.%d" % (os.getpid(), threading.get_ident(),
                                                           self.issued),
                "expires_in": 3600, "token_type": "Bearer", "api_domain": API_DOMAIN}
        if grant_type == "authorization_code":
            body["refresh_token"] = REFRESH
        return self._response(url, body)

    def get(self, url, params=None, **kwargs):
        # The SDK asks the CRM for the user's name before a save when the token has none; every
        # stored token here has one, so this is never called.
        self._log("unexpected GET %s" % url, None)
        raise AssertionError("unexpected GET")

    def install(self) -> None:
        import requests

        requests.post = self.post  # type: ignore[assignment]
        requests.get = self.get  # type: ignore[assignment]


# ---- the SDK ---------------------------------------------------------------------------------

def warm_up_sdk(resource_path: str) -> None:
    """Runs ``Initializer.initialize`` once on a store that holds nothing, so that the SDK's
    one-time work (its JSON details, its logger) is done before the workers start together."""
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken
    from zohocrmsdk.src.com.zoho.api.authenticator.store import TokenStore
    from zohocrmsdk.src.com.zoho.crm.api.dc import USDataCenter
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

    class Nothing(TokenStore):
        def find_token(self, token):
            return None

        def save_token(self, token):
            pass

        def delete_token(self, id):
            pass

        def get_tokens(self):
            return []

        def delete_tokens(self):
            pass

        def find_token_by_id(self, id):
            return None

    Initializer.initialize(environment=USDataCenter.PRODUCTION(),
                           token=OAuthToken(access_token="warm-up", find_user=False),
                           store=Nothing(), resource_path=resource_path)


def initialize(store, token, resource_path: str) -> None:
    """The application's start: ``Initializer.initialize``, which runs ``get_token``."""
    from zohocrmsdk.src.com.zoho.crm.api.dc import USDataCenter
    from zohocrmsdk.src.com.zoho.crm.api.initializer import Initializer

    Initializer.initialize(environment=USDataCenter.PRODUCTION(), token=token, store=store,
                           resource_path=resource_path)


def error_of(e: BaseException) -> Dict[str, Any]:
    """What a caller sees of an exception: its class, the SDK's code and message."""
    return {"type": "%s.%s" % (type(e).__module__, type(e).__qualname__),
            "code": getattr(e, "code", None),
            "message": getattr(e, "error_message", str(e)),
            "cause": None if getattr(e, "cause", None) is None else repr(e.cause)}


def call_get_token(store, query: str, resource_path: str, token=None) -> Dict[str, Any]:
    """One caller's turn: ``Initializer.initialize`` with ``store`` (the SDK runs ``get_token``
    in it), timed, then ``get_token`` once more for the access token the application would use
    (the SDK keeps a token found by id apart from the caller's object). ``token``: the caller's
    long-lived token object, to call ``get_token`` on it directly instead."""
    started = time.time()
    result: Dict[str, Any] = {"pid": os.getpid(), "thread": threading.get_ident(),
                              "started": started}
    try:
        if token is None:
            token = query_token(query)
            initialize(store, token, resource_path)
            result["ended"] = time.time()
            result["access"] = token.get_token()
        else:
            result["access"] = token.get_token()
            result["ended"] = time.time()
    except Exception as e:
        result["ended"] = time.time()
        result["error"] = error_of(e)
    return result


def open_store(spec: Dict[str, Any]):
    if spec["store"] == "vault":
        from tokenvault import VaultStore

        return VaultStore(spec["path"], spec["passphrase"],
                          coordinate_refresh=spec.get("coordinate", True),
                          refresh_lease=spec.get("lease"))
    from zohocrmsdk.src.com.zoho.api.authenticator.store import FileStore

    return FileStore(spec["path"])


def process_worker(spec: Dict[str, Any], worker: int, start, results, done) -> None:
    """A worker process: opens the store, waits for the others (``start``, a barrier), calls
    ``get_token`` (``call_get_token``), reports, and stays alive until ``done`` is set (a
    worker whose refresh failed lives on; only a killed one is gone).

    ``spec``: ``store`` ("vault" or "file"), ``path``, ``passphrase``, ``coordinate``, ``lease``,
    ``query``, ``calls_file``, ``delay``, ``first``, ``resource_path``, ``host_ids`` (a
    ``TOKENVAULT_LEASE_HOST_ID`` per worker, to simulate hosts), ``long_lived`` (initialize
    before the start, while the token is valid, wait until ``due_at`` (Unix seconds) and call
    ``get_token`` on the same object: the SDK's steady state, an hour after the last refresh)."""
    host_ids = spec.get("host_ids")
    if host_ids:
        os.environ["TOKENVAULT_LEASE_HOST_ID"] = host_ids[worker % len(host_ids)]
    try:
        AccountsStub(spec["calls_file"], spec.get("delay", 0.3), spec.get("first")).install()
        store = open_store(spec)
        warm_up_sdk(spec["resource_path"])
        token, initialized = None, None
        if spec.get("long_lived"):
            token = query_token(spec["query"])
            initialize(store, token, spec["resource_path"])
            initialized = time.time()
            # Until the SDK's rule makes the token due.
            time.sleep(max(0.0, spec["due_at"] - time.time()))
    except Exception:
        traceback.print_exc()
        start.abort()
        results.put({"worker": worker, "pid": os.getpid(), "error": {"type": "setup failed"}})
        return
    start.wait()
    result = call_get_token(store, spec["query"], spec["resource_path"], token)
    result["worker"] = worker
    result["initialized"] = initialized
    results.put(result)
    done.wait(120)
