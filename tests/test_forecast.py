"""Forecaster and season detection."""

import re
import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.dummy import DummyRegressor
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.linear_model import LinearRegression, Ridge
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skorch.callbacks import Callback, EarlyStopping

from sklearn_rnn import Forecaster, LSTMRegressor
from sklearn_rnn._season import detect_period, is_seasonal, period_from_frequency, resolve_seasonal_period
from sklearn_rnn.datasets import load_airline


def tiny_lstm(**params):
    return LSTMRegressor(**{"hidden_size": 8, "max_iter": 20, "learning_rate_init": 0.01, "device": "cpu", **params})


def trend_season(n=96, start="2000-01-01", freq="MS", period=12, noise=0.0, seed=0):
    """A linear trend plus a fixed season (plus optional noise), monthly by default."""
    t = np.arange(n)
    rng = np.random.RandomState(seed)
    values = 50 + 0.5 * t + 10 * np.sin(2 * np.pi * t / period) + noise * rng.randn(n)
    return pd.Series(values, index=pd.date_range(start, periods=n, freq=freq), name="sales")


# -- season length ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("freq", "period"),
    [("MS", 12), ("ME", 12), ("QS", 4), ("QE-DEC", 4), ("W-SUN", 52), ("D", 7), ("B", 5), ("h", 24)]
    + [("YS", 1), ("YE", 1), ("2MS", 6), ("5MS", 1), ("15min", 96), ("SMS", 24)],
)
def test_period_from_frequency(freq, period):
    assert period_from_frequency(freq) == period


def test_seasonality_test_and_detection_on_clear_and_seasonless_data():
    rng = np.random.RandomState(0)
    seasonal = trend_season(120, noise=2.0).to_numpy()
    assert is_seasonal(seasonal, 12)
    assert not is_seasonal(seasonal, 5)
    assert detect_period(seasonal) == 12
    for _ in range(5):
        walk = np.cumsum(rng.randn(150))
        assert detect_period(walk) == 1
        assert not is_seasonal(walk, 12)
    # two full seasons confirm a season; one row fewer cannot
    assert is_seasonal(seasonal[:24], 12)
    assert not is_seasonal(seasonal[:23], 12)


def test_resolve_seasonal_period_prefers_user_then_frequency_then_data():
    y = trend_season(120, noise=2.0).to_numpy()
    assert resolve_seasonal_period(7, y, None) == 7
    assert resolve_seasonal_period("auto", y, pd.tseries.frequencies.to_offset("MS")) == 12
    # a frequency whose cycle the data do not show: no season
    assert resolve_seasonal_period("auto", y, pd.tseries.frequencies.to_offset("D")) == 1
    assert resolve_seasonal_period("auto", y, pd.tseries.frequencies.to_offset("YS")) == 1
    assert resolve_seasonal_period("auto", y, None) == 12


def test_forecaster_season_from_index_data_and_user():
    y = trend_season(120, noise=2.0)
    assert Forecaster(Ridge(), horizon=3).fit(y).seasonal_period_ == 12
    assert Forecaster(Ridge(), horizon=3).fit(y.to_numpy()).seasonal_period_ == 12
    assert Forecaster(Ridge(), horizon=3).fit(y.reset_index(drop=True)).seasonal_period_ == 12
    assert Forecaster(Ridge(), horizon=3, seasonal_period=4).fit(y).seasonal_period_ == 4
    walk = pd.Series(
        np.cumsum(np.random.RandomState(1).randn(100)), index=pd.period_range("1900", periods=100, freq="Y")
    )
    fitted = Forecaster(Ridge(), horizon=3).fit(walk)
    assert fitted.seasonal_period_ == 1 and fitted.window_size_ == 10


# -- forecasting mechanics -----------------------------------------------------------------


def test_baseline_integrates_back_exactly():
    # Trend plus a fixed season: every window's deviation from the seasonal-naive
    # forecast is the same (one year of trend per season ahead), so predicting
    # the mean deviation must reproduce the future exactly, several seasons ahead.
    y = trend_season(120)
    truth = trend_season(150)[120:]
    forecaster = Forecaster(DummyRegressor(), horizon=30).fit(y)
    assert forecaster.seasonal_period_ == 12
    forecast = forecaster.predict()
    np.testing.assert_allclose(forecast.to_numpy(), truth.to_numpy(), rtol=1e-10)
    pd.testing.assert_index_equal(forecast.index, truth.index)
    assert forecaster.score(truth) == pytest.approx(0.0, abs=1e-10)


def test_without_baseline_the_estimator_sees_standardized_levels():
    y = trend_season(120)
    forecaster = Forecaster(DummyRegressor(), window_size=10, horizon=2, baseline=None, baseline_weight=0.0).fit(y)
    # the mean standardized target maps back to the mean of the values that
    # followed the training windows (windows end at rows 9..117)
    values = y.to_numpy()
    expected = [values[10:119].mean(), values[11:120].mean()]
    np.testing.assert_allclose(forecaster.predict().to_numpy(), expected)


def test_predict_index_follows_datetime_index_with_frequency():
    y = trend_season(60)
    forecast = Forecaster(Ridge(), horizon=5).fit(y).predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "sales"
    expected = pd.date_range("2005-01-01", periods=5, freq="MS", name=None)
    pd.testing.assert_index_equal(forecast.index, expected)
    assert forecast.index.freqstr == "MS"


