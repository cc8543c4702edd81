"""Shared pieces of the benchmarks: workloads, timing, and the hand-written floor.

The floor every candidate is compared with is a hand-written PyTorch loop:
the whole training set is one tensor, each epoch draws ``torch.randperm``,
each minibatch is one indexing operation, and one step is forward, loss,
backward, (optional) gradient-norm clipping and an Adam step. Prediction is a
batched forward pass under ``torch.inference_mode()``.

Two flavours of the reference exist, so that each candidate is compared with
a loop that does the same arithmetic:

* ``"full"`` does what the estimators do with their defaults: the inputs
  standardized once, per feature, in float64 before the float32 cast (the
  network itself does not standardize), a head on the concatenated last
  state, mean and max of the hidden states (``summary="last+mean+max"``),
  standardized targets (float64, then float32), Adam with
  ``weight_decay=alpha / n_samples`` and gradient-norm clipping at 1.0;
* ``"plain"`` is the textbook loop: the last hidden state through a linear
  head, Adam, MSE, nothing else. The estimators match it with
  ``summary="last", clip_grad_norm=None, alpha=0, scale_inputs=False,
  scale_target=False``; skorch's and Keras's defaults are compared with it.

Thread counts: ``DEFAULT_THREADS`` is PyTorch's own setting when this module
was imported (what a user's process has), ``ALL_THREADS`` the CPUs this
process may run on. The "fastest hand-written loop" of the speed benchmark is
the faster of the loop at 1 thread and at ``ALL_THREADS``.
"""

import argparse
import gc
import os
import random
import statistics
import sys
import time
import warnings
from contextlib import contextmanager

import _checkout  # noqa: F401  (the checkout first on sys.path)
import numpy as np
import torch
from torch import nn

# Keras 3 picks its backend at import: the benchmarks compare it on PyTorch.
os.environ.setdefault("KERAS_BACKEND", "torch")

CELLS = ("rnn", "lstm", "gru")

# PyTorch's thread setting before any benchmark changes it: the process default.
DEFAULT_THREADS = torch.get_num_threads()


def available_cpus():
    """CPUs this process may run on (its affinity mask where the OS has one)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not Linux
        return os.cpu_count() or 1


ALL_THREADS = available_cpus()

# name: (n_samples, n_timesteps, n_features, hidden_size, epochs, batch_size)
WORKLOADS = {
    "seed": (100, 10, 1, 10, 10, 10),
    "medium": (20_000, 24, 4, 32, 3, 64),
    "long": (2_000, 1_000, 1, 32, 1, 64),
}
# --quick: tiny sizes for a smoke run.
QUICK_WORKLOADS = {
    "seed": (100, 10, 1, 10, 2, 10),
    "medium": (1_000, 24, 4, 32, 1, 64),
    "long": (128, 200, 1, 32, 1, 64),
}
LEARNING_RATE = 1e-3
ALPHA = 1e-4  # the estimators' default L2 penalty
CLIP = 1.0  # the estimators' default gradient-norm clipping

ESTIMATOR_NAMES = {"rnn": "RNNRegressor", "lstm": "LSTMRegressor", "gru": "GRURegressor"}

# Estimator settings that make it do exactly what the "plain" reference does.
PLAIN_SETTINGS = {
    "summary": "last",
    "clip_grad_norm": None,
    "alpha": 0.0,
    "scale_inputs": False,
    "scale_target": False,
}


# -- workloads -----------------------------------------------------------------------


def make_data(n_samples, n_timesteps, n_features, seed=0):
    """Float32 sequences and a learnable, roughly standardized target."""
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n_samples, n_timesteps, n_features), dtype=np.float32)
    y = 0.6 * X[:, -1, 0] + 0.8 * X[:, :, 0].mean(axis=1) * np.sqrt(n_timesteps) / 2
    y += 0.1 * rng.standard_normal(n_samples)
    return X, y.astype(np.float32)


def estimator_class(cell):
    import sklearn_rnn

    return getattr(sklearn_rnn, ESTIMATOR_NAMES[cell])


# Sentinels for make_estimator's n_threads.
PROCESS_THREADS = "same as the process"  # n_threads = torch.get_num_threads() at the call
ESTIMATOR_DEFAULT = "the estimator's own default"  # n_threads not passed at all


def make_estimator(cell, hidden_size, epochs, batch_size, flavour="full", n_threads=PROCESS_THREADS, **extra):
    """The package's estimator with the fairness settings of the benchmarks.

    ``n_threads``: ``PROCESS_THREADS`` pins the estimator to the process's
    current torch thread count (the same as every other candidate),
    ``ESTIMATOR_DEFAULT`` leaves the estimator's own default to decide, any
    other value (an int, None, "auto") is passed as ``n_threads``.
    """
    kwargs = {
        "hidden_size": hidden_size,
        "max_iter": epochs,
        "n_iter_no_change": epochs + 10,  # never stop early
        "tol": 0.0,
        "batch_size": batch_size,
        "learning_rate_init": LEARNING_RATE,
        "random_state": 0,
        "device": "cpu",
    }
    if flavour == "plain":
        kwargs.update(PLAIN_SETTINGS)
    cls = estimator_class(cell)
    if "n_threads" in cls().get_params() and n_threads is not ESTIMATOR_DEFAULT:
        kwargs["n_threads"] = torch.get_num_threads() if n_threads is PROCESS_THREADS else n_threads
    kwargs.update(extra)
    return cls(**kwargs)


def default_n_threads(cell="lstm"):
    """The estimator's default ``n_threads`` (for labels), or "n/a"."""
    return estimator_class(cell)().get_params().get("n_threads", "n/a")


