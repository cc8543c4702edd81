"""Forecaster on panels (many series, one global model), PanelTimeSeriesSplit."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, RegressorMixin, clone
from sklearn.dummy import DummyRegressor
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_validate

from sklearn_rnn import Forecaster, LSTMRegressor, PanelTimeSeriesSplit


def trend_season(n, start="2000-01-01", freq="MS", level=50.0, slope=0.5, amplitude=10.0, noise=0.0, seed=0):
    t = np.arange(n)
    rng = np.random.RandomState(seed)
    values = level + slope * t + amplitude * np.sin(2 * np.pi * t / 12) + noise * rng.randn(n)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq=freq))


def make_panel(noise=1.0):
    """Three monthly series of different lengths, start dates and levels, rows interleaved by date."""
    parts = {
        "b": trend_season(60, "2000-01-01", level=100, noise=noise, seed=1),
        "a": trend_season(48, "2001-01-01", level=10, slope=0.1, amplitude=2, noise=noise / 10, seed=2),
        "c": trend_season(40, "2001-09-01", level=1000, slope=5, amplitude=100, noise=noise * 10, seed=3),
    }
    panel = pd.concat(parts, names=["unique_id", "ds"]).rename("y")
    return panel.sort_index(level="ds", sort_remaining=False)  # a long table sorted by date


def series_of(panel, key):
    return panel.xs(key, level=0)


def run_fix(message, data, name="data"):
    """Execute the code that an error message suggests (between backticks) on ``data``."""
    snippets = re.findall(r"`([^`]+)`", message)
    assert snippets, f"no code suggested in: {message}"
    namespace = {"pd": pd, "np": np, name: data.copy()}
    exec(snippets[0], namespace)
    return namespace[name]


# -- fit and predict ----------------------------------------------------------------------


def test_panel_forecast_is_indexed_by_series_and_future_time():
    panel = make_panel()
    forecaster = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(panel)
    assert list(forecaster.series_) == ["a", "b", "c"]
    assert forecaster.n_windows_ == sum(n - 12 - 12 - 3 + 1 for n in (48, 60, 40))
    forecast = forecaster.predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "y"
    assert forecast.index.names == ["unique_id", "ds"]
    assert len(forecast) == 9 and list(forecast.index.get_level_values(0)) == ["a"] * 3 + ["b"] * 3 + ["c"] * 3
    for key in "abc":
        end = series_of(panel, key).index[-1]
        expected = pd.date_range(end, periods=4, freq="MS")[1:]
        np.testing.assert_array_equal(forecast[key].index, expected)
        assert forecaster.cutoff_[key] == end
    pd.testing.assert_index_equal(forecaster.future_index(), forecast.index)
    # each series' spread is its own in-sample mean absolute seasonal difference
    for i, key in enumerate("abc"):
        values = series_of(panel, key).to_numpy()
        assert forecaster.scale_[i, 0] == pytest.approx(np.mean(np.abs(values[12:] - values[:-12])))
    # a one-column DataFrame panel gives the same forecast
    frame = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(panel.to_frame())
    pd.testing.assert_series_equal(frame.predict(), forecast)


def test_each_series_is_scaled_by_its_own_spread():
    # b is a with another level and spread: the global model sees the same
    # windows, so b's forecast is a's forecast mapped the same way.
    a = trend_season(60, noise=1.0)
    panel = pd.concat({"a": a, "b": 250 * a - 4000}, names=["id", "time"])
    forecast = Forecaster(Ridge(), window_size=12, horizon=4, seasonal_period=12).fit(panel).predict()
    np.testing.assert_allclose(forecast["b"].to_numpy(), 250 * forecast["a"].to_numpy() - 4000, rtol=1e-9)


class WindowRecorder(RegressorMixin, BaseEstimator):
    """Keeps the 3-D windows it is fitted on; predicts zeros (the seasonal-naive forecast)."""

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.three_d_array = True
        return tags

    def fit(self, X, y):
        self.X_ = X
        self.n_outputs_ = 1 if np.ndim(y) == 1 else y.shape[1]
        return self

    def predict(self, X):
        return np.zeros((len(X), self.n_outputs_))


def test_windows_carry_each_series_drift():
    # rising and falling series: the last channel is each series' mean seasonal
    # difference in units of its spread, the same at every step of its windows
    up = trend_season(60, noise=1.0, slope=0.5)
    down = trend_season(48, "2001-01-01", noise=1.0, slope=-0.2, seed=4)
    panel = pd.concat({"up": up, "down": down}, names=["id", "time"])
    forecaster = Forecaster(WindowRecorder(), window_size=12, horizon=3, seasonal_period=12).fit(panel)
    X = forecaster.estimators_[0].X_
    assert X.shape == (forecaster.n_windows_, 12, 3)  # centred values, seasonal differences, drift
    drift = X[:, :, 2]
    assert np.all(drift == drift[:, :1])
    expected = []
    for i, key in enumerate(forecaster.series_):
        values = series_of(panel, key).to_numpy()
        expected.append(np.mean(values[12:] - values[:-12]) / forecaster.scale_[i, 0])
    assert expected[0] < 0 < expected[1]  # down, then up (series_ is sorted)
    np.testing.assert_allclose(np.unique(drift), sorted(expected), rtol=1e-5)


def test_baseline_integrates_back_exactly_on_every_series():
    panel = pd.concat(
        {
            k: trend_season(72, start, level=level, slope=slope)
            for k, start, level, slope in [("x", "2000-01-01", 10, 0.2), ("y", "2002-06-01", 500, 3.0)]
        },
        names=["id", "time"],
    )
    forecaster = Forecaster(DummyRegressor(), window_size=12, horizon=14, seasonal_period=12).fit(panel)
    forecast = forecaster.predict()
    for key, start, level, slope in [("x", "2000-01-01", 10, 0.2), ("y", "2002-06-01", 500, 3.0)]:
        truth = trend_season(86, start, level=level, slope=slope)[72:]
        np.testing.assert_allclose(forecast[key].to_numpy(), truth.to_numpy(), rtol=1e-10)


def test_one_series_panel_forecasts_like_the_series():
    y = trend_season(60, noise=1.0)
    single = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(y).predict()
    panel = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(pd.concat({"only": y}))
    np.testing.assert_allclose(panel.predict().to_numpy(), single.to_numpy(), rtol=1e-12)


def test_training_windows_are_in_time_order_across_series():
    # the estimator's early stopping validates on the last windows: they must
    # be the most recent ones of all series, not the last series
    class Recorder(LinearRegression):
        def fit(self, X, y):
            Recorder.seen = X
            return super().fit(X, y)

    panel = make_panel().to_frame()
    panel["clock"] = panel.index.get_level_values(1).year * 12.0 + panel.index.get_level_values(1).month
    Forecaster(Recorder(), window_size=3, horizon=2, target="y", seasonal_period=1).fit(panel)
    last_clock = Recorder.seen.reshape(len(Recorder.seen), 3, -1)[:, -1, 1]  # the clock at each window's end
    assert np.all(np.diff(last_clock) >= 0)


def test_predict_from_given_panel_and_new_series():
    panel = make_panel()
    forecaster = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(panel)
    pd.testing.assert_series_equal(forecaster.predict(panel), forecaster.predict())
    # a series not seen in fit, scaled by its own spread in the data given
    a = series_of(panel, "a")
    new = pd.concat({"a": a, "z": 7 * a + 3}, names=["unique_id", "ds"])
    forecast = forecaster.predict(new)
    np.testing.assert_allclose(forecast["z"].to_numpy(), 7 * forecast["a"].to_numpy() + 3, rtol=1e-9)
    assert list(forecaster.series_) == ["a", "b", "c"]  # unchanged


def test_update_and_score_take_panels():
    panel = make_panel(noise=2.0)
    cut = panel.index.get_level_values(1) < pd.Timestamp("2004-07-01")
    train, rest = panel[cut], panel[~cut]
    forecaster = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(train)
    first = forecaster.predict()
    # score: scaled absolute errors averaged over series and periods
    future = rest[rest.index.get_level_values(1) < pd.Timestamp("2004-10-01")]
    errors = [
        np.abs(future[key].to_numpy() - first[key].to_numpy()) / forecaster.scale_[i, 0]
        for i, key in enumerate(forecaster.series_)
        if key in future.index.get_level_values(0)
    ]
    assert forecaster.score(future) == pytest.approx(-np.mean(np.concatenate(errors)))
    # update with rows of one series only: only its forecast moves
    b_rows = future.loc[["b"]]
    expected = forecaster.predict(pd.concat([train, b_rows]))  # from given data, changing nothing
    forecaster.update(b_rows)
    assert forecaster.cutoff_["b"] == pd.Timestamp("2004-09-01")
    assert forecaster.cutoff_["a"] == pd.Timestamp("2004-06-01")
    moved = forecaster.predict()
    pd.testing.assert_series_equal(moved["a"], first["a"])
    pd.testing.assert_series_equal(moved["b"], expected["b"])


def test_panel_update_must_continue_each_series():
    panel = make_panel()
    forecaster = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(panel)
    late = pd.Series([1.0], index=pd.MultiIndex.from_tuples([("a", pd.Timestamp("2005-03-01"))]), name="y")
    with pytest.raises(ValueError, match=r"Series 'a' of new_data must follow.*2005-01-01.*starts it at.*2005-03-01"):
        forecaster.update(late)
    with pytest.raises(ValueError, match=r"new_data holds 1 series that the forecaster does not forecast.*'q'"):
        forecaster.update(pd.Series([1.0], index=pd.MultiIndex.from_tuples([("q", pd.Timestamp("2005-01-01"))])))
    with pytest.raises(ValueError, match="new_data is a single series, but the forecaster was fitted on a panel"):
        forecaster.update(series_of(panel, "a"))
    single = Forecaster(Ridge(), window_size=12, horizon=3, seasonal_period=12).fit(series_of(panel, "a"))
    with pytest.raises(ValueError, match="data is a panel, but the forecaster was fitted on a single series"):
        single.predict(panel)


# -- index checks, series by series ----------------------------------------------------------


def test_gap_in_one_series_is_named_and_the_fix_works():
    panel = make_panel().to_frame()
    gapped = panel.drop(index=("c", pd.Timestamp("2002-03-01")))
    with pytest.raises(ValueError, match=r"Series 'c' of data has gaps.*2002-02-01.*2002-03-01") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(gapped)
    fixed = run_fix(str(error.value), gapped)
    Forecaster(Ridge(), window_size=6, horizon=2).fit(fixed)
    assert fixed.loc[("c", pd.Timestamp("2002-03-01")), "y"] == pytest.approx(
        (panel.loc[("c", pd.Timestamp("2002-02-01")), "y"] + panel.loc[("c", pd.Timestamp("2002-04-01")), "y"]) / 2
    )


@pytest.mark.parametrize("kind", ["period", "integer"])
def test_gap_fix_for_period_and_integer_panels(kind):
    panel = make_panel().to_frame()
    times = panel.index.get_level_values(1)
    labels = times.to_period("M") if kind == "period" else (times.year * 12 + times.month - 1) * 3
    panel.index = pd.MultiIndex.from_arrays([panel.index.get_level_values(0), labels])
    gapped = panel.drop(index=panel.index[panel.index.get_level_values(0) == "a"][[5, 6]])
    with pytest.raises(ValueError, match=r"Series 'a' of data has gaps") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(gapped)
    fixed = run_fix(str(error.value), gapped)
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2).fit(fixed)
    assert forecaster.n_windows_ == Forecaster(Ridge(), window_size=6, horizon=2).fit(panel).n_windows_


def test_messages_show_integer_keys_and_labels_as_plain_numbers():
    # NumPy 2 writes np.int64(2): the messages show the key and the label as the user wrote them
    panel = make_panel().to_frame().rename(index={"a": 1, "b": 2, "c": 3}, level=0)
    times = panel.index.get_level_values(1)
    panel.index = pd.MultiIndex.from_arrays(
        [panel.index.get_level_values(0), times.year * 12 + times.month], names=["unique_id", "t"]
    )
    gapped = panel.drop(index=panel.index[panel.index.get_level_values(0) == 2][[5]])
    with pytest.raises(
        ValueError, match=r"Series 2 of data has gaps .*, the first after 24005 \(expected 24006 next\)"
    ):
        Forecaster(Ridge(), window_size=6, horizon=2).fit(gapped)
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2).fit(panel)
    late = pd.DataFrame({"y": [1.0]}, index=pd.MultiIndex.from_tuples([(1, 24099)], names=["unique_id", "t"]))
    with pytest.raises(ValueError, match=r"Series 1 of new_data must follow.*starts it at 24099\.") as error:
        forecaster.update(late)
    assert "np." not in str(error.value)
    unknown = pd.DataFrame({"y": [1.0]}, index=pd.MultiIndex.from_tuples([(9, 24099)], names=["unique_id", "t"]))
    with pytest.raises(ValueError, match=r"does not forecast .*: \[9\]"):
        forecaster.update(unknown)


def test_duplicated_and_unsorted_rows_are_named_and_the_fixes_work():
    panel = make_panel().to_frame()
    duplicated = pd.concat([panel, panel.loc[[("b", pd.Timestamp("2001-05-01"))]]])
    with pytest.raises(ValueError, match=r"[Ss]eries 'b' of data has duplicated labels") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(duplicated)
    Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), duplicated))
    # a duplicate in a series other than the longest, found by the per-series checks
    duplicated = pd.concat([panel, panel.loc[[("c", pd.Timestamp("2002-05-01"))]]])
    with pytest.raises(ValueError, match=r"Series 'c' of data has duplicated labels") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(duplicated)
    Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), duplicated))
    swapped = panel.drop(index=("a", pd.Timestamp("2002-05-01")))
    swapped = pd.concat([swapped, panel.loc[[("a", pd.Timestamp("2002-05-01"))]]])
    with pytest.raises(ValueError, match=r"Series 'a' of data has labels out of time order") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(swapped)
    Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), swapped))
    shuffled = panel.sample(frac=1.0, random_state=0)
    with pytest.raises(ValueError, match=r"not sorted in time order|out of time order") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(shuffled)
    Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), shuffled))


@pytest.mark.parametrize("ids", [["a", "b", "c"], [7, 8, 9]])
def test_long_table_indexed_by_time_alone_is_named_and_the_fix_works(ids):
    panel = make_panel().to_frame()
    keys = panel.index.get_level_values(0).map(dict(zip("abc", ids, strict=True)))
    long = panel.assign(series_id=keys).reset_index(level=0, drop=True)[["series_id", "y"]]
    with pytest.raises(ValueError, match=r"told apart by column 'series_id'") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(long)
    fixed = run_fix(str(error.value), long)
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2).fit(fixed)
    assert list(forecaster.series_) == ids
    # duplicates that no column tells apart: the advice to aggregate them
    with pytest.raises(ValueError, match=r"aggregate duplicates first"):
        Forecaster(Ridge(), window_size=6, horizon=2).fit(long[["y"]])


@pytest.mark.parametrize("ids", [["a", "b", "c"], [7, 8, 9]])
@pytest.mark.parametrize("periods", [False, True])
def test_long_table_in_columns_is_named_and_the_fix_works(ids, periods):
    # the layout of a CSV file: unique_id, ds, y as columns, no index
    panel = make_panel().to_frame()
    keys = panel.index.get_level_values(0).map(dict(zip("abc", ids, strict=True)))
    long = panel.reset_index().assign(unique_id=keys)
    if periods:
        long["ds"] = long["ds"].dt.to_period("M")
    with pytest.raises(ValueError, match=r"column 'unique_id' names the series, 'ds' the periods") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(long)
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), long))
    assert list(forecaster.series_) == ids
    # a single series with its dates in a column is not taken for a long table
    one = long[long["unique_id"] == ids[0]].drop(columns="unique_id")
    with pytest.raises(ValueError, match=r"not numeric"):
        Forecaster(Ridge(), window_size=6, horizon=2).fit(one)


def test_series_of_another_frequency_and_bad_levels():
    panel = make_panel()
    weekly = trend_season(50, "2001-01-07", freq="W-SUN")
    mixed = pd.concat([panel, pd.concat({"w": weekly})]).rename_axis(["unique_id", "ds"])
    with pytest.raises(ValueError, match=r"Series 'w' of data has frequency 'W-SUN', but series 'b' \(the longest"):
        Forecaster(Ridge(), window_size=6, horizon=2).fit(mixed)
    text = panel.copy()
    text.index = text.index.set_levels(text.index.levels[1].strftime("%Y-%m-%d"), level=1)
    with pytest.raises(ValueError, match="time level of the index of data is a") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(text)
    Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), text))
    three = pd.concat({"x": panel})
    with pytest.raises(ValueError, match="The index of data has 3 levels; a panel needs 2"):
        Forecaster(Ridge(), window_size=6, horizon=2).fit(three)
    with pytest.raises(ValueError, match="The index of X has 3 levels; a panel needs 2"):
        next(PanelTimeSeriesSplit(n_splits=2, test_size=2).split(three))
    # swapped levels would split by series, training on the future of every series
    with pytest.raises(ValueError, match=r"first level of the index of X holds dates.*swaplevel"):
        next(PanelTimeSeriesSplit(n_splits=2, test_size=2).split(panel.swaplevel().sort_index()))


def test_series_of_another_frequency_on_the_grid_of_the_others_is_not_called_gaps():
    # weekly dates are days too: they were reported as a daily series with gaps, whose fix invents 6 days a week
    daily = trend_season(40, "2020-01-05", freq="D")
    weekly = trend_season(35, "2020-01-05", freq="W-SUN")
    mixed = pd.concat({"daily": daily, "weekly": weekly}, names=["unique_id", "ds"]).to_frame("y")
    with pytest.raises(ValueError, match=r"Series 'weekly' of data has frequency 'W-SUN', but series 'daily'") as error:
        Forecaster(Ridge(), window_size=5, horizon=2, seasonal_period=1).fit(mixed)
    assert "gaps" not in str(error.value) and "interpolate" not in str(error.value)
    # integer time labels: a step of its own
    steps = pd.concat(
        {
            "one": pd.Series(np.arange(30.0), index=np.arange(30)),
            "two": pd.Series(np.arange(10.0), index=np.arange(0, 20, 2)),
        }
    ).to_frame("y")
    with pytest.raises(ValueError, match=r"Series 'two' of data has step 2, but series 'one' \(the longest"):
        Forecaster(Ridge(), window_size=5, horizon=2, seasonal_period=1).fit(steps)
    # real gaps keep the gap message
    gapped = mixed.drop(index="weekly").drop(index=("daily", daily.index[7]))
    gapped = pd.concat([gapped, pd.concat({"other": trend_season(60, "2020-01-05", freq="D")}).to_frame("y")])
    with pytest.raises(ValueError, match=r"Series 'daily' of data has gaps \(missing periods\)"):
        Forecaster(Ridge(), window_size=5, horizon=2, seasonal_period=1).fit(gapped)
    # after fit, the series concerned (not the longest) is named with the frequency seen in fit
    forecaster = Forecaster(Ridge(), window_size=5, horizon=2, seasonal_period=1).fit(mixed.drop(index="weekly"))
    recent = pd.concat({"a": daily, "w": weekly.iloc[:10]}, names=["unique_id", "ds"]).to_frame("y")
    with pytest.raises(ValueError, match=r"series 'w' of data has frequency 'W-SUN', but the forecaster was fitted on"):
        forecaster.predict(data=recent)


def test_swapped_levels_are_named_and_the_fix_works():
    panel = make_panel()
    expected = Forecaster(Ridge(), window_size=6, horizon=2).fit(panel).predict()
    for ids in (None, {"a": 1, "b": 2, "c": 3}):  # integer ids would otherwise read as time
        data = panel if ids is None else panel.rename(index=ids, level=0)
        swapped = data.swaplevel()
        with pytest.raises(ValueError, match=r"first level of the index of data holds dates") as error:
            Forecaster(Ridge(), window_size=6, horizon=2).fit(swapped)
        forecast = Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), swapped)).predict()
        np.testing.assert_allclose(forecast.to_numpy(), expected.to_numpy())


def test_missing_time_label_is_named_and_the_fix_works():
    panel = make_panel()
    holes = panel.copy()
    labels = holes.index.get_level_values(1).to_numpy().copy()
    labels[5] = np.datetime64("NaT")
    holes.index = pd.MultiIndex.from_arrays([holes.index.get_level_values(0), labels], names=holes.index.names)
    with pytest.raises(ValueError, match=r"Series '\w' of data has a missing time label") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(holes)
    with pytest.raises(ValueError, match="gaps"):  # dropping the row leaves a gap, which is then named
        Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), holes))
    one = series_of(panel, "b").copy()
    one.index = pd.DatetimeIndex([*one.index[:-1], pd.NaT])
    with pytest.raises(ValueError, match=r"index of data has missing time labels") as error:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(one)
    Forecaster(Ridge(), window_size=6, horizon=2).fit(run_fix(str(error.value), one))


def _with_zone(data, change):
    """``data`` with its time labels passed through ``change`` (a DatetimeIndex method call)."""
    data = data.copy()
    if isinstance(data.index, pd.MultiIndex):
        data.index = data.index.set_levels(change(data.index.levels[1]), level=1)
    else:
        data.index = change(data.index)
    return data


def _split_last(data, n):
    """Every series of ``data`` but its last ``n`` rows, and those rows."""
    if not isinstance(data.index, pd.MultiIndex):
        return data.iloc[:-n], data.iloc[-n:]
    by_series = data.groupby(level=0, group_keys=False)
    return by_series.apply(lambda s: s.iloc[:-n]), by_series.apply(lambda s: s.iloc[-n:])


@pytest.mark.parametrize("panel_data", [True, False])
def test_time_zone_of_new_data_must_be_that_of_fit(panel_data):
    data = make_panel() if panel_data else series_of(make_panel(), "b")
    train, new = _split_last(_with_zone(data, lambda i: i.tz_localize("Europe/Berlin")), 2)
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2).fit(train)
    utc = _with_zone(new, lambda i: i.tz_convert("UTC"))  # the same instants
    for method in ("update", "score"):
        with pytest.raises(ValueError, match=r"time zone 'UTC'.*fitted on dates in time zone 'Europe/Berlin'"):
            getattr(clone(forecaster).fit(train), method)(utc)
    with pytest.raises(ValueError, match=r"tz_convert\('Europe/Berlin'\)") as error:
        forecaster.update(utc)
    forecaster.update(run_fix(str(error.value), utc, "new_data"))
    naive = _with_zone(data, lambda i: i.tz_localize(None))
    with pytest.raises(ValueError, match=r"tz-naive dates, but the forecaster was fitted on dates in time zone"):
        forecaster.predict(naive)


def test_empty_update_is_named():
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2).fit(make_panel())
    with pytest.raises(ValueError, match="new_data is empty: it has no rows"):
        forecaster.update(make_panel().iloc[:0])


def test_single_output_estimator_is_told_to_use_multioutput():
    from sklearn.multioutput import MultiOutputRegressor
    from sklearn.svm import SVR

    panel = make_panel()
    with pytest.raises(ValueError, match=r"SVR failed.*4 outputs per window.*MultiOutputRegressor"):
        Forecaster(SVR(), window_size=6, horizon=4).fit(panel)
    Forecaster(MultiOutputRegressor(SVR()), window_size=6, horizon=4).fit(panel)


def test_missing_value_is_located_by_series_and_time():
    panel = make_panel()
    panel[("a", pd.Timestamp("2002-02-01"))] = np.nan
    with pytest.raises(ValueError, match=r"missing or infinite.*\('a', Timestamp\('2002-02-01"):
        Forecaster(Ridge(), window_size=6, horizon=2).fit(panel)


@pytest.mark.parametrize("fix", [0, 1])
@pytest.mark.parametrize("where", ["inside", "first"])
def test_missing_value_fixes_fill_within_each_series(fix, where):
    # on a table sorted by date, a plain interpolate() or ffill() would take values of other series
    panel = make_panel()
    a = series_of(panel, "a")
    time = a.index[5] if where == "inside" else a.index[0]
    panel[("a", time)] = np.nan
    with pytest.raises(ValueError, match=r"series by series") as caught:
        Forecaster(Ridge(), window_size=6, horizon=2).fit(panel)
    snippets = re.findall(r"`([^`]+)`", str(caught.value))
    namespace = {"pd": pd, "np": np, "data": panel.copy()}
    exec(snippets[fix], namespace)
    filled = namespace["data"]
    assert filled.index.equals(panel.index)
    a_filled, a_before = series_of(filled, "a"), series_of(panel, "a")
    value = a_filled[time]
    if where == "inside":
        neighbours = a_before.iloc[[4, 6]]
        assert neighbours.min() <= value <= neighbours.max()
    elif fix == 0:
        assert value == a_before.iloc[1]
    else:
        assert np.isnan(value)  # a forward fill leaves a series' first value missing, never another series'
    for key in "bc":
        pd.testing.assert_series_equal(series_of(filled, key), series_of(panel, key))


def test_too_short_series_raise_or_are_left_out_with_a_warning():
    panel = make_panel()
    # c has 40 rows: window 12 + season 12 + horizon 20 = 44 needed
    forecaster = Forecaster(Ridge(), window_size=12, horizon=20, seasonal_period=12)
    with pytest.raises(ValueError, match=r"1 of the 3 series of data are too short: \['c' \(40 rows\)\].*44.*'drop'"):
        forecaster.fit(panel)
    dropping = clone(forecaster).set_params(short_series="drop")
    with pytest.warns(UserWarning, match=r"'c' \(40 rows\).*left out") as caught:
        dropping.fit(panel)
    assert caught[0].filename == __file__  # the caller's line, not scikit-learn's fit wrapper
    assert list(dropping.series_) == ["a", "b"]
    assert set(dropping.predict().index.get_level_values(0)) == {"a", "b"}
    # rows of the dropped series are skipped in update and score, with a warning
    c_next = pd.Series([1.0], index=pd.MultiIndex.from_tuples([("c", pd.Timestamp("2005-01-01"))]), name="y")
    with pytest.warns(UserWarning, match=r"new_data holds 1 series .*'c'.*skipped") as caught:
        dropping.update(c_next)
    assert caught[0].filename == __file__
    # predict(data) forecasts every series of data long enough to forecast from, as one not seen in fit
    forecast = dropping.predict(data=panel)
    assert set(forecast.index.get_level_values(0)) == {"a", "b", "c"}
    unseen = dropping.predict(data=panel.rename(index={"c": "new"}, level=0))
    np.testing.assert_allclose(forecast.xs("c").to_numpy(), unseen.xs("new").to_numpy())
    with pytest.raises(ValueError, match="all|too short"):
        Forecaster(Ridge(), window_size=40, horizon=30, short_series="drop").fit(panel)


# -- cross-validation --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "params",
    [
        {"n_splits": 3},
        {"n_splits": 4, "test_size": 5},
        {"n_splits": 2, "test_size": 4, "gap": 3},
        {"n_splits": 3, "max_train_size": 10},
    ],
)
def test_on_one_series_the_folds_are_those_of_time_series_split(params):
    y = trend_season(40)
    expected = [(list(a), list(b)) for a, b in TimeSeriesSplit(**params).split(y)]
    for data in (y, y.to_numpy(), y.to_frame()):
        folds = [(list(a), list(b)) for a, b in PanelTimeSeriesSplit(**params).split(data)]
        assert folds == expected
    assert PanelTimeSeriesSplit(**params).get_n_splits() == params["n_splits"]


def test_panel_folds_cut_every_series_at_the_same_dates():
    panel = make_panel()
    times = panel.index.get_level_values(1)
    keys = panel.index.get_level_values(0)
    folds = list(PanelTimeSeriesSplit(n_splits=3, test_size=4).split(panel))
    assert len(folds) == 3
    ends = sorted(times.unique())[-12:]
    for k, (train, test) in enumerate(folds):
        assert sorted(times[test].unique()) == ends[4 * k : 4 * k + 4]
        assert times[train].max() < ends[4 * k]
        # expanding window: every row before the cut-off trains
        assert len(train) == int((times < ends[4 * k]).sum())
        assert set(keys[test]) == {"a", "b", "c"}
    with pytest.raises(ValueError, match="Too many splits"):
        list(PanelTimeSeriesSplit(n_splits=30, test_size=4).split(panel))
    with pytest.raises(ValueError, match="n_splits"):
        PanelTimeSeriesSplit(n_splits=1)


def test_grid_search_and_cross_validate_a_panel():
    panel = make_panel(noise=2.0)
    cv = PanelTimeSeriesSplit(n_splits=2, test_size=3)
    tiny = LSTMRegressor(hidden_size=4, max_iter=3, learning_rate_init=0.01, device="cpu")
    forecaster = Forecaster(tiny, window_size=12, horizon=3, seasonal_period=12, n_estimators=1, random_state=0)
    search = GridSearchCV(forecaster, {"estimator__hidden_size": [2, 4]}, cv=cv).fit(panel)
    # each candidate's score is the forecaster's score of each fold's test rows
    for candidate, params in enumerate(search.cv_results_["params"]):
        for fold, (train, test) in enumerate(cv.split(panel)):
            fitted = clone(forecaster).set_params(**params).fit(panel.iloc[train])
            assert search.cv_results_[f"split{fold}_test_score"][candidate] == pytest.approx(
                fitted.score(panel.iloc[test])
            )
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_score"]))
    assert search.best_estimator_.predict().index.equals(search.best_estimator_.future_index())
    scores = cross_validate(Forecaster(Ridge(), window_size=12, horizon=3), panel, cv=cv)["test_score"]
    manual = [
        Forecaster(Ridge(), window_size=12, horizon=3).fit(panel.iloc[train]).score(panel.iloc[test])
        for train, test in cv.split(panel)
    ]
    np.testing.assert_allclose(scores, manual)


def test_late_series_in_a_test_fold_is_named_or_skipped():
    panel = make_panel()
    late = pd.concat({"z": trend_season(1, "2004-12-01")}, names=["unique_id", "ds"]).rename("y")
    data = pd.concat([panel, late])
    train, test = list(PanelTimeSeriesSplit(n_splits=2, test_size=1).split(data))[-1]
    assert "z" in data.iloc[test].index.get_level_values(0) and "z" not in data.iloc[train].index.get_level_values(0)
    fitted = Forecaster(Ridge(), window_size=6, horizon=1, seasonal_period=1).fit(data.iloc[train])
    with pytest.raises(ValueError, match=r"future_data holds 1 series .*'z'.*short_series='drop'"):
        fitted.score(data.iloc[test])
    dropping = Forecaster(Ridge(), window_size=6, horizon=1, seasonal_period=1, short_series="drop")
    dropping.fit(data.iloc[train])
    with pytest.warns(UserWarning, match="'z'"):
        score = dropping.score(data.iloc[test])
    assert score == pytest.approx(fitted.score(panel.loc[data.iloc[test].index.drop("z", level=0)]))
    with pytest.warns(UserWarning, match="'z'"), pytest.raises(ValueError, match="nothing to score"):
        dropping.score(late)


def test_flat_series_are_forecast_flat_with_zero_width_intervals():
    # all-zero series are common in retail panels; their spread cannot measure anything
    panel = make_panel().to_frame()
    times = series_of(make_panel(), "a").index
    zeros = pd.DataFrame({"y": 0.0}, index=pd.MultiIndex.from_product([["zero"], times], names=panel.index.names))
    ones = pd.DataFrame({"y": 1e-3}, index=pd.MultiIndex.from_product([["tiny"], times], names=panel.index.names))
    data = pd.concat([panel, zeros, ones])
    forecaster = Forecaster(Ridge(), window_size=6, horizon=3).fit(data)
    forecast = forecaster.predict()
    np.testing.assert_array_equal(forecast.xs("zero"), 0.0)
    np.testing.assert_array_equal(forecast.xs("tiny"), 1e-3)
    interval = forecaster.predict_interval(coverage=0.9)
    np.testing.assert_array_equal(interval.xs("zero").to_numpy(), 0.0)
    np.testing.assert_array_equal(interval.xs("tiny").to_numpy(), 1e-3)
    widths = (interval["upper"] - interval["lower"]).groupby(level=0).min()
    assert (widths.drop(["zero", "tiny"]) > 0).all()
    # the calibration errors are those of the other series only
    alone = Forecaster(Ridge(), window_size=6, horizon=3).fit(panel)
    assert np.isfinite(forecaster.residuals_).sum() == np.isfinite(alone.residuals_).sum()
    only_flat = Forecaster(Ridge(), window_size=6, horizon=3).fit(pd.concat([zeros, ones]))
    np.testing.assert_array_equal(only_flat.predict_interval().xs("zero").to_numpy(), 0.0)


def test_score_leaves_out_constant_series():
    # MASE divides by the in-sample spread, zero for a constant series: its errors would count in its own units
    panel = make_panel().to_frame()
    times = series_of(make_panel(), "a").index
    zeros = pd.DataFrame({"y": 0.0}, index=pd.MultiIndex.from_product([["zero"], times], names=panel.index.names))
    forecaster = Forecaster(Ridge(), window_size=6, horizon=3).fit(pd.concat([panel, zeros]))
    future = forecaster.predict().to_frame()
    key = future.index.get_level_values(0)
    future.loc[key == "a", "y"] += 1.0
    others = forecaster.score(future.drop(index="zero"))
    for sold in (1.0, 1000.0):  # the score does not depend on the constant series' units
        future.loc[key == "zero", "y"] = sold
        with pytest.warns(
            UserWarning, match=r"score leaves out 1 series constant over the data seen in fit \('zero'\)"
        ):
            assert forecaster.score(future) == pytest.approx(others)
    with pytest.raises(ValueError, match=r"Every series scored was constant .*\('zero'\).*MASE is undefined"):
        forecaster.score(future.loc[["zero"]])
    single = Forecaster(Ridge(), window_size=6, horizon=3, seasonal_period=1).fit(zeros.xs("zero"))
    with pytest.raises(ValueError, match=r"constant over the data seen in fit \(the series\)"):
        single.score(pd.DataFrame({"y": [1.0, 2.0]}, index=single.future_index()[:2]))
    # one constant target of two: that target is left out, the other scored
    both = series_of(make_panel(), "b").to_frame("y").assign(flat=5.0)
    joint = Forecaster(Ridge(), window_size=6, horizon=3, target=["y", "flat"]).fit(both.iloc[:-3])
    with pytest.warns(UserWarning, match=r"\(the series \(target\(s\) \['flat'\]\)\)"):
        score = joint.score(both.iloc[-3:])
    error = np.abs(both["y"].iloc[-3:] - joint.predict()["y"]).mean() / joint.scale_[0]
    assert score == pytest.approx(-error)