def test_predict_index_infers_a_missing_frequency_and_keeps_names():
    y = trend_season(60, freq="W-MON")
    y.index = pd.DatetimeIndex(list(y.index), name="week")
    assert y.index.freq is None
    forecast = Forecaster(Ridge(), horizon=3).fit(y).predict()
    assert forecast.index.freqstr == "W-MON" and forecast.index.name == "week"
    assert forecast.index[0] == y.index[-1] + pd.Timedelta(weeks=1)


def test_predict_index_for_period_and_range_index_and_arrays():
    values = trend_season(48).to_numpy()
    periods = pd.Series(values, index=pd.period_range("1990Q1", periods=48, freq="Q"))
    forecast = Forecaster(Ridge(), horizon=4).fit(periods).predict()
    pd.testing.assert_index_equal(forecast.index, pd.period_range("2002Q1", periods=4, freq="Q"))

    stepped = pd.Series(values, index=pd.RangeIndex(10, 10 + 2 * 48, 2))
    forecast = Forecaster(Ridge(), horizon=3).fit(stepped).predict()
    pd.testing.assert_index_equal(forecast.index, pd.RangeIndex(106, 112, 2))

    array_forecast = Forecaster(Ridge(), horizon=3).fit(values).predict()
    assert isinstance(array_forecast, np.ndarray) and array_forecast.shape == (3,)
    np.testing.assert_allclose(array_forecast, forecast.to_numpy())
    two_columns = np.column_stack([values, values[::-1]])
    assert Forecaster(Ridge(), horizon=3).fit(two_columns).predict().shape == (3, 2)


def test_covariates_are_past_inputs_and_targets_select_columns():
    rng = np.random.RandomState(0)
    n = 120
    driver = rng.randn(n)
    sales = 100 + np.r_[0, 0, 5 * driver[:-2]] + 0.1 * rng.randn(n)  # reacts to the driver 2 periods later
    data = pd.DataFrame({"sales": sales, "driver": driver}, index=pd.period_range("2000-01", periods=n, freq="M"))
    forecaster = Forecaster(LinearRegression(), window_size=4, horizon=2, target="sales", seasonal_period=1).fit(data)
    assert forecaster.target_names_ == ["sales"] and forecaster.n_features_in_ == 2
    forecast = forecaster.predict()
    assert isinstance(forecast, pd.Series) and forecast.name == "sales"
    np.testing.assert_allclose(forecast.to_numpy(), 100 + 5 * driver[-2:], atol=0.5)
    # without the covariate the driver's effect cannot be forecast
    alone = Forecaster(LinearRegression(), window_size=4, horizon=2, seasonal_period=1).fit(data[["sales"]]).predict()
    assert np.abs(alone.to_numpy() - (100 + 5 * driver[-2:])).max() > 1.0


def test_several_targets_give_a_dataframe():
    y = trend_season(72)
    data = pd.DataFrame({"a": y, "b": -2 * y, "x": np.arange(72.0)})
    forecast = Forecaster(Ridge(), horizon=3, target=["a", "b"]).fit(data).predict()
    assert isinstance(forecast, pd.DataFrame) and list(forecast.columns) == ["a", "b"]
    assert forecast.index.equals(pd.date_range("2006-01-01", periods=3, freq="MS"))
    everything = Forecaster(Ridge(), horizon=3).fit(data).predict()
    assert list(everything.columns) == ["a", "b", "x"]
    one_in_a_list = Forecaster(Ridge(), horizon=3, target=["a"]).fit(data).predict()
    assert isinstance(one_in_a_list, pd.DataFrame)


def test_recurrent_estimators_get_windows_others_flat_rows():
    data = pd.DataFrame({"a": trend_season(60).to_numpy(), "b": np.arange(60.0)})
    lstm = Forecaster(tiny_lstm(), window_size=6, horizon=2, target="a", n_estimators=1).fit(data)
    # per step: the two columns, the target's seasonal difference and its drift, in (n, 6, 4) windows
    assert lstm.estimators_[0].n_features_in_ == 4
    assert lstm.estimators_[0].n_outputs_ == 2
    ridge = Forecaster(Ridge(), window_size=6, horizon=2, target="a").fit(data)
    assert ridge.estimators_[0].n_features_in_ == 24  # 6 steps x 4 channels, flattened
    plain = Forecaster(Ridge(), window_size=6, horizon=2, target="a", baseline=None).fit(data)
    assert plain.estimators_[0].n_features_in_ == 12  # without baseline: the 2 columns only


def test_update_moves_the_forecast_origin_without_refitting():
    y = trend_season(84)
    forecaster = Forecaster(Ridge(), horizon=4).fit(y.iloc[:72])
    weights = forecaster.estimators_[0].coef_.copy()
    refitted = Forecaster(Ridge(), horizon=4).fit(y.iloc[:72])
    forecaster.update(y.iloc[72:80]).update(y.iloc[80:84])
    assert forecaster.cutoff_ == y.index[-1]
    np.testing.assert_array_equal(forecaster.estimators_[0].coef_, weights)
    forecast = forecaster.predict()
    assert forecast.index[0] == pd.Timestamp("2007-01-01")
    # same model, forecasting from the new end of the data
    pd.testing.assert_series_equal(forecast, refitted.predict(y))


