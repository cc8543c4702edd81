"""Accuracy of the default recurrent classifiers next to nearest-neighbour baselines.

One command::

    python benchmarks/classification_accuracy.py            # generated + shipped sets
    python benchmarks/classification_accuracy.py --quick    # generated sets only
    python benchmarks/classification_accuracy.py --all      # also the slow shipped sets
    python benchmarks/classification_accuracy.py --shipped-only --seeds 0 1 2 3 4 --threads 1

Every classifier runs with its default parameters (or ``--params`` JSON);
only ``random_state`` is set, once per ``--seeds`` value. Each cell shows the
accuracy and the wall and process CPU seconds of fit + predict; a summary per
group of sets gives the mean accuracy per seed, its spread (max - min) and the
seconds of one pass over the group. On a busy machine read the CPU seconds
(with ``--threads 1``). On 2 busy CPU cores the default run took 17 minutes (the shipped sets
about 2.5 of them, baselines included); ``--models GRU`` or ``--datasets
NAME ...`` run a part. The baselines are computed here, in NumPy:

* **1-NN ED**: one nearest neighbour under the Euclidean distance (equal
  lengths only);
* **1-NN DTW**: one nearest neighbour under dynamic time warping with an
  unconstrained warping window (dependent DTW for multivariate sequences:
  the squared Euclidean distance between time steps), the standard
  reference on the UCR/UEA archives.

Data sets:

* generated sets, which always run: short and long, univariate and
  multivariate, fixed and variable length;
* the UCR/UEA sets that the ``aeon`` package ships inside its wheel
  (``aeon/datasets/data``), read straight from the installed files without
  importing ``aeon`` (so ``pip install --no-deps aeon`` is enough) and
  skipped when it is absent. Nothing is downloaded.
"""

import argparse
import importlib.util
import json
import os
import sys
import time
import warnings
from pathlib import Path

import _checkout  # noqa: F401  (the checkout first on sys.path)
import numpy as np

from sklearn_rnn import GRUClassifier, LSTMClassifier, RNNClassifier

MODELS = {"RNN": RNNClassifier, "LSTM": LSTMClassifier, "GRU": GRUClassifier}

# UCR/UEA sets shipped in the aeon wheel, in the order they run; --all adds the slow ones
# (a 251-step set of 36 training sequences, and variable lengths up to 361 steps).
SHIPPED = ["ItalyPowerDemand", "GunPoint", "BasicMotions", "JapaneseVowels"]
SHIPPED_SLOW = ["ArrowHead", "PickupGestureWiimoteZ"]


# -- data ---------------------------------------------------------------------------


def read_ts(path):
    """Read a ``.ts`` file (sktime/aeon format) into a list of ``(n_timesteps, n_channels)``
    float arrays and a label array. Missing values (``?``) become NaN."""
    sequences, labels = [], []
    in_data = False
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            if not in_data:
                in_data = line.lower().startswith("@data")
                continue
            *channels, label = line.split(":")
            columns = [np.array([float(v) if v != "?" else np.nan for v in ch.split(",")]) for ch in channels]
            length = min(len(c) for c in columns)
            sequences.append(np.stack([c[:length] for c in columns], axis=1))
            labels.append(label.strip())
    return sequences, np.array(labels)


def _trim_missing(seq):
    """Drop trailing all-NaN steps (how some archives pad unequal lengths)."""
    valid = ~np.isnan(seq).all(axis=1)
    return seq[: int(np.flatnonzero(valid)[-1]) + 1] if valid.any() else seq


def shipped_data_dir():
    """``aeon/datasets/data`` of the installed aeon, or None."""
    spec = importlib.util.find_spec("aeon")
    if spec is None or not spec.submodule_search_locations:
        return None
    path = Path(list(spec.submodule_search_locations)[0]) / "datasets" / "data"
    return path if path.is_dir() else None


