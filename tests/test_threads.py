"""The thread policy of n_threads="auto"."""

import pytest

from sklearn_rnn import _threads
from sklearn_rnn._threads import available_cores, busy_cores, resolve_threads


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