def test_predict_from_given_data_leaves_the_forecaster_unchanged():
    y = trend_season(84, noise=1.0)
    forecaster = Forecaster(Ridge(), horizon=4).fit(y.iloc[:72])
    pd.testing.assert_series_equal(forecaster.predict(y.iloc[:72]), forecaster.predict())
    earlier = forecaster.predict(y.iloc[:60])
    assert earlier.index[0] == y.index[60] and earlier.index.freqstr == "MS"
    assert not np.allclose(earlier.to_numpy(), forecaster.predict().to_numpy())
    assert forecaster.cutoff_ == y.index[71]
    needed = forecaster.window_size_ + forecaster.seasonal_period_
    with pytest.raises(ValueError, match=f"at least {needed} rows"):
        forecaster.predict(y.iloc[: needed - 1])
    with pytest.raises(ValueError, match="index of data is an integer index.*fitted on data with a DatetimeIndex"):
        forecaster.predict(y.iloc[:60].reset_index(drop=True))


def test_update_with_arrays():
    values = trend_season(60).to_numpy()
    forecaster = Forecaster(Ridge(), horizon=2).fit(values[:50])
    assert forecaster.update(values[50:]).cutoff_ == 59
    full = Forecaster(Ridge(), horizon=2).fit(values[:50])
    np.testing.assert_allclose(forecaster.predict(), full.predict(values))


def test_score_is_negative_mase_and_rolls_over_longer_data():
    y = trend_season(96, noise=1.0)
    forecaster = Forecaster(Ridge(), horizon=6).fit(y.iloc[:72])
    future = y.iloc[72:78]
    expected = -np.mean(np.abs(future.to_numpy() - forecaster.predict().to_numpy())) / forecaster.scale_[0]
    assert forecaster.score(future) == pytest.approx(expected)
    assert forecaster.score(y.iloc[72:75]) == pytest.approx(
        -np.mean(np.abs(y.iloc[72:75].to_numpy() - forecaster.predict().to_numpy()[:3])) / forecaster.scale_[0]
    )
    # 24 periods: 4 blocks of 6, each forecast from the actual values before it
    rolled = forecaster.score(y.iloc[72:96])
    assert forecaster.cutoff_ == y.index[71]  # score changes nothing
    blocks = []
    probe = clone(forecaster).fit(y.iloc[:72])
    for start in range(72, 96, 6):
        blocks.append(probe.predict().to_numpy())
        probe.update(y.iloc[start : start + 6])
    errors = np.abs(y.iloc[72:96].to_numpy() - np.concatenate(blocks)) / forecaster.scale_[0]
    assert rolled == pytest.approx(-errors.mean())
    # the in-sample seasonal-naive MAE is the unit
    values = y.iloc[:72].to_numpy()
    assert forecaster.scale_[0] == pytest.approx(np.mean(np.abs(values[12:] - values[:-12])))


def test_ensemble_members_are_seeded_and_reproducible():
    y = trend_season(60, noise=1.0)
    a = Forecaster(tiny_lstm(max_iter=5), horizon=2, n_estimators=3, random_state=0).fit(y)
    b = Forecaster(tiny_lstm(max_iter=5), horizon=2, n_estimators=3, random_state=0).fit(y)
    seeds = [est.random_state for est in a.estimators_]
    assert len(set(seeds)) == 3 and seeds == [est.random_state for est in b.estimators_]
    pd.testing.assert_series_equal(a.predict(), b.predict())
    # the estimator's own seed is the source when the forecaster has none
    c = Forecaster(tiny_lstm(max_iter=2, random_state=5), horizon=2, n_estimators=2).fit(y)
    d = Forecaster(tiny_lstm(max_iter=2, random_state=5), horizon=2, n_estimators=2).fit(y)
    assert [e.random_state for e in c.estimators_] == [e.random_state for e in d.estimators_]
    # an estimator without random_state is fitted once
    assert len(Forecaster(LinearRegression(), n_estimators=4).fit(y).estimators_) == 1


def test_a_recurrent_estimator_inside_a_2d_wrapper_warns():
    # its windows arrive flattened, each step's channels read as steps of their own
    y = trend_season(60, noise=1.0)
    pipeline = make_pipeline(StandardScaler(), tiny_lstm(max_iter=2, random_state=5))
    forecaster = Forecaster(pipeline, horizon=2, n_estimators=3, random_state=0)
    with pytest.warns(UserWarning) as caught:
        forecaster.fit(y)
    (flattened,) = [w for w in caught if "takes 2-D input" in str(w.message)]
    assert "a Pipeline, takes 2-D input" in str(
        flattened.message
    ) and "LSTMRegressor to the Forecaster directly" in str(flattened.message)
    assert flattened.filename == __file__
    assert len(forecaster.estimators_) == 1  # a pipeline has no random_state of its own: fitted once


def test_default_estimator_keeps_the_early_stopped_networks():
    y = trend_season(50, noise=1.0)
    with pytest.warns(UserWarning, match="shortened the window from 24 to 17 rows"):
        forecaster = Forecaster(horizon=2, seasonal_period=12, n_estimators=2, random_state=0).fit(y)
    assert forecaster.window_size_ == 17  # two seasons would leave fewer than 20 windows
    assert forecaster.n_windows_ == 20
    assert Forecaster().get_params()["n_estimators"] == 3 and not Forecaster().get_params()["refit"]
    assert len(forecaster.estimators_) == 2 and forecaster.best_epochs_ == []
    for member in forecaster.estimators_:
        assert isinstance(member, LSTMRegressor)
        params = member.get_params()
        assert params["loss"] == "absolute_error" and params["device"] == "cpu" and params["hidden_size"] == 32
        assert params["batch_size"] == 32 and params["learning_rate_init"] == 1e-2
        assert params["early_stopping"] and params["validation_fraction"] == 0.2
        assert params["n_iter_no_change"] == 10 and params["max_iter"] == 200
        # early stopping chose the epochs and kept the best one's weights
        best = int(np.argmin(member.validation_loss_curve_))
        assert member.best_loss_ == pytest.approx(member.validation_loss_curve_[best])
        assert len(member.validation_loss_curve_) == member.n_iter_ <= best + 1 + 10
    assert forecaster.predict().shape == (2,)