def load_shipped(name):
    """Train and test split of a shipped UCR/UEA set, or None when absent."""
    root = shipped_data_dir()
    if root is None or not (root / name / f"{name}_TRAIN.ts").exists():
        return None
    splits = []
    for part in ("TRAIN", "TEST"):
        sequences, labels = read_ts(root / name / f"{name}_{part}.ts")
        sequences = [np.nan_to_num(_trim_missing(s)) for s in sequences]
        splits.append((_compact(sequences), labels))
    return splits


def _compact(sequences):
    """A 3-D array when every sequence has the same shape, else the list."""
    if len({s.shape for s in sequences}) == 1:
        return np.stack(sequences)
    return sequences


def _shapes(rng, n, length, n_classes, noise):
    """Univariate sequences whose class is a waveform (sine, square, sawtooth, ...)
    with a random frequency, phase and amplitude."""
    t = np.arange(length)
    y = rng.randint(n_classes, size=n)
    X = np.empty((n, length, 1))
    for i in range(n):
        period = rng.uniform(0.15, 0.4) * length
        phase = rng.uniform(0, 1)
        u = (t / period + phase) % 1.0
        wave = [np.sin(2 * np.pi * u), np.sign(np.sin(2 * np.pi * u)), 2 * u - 1, 1 - 4 * np.abs(u - 0.5)][y[i]]
        X[i, :, 0] = rng.uniform(0.5, 2) * wave + noise * rng.randn(length)
    return X, y


def _event(rng, n, length, n_channels, width=15):
    """Long noisy, drifting sequences with one short event of ``width`` steps at
    a random position: a bump (class 1) or a dip (class 0) on a random channel.
    Reading only the final state does not solve it."""
    y = rng.randint(2, size=n)
    X = rng.randn(n, length, n_channels) * 0.5 + np.cumsum(rng.randn(n, length, n_channels) * 0.05, axis=1)
    for i in range(n):
        start = rng.randint(0, length - width)
        channel = rng.randint(n_channels)
        X[i, start : start + width, channel] += (2 * y[i] - 1) * 2.0 * np.hanning(width)
    return X, y


def _multichannel(rng, n, length):
    """Three channels; the class is which pair of channels moves together."""
    y = rng.randint(3, size=n)
    X = rng.randn(n, length, 3) * 0.7
    common = np.cumsum(rng.randn(n, length), axis=1) * 0.3
    pairs = [(0, 1), (1, 2), (0, 2)]
    for i in range(n):
        a, b = pairs[y[i]]
        X[i, :, a] += common[i]
        X[i, :, b] += common[i]
    return X, y


def _variable(rng, n, low, high, n_channels):
    """Variable-length sequences: the class is the number of cycles of a noisy
    oscillation (2, 4 or 6) over the whole sequence, whatever its length, so
    it depends on the length-normalized content."""
    y = rng.randint(3, size=n)
    X = []
    for i in range(n):
        length = rng.randint(low, high + 1)
        u = np.linspace(0, 1, length)
        cycles = 2 * (y[i] + 1)
        phase = rng.uniform(0, 2 * np.pi)
        channels = [np.sin(2 * np.pi * cycles * u + phase + k) for k in range(n_channels)]
        X.append(np.stack(channels, axis=1) + 0.3 * rng.randn(length, n_channels))
    return X, y


GENERATED = {
    # name: (generator, n_train, n_test)
    "short-uni (T=30, 4 cl)": (lambda rng, n: _shapes(rng, n, 30, 4, 0.3), 150, 300),
    "long-uni (T=300, 2 cl)": (lambda rng, n: _event(rng, n, 300, 1), 100, 300),
    "short-multi (T=40, 3 ch)": (lambda rng, n: _multichannel(rng, n, 40), 100, 300),
    "long-multi (T=150, 3 ch)": (lambda rng, n: _event(rng, n, 150, 3), 120, 300),
    "var-uni (T=20..100)": (lambda rng, n: _variable(rng, n, 20, 100, 1), 120, 300),
    "var-multi (T=10..80, 2 ch)": (lambda rng, n: _variable(rng, n, 10, 80, 2), 120, 300),
}


