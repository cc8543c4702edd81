"""Season length: confirmation of the index frequency's cycle, detection without one, and the reasons given."""

import dataclasses
import re

import numpy as np
import pandas as pd
import pytest
from scipy.signal import lfilter
from sklearn.linear_model import Ridge

from sklearn_rnn import Forecaster
from sklearn_rnn._season import (
    SeasonChoice,
    choose_seasonal_period,
    detect_period,
    is_seasonal,
    resolve_seasonal_period,
    seasonal_autocorrelation,
)
from sklearn_rnn.datasets import load_airline


def monthly(n=48, seed=0, noise=4.0):
    """Monthly values with a trend and a yearly cycle by calendar month; with the
    default noise, four years have an autocorrelation of about 0.95 at lag 12."""
    index = pd.date_range("2015-01-01", periods=n, freq="MS")
    cycle = 20 * np.sin(2 * np.pi * (index.month - 1) / 12)
    return pd.Series(200 + 1.5 * np.arange(n) + cycle + noise * np.random.RandomState(seed).randn(n), index=index)


def weekly(n=156, seed=0, noise=4.0):
    """Weekly values with a trend and a yearly cycle by day of the year (52.18
    weeks, so the cycle drifts against a 52-week season, as real data do)."""
    index = pd.date_range("2015-01-04", periods=n, freq="W-SUN")
    cycle = 30 * np.sin(2 * np.pi * index.day_of_year / 365.25)
    return pd.Series(500 + 0.5 * np.arange(n) + cycle + noise * np.random.RandomState(seed).randn(n), index=index)


def noise(kind, n, seed):
    """Series without a season: white noise, autoregressive noise, random walks."""
    e = np.random.RandomState(seed).randn(n)
    if kind == "white noise":
        return e
    if kind == "random walk":
        return np.cumsum(e)
    if kind == "random walk with drift":
        return np.cumsum(e + 0.5)
    phi = {"AR(1) 0.5": 0.5, "AR(1) 0.9": 0.9}[kind]
    e[0] /= np.sqrt(1 - phi**2)  # start in the stationary distribution
    return lfilter([1.0], [1.0, -phi], e)  # x[t] = phi * x[t - 1] + e[t]


NOISE_KINDS = ["white noise", "AR(1) 0.5", "AR(1) 0.9", "random walk", "random walk with drift"]

# -- the index frequency's cycle, confirmed by the data ----------------------------------------


def test_four_years_of_monthly_data_confirm_the_yearly_cycle():
    y = monthly()
    assert y.autocorr(12) > 0.9  # the issue's example: an obvious yearly cycle
    choice = choose_seasonal_period("auto", y, y.index.freq)
    assert choice.period == 12
    assert choice.reason.startswith("12 from the monthly frequency (MS), confirmed by an autocorrelation of ")
    assert all(resolve_seasonal_period("auto", monthly(seed=seed), "MS") == 12 for seed in range(50))


def test_three_years_of_weekly_data_confirm_the_52_week_cycle():
    y = weekly()
    choice = choose_seasonal_period("auto", y, y.index.freq)
    assert choice.period == 52
    assert choice.reason.startswith("52 from the weekly frequency (W-SUN), confirmed by an autocorrelation of ")
    assert all(resolve_seasonal_period("auto", weekly(seed=seed), "W-SUN") == 52 for seed in range(50))


@pytest.mark.parametrize("months", [24, 36, 48])
def test_airline_passengers_from_two_years_on(months):
    y = load_airline()[:months]
    assert resolve_seasonal_period("auto", y, y.index.freq) == 12
    assert resolve_seasonal_period("auto", np.log(y), y.index.freq) == 12


@pytest.mark.parametrize(("make", "freq", "period"), [(monthly, "MS", 12), (weekly, "W-SUN", 52)])
def test_two_full_seasons_are_enough_and_needed(make, freq, period):
    assert resolve_seasonal_period("auto", make(2 * period), freq) == period
    choice = choose_seasonal_period("auto", make(2 * period - 1), freq)
    assert choice.period == 1
    assert choice.reason.endswith(f"but there are fewer than two full seasons ({2 * period - 1} rows for {period})")
    assert not is_seasonal(make(2 * period - 1), period)
    assert seasonal_autocorrelation(make(2 * period - 1), period) is None


def test_daily_frequency_and_an_hourly_day():
    hours = pd.date_range("2024-01-01", periods=72, freq="h")
    y = pd.Series(np.sin(2 * np.pi * hours.hour / 24) + 0.2 * np.random.RandomState(0).randn(72), index=hours)
    assert resolve_seasonal_period("auto", y, y.index.freq) == 24
    days = pd.date_range("2024-01-01", periods=28, freq="D")
    weekend = pd.Series(10.0 + 5 * (days.day_of_week >= 5) + np.random.RandomState(0).randn(28), index=days)
    assert resolve_seasonal_period("auto", weekend, weekend.index.freq) == 7
    # a yearly cycle is not a daily frequency's weekly cycle
    assert resolve_seasonal_period("auto", monthly(120).to_numpy(), "D") == 1


