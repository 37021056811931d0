"""The installed package as a user gets it from the wheel: one version everywhere, the files and
metadata a wheel must carry, and the ``tokenvault`` command (the CLI compiled into the extension,
``python/src/cli.rs``) behaving as the cargo-built binary: exit codes, ``--json``, Ctrl-C.

.ci/steps/17-wheels.sh runs this file in a fresh virtualenv for every CPython 3.9-3.13, with the
wheel installed from dist/ and no Rust toolchain on PATH; 20-python.sh runs it with the rest.
"""

from __future__ import annotations

import importlib.metadata as metadata
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from conftest import PASSPHRASE, TEST_KDF
import tokenvault
from tokenvault import VaultStore

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "docs" / "examples" / "sdk_tokens.txt"


def cargo_version(manifest: Path) -> str:
    found = re.search(r'^version = "([^"]+)"$', manifest.read_text(), re.MULTILINE)
    assert found, manifest
    return found.group(1)


def command() -> str:
    """The ``tokenvault`` command that installing the wheel put beside this interpreter."""
    path = Path(sys.executable).parent / "tokenvault"
    assert path.is_file(), "no tokenvault command beside %s: wheel not installed?" % sys.executable
    return str(path)


def run(args: List[str], *, passphrase: str = PASSPHRASE, **kwargs) -> subprocess.CompletedProcess:
    env: Dict[str, str] = {
        k: v for k, v in os.environ.items() if not k.startswith(("TOKENVAULT_", "NO_COLOR"))
    }
    env["TOKENVAULT_PASSPHRASE"] = passphrase
    return subprocess.run(
        args, capture_output=True, text=True, env=env, timeout=120,
        stdin=subprocess.DEVNULL, **kwargs
    )


def test_one_version_in_cargo_python_metadata_and_the_cli():
    # One version for the workspace (its [workspace.package]); python/Cargo.toml inherits it.
    version = cargo_version(REPO / "Cargo.toml")
    assert "version.workspace = true" in (REPO / "python" / "Cargo.toml").read_text()
    assert metadata.version("tokenvault") == version
    assert tokenvault.__version__ == version
    for cli in ([command()], [sys.executable, "-m", "tokenvault"]):
        out = run(cli + ["--version"])
        assert (out.returncode, out.stdout) == (0, "tokenvault %s\n" % version), out


def test_the_wheel_carries_types_licenses_readme_and_the_command():
    files = {str(f).replace("\\", "/") for f in metadata.files("tokenvault") or []}
    for expected in [
        "tokenvault/py.typed",
        "tokenvault/_native.pyi",
        "tokenvault/__main__.py",
        "tokenvault-%s.dist-info/licenses/LICENSE-MIT" % tokenvault.__version__,
        "tokenvault-%s.dist-info/licenses/LICENSE-APACHE" % tokenvault.__version__,
    ]:
        assert expected in files, (expected, sorted(files))
    entry_points = metadata.distribution("tokenvault").entry_points
    assert [(e.group, e.name, e.value) for e in entry_points] == [
        ("console_scripts", "tokenvault", "tokenvault.__main__:main")
    ]
    meta = metadata.metadata("tokenvault")
    assert meta["License-Expression"] == "MIT OR Apache-2.0"
    assert meta["Requires-Python"] == ">=3.9"
    assert meta["Description-Content-Type"].startswith("text/markdown")
    readme = (REPO / "python" / "README.md").read_text(encoding="utf-8")
    assert meta.get_payload().strip() == readme.strip()  # type: ignore[attr-defined]


@pytest.fixture
def migrated(tmp_path: Path) -> Path:
    """docs/examples/sdk_tokens.txt migrated into a new vault, as README's Install section does."""
    vault = tmp_path / "tokens.vault"
    report = VaultStore.migrate_file_store(EXAMPLE, vault, PASSPHRASE, kdf=TEST_KDF,
                                           insecure_kdf=True)
    assert (report.inserted, report.rows) == (3, 3)
    return vault


@pytest.mark.parametrize("how", ["command", "python -m"])
def test_list_and_verify_a_migrated_vault(migrated: Path, how: str):
    cli = [command()] if how == "command" else [sys.executable, "-m", "tokenvault"]
    listed = run(cli + ["--vault", str(migrated), "--json", "list"])
    assert listed.returncode == 0, listed.stderr
    tokens = json.loads(listed.stdout)["tokens"]
    assert [t["user_name"] for t in tokens] == ["ann@zylker.com", "bob@zylker.eu", None]
    assert {t["refresh_token"] for t in tokens} <= {"<hidden>", None}
    verified = run(cli + ["--vault", str(migrated), "--json", "verify"])
    assert verified.returncode == 0, verified.stderr
    assert json.loads(verified.stdout)["problems"] == []
    table = run(cli + ["--vault", str(migrated), "list"])
    assert table.returncode == 0 and "ann@zylker.com" in table.stdout, table


def test_exit_codes_are_the_contracts(migrated: Path):
    vault = ["--vault", str(migrated)]
    assert run([command(), *vault, "get", "1"]).returncode == 0
    missing = run([command(), *vault, "get", "9"])
    assert missing.returncode == 1 and missing.stderr.startswith("error: no token with id 9")
    assert run([command(), "--bogus"]).returncode == 2
    wrong = run([command(), *vault, "list"], passphrase="wrong")
    assert wrong.returncode == 3 and "wrong passphrase" in wrong.stderr


def test_the_command_starts_without_importing_the_sdk():
    # The Zoho SDK takes most of a cold `import tokenvault`; the CLI never needs it, and the
    # package's names that do (VaultStore, ...) still load on first use.
    script = (
        "import sys, tokenvault.__main__, tokenvault._native\n"
        "assert not [m for m in sys.modules if m.startswith('zohocrmsdk')], 'SDK imported'\n"
        "from tokenvault import *\n"
        "assert VaultStore.__module__ == 'tokenvault.store' and SDK_AVAILABLE\n"
    )
    out = run([sys.executable, "-c", script])
    assert out.returncode == 0, out.stderr
    assert not hasattr(tokenvault, "NoSuchName")


def test_help_names_the_command_tokenvault():
    for cli in ([command()], [sys.executable, "-m", "tokenvault"]):
        out = run(cli + ["--help"])
        assert out.returncode == 0 and "Usage: tokenvault [OPTIONS] <COMMAND>" in out.stdout, out


def _blocked_reading_stdin(pid: int) -> bool:
    """Whether the process's main thread sits in read(0, ...) (Linux: /proc/PID/syscall)."""
    try:
        fields = Path("/proc/%d/syscall" % pid).read_text().split()
    except OSError:
        return False
    return fields[:2] == ["0", "0x0"]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/PID/syscall")
def test_ctrl_c_ends_the_command_at_once_as_it_ends_a_native_binary(migrated: Path):
    # `save` waits for its JSON on stdin; SIGINT must kill it (as SIGINT's default action kills
    # the cargo-built binary), not set a Python flag that nothing checks while the CLI reads.
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENVAULT_")}
    env["TOKENVAULT_PASSPHRASE"] = PASSPHRASE
    proc = subprocess.Popen(
        [command(), "--vault", str(migrated), "save"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )
    try:
        deadline = time.monotonic() + 60
        while not _blocked_reading_stdin(proc.pid):
            assert proc.poll() is None, proc.communicate()
            assert time.monotonic() < deadline, "the command never waited for stdin"
            time.sleep(0.05)
        proc.send_signal(signal.SIGINT)
        assert proc.wait(timeout=10) == -signal.SIGINT
    finally:
        proc.kill()
        proc.communicate()
