"""A CPU load beside a benchmark: N processes spinning in pure Python.

``with cpu_load(n):`` starts ``n`` processes, each a pure-Python busy loop
(no NumPy, no torch, no threads of its own), so that the code measured inside
the block competes for the cores as it would on a machine that other work
keeps busy. Each process is bounded in time: it stops at ``max_seconds`` or as
soon as the process that started it is gone, and the block terminates (then,
if needed, kills) every one of them when it ends, also on error or Ctrl-C.

Processes are forked where the platform allows it: the children run only the
spin loop, so they need none of the parent's imports (spawning would import
torch again in each).
"""

import multiprocessing
import os
import signal
import threading
import time
from contextlib import contextmanager

__all__ = ["cpu_load", "default_load", "condition"]


def default_load():
    """One busy process per available CPU: every core has a competitor."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


def _spin(deadline, parent):
    """Busy-loop until ``deadline`` (``time.monotonic``) or the parent exits."""
    counter = 0
    while time.monotonic() < deadline:
        for _ in range(100_000):
            counter += 1
        if os.getppid() != parent:  # orphaned: the benchmark is gone
            return


def _context():
    methods = multiprocessing.get_all_start_methods()
    return multiprocessing.get_context("fork" if "fork" in methods else "spawn")


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


@contextmanager
def cpu_load(n_processes, max_seconds=3600.0):
    """Run the block beside ``n_processes`` busy processes (none when 0).

    Parameters
    ----------
    n_processes : int
        Number of spinning processes.
    max_seconds : float
        Upper bound on each process's life, in case the block outlives it
        (the block still ends them when it ends).

    Yields
    ------
    list of multiprocessing.Process
        The running load (empty when ``n_processes`` is 0).
    """
    context = _context()
    deadline = time.monotonic() + max_seconds  # monotonic clocks are shared by fork children
    processes = []
    # A plain ``kill`` would skip the clean-up below: turn it into SystemExit.
    install = n_processes > 0 and threading.current_thread() is threading.main_thread()
    previous_handler = signal.signal(signal.SIGTERM, _exit_on_sigterm) if install else None
    try:
        for _ in range(n_processes):
            process = context.Process(target=_spin, args=(deadline, os.getpid()), daemon=True)
            process.start()
            processes.append(process)
        time.sleep(0.2 if processes else 0.0)  # let the scheduler see them
        yield processes
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(timeout=5)
            if process.is_alive():
                process.kill()
                process.join(timeout=5)
        if install:
            # None: the previous handler was not set from Python; the default is the closest.
            signal.signal(signal.SIGTERM, signal.SIG_DFL if previous_handler is None else previous_handler)


@contextmanager
def condition(name, n_load, max_seconds=3600.0):
    """``cpu_load(n_load)`` for ``name == "loaded"``, nothing for ``"idle"``."""
    if name not in ("idle", "loaded"):
        raise ValueError(f"condition {name!r}: use 'idle' or 'loaded'")
    with cpu_load(n_load if name == "loaded" else 0, max_seconds) as processes:
        yield processes
