"""The thread policy of n_threads="auto"."""

import numpy as np
import pytest
import torch

from sklearn_rnn import LSTMRegressor, _threads
from sklearn_rnn._threads import ThreadTrial, available_cores, busy_cores, resolve_threads


def test_explicit_settings_are_kept():
    for value in (1, 3, None):
        assert resolve_threads(value, cell="lstm", batch_size=512, hidden_size=512, n_features=4) == value


def test_small_work_takes_one_thread_whatever_the_machine(monkeypatch):
    monkeypatch.setattr(_threads, "available_cores", lambda: 64)
    monkeypatch.setattr(_threads, "busy_cores", lambda: 0)
    # the seed tutorial's model: 10 units, batches of 10
    assert resolve_threads("auto", cell="lstm", batch_size=10, hidden_size=10, n_features=1) == 1


@pytest.mark.parametrize(("cores", "busy", "expected"), [(2, 0, 2), (2, 1, 1), (2, 3, 1), (8, 2, 6), (8, 0, 8)])
def test_large_work_takes_the_free_cores(monkeypatch, cores, busy, expected):
    monkeypatch.setattr(_threads, "available_cores", lambda: cores)
    monkeypatch.setattr(_threads, "busy_cores", lambda: busy)
    assert resolve_threads("auto", cell="lstm", batch_size=512, hidden_size=512, n_features=4) == expected


def test_machine_readings_are_sane():
    assert available_cores() >= 1
    assert busy_cores() >= 0


@pytest.mark.parametrize(
    ("cell", "batch_size", "expected"),
    [
        # issue 11's medium workload (24 steps of 4 features, hidden size 32):
        # training batches of 64, prediction batches of 2048 (and of 512 in
        # benchmarks/threads.py's grid)
        ("lstm", 64, 2),
        ("lstm", 512, 2),
        ("lstm", 2048, 2),
        ("rnn", 64, 1),
        ("rnn", 512, 2),
        ("rnn", 2048, 2),
        ("gru", 64, 1),
        ("gru", 512, 2),
        ("gru", 2048, 2),
    ],
)
def test_medium_workload_threads_on_an_idle_two_core_machine(monkeypatch, cell, batch_size, expected):
    # the choices measured faster, or least slow on the worst day, in benchmarks/threads.py
    monkeypatch.setattr(_threads, "available_cores", lambda: 2)
    monkeypatch.setattr(_threads, "busy_cores", lambda: 0)
    assert resolve_threads("auto", cell=cell, batch_size=batch_size, hidden_size=32, n_features=4) == expected


class _Clock:
    """A stand-in for time.perf_counter: each step lasts what ``cost`` says
    for the thread count set when it started."""

    def __init__(self, cost):
        self.now, self.cost = 0.0, cost

    def __call__(self):
        return self.now

    def run_step(self, trial):
        trial.before_step()
        self.now += self.cost(torch.get_num_threads())
        return trial.after_step()


@pytest.mark.parametrize(("cost", "expected"), [({1: 2.0, 2: 1.0}, 2), ({1: 1.0, 2: 1.5}, 1), ({1: 1.0, 2: 1.0}, 1)])
def test_thread_trial_keeps_the_faster_count(monkeypatch, cost, expected):
    clock = _Clock(cost.__getitem__)
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    before = torch.get_num_threads()
    trial = ThreadTrial(2, n_steps=4)
    counts = []
    try:
        done = False
        while not done:
            trial.before_step()
            counts.append(torch.get_num_threads())
            clock.now += cost[counts[-1]]
            done = trial.after_step()
        assert trial.chosen == expected
        assert torch.get_num_threads() == expected
    finally:
        torch.set_num_threads(before)
    # one untimed step at each count, then 1, N, N, 1 blocks: 4 timed steps each
    assert counts == [1, 2, 1, 2, 2, 1, 1, 2, 2, 1]


