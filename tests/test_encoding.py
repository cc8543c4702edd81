"""The combination of the estimator's forecast with the baseline (``baseline_weight``)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

from sklearn_rnn import Forecaster
from sklearn_rnn._encoding import baseline_weight


def noisy_season(n=96, seed=0):
    t = np.arange(n)
    rng = np.random.RandomState(seed)
    values = 50 + 0.3 * t + 10 * np.sin(2 * np.pi * t / 12) + 3 * rng.randn(n)
    return pd.Series(values, index=pd.date_range("2000-01-01", periods=n, freq="MS"), name="sales")


# -- the weight chosen out of sample -----------------------------------------------------------


def test_baseline_weight_is_the_best_combination_out_of_sample():
    rng = np.random.RandomState(0)
    outputs = rng.randn(200, 3, 1)
    # a perfect estimator: no weight on the baseline
    assert baseline_weight(np.zeros_like(outputs), outputs) == 0.0
    # actual deviations half the outputs: half and half
    assert baseline_weight(0.5 * outputs - outputs, outputs) == pytest.approx(0.5, abs=0.02)
    # outputs unrelated to the actual deviations (about 0): the baseline alone
    actual = 0.01 * rng.randn(*outputs.shape)
    assert baseline_weight(actual - outputs, outputs) == pytest.approx(1.0, abs=0.05)
    # outputs of the wrong sign: clipped to the baseline alone
    assert baseline_weight(-2 * outputs, outputs) == 1.0
    # outputs too timid: clipped to the estimator alone
    assert baseline_weight(outputs, outputs) == 0.0


def test_baseline_weight_minimizes_the_mean_absolute_error_and_skips_nan():
    rng = np.random.RandomState(1)
    outputs = rng.randn(300, 2, 1)
    actual = 0.7 * outputs + 0.3 * rng.standard_t(2, outputs.shape)
    residuals = actual - outputs
    residuals[:10] = np.nan  # periods seen in training, or past the data
    weight = baseline_weight(residuals, outputs)
    keep = np.isfinite(residuals)
    grid = np.linspace(0, 1, 1001)
    errors = [np.abs(actual[keep] - (1 - w) * outputs[keep]).mean() for w in grid]
    assert np.abs(actual[keep] - (1 - weight) * outputs[keep]).mean() <= min(errors) + 1e-12
    assert 0.1 < weight < 0.5


def test_baseline_weight_without_errors_keeps_the_estimator():
    assert baseline_weight(np.empty((0, 3, 1)), np.empty((0, 3, 1))) == 0.0
    assert baseline_weight(np.full((4, 2, 1), np.nan), np.full((4, 2, 1), np.nan)) == 0.0


# -- in the forecaster --------------------------------------------------------------------------


def test_forecast_is_the_weighted_combination_of_estimator_and_baseline():
    y = noisy_season()
    fits = {w: Forecaster(Ridge(), horizon=6, baseline_weight=w).fit(y) for w in (0.0, 0.25, 1.0)}
    estimator, mixed, baseline = (fits[w].predict().to_numpy() for w in (0.0, 0.25, 1.0))
    np.testing.assert_allclose(baseline, np.resize(y.to_numpy()[-12:], 6))  # the seasonal-naive forecast
    np.testing.assert_allclose(mixed, 0.25 * baseline + 0.75 * estimator)
    assert [f.baseline_weight_ for f in fits.values()] == [0.0, 0.25, 1.0]
    # the out-of-sample errors are those of the combination: with weight 1 the
    # actual deviations from the baseline, with 0 those minus the estimator's outputs
    outputs = fits[1.0].residuals_ - fits[0.0].residuals_
    np.testing.assert_allclose(fits[0.25].residuals_, fits[0.0].residuals_ + 0.25 * outputs)


def test_auto_weight_is_chosen_in_fit_and_used_by_predict_and_score():
    y = noisy_season()
    auto = Forecaster(Ridge(), horizon=6).fit(y[:-6])
    assert auto.baseline_weight == "auto"
    alone, baseline = (Forecaster(Ridge(), horizon=6, baseline_weight=w).fit(y[:-6]) for w in (0.0, 1.0))
    expected = baseline_weight(alone.residuals_, baseline.residuals_ - alone.residuals_)
    assert auto.baseline_weight_ == pytest.approx(expected)
    assert 0.0 < auto.baseline_weight_ < 1.0
    same = Forecaster(Ridge(), horizon=6, baseline_weight=auto.baseline_weight_).fit(y[:-6])
    np.testing.assert_allclose(auto.predict().to_numpy(), same.predict().to_numpy())
    assert auto.score(y[-6:]) == pytest.approx(same.score(y[-6:]))


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half", np.nan])
def test_invalid_baseline_weight_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="baseline_weight"):
        Forecaster(Ridge(), horizon=2, baseline_weight=bad).fit(noisy_season(48))
