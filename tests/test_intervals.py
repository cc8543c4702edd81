"""Forecaster.predict_interval and predict_quantiles; plot_forecast."""

import numpy as np
import pandas as pd
import pytest
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LinearRegression, Ridge

from sklearn_rnn import Forecaster, LSTMRegressor, plot_forecast
from sklearn_rnn._intervals import quantile_offsets


def noisy_season(n=240, noise=1.0, seed=0, start="2000-01-01", level=50.0):
    """A fixed monthly season plus Gaussian noise of known standard deviation."""
    t = np.arange(n)
    rng = np.random.RandomState(seed)
    values = level + 10 * np.sin(2 * np.pi * t / 12) + noise * rng.randn(n)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq="MS"), name="y")


def panel_of(parts):
    return pd.concat(parts, names=["unique_id", "ds"])


@pytest.fixture(scope="module")
def fitted():
    return Forecaster(Ridge(), window_size=12, horizon=4).fit(noisy_season())


# -- shapes and layout -----------------------------------------------------------------


def test_interval_of_one_target_has_lower_and_upper_indexed_like_predict(fitted):
    forecast = fitted.predict()
    interval = fitted.predict_interval(coverage=0.9)
    assert list(interval.columns) == ["lower", "upper"]
    assert interval.index.equals(forecast.index)
    assert (interval["lower"] <= forecast).all() and (forecast <= interval["upper"]).all()
    assert (interval["upper"] - interval["lower"] > 0).all()


def test_several_coverages_nest_and_have_a_coverage_level(fitted):
    interval = fitted.predict_interval(coverage=[0.5, 0.8, 0.95])
    assert interval.columns.names == ["coverage", "bound"]
    assert list(interval.columns) == [(c, b) for c in (0.5, 0.8, 0.95) for b in ("lower", "upper")]
    widths = [interval[(c, "upper")] - interval[(c, "lower")] for c in (0.5, 0.8, 0.95)]
    assert (widths[0] <= widths[1]).all() and (widths[1] <= widths[2]).all() and (widths[0] < widths[2]).all()
    # one level in a list keeps the coverage level; the same bounds as the scalar
    single = fitted.predict_interval(coverage=[0.8])
    assert single.columns.names == ["coverage", "bound"]
    np.testing.assert_array_equal(single.to_numpy(), fitted.predict_interval(coverage=0.8).to_numpy())


def test_quantiles_are_monotone_and_match_the_interval(fitted):
    quantiles = fitted.predict_quantiles(quantiles=[0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95])
    assert list(quantiles.columns) == [0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95]
    assert quantiles.index.equals(fitted.predict().index)
    assert (np.diff(quantiles.to_numpy(), axis=1) >= 0).all()
    assert (np.diff(quantiles.to_numpy(), axis=1)[:, [0, -1]] > 0).all()
    interval = fitted.predict_interval(coverage=0.9)
    np.testing.assert_allclose(quantiles[0.05], interval["lower"])
    np.testing.assert_allclose(quantiles[0.95], interval["upper"])
    default = fitted.predict_quantiles()
    assert list(default.columns) == [0.05, 0.5, 0.95]


def test_several_targets_add_a_target_level():
    y = noisy_season()
    data = pd.DataFrame({"a": y, "b": 3 * noisy_season(seed=1) + 100})
    forecaster = Forecaster(Ridge(), window_size=12, horizon=3).fit(data)
    forecast = forecaster.predict()
    interval = forecaster.predict_interval()
    assert interval.columns.names == ["target", "bound"]
    assert list(interval.columns) == [("a", "lower"), ("a", "upper"), ("b", "lower"), ("b", "upper")]
    for name in "ab":
        assert (interval[(name, "lower")] <= forecast[name]).all() and (
            forecast[name] <= interval[(name, "upper")]
        ).all()
    # b is three times as noisy: its interval is wider
    width = {n: (interval[(n, "upper")] - interval[(n, "lower")]).mean() for n in "ab"}
    assert 1.5 < width["b"] / width["a"] < 6
    both = forecaster.predict_interval(coverage=[0.8, 0.9])
    assert both.columns.names == ["target", "coverage", "bound"] and both.shape == (3, 8)
    quantiles = forecaster.predict_quantiles(quantiles=[0.1, 0.9])
    assert quantiles.columns.names == ["target", "quantile"]
    assert list(quantiles.columns) == [("a", 0.1), ("a", 0.9), ("b", 0.1), ("b", 0.9)]


