"""What every helper process (article loader, page worker) does to leave with the run that started it."""

from __future__ import annotations

import os
import threading
import time


def exit_with_parent(parent_pid: int) -> None:
    """In a helper: leave when the run that started us is gone (killed runs leave no orphans)."""
    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(0)

    threading.Thread(target=watch, daemon=True).start()
