"""Forecast accuracy of ``Forecaster`` with default settings on the airline series.

Run ``python benchmarks/forecast_accuracy.py`` (add ``--seeds 0 1 2 3`` for
other seeds). The split is the classic one: train on 1949-01..1957-12 (108
months), forecast the 36 months of 1958-1960 in one go (``horizon=36``), and
compare with the actual values.

Reported for each seed, next to the seasonal-naive forecast (the last
training year repeated) computed here on the same split:

* MAPE: mean absolute percentage error (%);
* MASE: mean absolute error divided by the in-sample mean absolute seasonal
  difference (lag 12) of the training data, so 1 is as good as seasonal naive
  is in sample;
* fit time in seconds (all ``n_estimators`` networks).

A second reference row, "mean deviation (Dummy)", is ``Forecaster`` with a
``DummyRegressor``: seasonal naive plus the average deviation from it seen in
training, i.e. what the series representation gives without a network.

Known results on exactly this split: seasonal naive 13.2% MAPE, exponential
smoothing about 5.1%, ARIMA about 4.4%. The target for the defaults is at
most 5% MAPE for each of the seeds 0, 1 and 2.
"""

import argparse
import sys
import time
import warnings

import numpy as np
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import ConvergenceWarning

from sklearn_rnn import Forecaster
from sklearn_rnn.datasets import load_airline

SEASON = 12


def mape(actual, forecast):
    return 100.0 * float(np.mean(np.abs(actual - forecast) / np.abs(actual)))


def mase(actual, forecast, train, period=SEASON):
    scale = np.mean(np.abs(train[period:] - train[:-period]))
    return float(np.mean(np.abs(actual - forecast)) / scale)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    args = parser.parse_args(argv)

    y = load_airline().astype(float)
    train, test = y[:"1957-12"], y["1958-01":]
    actual, history = test.to_numpy(), train.to_numpy()
    horizon = len(test)
    print(
        f"Airline passengers: train {train.index[0]:%Y-%m}..{train.index[-1]:%Y-%m} ({len(train)} months), "
        f"forecast {test.index[0]:%Y-%m}..{test.index[-1]:%Y-%m} ({horizon} months) in one go.\n"
    )

    seasonal_naive = np.resize(history[-SEASON:], horizon)
    rows = [("seasonal naive", "-", mape(actual, seasonal_naive), mase(actual, seasonal_naive, history), 0.0)]
    # The same representation without a network: the mean deviation from seasonal naive.
    no_network = Forecaster(DummyRegressor(), horizon=horizon).fit(train).predict().to_numpy()
    rows.append(("mean deviation (Dummy)", "-", mape(actual, no_network), mase(actual, no_network, history), 0.0))
    for seed in args.seeds:
        forecaster = Forecaster(horizon=horizon, random_state=seed)
        tic = time.perf_counter()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)
            forecaster.fit(train)
        seconds = time.perf_counter() - tic
        forecast = forecaster.predict()
        assert forecast.index.equals(test.index)
        predicted = forecast.to_numpy()
        rows.append(
            ("Forecaster (defaults)", str(seed), mape(actual, predicted), mase(actual, predicted, history), seconds)
        )

    print(f"{'method':<24}{'seed':>5}{'MAPE %':>9}{'MASE':>8}{'fit s':>8}")
    for method, seed, m_ape, m_ase, seconds in rows:
        print(f"{method:<24}{seed:>5}{m_ape:>9.2f}{m_ase:>8.3f}{seconds:>8.1f}")
    ours = np.array([row[2] for row in rows[2:]])
    print(
        f"\nForecaster: mean MAPE {ours.mean():.2f}% over seeds {args.seeds}; worst {ours.max():.2f}% "
        f"(target <= 5%; seasonal naive {rows[0][2]:.1f}%)."
    )
    print(
        f"Settings: seasonal_period_={forecaster.seasonal_period_}, window_size_={forecaster.window_size_}, "
        f"n_windows_={forecaster.n_windows_}, n_estimators={forecaster.n_estimators}, "
        f"epochs per network {[est.n_iter_ for est in forecaster.estimators_]}."
    )
    return 0 if ours.max() <= 5.0 else 1


if __name__ == "__main__":
    sys.exit(main())
