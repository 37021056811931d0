"""``tokenvault serve --refresh-ahead`` with the real SDK: 50 tokens over 24 simulated hours.

The service renews every token 5 minutes (less a jitter) before it expires, calling a mock
accounts server on loopback; worker processes run the real Zoho SDK (``get_token`` through
``VaultStore``, its ``requests`` stubbed and every call counted) against the same vault the whole
time. Proven: the SDK makes no refresh call at all, each token is renewed about once an hour, and
never within the SDK's last 5 seconds before expiry.

A day passes in about 216 seconds: the service is a test build of the command with the simulated
clock (``cargo build -p tokenvault-cli --features simulated-clock``, named by
``TOKENVAULT_TEST_SIMULATED_CLOCK_BIN``; .ci/steps/20-python.sh builds it), whose token time runs
FACTOR times faster from ORIGIN (``TOKENVAULT_SIMULATED_CLOCK=ORIGIN_MS:FACTOR``), and the
workers' ``time.time`` is the same clock. Leases stay on the system clock on both sides."""

from __future__ import annotations

import json
import multiprocessing
import os
import random
import signal
import subprocess
import threading
import time
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, Dict, List

import pytest

import refresh_workers as rw
from conftest import PASSPHRASE, TEST_KDF
from tokenvault import VaultStore
from zohocrmsdk.src.com.zoho.crm.api.user_signature import UserSignature

BINARY = os.environ.get("TOKENVAULT_TEST_SIMULATED_CLOCK_BIN")
pytestmark = pytest.mark.skipif(
    not BINARY, reason="needs TOKENVAULT_TEST_SIMULATED_CLOCK_BIN (a simulated-clock build of "
                       "the command; .ci/steps/20-python.sh builds one)")

TOKENS = 50
# Token time runs 400 times faster: an hour in 9 s, a day in 216 s. The default 5-minute margin is
# then 0.75 s of real time for a renewal (an HTTP call and a durable save) to land before the SDK
# would refresh; 720x failed that way on a machine with a load average of 8.
FACTOR = 400
HOURS = 24
WORKERS = 3
HOUR_MS = 3_600_000
SDK_MARGIN_MS = 5_000


class SimClock:
    def __init__(self, origin_ms: int, factor: int) -> None:
        self.origin_ms, self.factor = origin_ms, factor

    def at(self, real_s: float) -> int:
        """Token time (ms) at system time ``real_s``."""
        return self.origin_ms + int((real_s * 1000 - self.origin_ms) * self.factor)

    def now(self) -> int:
        return self.at(time.time())


def refresh_of(k: int) -> str:
    return "1000.refresh.k%02d" % k