def test_default_estimator_batches_grow_on_many_windows():
    from sklearn_rnn._forecast import default_estimator

    assert default_estimator(2048).batch_size == 32
    assert default_estimator(2048).n_iter_no_change == 10
    assert default_estimator(64 * 100).batch_size == 100
    assert default_estimator(64 * 100).n_iter_no_change == 5
    assert default_estimator(10**7).batch_size == 1024


class Recorder(Callback):
    """A callback that watches nothing."""


def test_refit_trains_the_early_stopped_networks_again_on_all_windows():
    y = trend_season(60, noise=1.0)
    forecaster = Forecaster(
        tiny_lstm(early_stopping=True, n_iter_no_change=3), horizon=2, n_estimators=2, refit=True, random_state=0
    ).fit(y)
    assert len(forecaster.best_epochs_) == 2
    for member, best in zip(forecaster.estimators_, forecaster.best_epochs_, strict=True):
        # early stopping chose the epochs; the final fit used every window for that many
        assert not member.early_stopping and member.max_iter == best and member.n_iter_ <= best
        assert member.loss_curve_ and len(member.loss_curve_) == member.n_iter_
    # a callback watching the validation loss has none to watch in the refit: it is left out there
    watching = tiny_lstm(early_stopping=True, n_iter_no_change=3, callbacks=[EarlyStopping(patience=2), Recorder()])
    forecaster = Forecaster(watching, horizon=2, n_estimators=1, refit=True, random_state=0).fit(y)
    assert [type(c) for c in forecaster.estimators_[0].callbacks] == [Recorder]


def test_default_estimator_without_early_stopping_on_very_few_windows():
    y = trend_season(16)
    with pytest.warns(UserWarning, match="3 training window.*30 epochs, without early stopping"):
        forecaster = Forecaster(horizon=1, window_size=12, n_estimators=1, random_state=0).fit(y)
    assert forecaster.seasonal_period_ == 1  # 16 months cannot confirm a season
    assert forecaster.n_windows_ == 3 and not forecaster.estimators_[0].early_stopping


def test_input_is_not_modified():
    data = pd.DataFrame({"a": trend_season(48).to_numpy(), "b": np.arange(48.0)})
    before = data.copy()
    forecaster = Forecaster(Ridge(), horizon=2, target="a").fit(data)
    forecaster.update(pd.DataFrame({"a": [1.0], "b": [2.0]}, index=pd.RangeIndex(48, 49)))
    pd.testing.assert_frame_equal(data, before)


# -- errors -----------------------------------------------------------------------------------


@pytest.mark.filterwarnings("ignore:.*training window:UserWarning")  # tested in test_short_data_say_so_...
def test_too_short_series_says_how_long_it_must_be():
    y = trend_season(20)
    with pytest.raises(ValueError, match=r"has 20 rows.*window_size=18 plus 1 .*horizon=4 need at least 23"):
        Forecaster(Ridge(), window_size=18, horizon=4).fit(y)
    with pytest.raises(ValueError, match=r"window_size=3 plus seasonal_period=12 .*horizon=5 need at least 20"):
        Forecaster(Ridge(), window_size=3, horizon=5, seasonal_period=12).fit(y.iloc[:19])
    assert Forecaster(Ridge(), window_size=3, horizon=5, seasonal_period=12).fit(y).n_windows_ == 1
    # window_size="auto" shrinks to one season, not below
    with pytest.raises(ValueError, match=r"has 20 rows.*window_size=12 plus seasonal_period=12.*at least 34"):
        Forecaster(Ridge(), horizon=10, seasonal_period=12).fit(y)
    assert Forecaster(Ridge(), horizon=8, seasonal_period=12).fit(trend_season(40)).window_size_ == 12
    # without the baseline no differences are needed
    assert Forecaster(Ridge(), window_size=18, horizon=2, baseline=None).fit(y).n_windows_ == 1


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_missing_values_are_reported_with_their_place(bad):
    y = trend_season(48)
    y.iloc[30] = bad
    with pytest.raises(ValueError, match=r"missing or infinite.*'sales' at Timestamp\('2002-07-01.*interpolate"):
        Forecaster(Ridge()).fit(y)


def test_unsorted_and_duplicated_index():
    y = trend_season(48)
    with pytest.raises(ValueError, match=r"not sorted.*sort_index\(\)"):
        Forecaster(Ridge()).fit(y.iloc[::-1])
    duplicated = pd.concat([y.iloc[:30], y.iloc[29:]])
    with pytest.raises(ValueError, match=r"duplicated labels.*groupby"):
        Forecaster(Ridge()).fit(duplicated)
    with pytest.raises(ValueError, match=r"uneven steps"):
        Forecaster(Ridge()).fit(y.reset_index(drop=True).drop(index=[5]))