def test_thread_trial_median_ignores_one_slow_step(monkeypatch):
    steps = iter([9.0, 9.0] + [1.0, 1.2, 1.2, 1.0] + [50.0, 1.2, 1.2, 1.0] * 1)
    clock = _Clock(lambda n: next(steps))
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    before = torch.get_num_threads()
    trial = ThreadTrial(2, n_steps=4)
    try:
        while not clock.run_step(trial):
            pass
        # one thread: 1.0, 1.0, 50.0, 1.0 (median 1.0); two: 1.2 four times
        assert trial.chosen == 1
    finally:
        torch.set_num_threads(before)


def _medium_data(n):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 6, 4)).astype(np.float32)
    return X, X[:, -1, 0].astype(np.float64)


@pytest.mark.parametrize("previous", [1, 2])
def test_auto_fit_runs_a_trial_and_restores_the_threads(monkeypatch, previous):
    # two free cores and a batch large enough for two threads: the fit tries both
    monkeypatch.setattr(_threads, "available_cores", lambda: 2)
    monkeypatch.setattr(_threads, "busy_cores", lambda: 0)
    chosen = []
    original = ThreadTrial.after_step

    def after_step(self):
        done = original(self)
        if done:
            chosen.append(self.chosen)
        return done

    monkeypatch.setattr(ThreadTrial, "after_step", after_step)
    X, y = _medium_data(160)
    before = torch.get_num_threads()
    torch.set_num_threads(previous)
    try:
        # 16 x 4 gates x 64 x (4 + 64) multiply-adds per step, 20 steps: the trial's 18 and 2 more
        est = LSTMRegressor(hidden_size=64, batch_size=16, max_iter=2, early_stopping=False, random_state=0)
        est.fit(X, y)
        # the thread count of the caller is back, whichever count the trial kept
        assert torch.get_num_threads() == previous
    finally:
        torch.set_num_threads(before)
    assert len(chosen) == 1 and chosen[0] in (1, 2)
    assert "_thread_trial" not in est.net_.__dict__


def test_fixed_threads_run_no_trial(monkeypatch):
    monkeypatch.setattr(_threads, "available_cores", lambda: 2)
    monkeypatch.setattr(_threads, "busy_cores", lambda: 0)

    def fail(self, *args, **kwargs):
        raise AssertionError("a trial ran")

    monkeypatch.setattr(ThreadTrial, "__init__", fail)
    X, y = _medium_data(64)
    LSTMRegressor(hidden_size=32, batch_size=16, max_iter=1, n_threads=2, random_state=0).fit(X, y)
    # and "auto" on work too small for a second thread
    LSTMRegressor(hidden_size=4, batch_size=16, max_iter=1, random_state=0).fit(X, y)


def test_thread_trial_choice_holds_for_later_fits_of_a_size(monkeypatch):
    # the first trial for a size decides; a later one that measures otherwise keeps it
    monkeypatch.setattr(_threads, "_CHOSEN", {})
    before = torch.get_num_threads()
    chosen = []
    try:
        for cost in ({1: 2.0, 2: 1.0}, {1: 1.0, 2: 2.0}):
            clock = _Clock(cost.__getitem__)
            monkeypatch.setattr(_threads.time, "perf_counter", clock)
            trial = ThreadTrial(2, key=("lstm", 64), n_steps=2)
            while not clock.run_step(trial):
                pass
            chosen.append(trial.chosen)
        other = ThreadTrial(2, key=("lstm", 128), n_steps=2)
        while not clock.run_step(other):
            pass
    finally:
        torch.set_num_threads(before)
    assert chosen == [2, 2]
    assert other.chosen == 1


def test_auto_refits_in_one_process_are_identical(monkeypatch):
    # the trial's schedule and choice repeat, so seeded refits agree bitwise
    monkeypatch.setattr(_threads, "available_cores", lambda: 2)
    monkeypatch.setattr(_threads, "busy_cores", lambda: 0)
    monkeypatch.setattr(_threads, "_CHOSEN", {})
    X, y = _medium_data(160)
    predictions = [
        LSTMRegressor(hidden_size=64, batch_size=16, max_iter=2, random_state=0).fit(X, y).predict(X) for _ in range(2)
    ]
    np.testing.assert_array_equal(predictions[0], predictions[1])
    assert len(_threads._CHOSEN) == 1
