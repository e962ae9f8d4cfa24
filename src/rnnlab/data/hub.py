"""Hugging Face Hub datasets reached within seconds, or not at all: a short probe first, then
offline mode for the whole process when the Hub cannot be reached."""

from __future__ import annotations

import logging
import os
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from huggingface_hub import constants

from rnnlab.core.errors import UserError
from rnnlab.core.network import reachable

if TYPE_CHECKING:
    from datasets import Dataset, IterableDataset

log = logging.getLogger(__name__)


_HUB_PROBE_SECONDS = 3.0


# Why this process reads the Hugging Face cache only, once `load_hub_dataset` found no Hub: kept
# beside HF_HUB_OFFLINE in the environment, so the processes it starts say the same.
OFFLINE_REASON = "RNNLAB_HUB_OFFLINE_BECAUSE"


def load_hub_dataset(
    name: str, config: str | None, split: str, streaming: bool, fallback: str
) -> Dataset | IterableDataset:
    """`datasets.load_dataset` for `data.hub=name`, failing within seconds without a network.

    Unless offline mode is set already, a short connection to the Hub (or its proxy) is tried
    first; when it fails, this process switches to offline mode, so a dataset in the local
    Hugging Face cache still loads and any other fails at once instead of retrying. A failure
    ends as one UserError naming `fallback`, the offline default that dropping data.hub gives.
    """
    import datasets  # 0.6 s on top of torch (measured): paid only with data.hub

    if not datasets.config.HF_HUB_OFFLINE and not hub_reachable():
        host, port = _hub_address()
        _switch_hub_offline(f"{host}:{port} cannot be reached")
    with _hub_errors(name, fallback):
        loaded = datasets.load_dataset(name, config, split=split, streaming=streaming)
    if os.environ.get(OFFLINE_REASON):
        log.warning(
            "Read data.hub=%s from the Hugging Face cache: %s.", name, os.environ[OFFLINE_REASON]
        )
    return loaded


@contextmanager
def _hub_errors(name: str, fallback: str) -> Iterator[None]:
    """The Hub libraries' failures as one UserError, and their retry warnings silenced."""
    try:
        with _quiet_loggers("datasets", "huggingface_hub"):
            yield
    except ConnectionError as err:
        import datasets  # 0.6 s on top of torch (measured): paid only with data.hub

        if not datasets.config.HF_HUB_OFFLINE:
            raise _hub_failure(name, fallback, err) from None
        why, fix = (
            (os.environ[OFFLINE_REASON], "connect to the network")
            if os.environ.get(OFFLINE_REASON)
            else ("HF_HUB_OFFLINE or HF_DATASETS_OFFLINE is set", "unset them")
        )
        raise UserError(
            f"data.hub={name} needs the network or a copy in the Hugging Face cache, and neither "
            f"is there ({why}); {fix}, or drop data.hub to use {fallback}."
        ) from None
    except (OSError, ValueError) as err:
        raise _hub_failure(name, fallback, err) from None


def _hub_failure(name: str, fallback: str, err: Exception) -> UserError:
    return UserError(
        f"data.hub={name} could not be loaded ({type(err).__name__}); check the name and your "
        f"connection, or drop data.hub to use {fallback}."
    )


def _hub_address() -> tuple[str, int]:
    """Host and port a request to the Hub (`HF_ENDPOINT`) connects to first: its proxy, if one
    is set for it."""
    url = urlsplit(constants.ENDPOINT)
    proxy = urllib.request.getproxies().get(url.scheme)
    if proxy and not urllib.request.proxy_bypass(url.hostname or ""):
        url = urlsplit(proxy if "://" in proxy else f"http://{proxy}")
    return url.hostname or "", url.port or (443 if url.scheme == "https" else 80)


def hub_reachable(timeout: float | None = None) -> bool:
    """Whether a TCP connection to the Hub (or its proxy) opens within `timeout` seconds (3 by
    default). It is tried in a daemon thread, since name resolution does not obey socket
    timeouts."""
    return reachable(_hub_address(), _HUB_PROBE_SECONDS if timeout is None else timeout)


def _switch_hub_offline(reason: str) -> None:
    """Offline mode for this process and those it starts, and why. The libraries read the
    variables once,
    at import, into the module constants set here; datasets 5.2 and huggingface_hub 2.4 read those
    constants at each call."""
    import datasets  # 0.6 s on top of torch (measured): paid only with data.hub

    os.environ["HF_HUB_OFFLINE"] = os.environ["HF_DATASETS_OFFLINE"] = "1"
    os.environ[OFFLINE_REASON] = reason
    constants.HF_HUB_OFFLINE = True
    datasets.config.HF_HUB_OFFLINE = datasets.config.HF_DATASETS_OFFLINE = True


@contextmanager
def _quiet_loggers(*names: str) -> Iterator[None]:
    """Only errors from these loggers while inside."""
    loggers = [logging.getLogger(name) for name in names]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        for logger, level in zip(loggers, levels, strict=True):
            logger.setLevel(level)
