"""The data sets shipped with the package."""

from importlib import resources

import numpy as np
import pandas as pd

import sklearn_rnn
from sklearn_rnn.datasets import load_airline


def test_load_airline_is_the_box_jenkins_series():
    y = load_airline()
    assert isinstance(y, pd.Series)
    assert y.name == "passengers" and y.dtype == np.int64
    assert len(y) == 144
    np.testing.assert_array_equal(y.iloc[:12], [112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118])
    np.testing.assert_array_equal(y.iloc[-12:], [417, 391, 419, 461, 472, 535, 622, 606, 508, 461, 390, 432])
    assert y.sum() == 40363
    assert y.max() == 622 and y.idxmax() == pd.Timestamp("1960-07-01")


def test_load_airline_has_a_monthly_datetime_index():
    y = load_airline()
    assert isinstance(y.index, pd.DatetimeIndex)
    assert y.index.freqstr == "MS" and y.index.name == "month"
    assert y.index[0] == pd.Timestamp("1949-01-01") and y.index[-1] == pd.Timestamp("1960-12-01")
    assert y.index.equals(pd.date_range("1949-01-01", periods=144, freq="MS"))


def test_load_airline_returns_a_fresh_copy():
    y = load_airline()
    y.iloc[0] = -1
    assert load_airline().iloc[0] == 112


def test_airline_csv_ships_inside_the_package():
    path = resources.files("sklearn_rnn").joinpath("datasets", "data", "airline.csv")
    lines = path.read_text().splitlines()
    assert lines[0] == "month,passengers" and lines[1] == "1949-01,112" and len(lines) == 145
    assert sklearn_rnn.datasets.load_airline is load_airline
