"""Whether a server answers, found out within seconds: the Hugging Face Hub before a dataset is
loaded, a tracking server before a run starts."""

from __future__ import annotations

import socket
import threading


def reachable(address: tuple[str, int], timeout: float) -> bool:
    """Whether a TCP connection to `address` (host, port) opens within `timeout` seconds. It is
    tried in a daemon thread, since name resolution does not obey socket timeouts."""
    opened: list[bool] = []

    def attempt() -> None:
        try:
            socket.create_connection(address, timeout=timeout).close()
        except OSError:
            return
        opened.append(True)

    thread = threading.Thread(target=attempt, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(opened)