def test_index_without_a_frequency_says_how_to_set_one():
    y = trend_season(48).drop(index=pd.Timestamp("2001-03-01"))
    with pytest.raises(ValueError, match=r"no frequency.*asfreq\('MS'\)"):
        Forecaster(Ridge()).fit(y)
    periods = pd.Series(
        np.arange(10.0),
        index=pd.PeriodIndex(["2000-01", "2000-02", "2000-04"] + [f"2001-{m:02d}" for m in range(1, 8)], freq="M"),
    )
    with pytest.raises(ValueError, match="skips periods"):
        Forecaster(Ridge()).fit(periods)
    with pytest.raises(ValueError, match="DatetimeIndex, a PeriodIndex or an integer"):
        Forecaster(Ridge()).fit(pd.Series(np.arange(30.0), index=[f"t{i}" for i in range(30)]))


def test_suggested_frequency_keeps_every_date():
    # semi-monthly dates (the 15th and the month's end), their frequency lost: pandas infers none, and the
    # 15 days of short runs would move 35 of 40 dates
    dates = pd.date_range("2021-01-15", periods=40, freq="SME")
    y = pd.Series(np.arange(40.0) % 5, index=pd.DatetimeIndex(list(dates))).drop(dates[[9, 20]])
    with pytest.raises(ValueError, match=r"asfreq\('SME'\)") as error:
        Forecaster(Ridge(), horizon=3, window_size=5, seasonal_period=1).fit(y)
    fixed = run_fix(str(error.value), y)
    assert y.index.isin(fixed.index).all() and len(fixed) == 40
    Forecaster(Ridge(), horizon=3, window_size=5, seasonal_period=1).fit(fixed)
    # dates that no frequency holds (the 1st and the 16th): no asfreq that would move them, their spacing named
    dates = pd.DatetimeIndex(
        [d for m in pd.date_range("2021-01-01", periods=20, freq="MS") for d in (m, m + pd.Timedelta(days=15))]
    )
    odd = pd.Series(np.arange(40.0), index=dates)
    with pytest.raises(ValueError, match=r"dates are 13 to 16 days apart \(15 days most often\)") as error:
        Forecaster(Ridge(), horizon=3, window_size=5, seasonal_period=1).fit(odd)
    assert "asfreq('15D')" not in str(error.value)
    numbered = run_fix(str(error.value), odd)  # the only code quoted: row numbers, which keep every row
    assert len(numbered) == 40
    Forecaster(Ridge(), horizon=3, window_size=5, seasonal_period=1).fit(numbered)
    # a panel whose longest series has such dates gets the same advice
    panel = pd.concat({"a": odd, "b": odd.iloc[:20]}, names=["unique_id", "ds"]).to_frame("y")
    with pytest.raises(ValueError, match=r"series 'a' of data .* 13 to 16 days apart") as error:
        Forecaster(Ridge(), horizon=3, window_size=5, seasonal_period=1).fit(panel)
    assert "15D" not in str(error.value)
    # sparse daily data (sales logged on 40% of the days) are daily: asfreq('D') keeps every date
    days = pd.date_range("2021-01-01", periods=300, freq="D")
    sparse = pd.Series(1.0, index=days[np.random.RandomState(0).rand(300) < 0.4])
    with pytest.raises(ValueError, match=r"asfreq\('D'\)") as error:
        Forecaster(Ridge(), horizon=3, window_size=5, seasonal_period=1).fit(sparse)
    assert sparse.index.isin(run_fix(str(error.value), sparse).index).all()


def test_label_off_the_periods_in_new_data_is_not_called_a_gap():
    # asfreq('D') would drop the row at noon, not fill a missing day
    y = trend_season(60, freq="D", period=7, noise=1.0)
    forecaster = Forecaster(Ridge(), window_size=8, horizon=3, seasonal_period=1).fit(y[:50])
    new = y[50:55].rename(index={y.index[53]: y.index[53] + pd.Timedelta(hours=12)})
    with pytest.raises(ValueError, match=r"label Timestamp\('2000-02-23 12:00:00'\), which is not a period") as error:
        forecaster.update(new)
    assert "asfreq" not in str(error.value)


def test_update_and_score_need_the_same_columns():
    data = pd.DataFrame({"sales": trend_season(48).to_numpy(), "price": np.arange(48.0)}, index=pd.RangeIndex(48))
    forecaster = Forecaster(Ridge(), horizon=2, target="sales").fit(data)
    new = pd.DataFrame({"sales": [1.0, 2.0], "promo": [0.0, 1.0]}, index=pd.RangeIndex(48, 50))
    with pytest.raises(ValueError, match=r"columns of new_data differ.*missing \['price'\], unexpected \['promo'\]"):
        forecaster.update(new)
    with pytest.raises(ValueError, match=r"columns of future_data differ"):
        forecaster.score(new)
    with pytest.raises(ValueError, match=r"missing \['sales'\]"):
        forecaster.update(new[["promo"]].rename(columns={"promo": "price"}).assign(other=1.0))
    # same columns in another order are fine
    forecaster.update(pd.DataFrame({"price": [48.0], "sales": [80.0]}, index=pd.RangeIndex(48, 49)))
    assert forecaster.cutoff_ == 48
    with pytest.raises(ValueError, match="X has 2 features, but Forecaster is expecting 3"):
        Forecaster(Ridge(), horizon=2).fit(np.ones((30, 3))).update(np.ones((2, 2)))