def load_generated(name, seed=0):
    generator, n_train, n_test = GENERATED[name]
    rng = np.random.RandomState(seed)
    X, y = generator(rng, n_train + n_test)
    if isinstance(X, list):
        return (X[:n_train], y[:n_train]), (X[n_train:], y[n_train:])
    return (X[:n_train], y[:n_train]), (X[n_train:], y[n_train:])


# -- baselines ------------------------------------------------------------------------


def _padded(X):
    """``(array (n, max_len, n_channels), lengths)`` from a 3-D array or a list."""
    if not isinstance(X, list):
        X = np.asarray(X, dtype=np.float64)
        return X, np.full(len(X), X.shape[1])
    lengths = np.array([len(s) for s in X])
    out = np.zeros((len(X), lengths.max(), X[0].shape[1]))
    for i, s in enumerate(X):
        out[i, : len(s)] = s
    return out, lengths


def one_nn_euclidean(X_train, y_train, X_test):
    """1-NN under the Euclidean distance (equal-length sequences)."""
    A = np.asarray(X_test, dtype=np.float64).reshape(len(X_test), -1)
    B = np.asarray(X_train, dtype=np.float64).reshape(len(X_train), -1)
    d = (A**2).sum(1)[:, None] - 2 * A @ B.T + (B**2).sum(1)[None, :]
    return y_train[d.argmin(axis=1)]


def dtw_distances(A, len_a, B, len_b, chunk=4096):
    """Unconstrained DTW between every sequence of A and of B (squared
    Euclidean cost between steps). Rows of the cost matrix are processed
    for all pairs at once; within a row, the recurrence
    ``D[i, j] = c[j] + min(D[i-1, j-1], D[i-1, j], D[i, j-1])`` is solved as a
    min-plus prefix scan: ``D[i, j] = C[j] + cummin(t[k] - C[k])`` where
    ``t = c + min(D[i-1, j-1], D[i-1, j])`` and ``C`` is the cumulative sum
    of ``c``. Variable lengths: each pair reads its cell ``(len_a-1, len_b-1)``."""
    pa, pb = np.meshgrid(np.arange(len(A)), np.arange(len(B)), indexing="ij")
    pa, pb = pa.ravel(), pb.ravel()
    out = np.empty(len(pa))
    for start in range(0, len(pa), chunk):
        ia, ib = pa[start : start + chunk], pb[start : start + chunk]
        a, b = A[ia], B[ib]
        la, lb = len_a[ia], len_b[ib]
        result = np.empty(len(ia))
        prev = None
        for i in range(int(la.max())):
            c = ((a[:, i, None, :] - b) ** 2).sum(axis=2)
            if prev is None:
                row = np.cumsum(c, axis=1)
            else:
                diag = np.concatenate([np.full((len(c), 1), np.inf), prev[:, :-1]], axis=1)
                t = c + np.minimum(diag, prev)
                C = np.cumsum(c, axis=1)
                row = C + np.minimum.accumulate(t - C, axis=1)
            done = la == i + 1
            result[done] = row[done, lb[done] - 1]
            prev = row
        out[start : start + chunk] = result
    return out.reshape(len(A), len(B))


def one_nn_dtw(X_train, y_train, X_test):
    A, la = _padded(X_test)
    B, lb = _padded(X_train)
    return y_train[dtw_distances(A, la, B, lb).argmin(axis=1)]


# -- the run ----------------------------------------------------------------------------

BASELINES = ("1-NN ED", "1-NN DTW")


def _describe(X_train, y_train, X_test):
    lengths = [len(s) for s in X_train] + [len(s) for s in X_test]
    n_channels = np.asarray(X_train[0]).shape[-1] if np.asarray(X_train[0]).ndim == 2 else 1
    span = f"{min(lengths)}" if min(lengths) == max(lengths) else f"{min(lengths)}-{max(lengths)}"
    return f"{len(X_train)}/{len(X_test)}", span, n_channels, len(np.unique(y_train))


