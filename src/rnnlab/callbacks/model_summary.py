"""The model summary printed when training starts: Lightning's Rich table of layers and
parameters, without what it cannot tell."""

from __future__ import annotations

from typing import Any

from lightning.pytorch.callbacks import RichModelSummary
from lightning.pytorch.utilities.model_summary import (
    get_formatted_model_size,
    get_human_readable_count,
)
from rich import get_console
from rich.table import Table

# The tasks' metric collections (TaskModule.stage_metrics): modules only so that they follow the
# model to its device; they hold no parameters and are not layers.
METRIC_CONTAINERS = "stage_metrics"


class ModelSummary(RichModelSummary):
    """Lightning's RichModelSummary, less two things it would print wrong: the metric containers
    as layers, and a FLOPs column of zeros and "Total FLOPs: 0" (Lightning counts FLOPs only for a
    model with an `example_input_array`; without one it prints 0). The columns and totals it
    measures are printed as Lightning computes them."""

    @staticmethod
    def summarize(
        summary_data: list[tuple[str, list[str]]],
        total_parameters: int,
        trainable_parameters: int,
        model_size: float,
        total_training_modes: dict[str, int],
        total_flops: int,
        **summarize_kwargs: Any,
    ) -> None:
        columns = dict(summary_data)
        if not total_flops:
            columns.pop("FLOPs", None)
        names = columns["Name"]
        keep = [
            i
            for i, name in enumerate(names)
            if name != METRIC_CONTAINERS and not name.startswith(f"{METRIC_CONTAINERS}.")
        ]
        table = Table(header_style=summarize_kwargs.get("header_style", "bold magenta"))
        right = {"Params", "Params per Device", "FLOPs", "In sizes", "Out sizes"}
        for title in columns:
            style = "dim" if title == " " else None
            table.add_column(title, justify="right" if title in right else "left", style=style)
        for row, i in enumerate(keep):
            cells = [values[i] for values in columns.values()]
            cells[0] = str(row)  # the row numbers, renumbered without the dropped rows
            table.add_row(*cells)
        console = get_console()
        console.print(table)

        totals = Table.grid(expand=True)
        totals.add_column()
        frozen = total_parameters - trainable_parameters
        lines = {
            "Trainable params": get_human_readable_count(int(trainable_parameters)),
            "Non-trainable params": get_human_readable_count(int(frozen)),
            "Total params": get_human_readable_count(int(total_parameters)),
            "Total estimated model params size (MB)": get_formatted_model_size(model_size),
            "Modules in train mode": total_training_modes["train"],
            "Modules in eval mode": total_training_modes["eval"],
        }
        if total_flops:
            lines["Total FLOPs"] = get_human_readable_count(total_flops)
        for label, value in lines.items():
            totals.add_row(f"[bold]{label}[/]: {value}")
        console.print(totals)
