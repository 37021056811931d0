#!/usr/bin/env python3
"""Key slots: opening a vault with a key file against opening it with a passphrase.

The figures of docs/BENCHMARKS.md, "Key slots: opening with a key file". One vault of
``--tokens`` tokens (default 10 000, benches/compare's generator, imported with
``tokenvault import``) with two key slots: a passphrase at the default Argon2id cost (64 MiB,
3 passes, 4 lanes) and a key file (``tokenvault slot add --new-key-file K --generate``).
Measured with each credential, the two taking turns:

1. Open + first lookup, one process at a time (``--runs`` each, default 21):
   - ``tokenvault find`` (one lookup by user name, the query as JSON on stdin), from the
     process's start to its exit, with its peak resident set and CPU time;
   - the same open and lookup timed inside a process (benches/compare's ``open_lookup``:
     ``OpenOptions::open`` then ``find_token``, the calls ``tokenvault find`` makes), so the
     process's start, loading and argument parsing are left out;
   - ``tokenvault --version``: the start and exit of the command alone.
2. ``--processes`` (default 32) ``tokenvault find`` processes started at once on the vault
   (``--rounds`` each, default 5): wall time from the first start to the last exit, the sum of
   the processes' peak resident sets, the largest summed resident set seen at one moment
   (sampled every millisecond), and their summed CPU time.

Processes are started and measured by benches/compare's ``spawn_many`` (``wait4``), not from
Python: a child's ``ru_maxrss`` counts the memory of the process that started it (see that
file). Every lookup must find the token, or the run fails. Prints a Markdown report.

    python3 benches/slots/run.py                 # the documented figures (~1 min once built)
    python3 benches/slots/run.py --smoke         # CI: 200 tokens, test-grade KDF
    python3 benches/slots/run.py --cli PATH      # this tokenvault instead of building one

Builds ``tokenvault`` (``cargo build --release --bin tokenvault``) and benches/compare's helpers
(release) in the workspace's one target directory, honouring CARGO_TARGET_DIR. ``--smoke`` (200
tokens, a test-grade KDF, few runs) is a check that the script works; its timings mean nothing.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[2]
COMPARE = REPO / "benches" / "compare"
PASSPHRASE = "benchmark passphrase"
# The test-grade KDF of --smoke (and of the no-KDF control vault): the CLI's minimum, allowed
# only with --insecure-kdf.
SMOKE_KDF = [
    "--insecure-kdf",
    "--kdf-memory-kib",
    "8",
    "--kdf-iterations",
    "1",
    "--kdf-parallelism",
    "1",
]
CREDENTIALS = ("key file", "passphrase")
# benches/compare's programs this script runs (src/bin/).
HELPERS = ["token_file", "open_lookup", "spawn_many"]


def cargo_build(workspace: Path, bins: list[str], profile: str) -> dict[str, str]:
    """Builds ``bins`` of the workspace; returns their paths as cargo reports them."""
    command = ["cargo", "build", "--quiet", "--message-format=json-render-diagnostics"]
    command += ["--profile", profile]
    for name in bins:
        command += ["--bin", name]
    out = subprocess.run(
        command, cwd=workspace, check=True, stdout=subprocess.PIPE, text=True
    ).stdout
    found = {}
    for line in out.splitlines():
        message = json.loads(line)
        if message.get("reason") == "compiler-artifact" and message.get("executable"):
            found[message["target"]["name"]] = message["executable"]
    missing = set(bins) - set(found)
    if missing:
        raise SystemExit(f"cargo built no executable for {', '.join(sorted(missing))}")
    return found


def clean_env() -> dict[str, str]:
    """This environment without any TOKENVAULT_* variable (a key file or passphrase of the
    caller's must not be used), and without colour."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TOKENVAULT_")}
    env["NO_COLOR"] = "1"
    return env


class Bench:
    def __init__(self, cli: str, helpers: dict[str, str], work: Path) -> None:
        self.cli = cli
        self.helpers = helpers
        self.work = work
        self.vault = work / "tokens.vault"
        # The same tokens behind one passphrase slot at the test-grade KDF: the open without a
        # KDF to speak of, to set the key file's open against.
        self.no_kdf_vault = work / "no-kdf.vault"
        self.key = work / "worker.key"
        self.query = work / "query.json"
        self.envs = {
            "key file": dict(clean_env(), TOKENVAULT_KEY_FILE=str(self.key)),
            "passphrase": dict(clean_env(), TOKENVAULT_PASSPHRASE=PASSPHRASE),
        }
        self.user = ""
        self.id = ""
        # spawn_many's own peak resident set when it started the children: the least any
        # child's peak can read as (see spawn_many.rs).
        self.floor_kib = 0

    def tokenvault(
        self,
        credential: str,
        *args: str,
        stdin: str | None = None,
        vault: Path | None = None,
    ) -> str:
        return subprocess.run(
            [self.cli, "--vault", str(vault or self.vault), *args],
            env=self.envs[credential],
            input=stdin,
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout

    def setup(self, tokens: int, kdf: list[str]) -> list[dict[str, Any]]:
        """Makes the vault and its two slots; returns `slot list`'s slots."""
        token_file = self.work / "sdk_tokens.txt"
        with open(token_file, "wb") as out:
            subprocess.run(
                [self.helpers["token_file"], str(tokens)], check=True, stdout=out
            )
        # One lookup by user name, of a token in the middle of the vault.
        with open(token_file, newline="") as f:
            rows = list(csv.DictReader(f))
        assert len(rows) == tokens, (len(rows), tokens)
        middle = rows[tokens // 2]
        self.user, self.id = middle["user_name"], middle["id"]
        self.query.write_text(json.dumps({"user_name": self.user}))

        self.tokenvault("passphrase", "import", "--create", *kdf, str(token_file))
        self.tokenvault(
            "passphrase",
            "import",
            "--create",
            *SMOKE_KDF,
            str(token_file),
            vault=self.no_kdf_vault,
        )
        self.tokenvault(
            "passphrase", "slot", "add", "--new-key-file", str(self.key), "--generate"
        )
        slots: list[dict[str, Any]] = json.loads(
            self.tokenvault("key file", "--json", "slot", "list")
        )["slots"]
        kinds = sorted(s["kind"] for s in slots)
        assert kinds == ["key-file", "passphrase"], kinds
        for credential in CREDENTIALS:
            found = json.loads(
                self.tokenvault(
                    credential, "--json", "find", stdin=self.query.read_text()
                )
            )
            assert found["token"]["id"] == self.id, (credential, found)
        return slots

    def spawn(
        self, credential: str, n: int, argv: list[str], stdout: Path | None = None
    ) -> dict[str, Any]:
        """n processes of argv at once, through spawn_many; fails unless each exits 0."""
        command = [self.helpers["spawn_many"], "--stdin", str(self.query)]
        if stdout is not None:
            command += ["--stdout", str(stdout)]
        command += [str(n), *argv]
        out = subprocess.run(
            command,
            env=self.envs[credential],
            check=True,
            stdout=subprocess.PIPE,
            text=True,
        ).stdout
        result: dict[str, Any] = json.loads(out)
        self.floor_kib = max(self.floor_kib, result["floor_kib"])
        codes = [c["code"] for c in result["children"]]
        if any(code != 0 for code in codes):
            raise SystemExit(
                f"{credential}: {' '.join(argv)} exited {codes} (stderr above)"
            )
        return result

    def find_argv(self) -> list[str]:
        return [self.cli, "--vault", str(self.vault), "find"]

    def open_lookup(self, credential: str, vault: Path) -> dict[str, float]:
        """One open and lookup, timed inside open_lookup's process."""
        out = self.work / "open_lookup.jsonl"
        out.unlink(missing_ok=True)
        argv = [self.helpers["open_lookup"], str(vault), self.user]
        self.spawn(credential, 1, argv, stdout=out)
        inside: dict[str, Any] = json.loads(out.read_text())
        assert inside["id"] == self.id, inside
        return {"open_ms": inside["open_us"] / 1000, "lookup_us": inside["lookup_us"]}

    def one_process(self, credential: str) -> dict[str, float]:
        """One `tokenvault find`, then one open_lookup: their figures."""
        find = self.spawn(credential, 1, self.find_argv())["children"][0]
        return {
            "find_ms": find["exit_us"] / 1000,
            "find_rss_kib": find["maxrss_kib"],
            "find_cpu_ms": (find["user_us"] + find["sys_us"]) / 1000,
            **self.open_lookup(credential, self.vault),
        }

    def version(self) -> dict[str, float]:
        child = self.spawn("key file", 1, [self.cli, "--version"])["children"][0]
        return {"ms": child["exit_us"] / 1000, "rss_kib": child["maxrss_kib"]}

    def many(self, credential: str, n: int) -> dict[str, float]:
        before = cpu_times()
        result = self.spawn(credential, n, self.find_argv())
        after = cpu_times()
        children = result["children"]
        return {
            "wall_ms": result["wall_us"] / 1000,
            "spawn_ms": result["spawn_us"] / 1000,
            "rss_sum_mib": sum(c["maxrss_kib"] for c in children) / 1024,
            "rss_peak_mib": result["peak_sum_kib_sampled"] / 1024,
            "cpu_s": sum(c["user_us"] + c["sys_us"] for c in children) / 1e6,
            "idle_pct": 100 * (after[1] - before[1]) / max(after[0] - before[0], 1),
        }


def cpu_times() -> tuple[int, int]:
    """The machine's CPU time so far and its idle part (iowait included), in ticks."""
    with open("/proc/stat") as f:
        ticks = [int(x) for x in f.readline().split()[1:]]
    return sum(ticks), ticks[3] + ticks[4]


def spread(values: list[float], show: Callable[[float], str]) -> str:
    """The median, then min–max (the unit written once where all three share it)."""
    median, low, high = (
        show(v) for v in (statistics.median(values), min(values), max(values))
    )
    if len(values) == 1:
        return median
    unit = median.split(" ")[-1]
    if low.endswith(" " + unit) and high.endswith(" " + unit):
        low, high = low.split(" ")[0], high.split(" ")[0]
    return f"{median} ({low}–{high})"


def ms(value: float) -> str:
    if value >= 1000:
        return f"{value / 1000:.2f} s"
    return (
        f"{value:.2f} ms"
        if value < 10
        else f"{value:.1f} ms"
        if value < 100
        else f"{value:.0f} ms"
    )


def us(value: float) -> str:
    if value >= 1000:
        return ms(value / 1000)
    return f"{value:.1f} µs" if value < 100 else f"{value:.0f} µs"


def mib(value: float) -> str:
    if value >= 1024:
        return f"{value / 1024:.2f} GiB"
    return f"{value:.1f} MiB" if value < 100 else f"{value:.0f} MiB"


def percent(value: float) -> str:
    return f"{value:.0f} %"


def seconds(value: float) -> str:
    return f"{value:.2f} s"


def ratio(a: list[float], b: list[float]) -> str:
    r = statistics.median(b) / statistics.median(a)
    return f"{r:.1f}×" if r < 10 else f"{r:.0f}×"


def describe_kdf(kdf: dict[str, int]) -> str:
    memory, passes, lanes = kdf["memory_kib"], kdf["iterations"], kdf["parallelism"]
    size = f"{memory // 1024} MiB" if memory % 1024 == 0 else f"{memory} KiB"
    return (
        f"{size}, {passes} pass{'es' * (passes != 1)}, {lanes} lane{'s' * (lanes != 1)}"
    )


def machine() -> str:
    model = "?"
    memory = 0
    try:
        with open("/proc/cpuinfo") as f:
            model = next(
                (
                    line.split(":", 1)[1].strip()
                    for line in f
                    if line.startswith("model name")
                ),
                "?",
            )
        with open("/proc/meminfo") as f:
            memory = next(
                int(line.split()[1]) for line in f if line.startswith("MemTotal")
            )
    except OSError:
        pass
    rustc = subprocess.run(
        ["rustc", "--version"], check=False, stdout=subprocess.PIPE, text=True
    ).stdout.strip()
    return (
        f"{os.cpu_count() or 0} cores, {model}, {round(memory / 2**20)} GiB, "
        f"{platform.system()} {platform.release()}, {rustc}"
    )


def commit() -> str:
    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["git", "-C", str(REPO), *args],
            check=False,
            stdout=subprocess.PIPE,
            text=True,
        )

    head = git("rev-parse", "--short", "HEAD").stdout.strip()
    if not head:
        return "unknown"
    dirty = git(
        "diff", "--quiet", "HEAD", "--", "src", "Cargo.toml", "benches"
    ).returncode
    return head + (" (with uncommitted changes)" if dirty else "")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--tokens", type=int, help="tokens in the vault (default 10000)"
    )
    parser.add_argument(
        "--runs", type=int, help="single processes per credential (default 21)"
    )
    parser.add_argument(
        "--processes", type=int, default=32, help="started at once (default 32)"
    )
    parser.add_argument(
        "--rounds", type=int, help="of --processes per credential (default 5)"
    )
    parser.add_argument("--cli", help="a built tokenvault command (default: build one)")
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="200 tokens, a test-grade KDF, 3 runs and 2 rounds, benches/compare's build of "
        "the command: checks that the script works; its timings mean nothing",
    )
    args = parser.parse_args()
    tokens = args.tokens or (200 if args.smoke else 10_000)
    runs = args.runs or (3 if args.smoke else 21)
    rounds = args.rounds or (2 if args.smoke else 5)
    kdf = SMOKE_KDF if args.smoke else []

    def say(message: str) -> None:
        print(f"::: {message}", file=sys.stderr, flush=True)

    say("building")
    helpers = cargo_build(COMPARE, HELPERS, "release")
    # The workspace's own release build of the command (one target directory: the helpers'
    # build above already compiled the core it shares).
    cli = args.cli or cargo_build(REPO, ["tokenvault"], "release")["tokenvault"]
    cli = os.path.abspath(cli)

    with tempfile.TemporaryDirectory(prefix="tokenvault-slots-bench.") as tmp:
        bench = Bench(cli, helpers, Path(tmp))
        say(f"a vault of {tokens} tokens, two key slots")
        slots = bench.setup(tokens, kdf)
        vault_bytes = bench.vault.stat().st_size
        listed = bench.tokenvault(
            "passphrase", "--json", "slot", "list", vault=bench.no_kdf_vault
        )
        no_kdf_kdf = describe_kdf(json.loads(listed)["slots"][0]["kdf"])
        passphrase = describe_kdf(
            next(s["kdf"] for s in slots if s["kind"] == "passphrase")
        )

        began = time.time()
        load_before = os.getloadavg()
        say(f"open + first lookup, {runs} runs each")
        for credential in CREDENTIALS:  # warm-up: the page cache, not measured
            bench.one_process(credential)
        single: dict[str, list[dict[str, float]]] = {c: [] for c in CREDENTIALS}
        versions = []
        no_kdf = []
        for run in range(runs):
            for credential in CREDENTIALS if run % 2 == 0 else CREDENTIALS[::-1]:
                single[credential].append(bench.one_process(credential))
            versions.append(bench.version())
            no_kdf.append(bench.open_lookup("passphrase", bench.no_kdf_vault))

        say(f"{args.processes} processes at once, {rounds} rounds each")
        many: dict[str, list[dict[str, float]]] = {c: [] for c in CREDENTIALS}
        for r in range(rounds):
            for credential in CREDENTIALS if r % 2 == 0 else CREDENTIALS[::-1]:
                many[credential].append(bench.many(credential, args.processes))
        took = time.time() - began
        load_after = os.getloadavg()

    def row(
        label: str,
        results: dict[str, list[dict[str, float]]],
        key: str,
        show: Callable[[float], str],
        scale: float = 1,
        compare: bool = True,
    ) -> None:
        a, b = ([r[key] / scale for r in results[c]] for c in CREDENTIALS)
        times = ratio(a, b) if compare else ""
        print(f"| {label} | {spread(a, show)} | {spread(b, show)} | {times} |")

    def loads(values: tuple[float, float, float]) -> str:
        return " ".join(f"{x:.2f}" for x in values)

    smoke = " (SMOKE RUN: test-grade KDF; the timings mean nothing)"
    print(
        f"Run: {time.strftime('%Y-%m-%d %H:%M', time.gmtime(began))} UTC, "
        f"tokenvault {commit()}, {took:.0f} s of measuring{smoke if args.smoke else ''}."
    )
    print(f"Machine: {machine()}.")
    command = " ".join(["python3", "benches/slots/run.py", *sys.argv[1:]])
    print(
        f"Command: `{command}`. Load average before / after measuring: "
        f"{loads(load_before)} / {loads(load_after)}."
    )
    print(
        f"Vault: {tokens} tokens ({vault_bytes / 2**20:.1f} MiB file), key slots `passphrase` "
        f"(Argon2id {passphrase}) and `key-file`; one lookup by user name. Median (min–max)."
    )
    header = "| | key file | passphrase | passphrase ÷ key file |\n|---|---:|---:|---:|"
    print()
    print(f"#### Open + first lookup, one process at a time ({runs} runs each)")
    print()
    print(header)
    row("`tokenvault find`, start to exit", single, "find_ms", ms)
    row("inside a process: open (`OpenOptions::open`)", single, "open_ms", ms)
    row("inside a process: first lookup (`find_token`)", single, "lookup_us", us)
    row("CPU time of `tokenvault find` (user + system)", single, "find_cpu_ms", ms)
    row(
        "peak resident set of `tokenvault find`",
        single,
        "find_rss_kib",
        mib,
        scale=1024,
    )
    version_ms = spread([v["ms"] for v in versions], ms)
    version_rss = spread([v["rss_kib"] / 1024 for v in versions], mib)
    no_kdf_open = spread([r["open_ms"] for r in no_kdf], ms)
    no_kdf_lookup = spread([r["lookup_us"] for r in no_kdf], us)
    print()
    print(
        f"For scale: `tokenvault --version` (the command's start and exit, no vault): "
        f"{version_ms}, peak resident set {version_rss}. Inside a process, a vault of the same "
        f"tokens behind one passphrase slot at the test-grade KDF (Argon2id {no_kdf_kdf}): "
        f"open {no_kdf_open}, first lookup {no_kdf_lookup}. A peak resident set counts at "
        f"least that of the process that started it: here {mib(bench.floor_kib / 1024)}."
    )
    print()
    print(
        f"#### {args.processes} `tokenvault find` processes started at once ({rounds} rounds each)"
    )
    print()
    print(header)
    row("wall time, first start to last exit", many, "wall_ms", ms)
    row("sum of the processes' peak resident sets", many, "rss_sum_mib", mib)
    row(
        "largest summed resident set at one moment (sampled)", many, "rss_peak_mib", mib
    )
    row("CPU time, all processes (user + system)", many, "cpu_s", seconds)
    row("idle CPU of the machine", many, "idle_pct", percent, compare=False)
    starting = f"of the wall time: starting the {args.processes} processes"
    row(starting, many, "spawn_ms", ms, compare=False)


if __name__ == "__main__":
    main()