def fit_quietly(estimator, X, y):
    from sklearn.exceptions import ConvergenceWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        return estimator.fit(X, y)


# -- the hand-written reference ------------------------------------------------------------


class ReferenceNetwork(nn.Module):
    """A hand-written copy of the estimators' network for complete sequences.

    Layers are created in the same order as in the package's network, so the
    same seed gives the same initial weights. Inputs arrive standardized
    (or raw, for the plain loop): the network does no preprocessing.
    """

    def __init__(self, cell, input_size, hidden_size, summary=("last",)):
        super().__init__()
        rnn = {"rnn": nn.RNN, "lstm": nn.LSTM, "gru": nn.GRU}[cell]
        self.rnn = rnn(input_size=input_size, hidden_size=hidden_size, batch_first=True)
        self.summary = tuple(summary)
        self.head = nn.Linear(hidden_size * len(self.summary), 1)

    def forward(self, X):
        output, _ = self.rnn(X)
        if self.summary == ("last",):
            return self.head(output[:, -1])
        parts = []
        for kind in self.summary:
            if kind == "last":
                parts.append(output[:, -1])
            elif kind == "mean":
                parts.append(output.mean(dim=1))
            else:
                parts.append(output.amax(dim=1))
        return self.head(torch.cat(parts, dim=1))


def input_statistics(X):
    """Per-feature mean and standard deviation over all steps, in float64."""
    flat = X.reshape(-1, X.shape[-1])
    mean = flat.mean(axis=0, dtype=np.float64)
    std = flat.std(axis=0, dtype=np.float64)
    std[std < 1e-12 * np.maximum(1.0, np.abs(mean))] = 1.0
    return mean, std


def standardize_inputs(X, mean, std):
    """``(X - mean) / std`` in float64, then cast to a float32 array."""
    return ((np.asarray(X, dtype=np.float64) - mean) / std).astype(np.float32)


class ReferenceModel:
    """The fitted hand-written model: network plus input and target scaling."""

    def __init__(self, network, input_stats=None, y_mean=0.0, y_scale=1.0):
        self.network = network
        self.input_stats = input_stats
        self.y_mean = y_mean
        self.y_scale = y_scale
        self.final_loss = float("nan")

    def _inputs(self, X):
        if self.input_stats is None:
            return X
        return standardize_inputs(X, *self.input_stats)

    def predict(self, X, batch_size=8192):
        """A hand-written inference pass: batches under ``inference_mode``, each
        standardized on its way in (no float64 copy of the whole input)."""
        return reference_predict(self.network, X, batch_size, transform=self._inputs) * self.y_scale + self.y_mean

    def predict_one(self, X):
        """One small input straight through the network (a service's call)."""
        X_t = torch.from_numpy(np.ascontiguousarray(self._inputs(X), dtype=np.float32))
        with torch.inference_mode():
            out = self.network(X_t)
        return out.numpy().ravel() * self.y_scale + self.y_mean


def estimator_seed(random_state=0):
    """The torch seed an estimator with this integer ``random_state`` draws for its fit.

    With it, the reference builds the same initial weights and draws the same
    permutations as the estimator, so both do identical arithmetic.
    """
    return int(np.random.RandomState(random_state).randint(np.iinfo(np.int32).max))


