"""Debian's chromium under Playwright, as the browser tests and bench/ui.py drive it.

Never ``playwright install``: the machine reaches no browser download; ``make test`` installs the distribution's
chromium instead (``apt-get install chromium``).  The flags keep a headless run from phoning home or updating.
"""
from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
VIEWPORT = {"width": 1400, "height": 900}


def launch_chromium(playwright):
    """A headless chromium browser from ``sync_playwright()``; raises FileNotFoundError when it is not installed."""
    if not CHROMIUM.is_file():
        raise FileNotFoundError(f"{CHROMIUM} not found: `apt-get install -y chromium` (make test does it)")
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
