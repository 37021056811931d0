"""``python -m tokenvault`` and the ``tokenvault`` command that ``pip install`` puts on ``PATH``.

The CLI is compiled into the extension (``python/src/cli.rs`` says why, rather than a second
wheel with a separate binary); this hands it the arguments and exits with its exit code, so the
command behaves as the cargo-built ``tokenvault`` binary does (``tokenvault --help``).
"""

import signal
import sys


def main() -> None:
    """Runs the tokenvault CLI on ``sys.argv`` and exits with its code."""
    # A native program ends at once on Ctrl-C (SIGINT's default action); Python's own handler
    # would only set a flag that nothing checks while the CLI runs, e.g. at the passphrase prompt.
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    from ._native import run_cli

    # "tokenvault", not sys.argv[0] (a script path, or __main__.py under `python -m`): the name
    # that --help and the usage messages show.
    sys.exit(run_cli(["tokenvault", *sys.argv[1:]]))


if __name__ == "__main__":
    main()