def test_panel_intervals_are_indexed_by_series_and_scaled_per_series():
    parts = {
        "small": noisy_season(noise=0.5, seed=1, level=20),
        "large": 10 * noisy_season(noise=0.5, seed=2, level=20),
    }
    panel = panel_of(parts)
    forecaster = Forecaster(Ridge(), window_size=12, horizon=3).fit(panel)
    forecast = forecaster.predict()
    interval = forecaster.predict_interval(coverage=0.8)
    assert interval.index.equals(forecast.index)
    assert interval.index.names == ["unique_id", "ds"]
    width = (interval["upper"] - interval["lower"]).groupby(level=0).mean()
    np.testing.assert_allclose(width["large"] / width["small"], 10, rtol=0.05)
    assert ((interval["lower"] <= forecast) & (forecast <= interval["upper"])).all()


def test_data_and_future_arguments_like_predict():
    y = noisy_season()
    forecaster = Forecaster(Ridge(), window_size=12, horizon=3).fit(y[:-24])
    interval = forecaster.predict_interval(y[-40:])
    assert interval.index.equals(forecaster.predict(y[-40:]).index)
    assert interval.index[0] == y.index[-1] + y.index.freq

    days = pd.date_range("2020-01-01", periods=200, freq="D")
    rng = np.random.RandomState(0)
    promo = (rng.rand(200) < 0.3).astype(float)
    data = pd.DataFrame({"sales": 10 + 5 * promo + rng.randn(200), "promo": promo}, index=days)
    known = Forecaster(Ridge(), window_size=7, horizon=5, target="sales", future_covariates=["promo"])
    known.fit(data[:-5])
    future = data[-5:][["promo"]]
    interval = known.predict_interval(future=future)
    forecast = known.predict(future=future)
    assert interval.index.equals(forecast.index)
    assert ((interval["lower"] <= forecast) & (forecast <= interval["upper"])).all()
    with pytest.raises(ValueError, match="future"):
        known.predict_interval()


def test_arrays_give_an_ndarray_of_the_columns():
    y = noisy_season().to_numpy()
    forecaster = Forecaster(Ridge(), window_size=12, horizon=4).fit(y)
    interval = forecaster.predict_interval()
    assert isinstance(interval, np.ndarray) and interval.shape == (4, 2)
    forecast = forecaster.predict()
    assert (interval[:, 0] <= forecast).all() and (forecast <= interval[:, 1]).all()
    assert forecaster.predict_quantiles(quantiles=[0.1, 0.5, 0.9]).shape == (4, 3)


def test_residuals_come_from_two_rolling_origin_folds_one_per_step_and_period():
    y = noisy_season(n=120)
    forecaster = Forecaster(LinearRegression(), window_size=12, horizon=4).fit(y)
    residuals = forecaster.residuals_
    assert residuals.shape[1:] == (4, 1)
    counts = np.isfinite(residuals).sum(axis=0)[:, 0]
    # windows: 120 - 12 - 12 - 4 + 1 = 93, in three blocks of 31; the folds learn
    # from the first 31 and 62 windows: every period after the first 31
    # windows' targets gets one error per step
    assert forecaster.n_windows_ == 93
    assert (counts == 62).all()


# -- calibration ----------------------------------------------------------------------


def test_near_nominal_coverage_on_a_series_with_known_noise():
    # Many independent hold-outs of a series with Gaussian noise: the
    # empirical coverage of the 80% interval is near 80%, of the 90% near 90%.
    inside = {0.8: [], 0.9: []}
    widths = []
    for seed in range(12):
        y = noisy_season(n=192, noise=2.0, seed=seed)
        train, test = y[:-6], y[-6:]
        forecaster = Forecaster(LinearRegression(), window_size=12, horizon=6).fit(train)
        interval = forecaster.predict_interval(coverage=[0.8, 0.9])
        for c in (0.8, 0.9):
            inside[c].extend((interval[(c, "lower")] <= test) & (test <= interval[(c, "upper")]))
        widths.append((interval[(0.9, "upper")] - interval[(0.9, "lower")]).mean())
    assert 0.7 <= np.mean(inside[0.8]) <= 0.92
    assert 0.8 <= np.mean(inside[0.9]) <= 0.98
    # the width of a 90% normal interval is 2 * 1.645 * sigma (6.6 here), plus the model's error
    assert 5.5 < np.mean(widths) < 9.5


