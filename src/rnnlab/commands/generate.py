"""Sample text from a trained character-level checkpoint.

python scripts/generate.py ckpt_path=<.ckpt> prompt="The quick br" length=400 temperature=0.8
"""

from __future__ import annotations

import hydra
from omegaconf import DictConfig

from rnnlab.config.compose import CONFIG_DIR
from rnnlab.config.scripts import GenerateSettings, register_script_settings
from rnnlab.core.errors import report_user_errors
from rnnlab.core.schema import check_node
from rnnlab.nets.checkpoints import load_task_model
from rnnlab.tasks.char_lm import CharLanguageModel

# At import, before Hydra composes conf/generate.yaml, which lists them.
register_script_settings()


@hydra.main(version_base="1.3", config_path=str(CONFIG_DIR), config_name="generate")
@report_user_errors
def main(cfg: DictConfig) -> None:
    check_node("", cfg, GenerateSettings)
    model = load_task_model(cfg.ckpt_path, CharLanguageModel, cfg.device)
    texts = model.sample(
        cfg.prompt,
        cfg.length,
        cfg.temperature,
        cfg.top_k,
        num_samples=cfg.num_samples,
        seed=cfg.seed,
    )
    print("\n\n".join(texts))


if __name__ == "__main__":
    main()