def reference_fit(
    X, y, cell, hidden_size, epochs, batch_size, flavour="full", seed=None, lr=LEARNING_RATE, step_timer=None
):
    """The hand-written training loop; ``flavour`` is "full" or "plain".

    ``step_timer``, when given, is a dict whose ``"step"`` entry accumulates
    the seconds spent inside the optimizer steps (forward, loss, backward,
    clipping, Adam).
    """
    full = flavour == "full"
    torch.manual_seed(estimator_seed(0) if seed is None else seed)
    n_samples, _, n_features = X.shape
    network = ReferenceNetwork(cell, n_features, hidden_size, summary=("last", "mean", "max") if full else ("last",))
    input_stats, y_mean, y_scale = None, 0.0, 1.0
    if full:
        input_stats = input_statistics(X)
        X = standardize_inputs(X, *input_stats)
        y64 = np.asarray(y, dtype=np.float64)
        y_mean, y_scale = float(y64.mean()), float(y64.std()) or 1.0
        y_train = ((y64 - y_mean) / y_scale).astype(np.float32)
    else:
        y_train = np.asarray(y, dtype=np.float32)
    X_t = torch.from_numpy(np.ascontiguousarray(X, dtype=np.float32))
    y_t = torch.from_numpy(np.ascontiguousarray(y_train).reshape(-1, 1))
    optimizer = torch.optim.Adam(network.parameters(), lr=lr, weight_decay=ALPHA / n_samples if full else 0.0)
    criterion = nn.MSELoss()
    network.train()
    total = 0.0
    for _ in range(epochs):
        total = 0.0
        for index in torch.randperm(n_samples).split(batch_size):
            X_b, y_b = X_t[index], y_t[index]
            tic = time.perf_counter()
            optimizer.zero_grad(set_to_none=True)
            loss = criterion(network(X_b), y_b)
            loss.backward()
            if full:
                nn.utils.clip_grad_norm_(network.parameters(), CLIP)
            optimizer.step()
            if step_timer is not None:
                step_timer["step"] += time.perf_counter() - tic
            total += loss.item() * len(index)
    model = ReferenceModel(network, input_stats, y_mean, y_scale)
    model.final_loss = total / n_samples
    network.eval()
    return model


def reference_predict(network, X, batch_size=8192, transform=None):
    """Batched forward pass under ``torch.inference_mode()``; a float NumPy array.

    ``transform``, when given, maps each batch of ``X`` to the network's input.
    """
    network.eval()
    outputs = []
    with torch.inference_mode():
        for start in range(0, len(X), batch_size):
            batch = X[start : start + batch_size]
            batch = batch if transform is None else transform(batch)
            outputs.append(network(torch.from_numpy(np.ascontiguousarray(batch, dtype=np.float32))))
    return torch.cat(outputs).numpy().ravel()


