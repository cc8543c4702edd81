"""How many PyTorch threads a fit or a prediction uses (``n_threads="auto"``).

A recurrent network steps through time in small matrix products. A second
thread helps only when each product is large enough to split, and it hurts
badly when the core it would run on is busy: the threads then wait for each
other at every step. ``"auto"`` therefore takes all the cores that are free
*now* when the work per step is large enough, and one thread otherwise.

* Cores available to this process: the CPU affinity mask, capped by a cgroup
  CPU quota when one is set (containers).
* Cores busy with other work: the number of runnable tasks on the machine at
  this instant (the fourth field of ``/proc/loadavg`` on Linux), less this
  process's own runnable threads. Elsewhere, or when the file cannot be read,
  the one-minute load average is used.
* Work per step: ``batch x gates x hidden x (inputs + hidden)`` multiply-adds
  of the recurrent layer, for the largest batch of the call.
"""

import math
import os

__all__ = ["resolve_threads", "available_cores", "busy_cores", "MIN_WORK_PER_THREAD"]

# Multiply-adds per time step and thread below which another thread costs more
# than it saves, per cell (benchmarks/threads.py and speed.py on the 2-core
# development machine; see the performance page). Which of one and two threads
# is faster near these sizes changed from day to day on that machine: in the
# medium workload's sizes two threads were 9% slower one day (LSTM fit) and 30%
# faster another. The thresholds take the choice whose worst case measured is
# the smaller: losing 9-17% where a second thread does not pay, against 20-50%
# where it does and is not used. Below them (the seed workload, one sequence)
# the second thread was never faster.
MIN_WORK_PER_THREAD = {"lstm": 2**17, "gru": 2**19, "rnn": 2**18}

GATES = {"rnn": 1, "gru": 3, "lstm": 4}


def available_cores():
    """Cores this process may run on: the affinity mask, capped by a cgroup quota."""
    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        cores = os.cpu_count() or 1
    try:
        with open("/sys/fs/cgroup/cpu.max") as f:
            quota, period = f.read().split()[:2]
        if quota != "max":
            cores = min(cores, max(1, math.ceil(int(quota) / int(period))))
    except (OSError, ValueError):
        pass
    return max(1, cores)


def _own_running_threads():
    """Threads of this process in the running state (Linux), at least 1: the caller."""
    running = 0
    try:
        for task in os.listdir("/proc/self/task"):
            with open(f"/proc/self/task/{task}/stat") as f:
                # the state follows the parenthesized command name
                if f.read().rsplit(")", 1)[1].split()[0] == "R":
                    running += 1
    except OSError:
        return 1
    return max(1, running)


def busy_cores():
    """Runnable tasks of other processes right now (a float where only the
    load average is known)."""
    try:
        with open("/proc/loadavg") as f:
            running = int(f.read().split()[3].split("/")[0])
        return max(0, running - _own_running_threads())
    except (OSError, ValueError, IndexError):
        pass
    try:
        return max(0.0, os.getloadavg()[0] - 1.0)
    except (OSError, AttributeError):
        return 0


def resolve_threads(n_threads, *, cell, batch_size, hidden_size, n_features, n_directions=1):
    """The number of PyTorch intra-op threads for one call.

    Parameters
    ----------
    n_threads : int, None or "auto"
        An int or None (leave PyTorch's setting) is returned as given.
    cell : {"rnn", "lstm", "gru"}
    batch_size : int
        Sequences per batch of the call (training or prediction batch).
    hidden_size, n_features, n_directions : int
        Size of the recurrent layer.

    Returns
    -------
    int or None
    """
    if n_threads != "auto":
        return n_threads
    work = batch_size * GATES[cell] * hidden_size * (n_features + hidden_size) * n_directions
    per_thread = MIN_WORK_PER_THREAD[cell]
    if work < 2 * per_thread:
        return 1
    free = int(available_cores() - busy_cores())
    return max(1, min(free, work // per_thread))