@pytest.mark.parametrize(("n", "freq"), [(24, "MS"), (48, "MS"), (120, "MS"), (40, "QS"), (156, "W-SUN")])
@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_noise_is_rarely_confirmed_as_seasonal(kind, n, freq):
    # the test's nominal false-positive rate is 5%; allow sampling error over 200 series
    confirmed = [resolve_seasonal_period("auto", noise(kind, n, seed), freq) != 1 for seed in range(200)]
    assert np.mean(confirmed) <= 0.10


def test_seasonality_test_rejects_wrong_lags_and_noise():
    y = monthly(120).to_numpy()
    assert is_seasonal(y, 12) and is_seasonal(y, 24)  # a yearly cycle repeats every two years too
    for lag in (5, 6, 7):
        assert not is_seasonal(y, lag)
    assert not is_seasonal(y, 1) and seasonal_autocorrelation(y, 1) is None
    for seed in range(5):
        assert not is_seasonal(noise("random walk", 150, seed), 12)


def test_frequencies_without_a_cycle_give_1_with_a_reason():
    y = monthly(120)
    assert choose_seasonal_period("auto", y, "YS") == SeasonChoice(
        1, "1: the yearly frequency (YS-JAN) suggests no season"
    )
    assert choose_seasonal_period("auto", y, "5MS") == SeasonChoice(1, "1: the frequency 5MS suggests no season")
    # every other month of a yearly cycle is a 6-step cycle, and confirmed as one
    assert resolve_seasonal_period("auto", y.iloc[::2], "2MS") == 6


def test_rejection_reason_quotes_the_numbers_that_decided():
    y = noise("white noise", 48, 0)
    choice = choose_seasonal_period("auto", y, pd.tseries.frequencies.to_offset("MS"))
    autocorrelation, bound = seasonal_autocorrelation(y, 12)
    assert choice.period == 1 and autocorrelation <= bound
    assert choice.reason == (
        f"1: the monthly frequency (MS) suggests 12, but the autocorrelation at lag 12 is "
        f"{autocorrelation:.2f}, not above the significance bound {bound:.2f}"
    )
    y = monthly()
    autocorrelation, bound = seasonal_autocorrelation(y, 12)
    assert choose_seasonal_period("auto", y, "MS").reason == (
        f"12 from the monthly frequency (MS), confirmed by an autocorrelation of {autocorrelation:.2f} "
        f"at lag 12 (significance bound {bound:.2f})"
    )


def test_a_given_period_is_kept_with_its_reason():
    y = monthly()
    assert choose_seasonal_period(7, y, "MS") == SeasonChoice(7, "7: given by seasonal_period")
    assert choose_seasonal_period(1, y, None) == SeasonChoice(1, "1: given by seasonal_period")
    assert resolve_seasonal_period(4, y, None) == 4


def test_a_season_on_any_target_is_kept_and_named():
    seasonal = monthly().to_numpy()
    flat = noise("white noise", 48, 3)
    choice = choose_seasonal_period("auto", np.column_stack([flat, seasonal]), "MS")
    assert choice.period == 12 and " at lag 12 for target 1 " in choice.reason
    choice = choose_seasonal_period("auto", np.column_stack([flat, noise("random walk", 48, 4)]), "MS")
    assert choice.period == 1 and re.search(r"at lag 12 for target [01] is", choice.reason)


def test_season_choice_is_a_frozen_value():
    choice = SeasonChoice(12, "12: given by seasonal_period")
    with pytest.raises(dataclasses.FrozenInstanceError):
        choice.period = 1
    assert [field.name for field in dataclasses.fields(SeasonChoice)] == ["period", "reason"]


# -- the computation ------------------------------------------------------------------------------


def direct_seasonal_autocorrelation(y, period):
    """The documented test, written out with plain loops and no FFT or cumulative sums."""
    n, half = len(y), period // 2
    kernel = np.r_[0.5, np.ones(period - 1), 0.5] / period if period % 2 == 0 else np.ones(period) / period
    average = np.convolve(y, kernel, mode="valid")  # centred at rows half .. n - half - 1
    rows = np.arange(half, n - half)
    trend = np.empty(n)
    trend[half : n - half] = average
    front = np.polyfit(rows[:period], average[:period], 1)
    back = np.polyfit(rows[-period:], average[-period:], 1)
    trend[:half] = np.polyval(front, np.arange(half))
    trend[n - half :] = np.polyval(back, np.arange(n - half, n))
    residual = y - trend

    def acf(x, lag):
        x = x - x.mean()
        return sum(x[t] * x[t + lag] for t in range(n - lag)) / sum(x * x)

    means = np.array([residual[p::period].mean() for p in range(period)])
    remainder = residual - means[np.arange(n) % period]
    s = sum(acf(remainder, lag) ** 2 for lag in range(1, period))
    return acf(residual, period), 1.645 * np.sqrt((n - period) / (n * (n + 2)) * (1 + 2 * s))


