"""A second process that prepares an import's batches while this one writes them.

Preparing a batch (reading the file, mapping and checking each row, fingerprints) costs an
import about as much as writing it, and it needs no store (application/intake_batches.py).
`forked` runs it in a child process started with `fork`, so
the child has the file, the mapper and the import's snapshot as they are, with nothing to
pickle but the prepared batches it sends back through a pipe. The pipe holds at most the
batch being sent, so memory stays flat: the child prepares batch n+1 while this process
writes batch n, and waits while it is behind.

The child never touches this process's open database connections: it leaves by
`os._exit`, which runs no finalizer that could close a connection it shares with its parent
(a PostgreSQL connection closed in the child would end the parent's session). A failure in
the child is sent back and raised here; if this process stops (an interrupted import) the
child's next send finds the pipe closed and it ends, and the import resumes from the last
committed batch as ever.

`fork` is used only where the caller says so: the command line and the benchmark, which
run one import at a time. The web server never imports files.
"""

from __future__ import annotations

import gc
import multiprocessing
import os
import pickle
from collections.abc import Iterable, Iterator
from functools import partial
from itertools import islice
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Final

from truce.application.intake_batches import Pipeline, PreparedBatch, Preparer
from truce.domain.errors import FieldError, InvalidInputError
from truce.domain.intake import SourceRow

# Rows below which a second process costs more to start than it saves.
MIN_ROWS: Final = 10_000
_BATCH, _END, _FAILED = "batch", "end", "failed"
# Seconds to wait for the child to end once it has said so, before it is stopped.
_JOIN_TIMEOUT: Final = 10.0


class PreparationFailedError(RuntimeError):
    """The preparing process failed in a way that is not the input's fault."""


def forked(rows: Iterable[SourceRow], prepare: Preparer, size: int) -> Iterator[PreparedBatch]:
    """The batches of `rows`, prepared in one child process ahead of the caller."""
    yield from forked_by(1, rows, prepare, size)


def preparing_in(count: int) -> Pipeline:
    """The pipeline of `count` preparing processes (TRUCE_IMPORT_WORKERS). One is the
    default: on two cores a second only adds memory (bench/README.md)."""
    if count < 1:
        raise InvalidInputError([FieldError("import_workers", "must be 1 or more")])
    return partial(forked_by, count)


def forked_by(
    count: int, rows: Iterable[SourceRow], prepare: Preparer, size: int
) -> Iterator[PreparedBatch]:
    """The batches of `rows`, prepared in `count` child processes ahead of the caller.
    Child k of n prepares batches k, k+n, k+2n ... and the batches are handed on in the
    file's order."""
    context = multiprocessing.get_context("fork")
    receivers: list[Connection] = []
    children: list[BaseProcess] = []
    # What this process holds when the children start is theirs to read, not to copy: frozen
    # out of the cyclic collector, it is never walked by a child's collections, which would
    # touch, and so copy, every page of it in every child. A process that froze its own
    # objects before (a server, freeze_startup_objects) keeps them frozen.
    thaw = gc.get_freeze_count() == 0
    gc.freeze()
    try:
        for index in range(count):
            receiver, sender = context.Pipe(duplex=False)
            receivers.append(receiver)
            child = context.Process(
                target=_prepare_share,
                # The child closes its copies of every read end made so far, its own among
                # them: once this process closes them, a child still sending learns at once
                # that nobody reads (instead of waiting out the join's timeout).
                args=(rows, prepare, size, (index, count), sender, list(receivers)),
                name=f"truce-import-{index}",
                daemon=True,
            )
            child.start()
            sender.close()
            children.append(child)
        if thaw:
            gc.unfreeze()
        yield from _in_turn(receivers)
    finally:
        if thaw:
            gc.unfreeze()
        for receiver in receivers:
            receiver.close()
        for started in children:
            started.join(_JOIN_TIMEOUT)
            if started.is_alive():  # it cannot send any more: its pipe is closed
                started.terminate()
                started.join()


def _in_turn(receivers: list[Connection]) -> Iterator[PreparedBatch]:
    """Batch 0 from the first child, batch 1 from the next, and so on; the first child to
    say the rows are done ends it (every later batch number is past the end too)."""
    turn = 0
    while True:
        receiver = receivers[turn % len(receivers)]
        try:
            kind, payload = pickle.loads(receiver.recv_bytes())  # noqa: S301 - our own child's words
        except EOFError:
            raise PreparationFailedError("a preparing process ended without a word") from None
        if kind == _BATCH:
            yield payload
        elif kind == _END:
            return
        else:
            raise _failure(payload)
        turn += 1


def _failure(payload: tuple[str, object]) -> Exception:
    what, detail = payload
    if what == "input" and isinstance(detail, list):
        return InvalidInputError([FieldError(str(name), str(message)) for name, message in detail])
    return PreparationFailedError(f"preparing the import failed: {detail}")


def _prepare_share(
    rows: Iterable[SourceRow],
    prepare: Preparer,
    size: int,
    share: tuple[int, int],
    sender: Connection,
    readers: list[Connection],
) -> None:  # pragma: no cover - runs in the child, whose coverage is not collected
    """Read every row, prepare every `count`-th batch from batch `index` on, send each."""
    for reader in readers:
        reader.close()
    index, count = share
    code = 0
    try:
        pending = iter(rows)
        number = 0
        while batch := list(islice(pending, size)):
            if number % count == index:
                prepared = prepare(batch)
                sender.send_bytes(pickle.dumps((_BATCH, prepared), pickle.HIGHEST_PROTOCOL))
            number += 1
        sender.send_bytes(pickle.dumps((_END, None)))
    except (BrokenPipeError, ConnectionResetError):
        code = 1  # the importing process stopped: nobody to prepare for
    except InvalidInputError as error:  # a file broken as a whole, e.g. no HXL hashtag row
        sender.send_bytes(pickle.dumps((_FAILED, ("input", _errors(error)))))
    except Exception as error:  # noqa: BLE001 - every failure goes back to be raised there
        sender.send_bytes(pickle.dumps((_FAILED, ("error", f"{type(error).__name__}: {error}"))))
    finally:
        sender.close()
        os._exit(code)


def _errors(error: InvalidInputError) -> list[tuple[str, str]]:
    return [(item.field, item.message) for item in error.errors]


def choose(row_estimate: int) -> bool:
    """Whether a file of about this many rows is worth preparing in other processes."""
    return row_estimate >= MIN_ROWS
