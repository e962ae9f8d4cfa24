"""A screenshot of a page in headless Chromium: how the tests check that the page renders, and
how docs/inspect.png is taken (the same call, so the docs show what the tests open)."""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

BROWSERS = ("chromium", "chromium-browser", "google-chrome")


def find_browser() -> str | None:
    """The first Chromium-like browser on the PATH, or None."""
    return next((found for name in BROWSERS if (found := shutil.which(name))), None)


def screenshot(
    page: Path, png: Path, width: int = 1280, height: int = 2000, browser: str | None = None
) -> Path:
    """Open `page` offline in headless Chromium and save a `width` x `height` screenshot to `png`.

    Raises a RuntimeError with the browser's output when no screenshot comes out.
    """
    browser = browser or find_browser()
    if browser is None:
        raise RuntimeError(f"no browser found on the PATH (looked for {', '.join(BROWSERS)})")
    png = png.resolve()
    png.unlink(missing_ok=True)
    # A fresh profile each time: a shared one is locked by any other Chromium that runs.
    with tempfile.TemporaryDirectory(prefix="rnnlab-chromium-") as profile:
        command = [
            browser,
            "--headless",
            "--no-sandbox",  # root in containers cannot use the sandbox
            "--disable-gpu",
            "--hide-scrollbars",
            "--no-first-run",
            f"--user-data-dir={profile}",
            f"--window-size={width},{height}",
            f"--screenshot={png}",
            page.resolve().as_uri(),
        ]
        result = subprocess.run(command, capture_output=True, text=True, timeout=120)
    if not png.is_file():
        raise RuntimeError(f"{browser} wrote no screenshot: {result.stderr.strip()[-2000:]}")
    return png
