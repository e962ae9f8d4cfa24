"""See what a character model learned: surprise per character, cells that track the text, gate
saturation, on one self-contained page.

python scripts/inspect.py ckpt_path=<.ckpt> [text="..." | input_file=<path> | split=val]
    [chars=2000] [output_dir=<dir>]
"""

from __future__ import annotations

import sys

import hydra
from omegaconf import DictConfig

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.scripts import InspectSettings, register_script_settings
from rnnlab.core.errors import report_user_errors
from rnnlab.core.schema import check_node
from rnnlab.inspect import inspect_checkpoint, summary

# At import, before Hydra composes conf/inspect.yaml, which lists them.
register_script_settings()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="inspect")
@report_user_errors
def main(cfg: DictConfig) -> None:
    check_node("", cfg, InspectSettings)
    done = inspect_checkpoint(
        cfg.ckpt_path,
        text=cfg.text,
        input_file=cfg.input_file,
        split=cfg.split,
        chars=cfg.chars,
        output_dir=cfg.output_dir,
        min_correlation=cfg.min_correlation,
        device=cfg.device,
    )
    for note in done.notes:
        print(f"note: {note}", file=sys.stderr)
    print(f"Read {len(done.text.text):,} characters of {done.text.source}.")
    print("\n".join(summary(done.inspection)))
    figures = ", ".join(path.name for key, path in done.written.items() if path.suffix == ".png")
    print(f"Page: {done.written['page']} (figures: {figures})")


if __name__ == "__main__":
    main()
