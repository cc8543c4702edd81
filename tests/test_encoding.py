"""The combination of the estimator's forecast with the baseline and the
seasonal decomposition forecast (``baseline_weight``)."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import Ridge

import sklearn_rnn._forecast
from sklearn_rnn import Forecaster
from sklearn_rnn._encoding import baseline_weight, combination_weights, seasonal_decomposition


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


def by_hand_decomposition(y, end, horizon, m, n_seasons):
    """Level of the last season plus the mean deviation of each season's values from their season's mean."""
    seasons = [y[end - (j + 1) * m + 1 : end - j * m + 1] for j in range(n_seasons)]  # (m, k) each
    index = np.mean([season - season.mean(axis=0) for season in seasons], axis=0)
    return np.array([seasons[0].mean(axis=0) + index[(step - 1) % m] for step in range(1, horizon + 1)])


@pytest.mark.parametrize("m, n_seasons, horizon", [(4, 3, 8), (12, 2, 5), (3, 3, 7)])
def test_seasonal_decomposition_is_the_last_level_plus_the_mean_seasonal_index(m, n_seasons, horizon):
    y = np.random.RandomState(m).randn(80, 2)
    ends = np.array([n_seasons * m - 1, 40, 79])
    forecasts = seasonal_decomposition(y, ends, horizon, m, n_seasons)
    assert forecasts.shape == (3, horizon, 2)
    for i, end in enumerate(ends):
        np.testing.assert_allclose(forecasts[i], by_hand_decomposition(y, end, horizon, m, n_seasons))


@pytest.mark.parametrize("m, n_seasons, horizon", [(4, 3, 9), (12, 2, 25), (3, 3, 7)])
def test_seasonal_decomposition_trend_forecasts_a_straight_line_exactly(m, n_seasons, horizon):
    pattern = np.random.RandomState(m).randn(m)
    t = np.arange(60)
    y = np.stack([np.resize(pattern, 60) + 0.3 * t, 5.0 - 2.0 * t], axis=1)
    ends = np.array([n_seasons * m - 1, 40])
    forecasts = seasonal_decomposition(y, ends, horizon, m, n_seasons, trend=True)
    for i, end in enumerate(ends):
        future = end + np.arange(1, horizon + 1)
        # the pattern averaged over seasons in which it repeats is the pattern itself
        expected = np.stack([pattern[future % m] + 0.3 * future, 5.0 - 2.0 * future], axis=1)
        np.testing.assert_allclose(forecasts[i], expected, atol=1e-9)
    # the trend: the change of the seasonal means, one per season ahead, added to the flat forecast
    flat = seasonal_decomposition(y, ends, horizon, m, n_seasons)
    y_end = y[: ends[1] + 1]
    slope = (y_end[-m:].mean(0) - y_end[-n_seasons * m : -(n_seasons - 1) * m].mean(0)) / (n_seasons - 1)
    seasons_ahead = np.ceil(np.arange(1, horizon + 1) / m)[:, None]
    np.testing.assert_allclose(forecasts[1] - flat[1], seasons_ahead * slope, atol=1e-9)


def test_seasonal_decomposition_trend_needs_two_seasons():
    with pytest.raises(ValueError, match="at least two seasons; got n_seasons=1"):
        seasonal_decomposition(np.arange(30.0)[:, None], np.array([29]), 3, 4, 1, trend=True)


def test_seasonal_decomposition_of_a_pure_pattern_on_a_step_is_seasonal_naive():
    pattern = np.array([1.0, 5.0, -2.0, 0.0])
    y = (np.tile(pattern, 6) + np.repeat([0.0, 0.0, 0.0, 10.0, 10.0, 10.0], 4))[:, None]
    # the last three seasons all hold the pattern at the level 10
    np.testing.assert_allclose(seasonal_decomposition(y, np.array([23]), 6, 4, 3)[0, :, 0], np.resize(pattern, 6) + 10)


def test_combination_weights_minimize_the_mean_absolute_error_over_the_simplex():
    rng = np.random.RandomState(2)
    outputs, alternative = rng.randn(2, 400, 3, 1)
    actual = 0.3 * outputs + 0.5 * alternative + 0.2 * rng.standard_t(2, outputs.shape)
    residuals = actual - outputs
    residuals[:15] = np.nan  # periods seen in training, or past the data
    v, u = combination_weights(residuals, outputs, alternative)
    keep = np.isfinite(residuals)
    a, o, s = actual[keep], outputs[keep], alternative[keep]
    grid = np.linspace(0, 1, 201)
    errors = [np.abs(a - gv * o - gu * s).mean() for gv in grid for gu in grid if gv + gu <= 1]
    assert np.abs(a - v * o - u * s).mean() <= min(errors) + 1e-9
    assert v == pytest.approx(0.3, abs=0.05) and u == pytest.approx(0.5, abs=0.05)
    # an alternative of no use leaves the two-way combination
    v0, u0 = combination_weights(residuals, outputs, np.zeros_like(outputs))
    assert u0 == 0.0 and 1.0 - v0 == pytest.approx(baseline_weight(residuals, outputs))
    # weights within the simplex when the estimator and the alternative both overshoot
    v, u = combination_weights(-3 * outputs - 3 * alternative, outputs, alternative)
    assert v >= 0 and u >= 0 and v + u <= 1 + 1e-12


def test_combination_weights_break_ties_towards_the_estimator_and_baseline():
    # an alternative equal to the outputs: every split of the same total weight forecasts alike
    outputs = np.array([1.0, 2.0, -1.0])[:, None, None]
    assert combination_weights(2 * outputs - outputs, outputs, outputs) == (1.0, 0.0)


def test_combination_weights_of_many_errors_are_chosen_from_a_reproducible_subset():
    rng = np.random.RandomState(3)
    outputs, alternative = rng.randn(2, 50_000, 3, 1)  # 150,000 errors
    actual = 0.6 * outputs + 0.2 * alternative + 0.1 * rng.randn(*outputs.shape)
    weights = combination_weights(actual - outputs, outputs, alternative)
    assert weights == combination_weights(actual - outputs, outputs, alternative)
    assert weights == pytest.approx((0.6, 0.2), abs=0.01)


def test_combination_weights_without_errors_keep_the_estimator():
    empty = np.empty((0, 2, 1))
    assert combination_weights(empty, empty, empty) == (1.0, 0.0)
    nan = np.full((4, 2, 1), np.nan)
    assert combination_weights(nan, nan, nan) == (1.0, 0.0)


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
    # without a season there is no seasonal decomposition: the two-way combination
    y = noisy_season().reset_index(drop=True)
    auto = Forecaster(Ridge(), horizon=6, seasonal_period=1).fit(y[:-6])
    assert auto.baseline_weight == "auto" and auto.decomposition_weight_ == 0.0
    alone, baseline = (
        Forecaster(Ridge(), horizon=6, seasonal_period=1, baseline_weight=w).fit(y[:-6]) for w in (0.0, 1.0)
    )
    expected = baseline_weight(alone.residuals_, baseline.residuals_ - alone.residuals_)
    assert auto.baseline_weight_ == pytest.approx(expected)
    assert 0.0 < auto.baseline_weight_ < 1.0
    same = Forecaster(Ridge(), horizon=6, seasonal_period=1, baseline_weight=auto.baseline_weight_).fit(y[:-6])
    np.testing.assert_allclose(auto.predict().to_numpy(), same.predict().to_numpy())
    assert auto.score(y[-6:]) == pytest.approx(same.score(y[-6:]))


def spy_on_combination(monkeypatch, weights=None):
    """Record the arguments of the forecaster's combination_weights; return ``weights`` if given."""
    calls = []

    def spy(residuals, outputs, decomposition, return_error=False):
        calls.append((residuals, outputs, decomposition))
        if weights is None:
            return combination_weights(residuals, outputs, decomposition, return_error=return_error)
        return (*weights, 0.0) if return_error else weights

    monkeypatch.setattr(sklearn_rnn._forecast, "combination_weights", spy)
    return calls