def test_score_and_update_data_must_follow_the_data_seen():
    y = trend_season(60)
    forecaster = Forecaster(Ridge(), horizon=3).fit(y.iloc[:48])
    with pytest.raises(ValueError, match=r"future_data must follow.*2004-01-01.*starts at Timestamp\('2004-02-01"):
        forecaster.score(y.iloc[49:52])
    with pytest.raises(ValueError, match="new_data must follow"):
        forecaster.update(y.iloc[40:50])  # overlaps
    with pytest.raises(ValueError, match="must be pandas"):
        forecaster.score(y.iloc[48:51].to_numpy())
    with pytest.raises(ValueError, match="new_data is an integer index.*fitted on data with a DatetimeIndex"):
        forecaster.update(y.iloc[48:51].reset_index(drop=True))
    assert forecaster.cutoff_ == y.index[47]


def test_unfitted_and_invalid_parameters():
    with pytest.raises(NotFittedError):
        Forecaster().predict()
    with pytest.raises(NotFittedError):
        Forecaster().update(np.ones(3))
    y = trend_season(48)
    for params in [{"horizon": 0}, {"window_size": "big"}, {"seasonal_period": 0}, {"baseline": "drift"}]:
        with pytest.raises(ValueError, match=next(iter(params))):
            Forecaster(Ridge(), **params).fit(y)
    with pytest.raises(ValueError, match="not a column"):
        Forecaster(Ridge(), target="price").fit(y)


# -- scikit-learn tools ----------------------------------------------------------------------


def test_nested_params_clone_and_grid_search():
    forecaster = Forecaster(tiny_lstm(max_iter=10), window_size=24, horizon=12, n_estimators=1, random_state=0)
    assert forecaster.get_params()["estimator__hidden_size"] == 8
    forecaster.set_params(estimator__hidden_size=4)
    assert clone(forecaster).estimator.hidden_size == 4
    series = load_airline()
    cv = TimeSeriesSplit(n_splits=3, test_size=12)
    search = GridSearchCV(forecaster, {"estimator__hidden_size": [4, 8]}, cv=cv).fit(series)
    # every candidate is scored by the forecaster's own score on each fold's
    # next 12 months, fitted with the candidate's nested parameter
    for candidate, params in enumerate(search.cv_results_["params"]):
        for fold, (train, test) in enumerate(cv.split(series)):
            fitted = clone(forecaster).set_params(**params).fit(series.iloc[train])
            assert fitted.estimators_[0].hidden_size == params["estimator__hidden_size"]
            assert search.cv_results_[f"split{fold}_test_score"][candidate] == pytest.approx(
                fitted.score(series.iloc[test])
            )
    assert search.best_index_ == int(np.argmax(search.cv_results_["mean_test_score"]))
    # the best candidate is refitted on the whole series
    best = clone(forecaster).set_params(**search.best_params_).fit(series)
    pd.testing.assert_series_equal(search.best_estimator_.predict(), best.predict())
    assert search.best_estimator_.predict().index[0] == pd.Timestamp("1961-01-01")


def test_cross_val_score_with_time_series_split():
    y = trend_season(96, noise=1.0)
    cv = TimeSeriesSplit(n_splits=3, test_size=6)
    scores = cross_val_score(Forecaster(Ridge(), horizon=6), y, cv=cv)
    expected = [Forecaster(Ridge(), horizon=6).fit(y.iloc[tr]).score(y.iloc[te]) for tr, te in cv.split(y)]
    np.testing.assert_allclose(scores, expected)
    assert len(set(np.round(scores, 10))) == 3  # three different folds
    # y given too: a scoring string would compare the periods after each fold with the fold
    with pytest.warns(UserWarning, match="Forecaster.fit ignores y") as caught:
        Forecaster(Ridge(), horizon=6).fit(y, y)
    assert caught[0].filename == __file__


def test_tuning_the_default_estimator_says_to_pass_one():
    grid = GridSearchCV(Forecaster(horizon=2), {"estimator__hidden_size": [4, 8]}, cv=TimeSeriesSplit(2, test_size=2))
    with pytest.raises(
        ValueError, match=r"Cannot set estimator__hidden_size: estimator is None.*Forecaster\(estimator="
    ):
        grid.fit(trend_season(40))
    forecaster = Forecaster().set_params(estimator=tiny_lstm(), estimator__hidden_size=4)  # as scikit-learn orders them
    assert forecaster.estimator.hidden_size == 4


# -- data and parameters after fit ----------------------------------------------------------


def run_fix(message, data, name="data"):
    """Execute the code that an error message suggests (between backticks) on ``data``."""
    snippets = re.findall(r"`([^`]+)`", message)
    assert snippets, f"no code suggested in: {message}"
    namespace = {"pd": pd, "np": np, name: data.copy()}
    exec(snippets[0], namespace)
    return namespace[name]


def test_parameters_changed_after_fit_raise_naming_them():
    y = trend_season(72)
    forecaster = Forecaster(Ridge(alpha=1.0), horizon=3).fit(y.iloc[:60])
    forecaster.set_params(horizon=6, estimator__alpha=2.0)
    for call in (
        forecaster.predict,
        forecaster.future_index,
        lambda: forecaster.update(y.iloc[60:61]),
        lambda: forecaster.score(y.iloc[60:63]),
    ):
        with pytest.raises(ValueError, match=r"changed since fit: estimator__alpha \(1.0 -> 2.0\), horizon \(3 -> 6\)"):
            call()
    forecaster.set_params(horizon=3, estimator__alpha=1.0)  # set back: usable again
    assert len(forecaster.predict()) == 3
    forecaster.set_params(horizon=np.int64(3))  # an equal value (a grid from np.arange): no change
    assert len(forecaster.predict()) == 3
    forecaster.set_params(estimator=LinearRegression())
    with pytest.raises(ValueError, match=r"estimator \(Ridge\(\) -> LinearRegression\(\)\)"):
        forecaster.predict()
    assert len(forecaster.fit(y).predict()) == 3  # a new fit takes the new settings
    assert isinstance(forecaster.estimators_[0], LinearRegression)


