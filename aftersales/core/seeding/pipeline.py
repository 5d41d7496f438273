"""Generate in one process, write in another: the ticket loop is half Python (playing tickets) and half
database (inserting their rows), so on two cores a forked child generates batch n+1 while this process
inserts batch n.

The child runs exactly the code (and the one random stream) a single process would, so the data is
the same either way; it never touches the database (it exits with `os._exit`, so it does not even close
the inherited connection), and hands each batch's rows over a pipe, pickled.
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from django.db import transaction

from aftersales.core.seeding.db import Table


def can_fork() -> bool:
    return "fork" in multiprocessing.get_all_start_methods()


def run_batches(
    batches: Callable[[], Iterator[Any]],
    tables: list[Table],
    on_batch: Callable[[Any], None],
    *,
    fork: bool,
) -> Any:
    """Drive `batches()` - each step buffers rows in `tables` and yields a progress value; after the
    last step the generator returns a final value - writing each batch in its own transaction.
    Returns the generator's final value."""
    if not fork:
        steps = batches()
        while True:
            try:
                progress = next(steps)
            except StopIteration as end:
                return end.value
            with transaction.atomic():
                for table in tables:
                    table.flush()
            on_batch(progress)

    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    child = context.Process(target=_produce, args=(batches, tables, sender), daemon=True)
    child.start()
    sender.close()
    try:
        while True:
            kind, payload = pickle.loads(receiver.recv_bytes())
            if kind == "error":
                raise RuntimeError(f"seed generator failed:\n{payload}")
            if kind == "end":
                child.join()
                return payload
            progress, rows = payload
            with transaction.atomic():
                for table, table_rows in zip(tables, rows, strict=True):
                    table.rows.extend(table_rows)
                    table.flush()
            on_batch(progress)
    finally:
        receiver.close()
        if child.is_alive():
            child.terminate()
            child.join()


def _produce(batches, tables: list[Table], sender) -> None:
    try:
        steps = batches()
        while True:
            try:
                progress = next(steps)
            except StopIteration as end:
                sender.send_bytes(pickle.dumps(("end", end.value), pickle.HIGHEST_PROTOCOL))
                break
            message = ("batch", (progress, [table.rows for table in tables]))
            sender.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))
            for table in tables:
                table.rows.clear()
    except BaseException:  # noqa: BLE001 - reported to the parent, which raises it
        sender.send_bytes(pickle.dumps(("error", traceback.format_exc()), pickle.HIGHEST_PROTOCOL))
    finally:
        sender.close()
        os._exit(0)  # no interpreter teardown: leave the inherited database connection alone