def inference_batch_size(n_timesteps, hidden_size):
    """Batch size of the hand-written prediction passes: min(512, 2**24 // (steps * hidden)).

    A textbook choice; the estimators take larger batches of short sequences
    on the CPU (see ``predict_batches.py``).
    """
    return int(max(1, min(512, 2**24 // (n_timesteps * hidden_size))))


# -- skorch and Keras with their defaults --------------------------------------------------


def skorch_regressor(cell, n_features, hidden_size, epochs, batch_size):
    """skorch's ``NeuralNetRegressor`` with its default data path (Dataset + DataLoader).

    Only what is needed for the same work is set: no internal validation split
    (``train_split=None``), shuffling on (skorch's default is off), Adam with the
    same learning rate, no printing.
    """
    from skorch import NeuralNetRegressor

    return NeuralNetRegressor(
        ReferenceNetwork,
        module__cell=cell,
        module__input_size=n_features,
        module__hidden_size=hidden_size,
        max_epochs=epochs,
        batch_size=batch_size,
        lr=LEARNING_RATE,
        optimizer=torch.optim.Adam,
        train_split=None,
        iterator_train__shuffle=True,
        device="cpu",
        verbose=0,
    )


def keras_available():
    try:
        import keras
    except Exception:  # noqa: BLE001 - any import failure means "skip Keras"
        return False
    return keras.backend.backend() == "torch"


def keras_regressor(cell, n_timesteps, n_features, hidden_size):
    """A Keras 3 (torch backend) model of the plain architecture, default settings."""
    import keras

    layer = {"rnn": keras.layers.SimpleRNN, "lstm": keras.layers.LSTM, "gru": keras.layers.GRU}[cell]
    keras.utils.set_random_seed(0)
    model = keras.Sequential([keras.Input((n_timesteps, n_features)), layer(hidden_size), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE), loss="mse")
    return model


# -- timing --------------------------------------------------------------------------------


class Timer:
    """Wall-clock and process CPU seconds of a block."""

    def __enter__(self):
        gc.collect()
        self.cpu0 = time.process_time()
        self.wall0 = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.wall = time.perf_counter() - self.wall0
        self.cpu = time.process_time() - self.cpu0
        return False


def median(values):
    return statistics.median(values) if values else float("nan")


def set_threads(n_threads):
    torch.set_num_threads(n_threads)
    return torch.get_num_threads()


@contextmanager
def torch_threads(n_threads):
    """Run a block with ``n_threads`` torch intra-op threads, then restore."""
    previous = torch.get_num_threads()
    torch.set_num_threads(n_threads)
    try:
        yield
    finally:
        torch.set_num_threads(previous)


def flush_denormal_enabled():
    """Whether torch flushes denormal floats to zero here (1e-30 * 1e-10 is 0)."""
    tiny = torch.tensor([1e-30], dtype=torch.float32) * torch.tensor([1e-10], dtype=torch.float32)
    return bool(tiny.item() == 0.0)


def time_calls(fn, calls, warmup=3):
    """Median wall seconds of one call of ``fn`` over ``calls`` calls."""
    for _ in range(warmup):
        fn()
    values = []
    for _ in range(calls):
        tic = time.perf_counter()
        fn()
        values.append(time.perf_counter() - tic)
    return statistics.median(values)


def time_interleaved(calls, block=5, warmup=3):
    """Median wall seconds of one call of each function, timed in short interleaved blocks.

    ``calls`` maps a name to ``(fn, n_threads, n_calls)``. Each sweep runs
    one block per function that still has calls left, in an order shuffled
    from sweep to sweep (a fixed seed), under the function's own torch thread
    count (set outside the timed calls): an untimed call, then ``block``
    timed ones. Blocks of different functions are thus a few milliseconds
    apart and meet the same state of a shared, noisy machine (timed in one
    block each after their fits, the same two models gave ratios from 1.2
    to 1.8 depending on when each block ran), while the untimed call gives
    each block the warm caches of a service's repeated calls: timed call by
    call in turn, each function runs just after the others have evicted
    its code and data.

    The order is shuffled rather than rotated: a rotation keeps each function
    right after the same neighbour in every sweep, and in ``speed.py`` the
    estimator then always followed Keras, whose calls leave threads busy
    (8 to 28 microseconds more per call than the same estimator pinned to one
    thread, which runs the same code).
    """
    for fn, n_threads, _ in calls.values():
        with torch_threads(n_threads):
            for _ in range(warmup):
                fn()
    names = list(calls)
    values = {name: [] for name in names}
    sweeps = max(-(-n // block) for _, _, n in calls.values())
    order = random.Random(0)
    for _ in range(sweeps):
        order.shuffle(names)
        for name in names:
            fn, n_threads, n_calls = calls[name]
            left = n_calls - len(values[name])
            if left <= 0:
                continue
            with torch_threads(n_threads):
                fn()
                for _ in range(min(block, left)):
                    tic = time.perf_counter()
                    fn()
                    values[name].append(time.perf_counter() - tic)
    return {name: statistics.median(v) for name, v in values.items()}


def base_parser(description, quick_help="tiny sizes and few rounds, for a smoke run", threads=True):
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--quick", action="store_true", help=quick_help)
    if threads:
        parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads for every candidate")
    return parser


def comma_list(text, kind=str):
    """``"a,b"`` -> ``[kind("a"), kind("b")]`` (empty items dropped)."""
    return [kind(item) for item in text.split(",") if item.strip()]


def machine_line():
    import platform

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    import sklearn_rnn

    return (
        f"# sklearn_rnn from {os.path.dirname(sklearn_rnn.__file__)}, "
        f"python {platform.python_version()}, torch {torch.__version__}, {os.cpu_count()} CPUs "
        f"({ALL_THREADS} available), torch threads {torch.get_num_threads()} (default {DEFAULT_THREADS}), "
        f"load average {load:.2f}"
    )


def load_average():
    return os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")


def print_table(header, rows, out=sys.stdout):
    """A plain fixed-width table (also valid Markdown)."""
    cells = [header] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
    line = lambda row: "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"  # noqa: E731
    print(line(header), file=out)
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|", file=out)
    for row in cells[1:]:
        print(line(row), file=out)
    out.flush()


def rss_bytes():
    """Current resident set size of this process (Linux), else NaN."""
    try:
        with open("/proc/self/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return float("nan")
