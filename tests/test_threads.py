"""The thread policy of n_threads="auto"."""

import numpy as np
import pytest
import torch
from skorch.callbacks import Callback

from sklearn_rnn import LSTMRegressor, _threads
from sklearn_rnn import _base as base
from sklearn_rnn._threads import available_cores, busy_cores, choose_threads, resolve_threads


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
    """A stand-in for time.perf_counter, and a step that lasts what ``cost``
    says for the thread count set when it runs."""

    def __init__(self, cost):
        self.now, self.cost, self.counts = 0.0, cost, []

    def __call__(self):
        return self.now

    def step(self):
        self.counts.append(torch.get_num_threads())
        self.now += self.cost(torch.get_num_threads())


@pytest.fixture
def fresh_choices(monkeypatch):
    """An empty cache of measured choices, and the caller's thread count kept."""
    monkeypatch.setattr(_threads, "_CHOSEN", {})
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.mark.parametrize(("cost", "expected"), [({1: 2.0, 2: 1.0}, 2), ({1: 1.0, 2: 1.5}, 1), ({1: 1.0, 2: 1.0}, 1)])
def test_choose_threads_keeps_the_faster_count(monkeypatch, fresh_choices, cost, expected):
    clock = _Clock(cost.__getitem__)
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    torch.set_num_threads(3)
    assert choose_threads(clock.step, 2, n_steps=4) == expected
    # one untimed run at each count, then 1, N, N, 1 blocks: 4 timed runs each
    assert clock.counts == [1, 2, 1, 2, 2, 1, 1, 2, 2, 1]
    assert torch.get_num_threads() == 3  # the caller's count is back


def test_choose_threads_median_ignores_one_slow_run(monkeypatch, fresh_choices):
    times = iter([9.0, 9.0] + [1.0, 1.2, 1.2, 1.0] + [3.9, 1.2, 1.2, 1.0])
    clock = _Clock(lambda n: next(times))
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    # one thread: 1.0, 1.0, 3.9, 1.0 (median 1.0); two: 1.2 four times
    assert choose_threads(clock.step, 2, n_steps=4) == 1


def test_choose_threads_stops_at_a_stalled_thread(monkeypatch, fresh_choices):
    # a second thread that waits for a busy core: the measurement ends at once
    clock = _Clock({1: 1.0, 2: 50.0}.__getitem__)
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    assert choose_threads(clock.step, 2, n_steps=6) == 1
    assert clock.counts == [1, 2, 1, 2]


def test_choose_threads_keeps_the_first_choice_of_a_key(monkeypatch, fresh_choices):
    choices = []
    for cost in ({1: 2.0, 2: 1.0}, {1: 1.0, 2: 2.0}):
        clock = _Clock(cost.__getitem__)
        monkeypatch.setattr(_threads.time, "perf_counter", clock)
        choices.append(choose_threads(clock.step, 2, key="size A", n_steps=2))
    assert choices == [2, 2]
    assert clock.counts == []  # the second call measured nothing
    assert choose_threads(clock.step, 2, key="size B", n_steps=2) == 1


def test_choose_threads_full_cache_keeps_its_choices(monkeypatch, fresh_choices):
    monkeypatch.setattr(_threads, "_MAX_CHOSEN", 2)
    clock = _Clock({1: 2.0, 2: 1.0}.__getitem__)
    monkeypatch.setattr(_threads.time, "perf_counter", clock)
    assert choose_threads(clock.step, 2, key="A", n_steps=2) == 2
    choose_threads(clock.step, 2, key="B", n_steps=2)
    clock.cost = {1: 1.0, 2: 2.0}.__getitem__
    assert choose_threads(clock.step, 2, key="C", n_steps=2) == 1  # measured, not kept
    assert choose_threads(clock.step, 2, key="C", n_steps=2) == 1
    assert choose_threads(clock.step, 2, key="A", n_steps=2) == 2  # still the first choice
    assert set(_threads._CHOSEN) == {("A", 2), ("B", 2)}


def _medium_data(n):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 6, 4)).astype(np.float32)
    return X, X[:, -1, 0].astype(np.float64)


def _two_free_cores(monkeypatch):
    monkeypatch.setattr(_threads, "available_cores", lambda: 2)
    monkeypatch.setattr(_threads, "busy_cores", lambda: 0)


def _record_choices(monkeypatch, forced=None):
    """Calls of choose_threads through the estimators: their choices (or
    ``forced``, after a measurement that runs the steps all the same)."""
    chosen = []

    def record(step, n_threads, key=None, n_steps=6):
        result = choose_threads(step, n_threads, key=key, n_steps=n_steps)
        chosen.append(result if forced is None else forced)
        return chosen[-1]

    monkeypatch.setattr(base, "choose_threads", record)
    return chosen


# 16 x 4 gates x 64 x (4 + 64) multiply-adds per step: two threads on two free cores
_SIZE = dict(hidden_size=64, batch_size=16)


