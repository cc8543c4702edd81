"""Known-future covariates of the Forecaster, and calendar_features."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV

from sklearn_rnn import Forecaster, LSTMRegressor, PanelTimeSeriesSplit, calendar_features

from .test_forecast_panel import WindowRecorder, run_fix


def promotions(n=120, seed=0, start="2024-01-01", lift=5.0):
    """Daily sales that jump by ``lift`` on promotion days (known in advance)."""
    rng = np.random.RandomState(seed)
    promo = (rng.rand(n) < 0.25).astype(float)
    sales = 20 + lift * promo + 0.1 * rng.randn(n)
    return pd.DataFrame({"sales": sales, "promo": promo}, index=pd.date_range(start, periods=n, freq="D"))


def fitted(data, **params):
    settings = {"estimator": LinearRegression(), "window_size": 5, "horizon": 4, "seasonal_period": 1}
    return Forecaster(**{**settings, "target": "sales", **params}).fit(data)


def test_future_covariates_are_seen_over_the_horizon():
    data = promotions()
    train, test = data.iloc[:110], data.iloc[110:114]
    forecaster = fitted(train, future_covariates=["promo"])
    forecast = forecaster.predict(future=test)
    pd.testing.assert_index_equal(forecast.index, test.index)
    np.testing.assert_allclose(forecast.to_numpy(), test["sales"].to_numpy(), atol=0.5)
    # only past values of the promotions: the forecast cannot know them
    blind = fitted(train).predict()
    assert np.abs(blind.to_numpy() - test["sales"].to_numpy()).max() > 1.0
    # future_index() gives the rows future= needs
    pd.testing.assert_index_equal(forecaster.future_index(), test.index)


def test_window_layout_with_future_covariates():
    data = promotions().assign(price=np.linspace(1, 2, 120))
    ridge = fitted(data, future_covariates=["promo"], estimator=Ridge())
    # (window 5 + horizon 4) steps x (3 columns + seasonal difference + drift + the promotion's seasonal
    # change + forecast-period flag)
    assert ridge.estimators_[0].n_features_in_ == 9 * 7
    lstm = fitted(
        data,
        future_covariates=["promo"],
        estimator=LSTMRegressor(hidden_size=2, max_iter=1, device="cpu"),
        n_estimators=1,
    )
    assert lstm.estimators_[0].n_features_in_ == 7
    # without a target given, the future covariates are not forecast
    assert Forecaster(Ridge(), window_size=5, horizon=2, future_covariates=["promo"]).fit(
        data[["sales", "promo"]]
    ).target_names_ == ["sales"]


def test_future_steps_carry_the_covariates_and_their_seasonal_changes():
    data = promotions()
    forecaster = fitted(data, future_covariates=["promo"], estimator=WindowRecorder(), seasonal_period=3)
    X = forecaster.estimators_[0].X_  # (windows, 5 + 4 steps, sales, promo, seasonal difference, drift, change, flag)
    assert X.shape[1:] == (9, 6)
    promo = data["promo"].to_numpy()
    mean, std = promo.mean(), promo.std()
    ends = 7 + np.arange(len(X))  # the first window ends after 3 rows of look-back and 5 of window
    k = np.arange(1, 5)
    reference = ends[:, None] + k - 3 * ((k - 1) // 3 + 1)  # the seasonal-naive period of step k
    np.testing.assert_allclose(X[:, 5:, 1], (promo[ends[:, None] + k] - mean) / std, atol=1e-6)
    np.testing.assert_allclose(X[:, 5:, 4], (promo[ends[:, None] + k] - promo[reference]) / std, atol=1e-6)
    np.testing.assert_array_equal(X[:, :5, 4], 0.0)
    np.testing.assert_array_equal(X[:, :, 5], np.r_[np.zeros(5), np.ones(4)][None].repeat(len(X), 0))
    # without the seasonal-naive baseline there is no seasonal change to give
    level = fitted(data, future_covariates=["promo"], estimator=WindowRecorder(), baseline=None)
    assert level.estimators_[0].X_.shape[1:] == (9, 3)


def test_default_estimator_links_future_steps_to_outputs():
    data = promotions(n=60)
    params = {"estimator": None, "n_estimators": 1, "random_state": 0}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        forecaster = fitted(data, future_covariates=["promo"], **params)
        plain = fitted(data, **params)
    assert forecaster.estimators_[0].future_steps == 4
    assert forecaster.estimators_[0].net_.module_.decoder.out.out_features == 1  # one target
    assert plain.estimators_[0].future_steps == 0
    assert not hasattr(plain.estimators_[0].net_.module_, "decoder")


def test_future_covariates_on_a_panel():
    # the same response to promotions at two scales: one model, per-series spreads
    panel = pd.concat({"p": promotions(seed=1), "q": 10 * promotions(seed=2, start="2024-02-01")}, names=["id", "day"])
    panel["promo"] = panel["promo"].clip(upper=1.0)
    keep = panel.groupby(level=0).cumcount(ascending=False) >= 4  # all but the last 4 days of each
    forecaster = fitted(panel[keep], future_covariates=["promo"])
    future = panel[~keep]
    forecast = forecaster.predict(future=future)
    pd.testing.assert_index_equal(forecast.index, future.index)
    pd.testing.assert_index_equal(forecaster.future_index(), future.index)
    errors = np.abs(forecast - future["sales"])
    assert errors["p"].max() < 0.5 and errors["q"].max() < 5.0  # a tenth of each series' lift
    assert forecaster.score(future) > -0.5


def test_future_errors_name_what_is_wrong():
    data = promotions()
    forecaster = fitted(data.iloc[:110], future_covariates=["promo"])
    future = data.iloc[110:114]
    with pytest.raises(ValueError, match=r"future_covariates=\['promo'\]: pass their values.*2024-04-20"):
        forecaster.predict()
    with pytest.raises(ValueError, match=r"lacks the future covariate column\(s\) \['promo'\]"):
        forecaster.predict(future=future[["sales"]])
    with pytest.raises(ValueError, match=r"future covariate column\(s\) \['promo'\] more than once"):
        forecaster.predict(future=pd.concat([future, future[["promo"]]], axis=1))  # a careless join
    with pytest.raises(ValueError, match=r"short: it covers 3 of the 4 periods.*first missing is.*2024-04-23"):
        forecaster.predict(future=future.iloc[:3])
    with pytest.raises(ValueError, match=r"misaligned: it starts at .*2024-04-21.*start at .*2024-04-20"):
        forecaster.predict(future=data.iloc[111:115])
    holes = future.copy()
    holes.iloc[2, 1] = np.nan
    with pytest.raises(ValueError, match=r"1 missing or infinite value.*'promo' at Timestamp\('2024-04-22"):
        forecaster.predict(future=holes)
    with pytest.raises(ValueError, match="duplicated"):
        forecaster.predict(future=pd.concat([future, future]))
    with pytest.raises(ValueError, match="must be a DataFrame"):
        forecaster.predict(future=future.to_numpy())
    with pytest.raises(ValueError, match="this forecaster has none"):
        fitted(data).predict(future=future)
    with pytest.raises(ValueError, match="'sales', which is also a target"):
        fitted(data, future_covariates=["sales"])
    with pytest.raises(ValueError, match="'holiday', which is not a column"):
        fitted(data, future_covariates=["holiday"])


def test_future_labels_of_another_kind_or_zone_are_named():
    data = promotions()
    forecaster = fitted(data.iloc[:110], future_covariates=["promo"])
    future = data.iloc[110:114]
    expected = forecaster.predict(future=future)
    aware = future.tz_localize("UTC")
    with pytest.raises(ValueError, match=r"time zone 'UTC', but the forecaster was fitted on tz-naive") as error:
        forecaster.predict(future=aware)
    pd.testing.assert_series_equal(forecaster.predict(future=run_fix(str(error.value), aware, "future")), expected)
    with pytest.raises(ValueError, match=r"are a PeriodIndex of dtype period\[D\].*DatetimeIndex with frequency 'D'"):
        forecaster.predict(future=future.to_period("D"))
    text = future.copy()
    text.index = text.index.strftime("%Y-%m-%d")  # dates read from a CSV without parse_dates
    with pytest.raises(ValueError, match=r"are an Index of dtype str") as error:
        forecaster.predict(future=text)
    pd.testing.assert_series_equal(forecaster.predict(future=run_fix(str(error.value), text, "future")), expected)
    with pytest.raises(ValueError, match=r"future is empty: it needs the future covariates \['promo'\]"):
        forecaster.predict(future=future.iloc[:0])
    missing = future.copy()
    missing.index = pd.DatetimeIndex([future.index[0], pd.NaT, *future.index[2:]])
    with pytest.raises(ValueError, match=r"time labels of future include missing ones"):
        forecaster.predict(future=missing)
    words = future.assign(promo=["yes", "no", "no", "yes"])
    with pytest.raises(ValueError, match=r"future must be numbers; column\(s\) \['promo'\] hold other values"):
        forecaster.predict(future=words)


def test_future_covariates_that_leave_no_target_or_name_a_series_column():
    data = promotions()
    with pytest.raises(ValueError, match=r"names every column of the data \(\['sales', 'promo'\]\)"):
        fitted(data, target=None, future_covariates=["sales", "promo"])
    sales = data["sales"]
    with pytest.raises(ValueError, match=r"names 'promo', which is not a column of the data \(columns \['sales'\]\)"):
        fitted(sales, target=None, future_covariates=["promo"])


def test_panel_future_must_cover_every_series():
    panel = pd.concat({"p": promotions(seed=1), "q": promotions(seed=2)}, names=["id", "day"])
    forecaster = fitted(panel.groupby(level=0).head(100), future_covariates=["promo"])
    future = panel.groupby(level=0).nth(list(range(100, 104)))
    forecaster.predict(future=future)
    with pytest.raises(ValueError, match="future has no rows for series 'q'"):
        forecaster.predict(future=future.loc[["p"]])
    with pytest.raises(ValueError, match="future must be a panel"):
        forecaster.predict(future=future.loc["p"])
    # a third level (a store between series and time) is named as the fit and the splitter name it
    three = future.set_index(pd.Index(["store1"] * len(future), name="store"), append=True).reorder_levels([0, 2, 1])
    with pytest.raises(ValueError, match=r"The index of future has 3 levels; a panel needs 2: the series and the time"):
        forecaster.predict(future=three)


def test_score_and_update_with_future_covariates():
    data = promotions()
    forecaster = fitted(data.iloc[:100], future_covariates=["promo"])
    # 8 periods: two blocks of 4, the second forecast after the actual first block
    blocks = [forecaster.predict(future=data.iloc[100:104])]
    expected_scale = forecaster.scale_[0]
    probe = fitted(data.iloc[:100], future_covariates=["promo"])
    probe.update(data.iloc[100:104])
    blocks.append(probe.predict(future=data.iloc[104:108]))
    errors = np.abs(data["sales"].iloc[100:108].to_numpy() - np.concatenate(blocks)) / expected_scale
    assert forecaster.score(data.iloc[100:108]) == pytest.approx(-errors.mean())
    # 6 periods: the last block looks 2 periods past the data; without them, the whole block is scored
    with pytest.warns(UserWarning, match=r"score left out the last 2 of the 6 rows of future_data.*future=\.\.\."):
        four = forecaster.score(data.iloc[100:106])
    assert four == pytest.approx(-errors[:4].mean())
    with pytest.raises(ValueError, match=r"fewer than horizon=4 rows of the series.*2 period\(s\) after future_data"):
        forecaster.score(data.iloc[100:102])
    six = forecaster.score(data.iloc[100:106], future=data.iloc[106:108])
    errors6 = np.abs(data["sales"].iloc[100:106].to_numpy() - np.concatenate(blocks)[:6]) / expected_scale
    assert six == pytest.approx(-errors6.mean())


def test_score_of_a_ragged_panel_leaves_out_the_blocks_that_need_future_covariates():
    # series that end at different dates: in the last fold of the splitter, "q" has 1 of the horizon's 3 rows
    panel = pd.concat({"p": promotions(50, seed=1), "q": promotions(48, seed=2)}, names=["id", "day"])
    cv = PanelTimeSeriesSplit(n_splits=3, test_size=3)
    forecaster = Forecaster(Ridge(), window_size=5, horizon=3, seasonal_period=1, future_covariates=["promo"])
    search = GridSearchCV(forecaster, {"estimator__alpha": [100.0, 0.01]}, cv=cv)
    with pytest.warns(
        UserWarning,
        match=r"left out the last rows of 1 series, 1 row\(s\) in all \(\['q' \(1 of 1 rows\)\]\), of future_data",
    ):
        search.fit(panel)
    assert np.isfinite(search.cv_results_["mean_test_score"]).all()
    # the score is that of the whole blocks, with future= it is that of every row
    train, test = list(cv.split(panel))[-1]
    fitted = clone(forecaster).fit(panel.iloc[train])
    with pytest.warns(UserWarning, match="future=..."):
        whole = fitted.score(panel.iloc[test])
    assert whole == pytest.approx(fitted.score(panel.iloc[test].drop(index="q")))
    # q's 2 periods after its test row, as a planner would give them
    plans = pd.DataFrame({"promo": [0.0, 1.0]}, index=fitted.future_index()[4:6])
    every = fitted.score(panel.iloc[test], future=plans)
    forecast = fitted.predict(future=pd.concat([panel.iloc[test][["promo"]], plans]))
    actual = panel.iloc[test]["sales"]
    scales = pd.Series(fitted.scale_[:, 0], index=fitted.series_)
    errors = (actual - forecast.loc[actual.index]).abs() / scales.loc[actual.index.get_level_values(0)].to_numpy()
    assert len(errors) == 4 and every == pytest.approx(-errors.mean())
    # calendar columns are known past the data: every row is scored, without a warning
    calendar = Forecaster(Ridge(), window_size=5, horizon=3, seasonal_period=1, calendar=["day_of_week"])
    calendar.fit(panel.iloc[train][["sales"]])
    with warnings.catch_warnings():
        warnings.simplefilter("error", UserWarning)
        calendar.score(panel.iloc[test][["sales"]])


def test_future_covariates_with_arrays():
    data = promotions()
    values = data.to_numpy()
    forecaster = Forecaster(LinearRegression(), window_size=5, horizon=4, seasonal_period=1, target=0)
    forecaster.set_params(future_covariates=[1]).fit(values[:110])
    forecast = forecaster.predict(future=values[110:114, 1:])
    pandas = fitted(data.iloc[:110], future_covariates=["promo"]).predict(future=data.iloc[110:114])
    np.testing.assert_allclose(forecast, pandas.to_numpy())
    with pytest.raises(ValueError, match=r"array of shape \(4, 1\); got shape \(2, 1\)"):
        forecaster.predict(future=values[110:112, 1:])


# -- calendar_features -------------------------------------------------------------------------


def test_calendar_features_one_hot_and_cyclic():
    days = pd.date_range("2024-12-30", periods=10, freq="D", name="ds")  # Monday 30 December
    onehot = calendar_features(days)
    assert list(onehot.columns) == [f"day_of_week_{d}" for d in range(7)] + [f"month_{m}" for m in range(1, 13)]
    pd.testing.assert_index_equal(onehot.index, days)
    assert (onehot.filter(like="day_of_week").sum(axis=1) == 1).all()
    assert onehot["day_of_week_0"].tolist() == [1, 0, 0, 0, 0, 0, 0, 1, 0, 0]
    assert onehot["month_12"].tolist() == [1, 1] + [0] * 8 and onehot["month_1"].sum() == 8
    cyclic = calendar_features(days, ["hour", "weekend", "day_of_year"], encoding="cyclic")
    assert list(cyclic.columns) == ["hour_sin", "hour_cos", "weekend", "day_of_year_sin", "day_of_year_cos"]
    assert cyclic["weekend"].tolist() == [0, 0, 0, 0, 0, 1, 1, 0, 0, 0]
    np.testing.assert_allclose(cyclic["hour_sin"] ** 2 + cyclic["hour_cos"] ** 2, 1.0)
    np.testing.assert_allclose(cyclic["day_of_year_sin"].iloc[2], np.sin(0.0), atol=1e-12)  # 1 January


def test_calendar_features_of_periods_panels_and_frames():
    months = pd.period_range("2023-11", periods=4, freq="M")
    frame = calendar_features(months, ["month", "quarter"])
    assert frame.loc[months[2], "month_1"] == 1 and frame.loc[months[0], "quarter_4"] == 1
    panel = pd.MultiIndex.from_product([["a", "b"], months], names=["id", "month"])
    by_panel = calendar_features(panel, ["month"])
    pd.testing.assert_index_equal(by_panel.index, panel)
    np.testing.assert_array_equal(by_panel.to_numpy()[:4], by_panel.to_numpy()[4:])
    data = pd.Series(1.0, index=panel)
    pd.testing.assert_frame_equal(calendar_features(data, ["month"]), by_panel)
    weeks = calendar_features(pd.date_range("2020-12-28", periods=2, freq="W-MON"), ["week_of_year", "day_of_month"])
    assert weeks.loc[:, "week_of_year_53"].tolist() == [1, 0] and weeks["day_of_month_4"].tolist() == [0, 1]
    with pytest.raises(ValueError, match="needs dates or periods"):
        calendar_features(pd.RangeIndex(5))
    with pytest.raises(ValueError, match=r"Unknown calendar feature\(s\) \['weekday'\]"):
        calendar_features(months, ["weekday"])


def test_calendar_features_refuse_missing_dates_and_repeated_features():
    days = pd.DatetimeIndex(["2024-01-06", None, "2024-01-08"])
    for features in (["weekend"], ["month"], ["week_of_year"]):
        with pytest.raises(ValueError, match=r"1 missing value\(s\) \(NaT\)"):
            calendar_features(days, features)
    with pytest.raises(ValueError, match=r"features names \['month'\] more than once"):
        calendar_features(days.dropna(), ["month", "weekend", "month"])


def test_offsets_applied_label_by_label_do_not_warn():
    # pandas adds custom business days label by label, with a PerformanceWarning
    data = promotions().set_axis(pd.bdate_range("2024-01-01", periods=120, freq="C"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", pd.errors.PerformanceWarning)
        forecaster = fitted(data, calendar=["day_of_week"])
        assert len(forecaster.predict()) == 4


def test_calendar_features_as_future_covariates():
    days = pd.date_range("2024-01-01", periods=140, freq="D")
    weekend = (days.day_of_week >= 5).astype(float)
    data = pd.DataFrame({"visits": 100 + 40 * weekend + np.random.RandomState(0).randn(140)}, index=days)
    calendar = calendar_features(days, ["day_of_week"])
    train = data.iloc[:126].join(calendar)
    forecaster = Forecaster(
        LinearRegression(),
        window_size=7,
        horizon=14,
        seasonal_period=1,
        target="visits",
        future_covariates=list(calendar.columns),
    ).fit(train)
    forecast = forecaster.predict(future=calendar_features(forecaster.future_index(), ["day_of_week"]))
    np.testing.assert_allclose(forecast.to_numpy(), data["visits"].iloc[126:].to_numpy(), atol=4.0)


# -- the calendar option ---------------------------------------------------------------------


def test_calendar_columns_reach_each_window_at_its_own_periods():
    data = promotions(60)
    forecaster = fitted(data, estimator=WindowRecorder(), calendar=["day_of_week"], n_estimators=1)
    X = forecaster.estimators_[0].X_  # (windows, 5 past + 4 future steps, channels)
    days = calendar_features(data.index, ["day_of_week"]).to_numpy()
    days = (days - days.mean(axis=0)) / days.std(axis=0)  # standardized like any covariate
    # the first window ends at row window_size + lookback - 1 = 5; its steps are rows 1 to 9
    expected = np.stack([days[end - 4 : end + 5] for end in range(5, 5 + forecaster.n_windows_)])
    np.testing.assert_allclose(X[:, :, 2:9], expected, rtol=1e-6)


def test_calendar_option_equals_calendar_columns_given_as_future_covariates():
    data = promotions(140)
    columns = calendar_features(data.index, ["day_of_week"])
    by_hand = fitted(data.iloc[:110].join(columns), calendar=None, future_covariates=list(columns.columns))
    option = fitted(data.iloc[:110], calendar=["day_of_week"])
    assert option.calendar_ == ["day_of_week"] and by_hand.calendar_ == []
    assert option.n_features_in_ == 2 and list(option.feature_names_in_) == ["sales", "promo"]
    assert option.estimators_[0].n_features_in_ == by_hand.estimators_[0].n_features_in_
    # predict computes the future calendar itself, from the end of fit, of update and of given data
    future = calendar_features(by_hand.future_index(), ["day_of_week"])
    pd.testing.assert_series_equal(option.predict(), by_hand.predict(future=future))
    recent = data.iloc[80:117]
    pd.testing.assert_series_equal(
        option.predict(data=recent), by_hand.predict(data=recent.join(columns), future=columns)
    )
    # score, block by block, and a last block that runs past the data
    new = data.iloc[110:125]  # 15 rows: the last block of 4 runs one period past them
    assert option.score(new) == pytest.approx(by_hand.score(new.join(columns), future=columns))
    with pytest.warns(UserWarning, match="score left out the last 3 of the 15 rows"):
        twelve = by_hand.score(new.join(columns))
    assert twelve == pytest.approx(option.score(new.iloc[:12]))
    option.update(new)
    by_hand.update(new.join(columns))
    pd.testing.assert_series_equal(option.predict(), by_hand.predict(future=columns))
    # the intervals: calendar columns are known past the data, so the calibration keeps the origins
    # whose later steps run past it, as without future covariates; the user's columns are not
    finite = np.isfinite(option.residuals_).sum(axis=0).ravel()
    np.testing.assert_array_equal(finite, np.isfinite(fitted(data.iloc[:110]).residuals_).sum(axis=0).ravel())
    assert (np.isfinite(by_hand.residuals_).sum(axis=0).ravel() <= finite).all()
    assert np.isfinite(by_hand.residuals_).sum() < finite.sum()
    assert option.predict_interval().shape == (4, 2)
    # no future= for a forecaster whose only future columns are the calendar's
    with pytest.raises(ValueError, match="future is for the values of future_covariates"):
        option.predict(future=columns)


def test_calendar_option_with_a_panel_and_with_future_covariates():
    data = promotions(130)
    panel = pd.concat({"a": data, "b": data.assign(sales=data["sales"] * 2 + 1)}, names=["id", "day"])
    columns = calendar_features(panel.index, ["day_of_week", "weekend"])
    train, test = panel.groupby(level=0).head(120), panel.groupby(level=0).tail(10)
    option = fitted(train, calendar=["day_of_week", "weekend"], future_covariates=["promo"])
    by_hand = fitted(train.join(columns), calendar=None, future_covariates=["promo", *columns.columns])
    future = test.groupby(level=0).head(4)
    forecast = option.predict(future=future)
    pd.testing.assert_series_equal(forecast, by_hand.predict(future=future.join(columns)))
    assert forecast.index.equals(future.index)
    # the user's future covariates are still needed, and named
    with pytest.raises(ValueError, match=r"future_covariates=\['promo'\]"):
        option.predict()


def test_calendar_auto_adds_the_season_position_only_where_the_data_turned_the_season_down():
    rng = np.random.RandomState(0)
    quarters = pd.period_range("2000Q1", periods=80, freq="Q")
    # a fourth-quarter bump too weak for the autocorrelation test, but a position effect all the same
    weak = pd.Series(100 + rng.randn(80).cumsum() + 0.8 * (quarters.quarter == 4), index=quarters)
    small = LinearRegression()
    unconfirmed = Forecaster(small, horizon=4).fit(weak)
    assert unconfirmed.seasonal_period_ == 1 and unconfirmed.calendar_ == ["quarter"]
    assert Forecaster(small, horizon=4, calendar=None).fit(weak).calendar_ == []
    forecast = unconfirmed.predict()
    assert len(forecast) == 4 and np.isfinite(forecast).all()
    # no season at all (the changes do not depend on the quarter): nothing added
    walk = pd.Series(100 + rng.randn(80).cumsum(), index=quarters)
    no_season = Forecaster(small, horizon=4).fit(walk)
    assert no_season.seasonal_period_ == 1 and no_season.calendar_ == []
    # the same in a panel, whose series are tested together
    panel = pd.concat({"a": weak, "b": weak * 2 + 5}, names=["id", "quarter"])
    of_panel = Forecaster(small, horizon=4).fit(panel)
    assert of_panel.calendar_ == ["quarter"]
    assert of_panel.seasonal_period_reason_ == "1: no season found in 2 of 2 series sampled across the panel"
    # fewer than two full seasons: the season was not tested, so nothing added, even with a strong
    # position effect in the pooled changes of many such series
    short = pd.concat(
        {k: pd.Series(rng.randn(7) + 5.0 * (quarters[:7].quarter == 4), index=quarters[:7]) for k in range(20)},
        names=["id", "quarter"],
    )
    assert Forecaster(small, window_size=2, horizon=1).fit(short).calendar_ == []
    # a season in use, a season given, yearly data, an integer index, arrays: nothing added
    months = pd.date_range("2000-01-01", periods=96, freq="MS")
    seasonal = pd.Series(10 * np.sin(2 * np.pi * months.month / 12) + rng.randn(96), index=months)
    assert Forecaster(small, horizon=3).fit(seasonal).calendar_ == []
    assert Forecaster(small, horizon=4, seasonal_period=1).fit(weak).calendar_ == []
    years = pd.Series(weak.to_numpy(), index=pd.period_range("1900", periods=80, freq="Y"))
    assert Forecaster(small, horizon=4).fit(years).calendar_ == []
    assert Forecaster(small, horizon=4).fit(weak.reset_index(drop=True)).calendar_ == []
    assert Forecaster(small, horizon=4).fit(weak.to_numpy()).calendar_ == []


@pytest.mark.parametrize(
    "freq, feature",
    [
        ("MS", "month"),
        ("ME", "month"),
        ("2MS", "month"),
        ("QE", "quarter"),
        ("QS-FEB", "quarter"),
        ("W-SUN", None),
        ("D", None),
        ("B", None),
        ("h", None),
        ("YS", None),
        ("5MS", None),
        ("SMS", None),
    ],
)
def test_season_feature_of_each_frequency(freq, feature):
    from sklearn_rnn._calendar import season_feature

    assert season_feature(freq) == feature


def test_calendar_option_errors_name_the_problem():
    data = promotions()
    with pytest.raises(ValueError, match=r"calendar=\['day_of_week'\] needs data indexed by dates or periods"):
        fitted(data.reset_index(drop=True), calendar=["day_of_week"])
    with pytest.raises(ValueError, match=r"Unknown calendar feature\(s\) \['weekday'\]"):
        fitted(data, calendar=["weekday"])
    with pytest.raises(ValueError, match="calendar"):
        fitted(data, calendar="monthly")
    with pytest.raises(ValueError, match=r"calendar names \['month'\] more than once"):
        fitted(data, calendar=["month", "day_of_week", "month"])
    # an empty list asks for nothing, as None, whatever the index (a grid may try it beside others)
    for empty in ([], ()):
        assert fitted(data.reset_index(drop=True), calendar=empty).calendar_ == []
        assert fitted(data.to_numpy(), target=0, calendar=empty).calendar_ == []
    # daily data are all at hour 0: a column with nothing to learn from
    with pytest.warns(UserWarning, match=r"feature\(s\) \['hour'\] take a single value over the data seen in fit"):
        fitted(data, calendar=["hour", "day_of_week"])


def test_calendar_columns_are_named_in_the_verbose_line(capsys):
    fitted(promotions(), calendar=["day_of_week"], verbose=1)
    assert "Calendar columns: day_of_week. Window: 5 rows" in capsys.readouterr().out


def test_an_estimators_future_steps_must_match_the_windows():
    data = promotions()
    network = LSTMRegressor(hidden_size=2, max_iter=1, device="cpu", future_steps=4)
    with pytest.raises(ValueError, match=r"future_steps=4, but the forecaster's windows have no future steps"):
        fitted(data, estimator=network, calendar=None)
    with pytest.raises(ValueError, match=r"future_steps=4, .* horizon=2 .*; set future_steps=2"):
        fitted(data, estimator=network, horizon=2, future_covariates=["promo"])
    # with them matching, or 0 (every step read by the recurrent layers), it fits
    fitted(data, estimator=network, calendar=["day_of_week"], n_estimators=1)
    fitted(data, estimator=network.set_params(future_steps=0), calendar=["day_of_week"], n_estimators=1)