def test_short_series_takes_effect_after_fit():
    index = pd.MultiIndex.from_product([["a", "b"], pd.RangeIndex(40)])
    panel = pd.Series(np.tile(trend_season(40).to_numpy(), 2), index=index, name="y")
    forecaster = Forecaster(Ridge(), window_size=5, horizon=2, seasonal_period=1).fit(panel)
    unknown = pd.Series([1.0], index=pd.MultiIndex.from_tuples([("z", 40)]), name="y")
    with pytest.raises(ValueError, match="'z'"):
        forecaster.update(unknown)
    forecaster.set_params(short_series="drop")
    with pytest.warns(UserWarning, match="'z'.*skipped"):
        forecaster.update(unknown)


def test_data_after_fit_must_have_the_frequency_seen_in_fit():
    daily = pd.Series(np.sin(np.arange(90) / 3), index=pd.date_range("2024-01-01", periods=90, freq="D"))
    forecaster = Forecaster(Ridge(), window_size=10, horizon=2, seasonal_period=1).fit(daily)
    monthly = pd.Series(np.sin(np.arange(30) / 3), index=pd.date_range("2020-01-01", periods=30, freq="MS"))
    with pytest.raises(ValueError, match=r"frequency 'MS', but the forecaster was fitted on frequency 'D'"):
        forecaster.predict(monthly)
    weekly_after = pd.Series(1.0, index=pd.date_range(daily.index[-1], periods=4, freq="W-SUN")[1:])
    with pytest.raises(ValueError, match=r"frequency 'W-SUN', but the forecaster was fitted on frequency 'D'"):
        forecaster.update(weekly_after)

    stepped = pd.Series(np.sin(np.arange(60) / 3))  # RangeIndex, step 1
    forecaster = Forecaster(Ridge(), window_size=10, horizon=2, seasonal_period=1).fit(stepped)
    two = pd.Series(np.sin(np.arange(30) / 3), index=pd.RangeIndex(0, 60, 2))
    with pytest.raises(ValueError, match=r"has step 2, but the forecaster was fitted on step 1"):
        forecaster.predict(two)
    with pytest.raises(ValueError, match=r"has step 2, but the forecaster was fitted on step 1"):
        forecaster.update(pd.Series([1.0, 2.0, 3.0], index=pd.RangeIndex(60, 66, 2)))

    quarters = pd.Series(np.arange(40.0), index=pd.period_range("2000Q1", periods=40, freq="Q"))
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2, seasonal_period=1).fit(quarters)
    with pytest.raises(ValueError, match=r"frequency 'M', but the forecaster was fitted on frequency 'Q-DEC'"):
        forecaster.predict(pd.Series(np.arange(20.0), index=pd.period_range("2000-01", periods=20, freq="M")))

    panel = pd.concat({"a": daily, "b": daily * 2}, names=["id", "day"])
    forecaster = Forecaster(Ridge(), window_size=10, horizon=2, seasonal_period=1).fit(panel)
    with pytest.raises(ValueError, match=r"frequency 'MS', but the forecaster was fitted on frequency 'D'"):
        forecaster.predict(pd.concat({"a": monthly, "b": monthly}, names=["id", "day"]))


@pytest.mark.parametrize(
    "case",
    ["datetime gap", "period gap", "integer gap", "duplicates", "unsorted", "text dates", "missing value"],
)
def test_every_suggested_fix_works_when_pasted(case):
    y = trend_season(48)
    if case == "datetime gap":
        data = y.drop(index=y.index[[10, 11, 30]])
    elif case == "period gap":
        data = y.set_axis(y.index.to_period("M")).drop(index=pd.Period("2001-05", "M"))
    elif case == "integer gap":
        data = y.set_axis(pd.RangeIndex(0, 96, 2)).drop(index=[20, 22])
    elif case == "duplicates":
        data = pd.concat([y, y.iloc[[5]]]).sort_index()
    elif case == "unsorted":
        data = y.iloc[np.r_[0:20, 30:48, 20:30]]
    elif case == "text dates":
        data = y.set_axis(y.index.strftime("%Y-%m-%d"))
    else:
        data = y.copy()
        data.iloc[7] = np.nan
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2, seasonal_period=1)
    with pytest.raises(ValueError) as error:
        forecaster.fit(data)
    assert "data.index.freq =" not in str(error.value)
    fixed = run_fix(str(error.value), data)
    assert len(forecaster.fit(fixed).predict()) == 2


def test_convergence_is_reported_once_at_the_callers_line():
    y = trend_season(60, noise=1.0)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        Forecaster(tiny_lstm(max_iter=2), horizon=2, n_estimators=3, random_state=0).fit(y)
    convergence = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert len(convergence) == 1
    assert "3 of the 3 fitted copies of LSTMRegressor did not converge within max_iter=2" in str(convergence[0].message)
    assert convergence[0].filename == __file__