def test_auto_mixes_in_the_seasonal_decomposition_chosen_out_of_sample(monkeypatch):
    y = noisy_season(120, seed=3)
    calls = spy_on_combination(monkeypatch)
    auto = Forecaster(Ridge(), horizon=6).fit(y[:-6])
    # the decomposition without, then with its trend, at the same origins
    (residuals, outputs, flat), (_, _, with_trend) = calls
    alone, baseline = (Forecaster(Ridge(), horizon=6, baseline_weight=w).fit(y[:-6]) for w in (0.0, 1.0))
    # the errors and outputs of the two-way case
    np.testing.assert_allclose(residuals, alone.residuals_)
    np.testing.assert_allclose(outputs, baseline.residuals_ - alone.residuals_)
    assert np.isfinite(flat).sum() == np.isfinite(with_trend).sum() == np.isfinite(residuals).sum()
    # the variant whose combination has the smaller out-of-sample error
    errors = []
    for decomposition in (flat, with_trend):
        v, u, error = combination_weights(residuals, outputs, decomposition, return_error=True)
        # the error returned is that of the combination over the errors that chose it
        assert error == pytest.approx(np.nanmean(np.abs(residuals + outputs - v * outputs - u * decomposition)))
        errors.append(error)
    assert auto.decomposition_trend_ == (errors[1] < errors[0])
    decomposition = with_trend if auto.decomposition_trend_ else flat
    v, u = combination_weights(residuals, outputs, decomposition)
    assert auto.decomposition_weight_ == pytest.approx(u) and auto.baseline_weight_ == pytest.approx(1 - v - u)
    assert auto.decomposition_weight_ > 0 and auto.baseline_weight_ + auto.decomposition_weight_ <= 1
    np.testing.assert_allclose(auto.residuals_, residuals + outputs - v * outputs - u * decomposition, atol=1e-12)
    # predict mixes the three forecasts by these weights
    values = y[:-6].to_numpy()[:, None]
    decomposed = seasonal_decomposition(values, np.array([len(values) - 1]), 6, 12, 3, auto.decomposition_trend_)
    expected = v * alone.predict() + (1 - v - u) * baseline.predict() + u * decomposed[0, :, 0]
    np.testing.assert_allclose(auto.predict().to_numpy(), expected.to_numpy())