class AccountsMock:
    """Zoho's accounts server on loopback: records each call (system time, refresh token) and
    answers a token living an hour."""

    def __init__(self) -> None:
        self.calls: List[Dict[str, Any]] = []
        self.lock = threading.Lock()
        mock = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 (http.server's name)
                length = int(self.headers.get("Content-Length", "0"))
                form = dict(urllib.parse.parse_qsl(self.rfile.read(length).decode()))
                with mock.lock:
                    mock.calls.append({"at": time.time(), "path": self.path, "form": form})
                    n = len(mock.calls)
                body = json.dumps({"access_token": "1000.access.service.%d" % n,
                                   "expires_in": 3600, "token_type": "Bearer",
                                   "api_domain": rw.API_DOMAIN}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = "http://127.0.0.1:%d" % self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


class CountingStub(rw.AccountsStub):
    """``refresh_workers.AccountsStub`` (which counts every SDK refresh in ``calls_file``), also
    noting which refresh token each refresh was for."""

    def post(self, url, data=None, **kwargs):
        rw.append_line(self.calls_file + ".tokens", json.dumps(
            {"time": time.time(), "refresh_token": dict(data or {}).get("refresh_token")}))
        return super().post(url, data=data, **kwargs)


def sdk_worker(spec: Dict[str, Any], worker: int, results) -> None:
    """A worker process: the SDK on the simulated clock, calling ``get_token`` for random tokens
    until ``stop_at`` (system time), through ``VaultStore``; the SDK's HTTP is
    ``refresh_workers.AccountsStub``, which counts any refresh it would make."""
    real_time = time.time
    clock = SimClock(spec["origin_ms"], spec["factor"])
    time.time = lambda: clock.at(real_time()) / 1000.0  # type: ignore[assignment]
    CountingStub(spec["calls_file"], delay=0.0).install()
    from zohocrmsdk.src.com.zoho.api.authenticator.oauth_token import OAuthToken

    store = VaultStore(spec["path"], PASSPHRASE)
    rw.warm_up_sdk(spec["resource_path"])
    rng = random.Random(worker)
    done, errors, expired = 0, [], 0
    while real_time() < spec["stop_at"]:
        k = rng.randrange(spec["tokens"])
        token = OAuthToken(client_id=rw.CLIENT_ID, client_secret=rw.CLIENT_SECRET,
                           refresh_token=refresh_of(k))
        try:
            rw.initialize(store, token, spec["resource_path"])
            if not token.get_token().startswith("1000.access."):
                errors.append("an unexpected access token")
            if int(token.get_expires_in()) <= clock.at(real_time()):
                expired += 1
            done += 1
        except Exception as e:  # reported, not raised: the test asserts on it
            errors.append(repr(rw.error_of(e)))
        real_sleep = 0.02  # 12 simulated seconds between one worker's requests
        threading.Event().wait(real_sleep)
    results.put({"worker": worker, "done": done, "errors": errors[:5], "expired": expired})


def test_fifty_tokens_over_a_simulated_day_are_renewed_ahead_and_the_sdk_never_refreshes(
        tmp_path: Path):
    clock = SimClock(int(time.time() * 1000), FACTOR)
    vault = tmp_path / "tokens.vault"
    initial: Dict[int, int] = {}
    with VaultStore(vault, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True) as store:
        for k in range(TOKENS):
            token = rw.stored_token("refresh")
            token.set_refresh_token(refresh_of(k))
            token.set_user_signature(UserSignature("user%02d@zylker.com" % k))
            # Expiries spread over an hour, from 40 minutes on: the time the vault and the service
            # take to start (about a second, 15 simulated minutes) leaves none due at the start.
            expiry = clock.origin_ms + 40 * 60_000 + k * HOUR_MS // TOKENS
            token.set_expires_in(str(expiry))
            store.save_token(token)
            assert token.get_id() == str(k + 1)
            initial[k] = expiry

    mock = AccountsMock()
    socket_path = tmp_path / "tokenvault.sock"
    env = {"PATH": os.environ.get("PATH", ""), "TOKENVAULT_PASSPHRASE": PASSPHRASE,
           "TOKENVAULT_SIMULATED_CLOCK": "%d:%d" % (clock.origin_ms, clock.factor)}
    events_file = (tmp_path / "events.jsonl").open("wb")
    log_file = (tmp_path / "serve.log").open("wb")
    assert BINARY is not None
    service = subprocess.Popen(
        [BINARY, "--vault", str(vault), "serve", "--socket", str(socket_path),
         "--refresh-ahead", "5m", "--accounts-url", mock.url],
        env=env, stdin=subprocess.DEVNULL, stdout=events_file, stderr=log_file)
    try:
        deadline = time.time() + 30
        while not socket_path.exists():
            assert service.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.time() < deadline, "the service did not start"
            time.sleep(0.02)
        assert "simulated clock" in (tmp_path / "serve.log").read_text()
        service_started = clock.now()
        assert all(initial[k] - 5 * 60_000 > service_started for k in range(TOKENS)), \
            "the service took too long to start"

        resources = tmp_path / "resources"
        resources.mkdir()
        stop_at = (clock.origin_ms + HOURS * HOUR_MS / FACTOR) / 1000.0
        spec = {"path": str(vault), "calls_file": str(tmp_path / "sdk_calls.log"),
                "resource_path": str(resources), "origin_ms": clock.origin_ms,
                "factor": FACTOR, "stop_at": stop_at, "tokens": TOKENS}
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        ctx = multiprocessing.get_context(method)
        results = ctx.Queue()
        workers = [ctx.Process(target=sdk_worker, args=(spec, w, results))
                   for w in range(WORKERS)]
        for p in workers:
            p.start()
        reports = [results.get(timeout=HOURS * HOUR_MS / FACTOR / 1000 + 120)
                   for _ in workers]
        for p in workers:
            p.join(30)
    finally:
        service.send_signal(signal.SIGTERM)
        service.wait(60)
        events_file.close()
        log_file.close()

    # The SDK made no refresh call; every worker got valid tokens all day.
    sdk_calls = rw.read_calls(spec["calls_file"])
    if sdk_calls:
        events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
        for line in open(spec["calls_file"] + ".tokens"):
            c = json.loads(line)
            k = int(c["refresh_token"].rsplit("k", 1)[1])
            at = int(c["time"] * 1000)
            mine = [(e["at_unix_ms"] - at, e.get("expiry_unix_ms", 0) - at, e["outcome"])
                    for e in events if e["token_id"] == str(k + 1)
                    and abs(e["at_unix_ms"] - at) < 2 * HOUR_MS]
            print("SDK refresh of token", k + 1, "at", at, "service events (rel):", mine)
    assert sdk_calls == [], "the SDK refreshed"
    for report in reports:
        assert report["errors"] == [], report
        assert report["expired"] == 0, report
    requests_made = sum(r["done"] for r in reports)
    assert requests_made > 5000, requests_made

    # Each token renewed about once an hour (every 54 to 55 minutes: 5 minutes, less a jitter
    # of at most one, before its hourly expiry), never in the last 5 seconds before expiry.
    events = [json.loads(line) for line in (tmp_path / "events.jsonl").read_text().splitlines()]
    assert {e["outcome"] for e in events} == {"renewed"}
    renewals: Dict[int, List[Dict[str, Any]]] = {}
    for e in events:
        renewals.setdefault(int(e["token_id"]) - 1, []).append(e)
    calls: Dict[int, List[float]] = {}
    for call in mock.calls:
        assert call["path"] == "/oauth/v2/token"
        assert call["form"]["grant_type"] == "refresh_token"
        assert call["form"]["client_secret"] == rw.CLIENT_SECRET
        k = int(call["form"]["refresh_token"].rsplit("k", 1)[1])
        calls.setdefault(k, []).append(call["at"])
    counts = sorted(len(calls.get(k, [])) for k in range(TOKENS))
    assert counts[0] >= HOURS - 1 and counts[-1] <= HOURS + 3, counts
    closest = HOUR_MS
    for k in range(TOKENS):
        assert len(renewals[k]) == len(calls[k]), "every answer stored, once"
        expiries = [initial[k]] + [e["expiry_unix_ms"] for e in renewals[k]]
        for n, at in enumerate(calls[k]):
            before_expiry = expiries[n] - clock.at(at)
            closest = min(closest, before_expiry)
            assert before_expiry >= SDK_MARGIN_MS, \
                "token %d renewed %d ms before expiry" % (k, before_expiry)
    print("\n  refresh ahead, %d tokens x %d simulated hours (x%d): %d renewals (%d to %d per "
          "token), %d SDK requests by %d workers, 0 SDK refreshes; closest renewal to expiry "
          "%.1f s" % (TOKENS, HOURS, FACTOR, len(mock.calls), counts[0], counts[-1],
                      requests_made, WORKERS, closest / 1000))