def test_short_data_say_so_at_the_callers_line():
    y = trend_season(20)
    # the default on 20 rows: the window shrinks from 10 to 2 rows and 4 windows remain
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        forecaster = Forecaster(horizon=14, n_estimators=2, random_state=0).fit(y)
    assert forecaster.window_size_ == 2 and forecaster.n_windows_ == 4
    (warning,) = caught  # and no convergence warning from the fixed-epoch networks
    assert warning.filename == __file__
    assert re.search(
        r"shortened the window from 10 to 2 rows.*20 rows.*4 training window.*30 epochs", str(warning.message)
    )
    with pytest.warns(UserWarning, match=r"short for window_size=3 and horizon=5, and give 1 training window"):
        Forecaster(Ridge(), window_size=3, horizon=5, seasonal_period=12).fit(y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        Forecaster(Ridge(), horizon=2).fit(trend_season(96))  # enough data: silent


# -- end to end on real data ----------------------------------------------------------------


def test_default_forecaster_beats_seasonal_naive_on_airline():
    y = load_airline().astype(float)
    train, test = y[:"1957-12"], y["1958-01":]
    forecaster = Forecaster(horizon=36, random_state=0).fit(train)
    forecast = forecaster.predict()
    assert forecast.index.equals(test.index)
    seasonal_naive = np.tile(train.to_numpy()[-12:], 3)
    mape = np.mean(np.abs(forecast.to_numpy() - test.to_numpy()) / test.to_numpy())
    naive_mape = np.mean(np.abs(seasonal_naive - test.to_numpy()) / test.to_numpy())
    assert naive_mape == pytest.approx(0.132, abs=5e-4)
    assert mape < naive_mape
    assert mape <= 0.05  # the quality target of benchmarks/forecast_accuracy.py
    naive_mase = np.mean(np.abs(seasonal_naive - test.to_numpy())) / forecaster.scale_[0]
    assert -forecaster.score(test) < naive_mase


def test_docstring_documents_every_parameter():
    for name in Forecaster().get_params():
        assert f"\n    {name} :" in Forecaster.__doc__, name


def test_the_fitted_forecaster_says_why_it_chose_its_season():
    forecaster = Forecaster(Ridge(), horizon=3).fit(trend_season(48, noise=1.0))
    assert forecaster.seasonal_period_ == 12
    assert forecaster.seasonal_period_reason_.startswith("12 from the monthly frequency")
    given = Forecaster(Ridge(), horizon=3, seasonal_period=4).fit(trend_season(48, noise=1.0))
    assert given.seasonal_period_reason_ == "4: given by seasonal_period"


@pytest.mark.parametrize("unit", [1e-13, 1e13])
def test_forecasts_do_not_depend_on_the_unit_of_the_data(unit):
    # a series in tiny units is not a constant one (its spread is below 1e-12)
    y = trend_season(120, noise=1.0)
    expected = Forecaster(Ridge(), window_size=12, horizon=6).fit(y).predict()
    forecast = Forecaster(Ridge(), window_size=12, horizon=6).fit(y * unit).predict()
    np.testing.assert_allclose(forecast.to_numpy() / unit, expected.to_numpy(), rtol=1e-9)


def test_gap_inside_new_data_is_named_and_the_fix_works():
    y = trend_season(60, freq="D", period=7, noise=1.0)
    forecaster = Forecaster(Ridge(), window_size=8, horizon=3, seasonal_period=1).fit(y[:50])
    new = y[50:].drop(y.index[53])
    for method, name in (("update", "new_data"), ("score", "future_data")):
        with pytest.raises(ValueError, match=rf"{name} has a gap: Timestamp\('2000-02-23"):
            getattr(clone(forecaster).fit(y[:50]), method)(new)
    with pytest.raises(ValueError, match="missing after") as error:
        clone(forecaster).fit(y[:50]).update(new)
    filled = run_fix(str(error.value), new, "new_data")
    clone(forecaster).fit(y[:50]).update(filled)
    shuffled = y[50:].iloc[[0, 2, 1, 3]]
    with pytest.raises(ValueError, match="not sorted in time order"):
        clone(forecaster).fit(y[:50]).update(shuffled)


@pytest.mark.parametrize(
    ("index", "convert"),
    [
        (pd.RangeIndex(60), lambda i: i.astype(str)),
        (pd.RangeIndex(60), lambda i: i.astype(float)),
        (pd.date_range("2000-01-01", periods=60, freq="D"), lambda i: i.strftime("%Y-%m-%d")),
        (pd.period_range("2000-01", periods=60, freq="M"), lambda i: i.astype(str)),
    ],
    ids=["int-text", "int-float", "date-text", "period-text"],
)
def test_labels_read_as_text_get_the_conversion_to_the_fitted_kind(index, convert):
    y = pd.Series(np.sin(np.arange(60) / 3.0), index=index)
    forecaster = Forecaster(Ridge(), window_size=6, horizon=2, seasonal_period=1).fit(y[:50])
    new = y[50:].set_axis(convert(y.index[50:]))
    with pytest.raises(ValueError, match="Convert the labels") as error:
        clone(forecaster).fit(y[:50]).update(new)
    assert str(error.value).count("`") == 2  # one fix: the one for the fitted kind
    updated = clone(forecaster).fit(y[:50]).update(run_fix(str(error.value), new, "new_data"))
    pd.testing.assert_series_equal(updated.predict(), clone(forecaster).fit(y[:50]).update(y[50:]).predict())


def test_data_without_columns_is_named():
    with pytest.raises(ValueError, match="data has no columns"):
        Forecaster(Ridge(), window_size=6, horizon=2).fit(pd.DataFrame(index=pd.RangeIndex(40)))