def _timed(function, *args):
    """``(result, wall seconds, process CPU seconds)`` of one call."""
    cpu, wall = time.process_time(), time.perf_counter()
    result = function(*args)
    return result, time.perf_counter() - wall, time.process_time() - cpu


def _baseline_scores(X_train, y_train, X_test, y_test):
    """``{name: (accuracy, wall s, CPU s)}`` of the nearest-neighbour baselines."""
    scores = {}
    if not isinstance(X_train, list):
        pred, wall, cpu = _timed(one_nn_euclidean, X_train, y_train, X_test)
        scores["1-NN ED"] = (float(np.mean(pred == y_test)), wall, cpu)
    pred, wall, cpu = _timed(one_nn_dtw, X_train, y_train, X_test)
    scores["1-NN DTW"] = (float(np.mean(pred == y_test)), wall, cpu)
    return scores


def _fit_score(model, params, seed, X_train, y_train, X_test, y_test):
    """Accuracy of one classifier on the test split; the timing covers fit and predict."""

    def fit_predict():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            estimator = MODELS[model](**params, random_state=seed).fit(X_train, y_train)
        return estimator.predict(X_test)

    pred, wall, cpu = _timed(fit_predict)
    return float(np.mean(pred == y_test)), wall, cpu


def _print_row(cells, widths):
    print("  ".join(str(c).ljust(w) for c, w in zip(cells, widths, strict=True)), flush=True)


def run(datasets, models, seeds, params=None, baselines=True):
    """Fit and score every model on every data set for each seed; print one
    table per seed as it runs. Returns ``{(group, name): {"info": ...,
    "baselines": {...}, model: {seed: (accuracy, wall s, CPU s)}}}``."""
    params = dict(params or {})
    columns = (list(BASELINES) if baselines else []) + list(models)
    header = ["data set", "train/test", "length", "ch", "cl"] + columns
    widths = [28, 10, 8, 3, 3] + [20] * len(columns)
    results, loaded = {}, {}
    for seed in seeds:
        print(f"\nrandom_state={seed}: accuracy (seconds of fit + predict: wall/CPU)", flush=True)
        _print_row(header, widths)
        for group, name, load in datasets:
            if (group, name) not in loaded:
                loaded[(group, name)] = load()
            data = loaded[(group, name)]
            if data is None:
                if seed == seeds[0]:
                    print(f"{name}: not installed, skipped (pip install --no-deps aeon)", flush=True)
                continue
            (X_train, y_train), (X_test, y_test) = data
            entry = results.setdefault((group, name), {"info": _describe(X_train, y_train, X_test)})
            if baselines and "baselines" not in entry:
                # Deterministic: computed once and shown with every seed.
                entry["baselines"] = _baseline_scores(X_train, y_train, X_test, y_test)
            cells = [name, *entry["info"]]
            for key in columns:
                if key in BASELINES:
                    score = entry["baselines"].get(key)
                else:
                    score = _fit_score(key, params, seed, X_train, y_train, X_test, y_test)
                    entry.setdefault(key, {})[seed] = score
                cells.append("-" if score is None else f"{score[0]:.3f} ({score[1]:.1f}/{score[2]:.1f} s)")
            _print_row(cells, widths)
    return results


