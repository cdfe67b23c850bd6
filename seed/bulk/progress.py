"""Progress of a bulk load on the terminal."""

from __future__ import annotations

import contextlib
import sys

import click


@contextlib.contextmanager
def terminal_progress(total: int, *, stream=None):
    """A progress bar for ``generate_demo(progress=...)`` if ``stream`` (stderr) is a
    terminal; otherwise ``None``, so logs (CI, pipes, tests) stay clean."""
    stream = stream if stream is not None else sys.stderr
    if not stream.isatty():
        yield None
        return
    with click.progressbar(length=total, label="Demodaten", file=stream) as bar:
        done = 0

        def advance(position: int, _total: int) -> None:
            nonlocal done
            bar.update(position - done)
            done = position

        yield advance
