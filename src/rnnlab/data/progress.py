"""A live progress line for reading a source: documents/s and MB/s, shown only on a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    ProgressColumn,
    Task,
    TextColumn,
    TimeRemainingColumn,
    TransferSpeedColumn,
)
from rich.text import Text


class _DocumentRate(ProgressColumn):
    def render(self, task: Task) -> Text:
        elapsed = task.elapsed or 0.0
        rate = task.fields["documents"] / elapsed if elapsed > 0 else 0.0
        return Text(
            f"{task.fields['documents']:,} docs, {rate:,.0f}/s", style="progress.data.speed"
        )


@contextmanager
def read_progress(
    description: str, total_bytes: int | None
) -> Iterator[Callable[[int], None] | None]:
    """Yield `on_read(bytes_read)` to call after each document, or None when stderr is not a
    terminal, so logs and captured output never fill with progress lines."""
    if not sys.stderr.isatty():
        yield None
        return
    columns = (
        TextColumn(description),
        BarColumn(),
        DownloadColumn(),
        TransferSpeedColumn(),
        _DocumentRate(),
    )
    with Progress(
        *columns, TimeRemainingColumn(), console=Console(stderr=True), transient=True
    ) as progress:
        task = progress.add_task(description, total=total_bytes, documents=0)
        documents = 0

        def on_read(position: int) -> None:
            nonlocal documents
            documents += 1
            progress.update(task, completed=position, documents=documents)

        yield on_read
