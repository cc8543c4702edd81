"""Forecast accuracy and fit time of ``Forecaster`` defaults on six real series.

Run ``python benchmarks/forecast_accuracy.py`` (``--seeds 0 1 2 3 4`` for more
seeds, ``--quick`` for a smoke run: three short series, seed 0). Needs
``statsmodels`` (``pip install statsmodels``) for its bundled data sets and
for the ETS baseline; nothing is downloaded.

The series, all shipped inside the wheels (season ``m`` of the frequency,
hold-out of one horizon ``h`` at the end of each series):

==========  ===========================================  =========  ===  ===
series      source                                       frequency  m    h
==========  ===========================================  =========  ===  ===
airline     ``sklearn_rnn.datasets.load_airline()``      monthly    12   12
co2         statsmodels co2, weekly -> monthly mean      monthly    12   12
sunspots    statsmodels sunspots                         yearly     1    10
nile        statsmodels nile                             yearly     1    10
elnino      statsmodels elnino, sea temperature          monthly    12   12
realgdp     statsmodels macrodata, real GDP              quarterly  4    8
==========  ===========================================  =========  ===  ===

Reported per series, each model trained on everything but the last ``h``
periods and forecasting them in one go:

* MASE: mean absolute error divided by the in-sample mean absolute seasonal
  difference (lag ``m``) of the training data, for the ``Forecaster`` with
  default settings (mean over the seeds, with the range), the seasonal-naive
  forecast (the last season repeated) and ETS (statsmodels' ``ETSModel``, the
  lowest AICc of additive or multiplicative errors, no, additive or damped
  trend, and no or additive season);
* relative MASE: MASE divided by the seasonal-naive MASE (below 1 beats it);
* fit time in CPU seconds (``time.process_time()``, one torch thread: the
  fairer measure on a shared machine) and wall seconds, mean over the seeds.

The summary row holds the geometric means of the MASEs and relative MASEs
over the series and the total fit time.

A last table repeats the classic airline split quoted in the README: train
on 1949-1957, forecast the 36 months of 1958-1960 in one go (``horizon=36``),
MAPE per seed (seasonal naive: 13.2%; exponential smoothing about 5.1%,
ARIMA about 4.4% in the literature).
"""

import argparse
import sys
import time
import warnings

import _checkout  # noqa: F401  (the checkout first on sys.path)
import numpy as np
import pandas as pd
import torch
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import Forecaster
from sklearn_rnn.datasets import load_airline

# name: (season m, horizon h)
SERIES = {
    "airline": (12, 12),
    "co2": (12, 12),
    "sunspots": (1, 10),
    "nile": (1, 10),
    "elnino": (12, 12),
    "realgdp": (4, 8),
}
QUICK = ("airline", "nile", "realgdp")


def load(name):
    """The series ``name`` as a float Series with a regular time index."""
    if name == "airline":
        return load_airline().astype(float)
    from statsmodels import datasets

    if name == "co2":
        weekly = datasets.co2.load_pandas().data["co2"]
        return weekly.resample("MS").mean().interpolate().rename("co2")
    if name in ("sunspots", "nile"):
        frame = datasets.sunspots.load_pandas().data if name == "sunspots" else datasets.nile.load_pandas().data
        years, values = frame.iloc[:, 0].astype(int), frame.iloc[:, 1].astype(float)
        return pd.Series(values.to_numpy(), index=pd.period_range(str(years.iloc[0]), periods=len(frame), freq="Y"))
    if name == "elnino":
        frame = datasets.elnino.load_pandas().data
        values = frame.drop(columns="YEAR").to_numpy(dtype=float).reshape(-1)
        start = f"{int(frame['YEAR'].iloc[0])}-01"
        return pd.Series(values, index=pd.period_range(start, periods=len(values), freq="M"), name="elnino")
    if name == "realgdp":
        frame = datasets.macrodata.load_pandas().data
        start = f"{int(frame['year'].iloc[0])}Q{int(frame['quarter'].iloc[0])}"
        return pd.Series(
            frame["realgdp"].to_numpy(dtype=float),
            index=pd.period_range(start, periods=len(frame), freq="Q"),
            name="realgdp",
        )
    raise ValueError(f"unknown series {name!r}")


def mase(actual, forecast, train, m):
    scale = np.mean(np.abs(train[m:] - train[:-m]))
    return float(np.mean(np.abs(actual - forecast)) / scale)


def seasonal_naive(train, m, h):
    return np.resize(train[-m:], h)


def ets_forecast(train, m, h):
    """Forecast of the ETS model with the lowest AICc (see the module docstring)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    positive = bool((train > 0).all())
    best, best_aicc = None, np.inf
    for error in ("add", "mul") if positive else ("add",):
        for trend, damped in ((None, False), ("add", False), ("add", True)):
            for seasonal in (None, "add") if m > 1 else (None,):
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    try:
                        model = ETSModel(
                            train,
                            error=error,
                            trend=trend,
                            damped_trend=damped,
                            seasonal=seasonal,
                            seasonal_periods=m if seasonal else None,
                        )
                        fitted = model.fit(disp=False)
                    except (ValueError, np.linalg.LinAlgError):
                        continue
                if np.isfinite(fitted.aicc) and fitted.aicc < best_aicc:
                    best, best_aicc = fitted, fitted.aicc
    return np.asarray(best.forecast(h), dtype=float)


def fit_forecaster(make, train, horizon, seed):
    """The fitted forecaster's forecast, CPU seconds and wall seconds of its fit."""
    forecaster = make(horizon=horizon, random_state=seed)
    cpu, wall = time.process_time(), time.perf_counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        forecaster.fit(train)
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    return forecaster, forecaster.predict().to_numpy(), cpu, wall