@pytest.mark.parametrize("previous", [1, 2])
def test_auto_fit_measures_once_and_restores_the_threads(monkeypatch, fresh_choices, previous):
    _two_free_cores(monkeypatch)
    chosen = _record_choices(monkeypatch)
    X, y = _medium_data(160)
    torch.set_num_threads(previous)
    for _ in range(2):
        LSTMRegressor(**_SIZE, max_iter=2, random_state=0).fit(X, y)
        # the thread count of the caller is back, whichever count was chosen
        assert torch.get_num_threads() == previous
    assert len(chosen) == 2 and chosen[0] in (1, 2) and chosen[1] == chosen[0]
    assert len(_threads._CHOSEN) == 1  # the second fit reused the first choice


@pytest.mark.parametrize("forced", [1, 2])
def test_auto_fit_equals_a_fit_at_the_chosen_count(monkeypatch, fresh_choices, forced):
    # the measurement changes neither the weights nor the random state: dropout
    # draws and the shuffling give the model of the fixed count
    _two_free_cores(monkeypatch)
    chosen = _record_choices(monkeypatch, forced=forced)
    X, y = _medium_data(160)
    options = dict(_SIZE, max_iter=2, dropout=0.3, num_layers=2, random_state=0)
    auto = LSTMRegressor(**options).fit(X, y)
    fixed = LSTMRegressor(**options, n_threads=forced).fit(X, y)
    assert chosen == [forced]
    np.testing.assert_array_equal(auto.predict(X), fixed.predict(X))
    assert auto.loss_curve_ == fixed.loss_curve_


def test_partial_fit_measures_once(monkeypatch, fresh_choices):
    _two_free_cores(monkeypatch)
    _record_choices(monkeypatch)
    X, y = _medium_data(48)
    est = LSTMRegressor(**_SIZE, random_state=0)
    for _ in range(3):
        est.partial_fit(X, y)
    assert len(_threads._CHOSEN) == 1


def test_fixed_or_small_threads_measure_nothing(monkeypatch, fresh_choices):
    _two_free_cores(monkeypatch)
    chosen = _record_choices(monkeypatch)
    X, y = _medium_data(64)
    LSTMRegressor(**_SIZE, max_iter=1, n_threads=2, random_state=0).fit(X, y)
    # and "auto" on work too small for a second thread
    LSTMRegressor(hidden_size=4, batch_size=16, max_iter=1, random_state=0).fit(X, y)
    assert chosen == []


def test_measurement_leaves_no_gradients(monkeypatch, fresh_choices):
    class GradientsAtStart(Callback):
        def on_train_begin(self, net, **kwargs):
            self.grads = [p.grad for p in net.module_.parameters()]

    _two_free_cores(monkeypatch)
    chosen = _record_choices(monkeypatch)
    X, y = _medium_data(64)
    est = LSTMRegressor(**_SIZE, max_iter=1, callbacks=[("watch", GradientsAtStart())], random_state=0).fit(X, y)
    assert len(chosen) == 1
    watcher = dict(est.net_.callbacks_)["watch"]
    assert len(watcher.grads) > 0 and all(grad is None for grad in watcher.grads)


class _Watch(Callback):
    """Records the module's mode at the start of training and the thread
    count of every training batch."""

    def initialize(self):
        self.modes, self.threads = [], []
        return self

    def on_train_begin(self, net, **kwargs):
        self.modes.append(net.module_.training)

    def on_batch_begin(self, net, batch=None, training=None, **kwargs):
        if training:
            self.threads.append(torch.get_num_threads())


@pytest.mark.parametrize("forced", [1, 2])
def test_training_runs_at_the_chosen_count(monkeypatch, fresh_choices, forced):
    _two_free_cores(monkeypatch)
    _record_choices(monkeypatch, forced=forced)
    X, y = _medium_data(64)
    est = LSTMRegressor(**_SIZE, max_iter=2, callbacks=[("watch", _Watch())], random_state=0).fit(X, y)
    threads = dict(est.net_.callbacks_)["watch"].threads
    assert len(threads) > 0 and set(threads) == {forced}


def test_measurement_keeps_the_mode_of_a_continued_module(monkeypatch, fresh_choices):
    # a warm fit continues an eval-mode module: callbacks see what a fixed count gives
    _two_free_cores(monkeypatch)
    _record_choices(monkeypatch, forced=2)
    X, y = _medium_data(64)
    modes = {}
    for n_threads in ("auto", 2):
        est = LSTMRegressor(**_SIZE, max_iter=1, warm_start=True, n_threads=n_threads, random_state=0)
        est.set_params(callbacks=[("watch", _Watch())])
        est.fit(X, y).fit(X, y)
        modes[n_threads] = dict(est.net_.callbacks_)["watch"].modes
    assert modes["auto"] == modes[2]


def test_verbose_fit_says_the_chosen_count(monkeypatch, fresh_choices, capsys):
    _two_free_cores(monkeypatch)
    _record_choices(monkeypatch, forced=1)
    X, y = _medium_data(64)
    LSTMRegressor(**_SIZE, max_iter=1, verbose=1, random_state=0).fit(X, y)
    assert "Threads: 1 (n_threads='auto': the faster of 1 and 2 on the first batch)" in capsys.readouterr().out
