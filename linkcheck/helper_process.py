"""What every helper process (article loader, page worker) does to leave with the run that started it."""

from __future__ import annotations

import os
import sys
import threading
import time
from pathlib import Path


def helper_command(module: str, *arguments: str) -> tuple[list[str], dict[str, str]]:
    """The command and environment that start `python -m module`, importing this very linkcheck
    wherever it was imported from (source tree, venv)."""
    package_root = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")]))
    return [sys.executable, "-m", module, *arguments], {**os.environ, "PYTHONPATH": path}


def exit_with_parent(parent_pid: int) -> None:
    """In a helper: leave when the run that started us is gone (killed runs leave no orphans)."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