def test_recurrent_estimator_gives_intervals_with_early_stopping_and_refit():
    y = noisy_season(n=120, noise=1.0)
    tiny = LSTMRegressor(hidden_size=8, max_iter=15, early_stopping=True, learning_rate_init=0.01, device="cpu")
    for refit in (True, False):
        forecaster = Forecaster(tiny, window_size=12, horizon=3, n_estimators=1, refit=refit, random_state=0)
        forecaster.fit(y)
        interval = forecaster.predict_interval()
        forecast = forecaster.predict()
        assert np.isfinite(interval.to_numpy()).all()
        assert ((interval["lower"] <= forecast) & (forecast <= interval["upper"])).all()


def test_conformal_rank_and_too_few_errors():
    residuals = np.arange(1.0, 20.0)[:, None, None] - 10  # 19 errors, -9 .. 9, one step
    offsets = quantile_offsets(residuals, np.array([0.05, 0.5, 0.95]))[:, 0, 0]
    spread = np.mean(np.abs(residuals))
    # (n + 1) * 0.95 = 19: the largest error; (n + 1) * 0.05 = 1: the smallest
    np.testing.assert_allclose(offsets, [-9, 0, 9])
    assert spread > 0
    few = quantile_offsets(residuals[:5], np.array([0.01, 0.99]))[:, 0, 0]
    assert few[0] == -np.inf and few[1] == np.inf


def test_bounds_are_symmetric_around_the_forecast_even_with_biased_errors():
    residuals = np.linspace(1.0, 3.0, 50)[:, None, None]  # all positive: the forecast was too low
    offsets = quantile_offsets(residuals, np.array([0.05, 0.25, 0.5, 0.75, 0.95]))[:, 0, 0]
    np.testing.assert_allclose(offsets, -offsets[::-1])
    assert offsets[2] == 0 and 0 < offsets[3] < offsets[4]


# -- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("coverage", "message"),
    [
        (0, r"coverage must be in \(0, 1\); got 0\."),
        (1, r"coverage must be in \(0, 1\); got 1\."),
        (1.5, r"coverage must be in \(0, 1\); got 1\.5\."),
        (-0.1, r"coverage must be in \(0, 1\); got -0\.1\."),
        (float("nan"), r"coverage must be in \(0, 1\); got nan\."),
        ([0.8, 1.0], r"coverage must be in \(0, 1\); got 1\.0\."),
        ([], "non-empty list"),
        ("0.9", "not a string; got '0.9'"),
        ([0.8, 0.8], r"repeated levels: \[0\.8, 0\.8\]"),
        (True, "got True of type bool"),
        (None, "got None of type NoneType"),
        ({0.8, 0.9}, "non-empty list of them; got {"),  # a set has no order for the columns
        ({0.9: "x"}, "non-empty list of them; got {"),
    ],
)
def test_bad_coverage_is_a_clear_error(fitted, coverage, message):
    with pytest.raises(ValueError, match=message):
        fitted.predict_interval(coverage=coverage)


def test_coverages_in_any_order_keep_that_order(fitted):
    columns = fitted.predict_interval(coverage=[0.9, 0.8]).columns
    assert list(columns) == [(0.9, "lower"), (0.9, "upper"), (0.8, "lower"), (0.8, "upper")]


@pytest.mark.parametrize(
    ("quantiles", "message"),
    [
        ([0.9, 0.1], r"sorted in increasing order; got \[0\.9, 0\.1\]"),
        ([0.1, 0.5, 0.5], r"repeated levels: \[0\.1, 0\.5, 0\.5\]"),
        ("0.5", "not a string; got '0.5'"),
        ([0.0, 0.5], r"in \(0, 1\)"),
        ([0.5, 1.0], r"in \(0, 1\)"),
        ([], "non-empty"),
        (["a"], "not a string; got 'a'"),
    ],
)
def test_bad_quantiles_are_a_clear_error(fitted, quantiles, message):
    with pytest.raises(ValueError, match=message):
        fitted.predict_quantiles(quantiles=quantiles)


@pytest.mark.parametrize("quantiles", [None, object()])
def test_quantiles_that_are_not_levels_are_a_clear_error(fitted, quantiles):
    with pytest.raises(
        ValueError, match=f"quantiles must be a number in \\(0, 1\\); got .* of type {type(quantiles).__name__}"
    ):
        fitted.predict_quantiles(quantiles=quantiles)


def test_a_0d_array_is_one_level_like_a_number(fitted):
    # as for numpy, a 0-d array is a scalar: no coverage column level
    np.testing.assert_array_equal(
        fitted.predict_interval(coverage=np.array(0.9)).to_numpy(), fitted.predict_interval(coverage=0.9).to_numpy()
    )
    assert list(fitted.predict_interval(coverage=np.array(0.9)).columns) == ["lower", "upper"]
    assert list(fitted.predict_quantiles(quantiles=np.array(0.9)).columns) == [0.9]
    with pytest.raises(ValueError, match="coverage must be in"):
        fitted.predict_interval(coverage=np.array(1.5))
    with pytest.raises(ValueError, match="non-empty list"):
        fitted.predict_interval(coverage=np.array([[0.8, 0.9]]))