def summarize(results, models, seeds, baselines=True):
    """Per group of data sets: mean accuracy per seed, its mean and spread
    (max - min over seeds), and the seconds of one pass over the group
    (fit + predict of every set, wall and process CPU, mean over seeds)."""
    groups = list(dict.fromkeys(group for group, _ in results))
    for group in groups:
        entries = [entry for (g, _), entry in results.items() if g == group]
        names = [name for (g, name) in results if g == group]
        print(f"\n{group}: mean accuracy over {len(names)} set(s) ({', '.join(names)})", flush=True)
        header = ["model"] + [f"seed {s}" for s in seeds] + ["mean", "spread", "wall s/pass", "CPU s/pass"]
        widths = [10] + [8] * len(seeds) + [7, 7, 12, 11]
        _print_row(header, widths)
        for key in BASELINES if baselines else ():
            if not all(key in entry["baselines"] for entry in entries):
                continue
            accuracy = np.mean([entry["baselines"][key][0] for entry in entries])
            wall = sum(entry["baselines"][key][1] for entry in entries)
            cpu = sum(entry["baselines"][key][2] for entry in entries)
            _print_row(
                [key] + [f"{accuracy:.3f}"] * len(seeds) + [f"{accuracy:.3f}", "0", f"{wall:.1f}", f"{cpu:.1f}"], widths
            )
        for model in models:
            per_seed = [np.mean([entry[model][s][0] for entry in entries]) for s in seeds]
            wall = np.mean([sum(entry[model][s][1] for entry in entries) for s in seeds])
            cpu = np.mean([sum(entry[model][s][2] for entry in entries) for s in seeds])
            spread = max(per_seed) - min(per_seed)
            _print_row(
                [model]
                + [f"{a:.3f}" for a in per_seed]
                + [f"{np.mean(per_seed):.3f}", f"{spread:.3f}", f"{wall:.1f}", f"{cpu:.1f}"],
                widths,
            )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="generated data sets only")
    parser.add_argument("--shipped-only", action="store_true", help="shipped UCR/UEA sets only")
    parser.add_argument("--all", action="store_true", help="also the slow shipped sets: " + ", ".join(SHIPPED_SLOW))
    parser.add_argument("--datasets", nargs="*", help="names of data sets to run (default: all)")
    parser.add_argument("--models", nargs="*", default=list(MODELS), choices=list(MODELS))
    seeds = parser.add_mutually_exclusive_group()
    seeds.add_argument("--seeds", nargs="+", type=int, default=[0], help="random_state values of the classifiers")
    seeds.add_argument("--seed", type=int, help="one random_state (same as --seeds N)")
    parser.add_argument("--data-seed", type=int, default=0, help="seed of the generated data sets")
    parser.add_argument(
        "--params",
        type=json.loads,
        default={},
        help="JSON object of classifier parameters instead of the defaults, e.g. '{\"learning_rate_init\": 0.01}'",
    )
    parser.add_argument(
        "--threads", type=int, help="n_threads of the classifiers (default: theirs); 1 on a busy machine"
    )
    parser.add_argument("--no-baselines", action="store_true", help="skip the nearest-neighbour baselines")
    args = parser.parse_args(argv)
    seed_list = [args.seed] if args.seed is not None else args.seeds
    params = dict(args.params)
    if args.threads is not None:
        params["n_threads"] = args.threads

    datasets = []
    if not args.shipped_only:
        datasets += [("generated", name, lambda name=name: load_generated(name, args.data_seed)) for name in GENERATED]
    if not args.quick:
        shipped = SHIPPED + (SHIPPED_SLOW if args.all else [])
        datasets += [("UCR/UEA", name, lambda name=name: load_shipped(name)) for name in shipped]
    if args.datasets:
        datasets = [d for d in datasets if d[1] in args.datasets or d[1].split(" ")[0] in args.datasets]
    import torch

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"sklearn_rnn classifiers, parameters {params or 'default'}; seeds {' '.join(map(str, seed_list))}; "
        f"torch {torch.__version__}, {os.cpu_count()} CPUs, cuda={'yes' if torch.cuda.is_available() else 'no'}, "
        f"load average {load:.1f}",
        flush=True,
    )
    tic = time.perf_counter()
    results = run(datasets, args.models, seed_list, params, baselines=not args.no_baselines)
    if results:
        summarize(results, args.models, seed_list, baselines=not args.no_baselines)
    print(f"\ntotal {time.perf_counter() - tic:.0f} s")


if __name__ == "__main__":
    sys.exit(main())
