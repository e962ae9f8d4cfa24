"""Fill the one blank (___) of a sentence with a trained cloze checkpoint.

python scripts/fill_blank.py ckpt_path=<.ckpt> text="I am ___ hungry at all."
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.scripts import FillBlankSettings, register_script_settings
from rnnlab.core.errors import report_user_errors
from rnnlab.core.schema import check_node
from rnnlab.nets.checkpoints import load_task_model
from rnnlab.tasks.cloze import ClozeModel, around_the_blank

# At import, before Hydra composes conf/fill_blank.yaml, which lists them.
register_script_settings()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="fill_blank")
@report_user_errors
def main(cfg: DictConfig) -> None:
    check_node("", cfg, FillBlankSettings)
    around_the_blank(str(cfg.text))  # the text is checked before the checkpoint is read
    model: ClozeModel = load_task_model(cfg.ckpt_path, ClozeModel, cfg.device)
    for word, probability in model.fill(str(cfg.text), cfg.top):
        print(f"{probability:7.2%}  {word}")


if __name__ == "__main__":
    main()