def test_float32_levels_are_labelled_by_their_shortest_decimal(fitted):
    assert list(fitted.predict_quantiles(quantiles=np.float32(0.3)).columns) == [0.3]
    assert list(fitted.predict_quantiles(quantiles=np.array([0.1, 0.3], dtype=np.float32)).columns) == [0.1, 0.3]
    interval = fitted.predict_interval(coverage=[np.float32(0.8), np.float16(0.9)])
    assert list(interval.columns) == [(0.8, "lower"), (0.8, "upper"), (0.9, "lower"), (0.9, "upper")]
    np.testing.assert_array_equal(interval[0.8].to_numpy(), fitted.predict_interval(coverage=0.8).to_numpy())
    # the same level in two precisions is repeated
    with pytest.raises(ValueError, match=r"repeated levels: \[0\.8, 0\.8\]"):
        fitted.predict_interval(coverage=[0.8, np.float32(0.8)])
    with pytest.raises(ValueError, match=r"repeated levels: \[0\.3, 0\.3\]"):
        fitted.predict_quantiles(quantiles=[np.float32(0.3), 0.3])


def test_unfitted_forecaster_raises_not_fitted():
    for method in ("predict_interval", "predict_quantiles"):
        with pytest.raises(NotFittedError):
            getattr(Forecaster(Ridge()), method)()


def test_too_few_windows_to_hold_out_is_a_clear_error():
    y = noisy_season(n=28)
    with pytest.warns(UserWarning):
        forecaster = Forecaster(Ridge(), window_size=12, horizon=3).fit(y)  # 2 windows
    assert forecaster.residuals_.shape[0] == 0
    with pytest.raises(ValueError, match="too few to hold"):
        forecaster.predict_interval()


def test_changed_parameters_after_fit_are_reported(fitted):
    from sklearn.base import clone

    changed = clone(fitted).set_params(horizon=5)
    changed.__dict__.update({k: v for k, v in fitted.__dict__.items() if k.endswith("_") or k.startswith("_")})
    with pytest.raises(ValueError, match="changed since fit"):
        changed.predict_interval()


# -- plotting -------------------------------------------------------------------------------


def test_plot_forecast_draws_history_forecast_and_bands(fitted):
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    history = noisy_season()[-36:]
    interval = fitted.predict_interval(coverage=[0.8, 0.9])
    ax = plot_forecast(history, fitted.predict(), interval)
    assert len(ax.lines) == 2 and len(ax.collections) == 2
    ax2 = plot_forecast(history, fitted.predict(), fitted.predict_interval(), ax=plt.figure().add_subplot())
    assert len(ax2.collections) == 1
    plt.close("all")
    with pytest.raises(ValueError, match="one series"):
        plot_forecast(panel_of({"a": history, "b": history}), fitted.predict())
    with pytest.raises(ValueError, match=r"shape \(4, 2\)"):
        plot_forecast(history, fitted.predict(), interval.to_numpy())
    with pytest.raises(TypeError, match="interval must be a DataFrame or an array"):
        plot_forecast(history, fitted.predict(), {"lower": 1})


@pytest.fixture
def pyplot():
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def legend_of(ax):
    return [text.get_text() for text in ax.get_legend().get_texts()]


def band_x(ax, i):
    """The x range of the i-th band (matplotlib dates as days since 1970)."""
    x = ax.collections[i].get_paths()[0].vertices[:, 0]
    return x.min(), x.max()


def test_plot_forecast_of_one_target_given_as_a_list(pyplot):
    y = noisy_season(n=120)
    data = pd.DataFrame({"sales": y, "other": 3 * noisy_season(n=120, seed=1) + 100})
    one = Forecaster(Ridge(), window_size=12, horizon=4, target=["sales"]).fit(data)
    ax = plot_forecast(data["sales"][-24:], one.predict(), one.predict_interval())
    assert len(ax.collections) == 1 and legend_of(ax) == ["history", "interval", "forecast"]
    ax = plot_forecast(data["sales"][-24:], one.predict(), one.predict_interval(coverage=[0.8, 0.9]))
    assert legend_of(ax) == ["history", "90% interval", "80% interval", "forecast"]
    ax = plot_forecast(data["sales"][-24:], one.predict(), one.predict_interval(coverage=[0.95, 0.975]))
    assert legend_of(ax) == ["history", "97.5% interval", "95% interval", "forecast"]  # not "98%"
    both = Forecaster(Ridge(), window_size=12, horizon=4).fit(data)
    for coverage in (0.9, [0.8, 0.9]):
        with pytest.raises(ValueError, match="select one target first"):
            plot_forecast(data["sales"], both.predict()["sales"], both.predict_interval(coverage=coverage))
    # once selected, a target is plotted
    ax = plot_forecast(data["sales"], both.predict()["sales"], both.predict_interval(coverage=[0.8, 0.9])["sales"])
    assert len(ax.collections) == 2


