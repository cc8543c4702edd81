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
fit that would take more than one thread first measures (:class:`ThreadTrial`):
its first training steps alternate between one thread and that count, and
the rest of the fit runs with whichever was faster.
"""

import math
import os
import statistics
import time

import torch

__all__ = ["resolve_threads", "available_cores", "busy_cores", "MIN_WORK_PER_THREAD", "ThreadTrial"]

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


# The first trial's choice per layer size, batch size and thread count, kept
# for the life of the process: later fits of that size run the same schedule
# and keep the same count, so that seeded refits in one process are identical
# (float32 sums are ordered differently at another thread count).
_CHOSEN = {}
_MAX_CHOSEN = 1024


class ThreadTrial:
    """Choose between one thread and ``n_threads`` by timing training steps.

    Which of the two trains faster near ``MIN_WORK_PER_THREAD`` changed from
    run to run on the same idle machine (the medium LSTM fit of the
    performance page: two threads 9 % slower one day, 30 % faster another),
    so the choice is measured where it is made. The first training steps
    run one untimed step at each count (the first step at a new count is
    slow: 4.2 against 1.8 ms for the medium LSTM at two threads), then ``n_steps`` timed steps at each, in
    ``1, N, N, 1`` blocks so that a drift of the machine's speed falls on
    both alike. The count with the lower median step time is kept for the
    rest of the fit; a tie keeps one thread, which leaves a core to other
    work. A trial costs at most ``n_steps`` steps at the slower count.

    The first trial for a ``key`` in a process decides for the later ones:
    they run the same schedule and keep the same count, so that a refit
    with the same seed gives the same model bitwise.

    Parameters
    ----------
    n_threads : int
        The count to try against one thread (greater than 1).
    key : hashable or None, default=None
        What the choice holds for (the layer's and the batch's sizes); None
        measures every time.
    n_steps : int, default=8
        Timed steps at each count (even).

    Attributes
    ----------
    chosen : int or None
        The count kept, None until the trial has ended.
    """

    def __init__(self, n_threads, key=None, n_steps=8):
        self._key = None if key is None else (*key, n_threads)
        warmup = [1, n_threads]
        blocks = [1, n_threads, n_threads, 1] * (n_steps // 2)
        self._schedule = warmup + blocks
        self._n_untimed = len(warmup)
        self._times = {1: [], n_threads: []}
        self._step = 0
        self._start = None
        self.chosen = None

    def before_step(self):
        """Set the thread count of the next step and start its clock."""
        torch.set_num_threads(self._schedule[self._step])
        self._start = time.perf_counter()

    def after_step(self):
        """Stop the step's clock (the step's loss must have been read, so
        that its work is done); True once the trial has chosen, and the
        chosen count is set."""
        elapsed = time.perf_counter() - self._start
        if self._step >= self._n_untimed:
            self._times[self._schedule[self._step]].append(elapsed)
        self._step += 1
        if self._step < len(self._schedule):
            return False
        medians = {n: statistics.median(times) for n, times in self._times.items()}
        measured = min(medians, key=lambda n: (medians[n], n))
        if self._key is None:
            self.chosen = measured
        else:
            if len(_CHOSEN) >= _MAX_CHOSEN:
                _CHOSEN.clear()
            self.chosen = _CHOSEN.setdefault(self._key, measured)
        torch.set_num_threads(self.chosen)
        return True
