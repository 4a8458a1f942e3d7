"""Facts about other processes, asked of the kernel."""

from __future__ import annotations

import os


def process_exists(pid: int) -> bool:
    """Whether process ``pid`` exists (zombies included): signal 0 is
    delivered, or refused only for lack of permission."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