def test_plot_forecast_of_arrays_draws_the_forecast_after_the_history(pyplot):
    y = noisy_season(n=120).to_numpy()
    forecaster = Forecaster(Ridge(), window_size=12, horizon=4).fit(y)
    ax = plot_forecast(y[-24:], forecaster.predict(), forecaster.predict_interval())
    history, forecast = ax.lines
    np.testing.assert_array_equal(history.get_xdata(), np.arange(24))
    np.testing.assert_array_equal(forecast.get_xdata(), np.arange(24, 28))
    np.testing.assert_array_equal(forecast.get_ydata(), forecaster.predict())
    assert band_x(ax, 0) == (24, 27)
    with pytest.raises(ValueError, match=r"shape \(4, 2\).*got \(4, 4\)"):
        plot_forecast(y[-24:], forecaster.predict(), forecaster.predict_interval(coverage=[0.8, 0.9]))
    with pytest.raises(ValueError, match="both arrays or both pandas"):
        plot_forecast(noisy_season(n=120), forecaster.predict())
    with pytest.raises(ValueError, match="forecast has 2 columns"):
        plot_forecast(y, np.column_stack([forecaster.predict()] * 2))


def test_plot_forecast_refuses_an_interval_of_other_periods(pyplot):
    # an interval kept from before an update would be drawn at the earlier periods, beside the forecast
    y = noisy_season(n=120)
    forecaster = Forecaster(Ridge(), window_size=12, horizon=4).fit(y[:100])
    old = forecaster.predict_interval()
    forecaster.update(y[100:105])
    with pytest.raises(
        ValueError, match=r"index of interval \(Timestamp\('2008-05-01.*, 4 rows\) differs from the forecast"
    ):
        plot_forecast(y[:105], forecaster.predict(), old)
    # the series of a panel selected from the forecast and from the interval must be the same
    panel = panel_of({"a": y, "b": y[:110]})
    both = Forecaster(Ridge(), window_size=12, horizon=4).fit(panel)
    with pytest.raises(ValueError, match="differs from the forecast"):
        plot_forecast(y, both.predict().xs("a"), both.predict_interval().xs("b"))
    ax = plot_forecast(y, both.predict().xs("a"), both.predict_interval().xs("a"))
    assert len(ax.collections) == 1


def test_plot_forecast_without_history(fitted, pyplot):
    ax = plot_forecast(None, fitted.predict(), fitted.predict_interval())
    assert len(ax.lines) == 1 and legend_of(ax) == ["interval", "forecast"]
    np.testing.assert_array_equal(ax.lines[0].get_ydata(), fitted.predict())
    with pytest.raises(ValueError, match="forecast is required"):
        plot_forecast(noisy_season(), None)


def test_plot_forecast_warns_of_infinite_bounds_and_leaves_them_out(fitted, pyplot):
    interval = fitted.predict_interval(coverage=[0.5, 0.8, 0.99])
    interval[(0.99, "lower")], interval[(0.99, "upper")] = -np.inf, np.inf  # too few errors for 0.99
    interval.loc[interval.index[0], (0.8, "upper")] = np.inf  # and for the first step of 0.8
    with pytest.warns(UserWarning, match="infinite bounds") as record:
        ax = plot_forecast(noisy_season()[-24:], fitted.predict(), interval)
    messages = [str(w.message) for w in record]
    assert all(w.filename == __file__ for w in record)
    assert any("99% interval has infinite bounds at all 4 steps" in m for m in messages)
    assert any("80% interval has infinite bounds at 1 of 4 steps" in m for m in messages)
    assert legend_of(ax) == ["history", "80% interval", "50% interval", "forecast"]
    assert len(ax.collections) == 2
    # the 80% band is drawn over the steps whose bounds are finite only
    start, stop = band_x(ax, 0)
    days = mdates_of(interval.index)
    assert start == days[1] and stop == days[-1]


def mdates_of(index):
    import matplotlib.dates as mdates

    return mdates.date2num(index)
