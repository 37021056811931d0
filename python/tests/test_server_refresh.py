"""Many workers, one refresh on a server engine (MySQL, PostgreSQL): 2 hosts x 4 processes, each
process with its own server connection, call the real SDK's ``get_token`` at once on one expired
token; the lease lives on the server, so one refresh is made. Hosts are simulated with
``TOKENVAULT_LEASE_HOST_ID`` (a holder on another host is never declared dead; only its deadline
ends its lease).

Runs on each server named by TOKENVAULT_TEST_MYSQL_URL and TOKENVAULT_TEST_POSTGRES_URL (the
``server_url`` fixture of conftest.py; ``.ci/steps/50-mysql.sh``, ``55-postgres.sh``); skipped
without.
"""

from __future__ import annotations

from pathlib import Path

import pytest

import refresh_workers as rw
from conftest import MEASUREMENTS, PASSPHRASE, TEST_KDF
from test_refresh_coordination import assert_one_refresh_for_all, run_processes
from tokenvault import VaultStore


HOSTS = 2
PER_HOST = 4


def expired_token_on_the_server(url: str, tmp_path: Path, **extra):
    with VaultStore(url, PASSPHRASE, kdf=TEST_KDF, insecure_kdf=True) as store:
        store.delete_tokens()
        token = rw.stored_token("refresh")
        store.save_token(token)
        assert token.get_id() == "1"
    resources = tmp_path / "resources"
    resources.mkdir()
    spec = {"store": "vault", "path": url, "passphrase": PASSPHRASE, "query": "refresh",
            "calls_file": str(tmp_path / "calls.log"), "delay": 0.3,
            "resource_path": str(resources),
            # Worker w runs on host w % HOSTS.
            "host_ids": ["host-%s" % "ab"[h] for h in range(HOSTS)]}
    spec.update(extra)
    return spec


@pytest.fixture
def url(server_url):
    yield server_url
    with VaultStore(server_url, PASSPHRASE) as store:
        store.delete_tokens()


def test_two_hosts_of_four_processes_make_one_refresh(url, server_name, tmp_path):
    spec = expired_token_on_the_server(url, tmp_path)
    results = run_processes(spec, HOSTS * PER_HOST, method="spawn")
    fresh = assert_one_refresh_for_all(spec, results)
    with VaultStore(url, PASSPHRASE) as store:
        assert [t.get_access_token() for t in store.get_tokens()] == [fresh]
    MEASUREMENTS.append("refresh coordination, %s engine, %d hosts x %d processes: 1 token "
                        "request" % (server_name, HOSTS, PER_HOST))


def test_without_coordination_each_process_refreshes(url, server_name, tmp_path):
    spec = expired_token_on_the_server(url, tmp_path, coordinate=False)
    run_processes(spec, HOSTS * PER_HOST, method="spawn")
    calls = len(rw.refresh_calls(spec["calls_file"]))
    line = ("refresh coordination, %s engine, coordinate_refresh=False, %d hosts x %d "
            "processes: %d token requests" % (server_name, HOSTS, PER_HOST, calls))
    print(line)
    MEASUREMENTS.append(line)
    assert calls > 1
