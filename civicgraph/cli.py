"""The ``civicgraph`` command: each area registers its own subcommands; errors print as one
paragraph."""

from __future__ import annotations

import argparse
import contextlib
import gc
import importlib
import logging
import os
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn

from civicgraph.errors import CivicGraphError

# Modules exposing ``register(subparsers)``; each subcommand sets ``func`` returning an exit code.
COMMAND_MODULES = (
    "civicgraph.cli_neo4j",
    "civicgraph.cli_generate",
    "loaders.cli",
    "loaders.table_cli",
    "loaders.unload_cli",
    "loaders.derive.cli",
    "graph_api.web.cli",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="civicgraph",
        description="Civic Space Graph: validate, load, serve and export the civic-space graph.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True)
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        module.register(subparsers)
    return parser


def quiet_library_logs() -> None:
    """Every command reports outcomes itself, in one paragraph: the driver's multi-line retry
    and lost-connection warnings, and rdflib's traceback for each ill-typed literal (which
    validation reports with its file and shape), stay out of the terminal."""
    for name in ("neo4j", "rdflib.term"):
        logger = logging.getLogger(name)
        logger.addHandler(logging.NullHandler())
        logger.propagate = False


# What a shell reports for a command that a closed pipe stopped (128 + SIGPIPE).
BROKEN_PIPE_EXIT = 141


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; a reader that closes the pipe early (``civicgraph stats | head``) ends
    it quietly, as it would any Unix filter, rather than with a traceback."""
    try:
        code = _run(argv)
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's exit flush
    except BrokenPipeError:
        _silence_stdout()
        return BROKEN_PIPE_EXIT
    return code


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's flush at exit does not fail again."""
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())


def _run(argv: Sequence[str] | None) -> int:
    try:
        parser = build_parser()  # reads the settings (the defaults of ``serve``)
    except CivicGraphError as exc:
        print(f"civicgraph: {exc}", file=sys.stderr)
        return exc.exit_code
    args = parser.parse_args(argv)
    quiet_library_logs()
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CivicGraphError as exc:
        print(f"civicgraph {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        print("civicgraph: interrupted; nothing further was written.", file=sys.stderr)
        return 130


def run(argv: Sequence[str] | None = None) -> NoReturn:
    """The ``civicgraph`` command: ``main``, then exit without one last sweep of the heap.

    At exit the interpreter runs the cyclic garbage collector over every object still alive,
    most of them the imported libraries' (neo4j's date tables, rdflib, pydantic schemas): about
    0.13 s of CPU per run (0.6-0.9 s of wall time on a busy two-core machine) after a load has
    printed its summary. Freezing leaves those objects to the operating system; modules are
    still torn down, standard streams flushed and exit handlers run as usual."""
    code = main(argv)
    gc.freeze()
    sys.exit(code)


if __name__ == "__main__":
    run()