@pytest.mark.parametrize(("n", "period"), [(24, 12), (48, 12), (63, 7), (64, 7), (65, 4), (129, 5), (110, 52)])
def test_fft_computation_matches_the_documented_definition(n, period):
    y = np.random.RandomState(n).randn(n).cumsum() + 3 * np.sin(2 * np.pi * np.arange(n) / period)
    autocorrelation, bound = seasonal_autocorrelation(y, period)
    expected = direct_seasonal_autocorrelation(y, period)
    np.testing.assert_allclose([autocorrelation, bound], expected, rtol=1e-4, atol=1e-9)


def test_large_level_changes_nothing():
    y = monthly().to_numpy()
    for offset in (1e6, 1e9):
        np.testing.assert_allclose(seasonal_autocorrelation(y + offset, 12), seasonal_autocorrelation(y, 12), rtol=1e-5)
        assert detect_period(y + offset) == detect_period(y) == 12


def test_series_without_variation_around_the_trend():
    line = 1e9 + 3.0 * np.arange(60)
    for y in (line, np.full(60, 5.0)):
        assert seasonal_autocorrelation(y, 12)[0] == 0.0
        assert resolve_seasonal_period("auto", y, "MS") == 1
        assert detect_period(y) == 1
    # an exactly periodic series around a straight line: nothing left once the season is removed
    exact = 50 + 0.5 * np.arange(24) + 10 * np.sin(2 * np.pi * np.arange(24) / 12)
    assert resolve_seasonal_period("auto", exact, "MS") == 12


def test_input_is_not_modified_and_bad_values_raise():
    y = monthly()
    before = y.copy()
    choose_seasonal_period("auto", y, y.index.freq)
    choose_seasonal_period("auto", y.to_numpy(), None)
    pd.testing.assert_series_equal(y, before)
    with pytest.raises(ValueError, match="NaN or infinite"):
        choose_seasonal_period("auto", np.r_[y.to_numpy(), np.nan], "MS")


# -- without a frequency: the lag the data support best -------------------------------------------


def test_detection_without_a_frequency():
    y = monthly(120)
    for values in (y.to_numpy(), y.reset_index(drop=True)):
        choice = choose_seasonal_period("auto", values, None)
        assert choice.period == 12
        assert choice.reason.startswith("12 from the data (the index has no frequency): the best-supported lag")
    assert detect_period(y.to_numpy()) == 12
    # the shortest lag of a repeating cycle: 12, not its multiples
    cycle = np.tile(np.random.RandomState(0).randn(12), 10)
    assert detect_period(cycle + 0.1 * np.random.RandomState(1).randn(120)) == 12
    assert detect_period(np.tile([0.0, 4.0, 3.0, 1.0], 15) + 0.2 * np.random.RandomState(0).randn(60)) == 4


@pytest.mark.parametrize("kind", NOISE_KINDS)
def test_detection_without_a_frequency_rarely_finds_a_season_in_noise(kind):
    found = [detect_period(noise(kind, 150, seed)) != 1 for seed in range(100)]
    assert np.mean(found) <= 0.10
    assert all(detect_period(noise(kind, 150, seed)) == 1 for seed in range(5))


def test_detection_without_a_frequency_reasons():
    choice = choose_seasonal_period("auto", noise("white noise", 90, 0), None)
    assert choice == SeasonChoice(
        1, "1: the index has no frequency, and no lag from 2 to 30 has a significant autocorrelation of at least 0.4"
    )
    choice = choose_seasonal_period("auto", np.arange(5.0), None)
    assert choice == SeasonChoice(
        1, "1: the index has no frequency, and 5 rows are too few to look for a season (at least 6)"
    )


# -- in the Forecaster ----------------------------------------------------------------------------


@pytest.mark.parametrize(("y", "period"), [(monthly(), 12), (weekly(), 52)])
def test_forecaster_finds_the_issue_examples_seasons(y, period):
    assert Forecaster(Ridge(), horizon=4).fit(y).seasonal_period_ == period


def test_position_effect_pools_the_scaled_changes_of_every_series():
    from scipy.stats import kruskal

    from sklearn_rnn._season import position_effect

    rng = np.random.RandomState(0)
    position = np.arange(41) % 4
    a, b = rng.randn(41).cumsum(), 10 * rng.randn(41).cumsum()
    da, db = np.diff(a), np.diff(b)
    changes = np.r_[da / np.abs(da).mean(), db / np.abs(db).mean()]
    at = np.r_[position[1:], position[1:]]
    expected = kruskal(*[changes[at == k] for k in range(4)]).pvalue
    assert position_effect([a, b], [position, position]) == pytest.approx(expected)
    # two columns of one series count as two series; a flat one is left out
    both = np.column_stack([a, b])
    assert position_effect([both], [position]) == pytest.approx(expected)
    assert position_effect([np.column_stack([a, np.ones(41)])], [position]) == pytest.approx(
        position_effect([a], [position])
    )
    # a position effect in the changes is found, in each series' own units
    bump = (position == 3) * 1.5
    assert position_effect([a + bump, 100 * (b / 10 + bump)], [position, position]) < 1e-3
    # nothing to compare: flat series, or one position
    assert position_effect([np.ones(41)], [position]) == 1.0
    assert position_effect([a], [np.zeros(41, dtype=int)]) == 1.0