def run(names, seeds, make=Forecaster, out=print):
    """Measure every series; return the rows (one dict per series)."""
    rows = []
    for name in names:
        m, h = SERIES[name]
        y = load(name)
        train, test = y.iloc[:-h], y.iloc[-h:]
        history, actual = train.to_numpy(), test.to_numpy()
        row = {
            "series": name,
            "n": len(train),
            "m": m,
            "h": h,
            "naive": mase(actual, seasonal_naive(history, m, h), history, m),
            "ets": mase(actual, ets_forecast(history, m, h), history, m),
        }
        ours, cpus, walls = [], [], []
        for seed in seeds:
            forecaster, forecast, cpu, wall = fit_forecaster(make, train, h, seed)
            ours.append(mase(actual, forecast, history, m))
            cpus.append(cpu)
            walls.append(wall)
        epochs = [getattr(est, "n_iter_", None) for est in forecaster.estimators_]
        row.update(
            ours=float(np.mean(ours)),
            low=min(ours),
            high=max(ours),
            cpu=float(np.mean(cpus)),
            wall=float(np.mean(walls)),
            detail=f"season {forecaster.seasonal_period_}, window {forecaster.window_size_}, "
            f"{forecaster.n_windows_} windows, epochs {epochs}",
        )
        rows.append(row)
        out(_line(row))
    return rows


HEADER = (
    f"{'series':<10}{'n':>5}{'m':>4}{'h':>4}{'MASE':>8}{'(range)':>15}{'naive':>8}{'ETS':>8}"
    f"{'rel':>7}{'ETS rel':>9}{'cpu s':>8}{'wall s':>8}"
)


def _line(row):
    spread = f"{row['low']:.3f}-{row['high']:.3f}"
    return (
        f"{row['series']:<10}{row['n']:>5}{row['m']:>4}{row['h']:>4}{row['ours']:>8.3f}{spread:>15}"
        f"{row['naive']:>8.3f}{row['ets']:>8.3f}{row['ours'] / row['naive']:>7.3f}"
        f"{row['ets'] / row['naive']:>9.3f}{row['cpu']:>8.1f}{row['wall']:>8.1f}"
    )


def summary(rows):
    """The geometric-mean row."""

    def gmean(values):
        return float(np.exp(np.mean(np.log(values))))

    ours = gmean([r["ours"] for r in rows])
    naive = gmean([r["naive"] for r in rows])
    ets = gmean([r["ets"] for r in rows])
    rel = gmean([r["ours"] / r["naive"] for r in rows])
    ets_rel = gmean([r["ets"] / r["naive"] for r in rows])
    cpu, wall = sum(r["cpu"] for r in rows), sum(r["wall"] for r in rows)
    return (
        f"{'geo. mean':<10}{'':>13}{ours:>8.3f}{'':>15}{naive:>8.3f}{ets:>8.3f}{rel:>7.3f}{ets_rel:>9.3f}"
        f"{cpu:>8.1f}{wall:>8.1f}   (times: totals)"
    )


def classic_airline(seeds, make=Forecaster, out=print):
    """MAPE (%) of the 36-month airline forecast from 1957-12, per seed."""
    y = load_airline().astype(float)
    train, test = y[:"1957-12"], y["1958-01":]
    actual = test.to_numpy()
    naive = seasonal_naive(train.to_numpy(), 12, len(test))
    out(f"\nClassic airline split, horizon 36: seasonal naive MAPE {mape(actual, naive):.1f}%")
    for seed in seeds:
        _, forecast, cpu, _ = fit_forecaster(make, train, len(test), seed)
        out(f"  seed {seed}: MAPE {mape(actual, forecast):.2f}%, fit {cpu:.1f} CPU s")


def mape(actual, forecast):
    return 100.0 * float(np.mean(np.abs(actual - forecast) / np.abs(actual)))


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--series", nargs="+", choices=list(SERIES), default=None)
    parser.add_argument("--quick", action="store_true", help="three short series, seed 0")
    parser.add_argument("--verbose", action="store_true", help="print the fitted settings of each series")
    args = parser.parse_args(argv)
    names = args.series or (list(QUICK) if args.quick else list(SERIES))
    seeds = [args.seeds[0]] if args.quick else args.seeds
    torch.set_num_threads(1)

    print(f"Forecaster defaults vs seasonal naive and ETS; hold-out of one horizon; seeds {seeds}.\n")
    print(HEADER)
    rows = run(names, seeds)
    print(summary(rows))
    classic_airline(seeds)
    if args.verbose:
        print()
        for row in rows:
            print(f"{row['series']}: {row['detail']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
