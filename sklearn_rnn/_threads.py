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

Near the thresholds neither choice wins every day on the same machine, so a
fit that would take more than one thread first measures
(:func:`choose_threads`): the forward and backward pass of its first batch,
at one thread and at that count in turn, and the fit runs with whichever
was faster.
"""

import math
import os
import statistics
import time

import torch

__all__ = ["resolve_threads", "available_cores", "busy_cores", "MIN_WORK_PER_THREAD", "choose_threads"]

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


# The first measured choice per network, batch and thread count, kept for the
# life of the process: later fits of that size skip the measurement and train
# at the same count, so that seeded refits in one process are identical
# (float32 sums may be ordered differently at another thread count). Once
# full, new sizes are measured every time rather than evicting old ones.
_CHOSEN = {}
_MAX_CHOSEN = 1024

# A step at the larger count this many times the 1-thread median ends the
# measurement: that thread waits for a core another process holds.
_STALL = 4.0


def choose_threads(step, n_threads, key=None, n_steps=6):
    """The faster of one thread and ``n_threads`` at running ``step``.

    Which of the two trains faster near ``MIN_WORK_PER_THREAD`` changed from
    run to run on the same idle machine (the medium LSTM fit of the
    performance page: two threads 9 % slower one day, 30 % faster another),
    so a fit measures it. ``step`` runs once untimed at each count (the
    first call at a new count is slow: 4.2 against 1.8 ms for the medium
    LSTM's training step at two threads), then ``n_steps`` times at each, in
    ``1, N, N, 1`` blocks so that a drift of the machine's speed falls on
    both alike. The count with the lower median time wins; a tie keeps one
    thread, which leaves a core to other work. A step at ``n_threads`` that
    takes more than ``_STALL`` times the 1-thread median so far ends the
    measurement with one thread. The caller's thread count is restored.

    Parameters
    ----------
    step : callable
        Runs one unit of the work to be done (no arguments).
    n_threads : int
        The count to try against one thread (greater than 1).
    key : hashable or None, default=None
        What the choice holds for. The first choice for a key in a process is
        kept and returned for it without measuring again; None measures
        every time.
    n_steps : int, default=6
        Timed runs at each count (even, at least 2).

    Returns
    -------
    int
        1 or ``n_threads``.
    """
    if key is not None and (key, n_threads) in _CHOSEN:
        return _CHOSEN[key, n_threads]
    previous = torch.get_num_threads()
    times = {1: [], n_threads: []}
    try:
        for count in (1, n_threads):
            torch.set_num_threads(count)
            step()
        for count in [1, n_threads, n_threads, 1] * max(1, n_steps // 2):
            torch.set_num_threads(count)
            start = time.perf_counter()
            step()
            times[count].append(time.perf_counter() - start)
            if count != 1 and times[1] and times[count][-1] > _STALL * statistics.median(times[1]):
                times[count] = [math.inf]
                break
    finally:
        torch.set_num_threads(previous)
    medians = {count: statistics.median(values) for count, values in times.items()}
    chosen = min(medians, key=lambda count: (medians[count], count))
    if key is not None and len(_CHOSEN) < _MAX_CHOSEN:
        _CHOSEN[key, n_threads] = chosen
    return chosen