def test_panel_decomposition_reads_each_series_own_history(monkeypatch):
    # weights forced to the decomposition alone: each forecast is its series' own decomposition
    spy_on_combination(monkeypatch, weights=(0.0, 1.0))
    short = noisy_season(60, seed=1)
    panel = pd.concat({"a": noisy_season(96, seed=0), "b": short[:-6] * 3 + 100}, names=["series", "time"])
    forecaster = Forecaster(Ridge(), horizon=5).fit(panel)
    assert forecaster.decomposition_weight_ == 1.0 and forecaster.baseline_weight_ == 0.0
    trend = forecaster.decomposition_trend_
    predicted = forecaster.predict()
    for key in ("a", "b"):
        values = panel.loc[key].to_numpy()[:, None]
        expected = seasonal_decomposition(values, np.array([len(values) - 1]), 5, 12, 3, trend)[0, :, 0]
        np.testing.assert_allclose(predicted.loc[key].to_numpy(), expected)
    # update and score forecast from the new observations the same way
    forecaster.update(pd.concat({"b": short[-6:] * 3 + 100}, names=["series", "time"]))
    values = (short * 3 + 100).to_numpy()[:, None]
    expected = seasonal_decomposition(values, np.array([len(values) - 1]), 5, 12, 3, trend)[0, :, 0]
    np.testing.assert_allclose(forecaster.predict().loc["b"].to_numpy(), expected)


@pytest.mark.parametrize(
    "params",
    [
        {"baseline_weight": 0.3},  # a fixed weight: the two-way combination
        {"baseline": None},  # the mean as baseline: no seasonal pattern to average
        {"seasonal_period": 1},  # no season
        {"window_size": 6},  # window and lookback hold fewer than two seasons
    ],
)
def test_no_decomposition_where_it_does_not_apply(params):
    forecaster = Forecaster(Ridge(), horizon=6, **params).fit(noisy_season())
    assert forecaster.decomposition_weight_ == 0.0 and forecaster.decomposition_trend_ is False


@pytest.mark.parametrize("seed", [1, 2])
def test_decomposition_trend_is_chosen_where_the_series_rises_and_left_out_where_it_is_flat(seed):
    t = np.arange(120)
    flat = noisy_season(120, seed=seed) - 0.3 * t
    assert Forecaster(Ridge(), horizon=6).fit(flat + 1.0 * t).decomposition_trend_ is True
    assert Forecaster(Ridge(), horizon=6).fit(flat).decomposition_trend_ is False
    # a pure pattern without noise: both variants are the same forecast, the tie goes to no trend
    pattern = pd.Series(np.resize(np.arange(12.0), 120), index=flat.index)
    assert Forecaster(Ridge(), horizon=6).fit(pattern).decomposition_trend_ is False


@pytest.mark.parametrize("bad", [-0.1, 1.5, "half", np.nan])
def test_invalid_baseline_weight_is_refused_by_name(bad):
    with pytest.raises(ValueError, match="baseline_weight"):
        Forecaster(Ridge(), horizon=2, baseline_weight=bad).fit(noisy_season(48))
