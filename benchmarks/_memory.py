"""Resident memory of this process, for the benchmarks that report peak memory.

On Linux the kernel's peak counter (``VmHWM``) can be reset by writing 5 to
``/proc/self/clear_refs``, so that a peak measured after :func:`reset_peak`
belongs to the code that ran since. Elsewhere the figures fall back on
``getrusage``'s lifetime peak.
"""

import resource
import sys

__all__ = ["MB", "reset_peak", "peak_rss", "current_rss", "ru_maxrss"]

MB = 1024**2


def reset_peak():
    """Reset this process's peak RSS (VmHWM); False where unsupported."""
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def ru_maxrss():
    """``getrusage``'s lifetime peak resident memory of this process, in bytes."""
    scale = 1 if sys.platform == "darwin" else 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * scale


def _status_bytes(field):
    """A ``/proc/self/status`` memory field in bytes; :func:`ru_maxrss` where /proc is missing."""
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return ru_maxrss()


def peak_rss():
    """Peak resident bytes since the last :func:`reset_peak` (VmHWM), else the lifetime peak."""
    return _status_bytes("VmHWM")


def current_rss():
    """Resident bytes now (VmRSS), else the lifetime peak."""
    return _status_bytes("VmRSS")
