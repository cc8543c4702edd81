"""Forecaster: forecast the next periods of a pandas series, or of a panel of series, with any regressor."""

import time
from collections import Counter
from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._base import BaseRecurrent
from ._calendar import calendar_features, resolve_calendar
from ._data import constant_below
from ._encoding import (
    baseline_weight,
    combination_weights,
    make_encoding,
    seasonal_decomposition,
    seasonal_trend,
    spread,
)
from ._ensemble import fit_ensemble, predict_mean
from ._forecast_index import _article
from ._future_covariates import FutureCovariates, check_future_steps, column_roles, fit_target
from ._intervals import bounds_frame, calibration_residuals, check_coverage, check_quantiles, quantile_offsets
from ._messages import plain
from ._panel import is_panel, read_panel
from ._regressor import LSTMRegressor
from ._season import choose_seasonal_period
from ._warnings import warn_at_caller

__all__ = ["Forecaster"]

# Training windows that window_size="auto" keeps at least, when the series allows.
_MIN_AUTO_WINDOWS = 20
# Series of a panel whose seasons are checked by seasonal_period="auto".
_SEASON_SAMPLE = 200
# Training windows above which the default estimator takes larger batches and a shorter patience.
_MANY_WINDOWS = 2048
# Float64 elements of the temporary arrays used to build one chunk of windows.
_CHUNK_ELEMENTS = 1 << 20


def default_estimator(n_windows):
    """The recurrent regressor a :class:`Forecaster` uses when given none.

    Batches of 32 windows with a learning rate of 0.01 and a patience of 10
    epochs suit one short series (measured with
    ``benchmarks/forecast_accuracy.py``: at least as accurate as batches of
    16 at 0.003 with a patience of 30, in fewer than half the epochs).

    On more windows (a long series, a panel) the batches grow so that an
    epoch takes about 64 steps, and the patience is 5 epochs (skorch's
    ``EarlyStopping`` default): the validation score, a mean over at least
    400 windows for the final networks (fewer for the calibration copies,
    which train on a third and two thirds of the windows), is less noisy
    than on one short series, so fewer epochs without improvement tell that
    none will come. Measured with ``benchmarks/panel_accuracy.py`` (seeds 0
    to 2) on the two panels with more than 2048 windows, whose best epochs
    came among the first seven: the same relative MASE within 0.004, in
    less time; not measured on a single series that long. A patience of 5
    on one short series was less accurate
    (``benchmarks/forecast_accuracy.py``: geometric mean MASE 0.604 against
    0.584).
    """
    many = n_windows > _MANY_WINDOWS
    return LSTMRegressor(
        hidden_size=32,
        loss="absolute_error",
        max_iter=200,
        batch_size=min(n_windows // 64, 1024) if many else 32,
        learning_rate_init=1e-2,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=5 if many else 10,
        device="cpu",
    )


def _warn_if_y(y):
    """Warn that ``fit`` ignores a ``y`` given: a scoring string would compare
    the wrong periods with it."""
    if y is not None:
        warn_at_caller(
            "Forecaster.fit ignores y: the series to forecast are columns of data (see target), and "
            "covariates are its other columns. With cross-validation, pass the data alone and leave scoring "
            "unset (Forecaster.score): a scoring string compares predict(X_test), the forecast of the periods "
            "after the test fold, with y_test, the fold itself."
        )


def _warn_if_nested_recurrent(estimator):
    """Warn when a recurrent estimator of this package sits inside one that
    takes 2-D input (a Pipeline, a TransformedTargetRegressor): the windows
    reach it flattened, each step's channels read as separate time steps."""
    nested = next(
        (value for value in estimator.get_params(deep=True).values() if isinstance(value, BaseRecurrent)), None
    )
    if nested is not None:
        warn_at_caller(
            f"The Forecaster's estimator, a {type(estimator).__name__}, takes 2-D input, so the windows reach the "
            f"{type(nested).__name__} inside it flattened to (n_windows, n_steps * n_channels): it reads every "
            "channel of every step as a time step of its own, not sequences of (n_steps, n_channels). Give the "
            f"{type(nested).__name__} to the Forecaster directly (it scales its inputs and targets itself)."
        )


def _chunks(n, per_row):
    """Slices of at most ``_CHUNK_ELEMENTS / per_row`` rows covering ``range(n)``."""
    size = max(1, _CHUNK_ELEMENTS // max(per_row, 1))
    return [slice(start, min(start + size, n)) for start in range(0, n, size)]


def _number(value):
    return isinstance(value, Real) and not isinstance(value, (bool, np.bool_))


def _same(a, b):
    """Whether two parameter values are the same (estimators: the same class;
    their parameters are compared one by one)."""
    if a is b:
        return True
    if isinstance(a, BaseEstimator) or isinstance(b, BaseEstimator):
        return type(a) is type(b)
    if _number(a) and _number(b):  # 2 and np.int64(2) (a grid from np.arange) are the same
        return bool(a == b)
    try:
        return bool(np.all(a == b)) and type(a) is type(b)
    except Exception:  # values that cannot be compared count as changed
        return False


# Parameters that take effect after fit too (in predict(data), update and score).
_LIVE_PARAMS = {"short_series", "verbose"}


def _listed(items, show=lambda key: repr(plain(key)), limit=5):
    """``[a, b, ...]``: the first ``limit`` items as ``show`` writes them."""
    items = list(items)
    shown = ", ".join(show(item) for item in items[:limit])
    return f"[{shown}{', ...' if len(items) > limit else ''}]"


class Forecaster(BaseEstimator):
    """Forecast the next ``horizon`` periods of a time series, or of many, with a regressor.

    ``fit`` cuts the series into windows of ``window_size`` rows and trains
    ``estimator`` to map each window to the ``horizon`` target values that
    follow it (direct multi-output forecasting). ``predict`` forecasts from
    the last window seen and returns pandas objects indexed by the future
    periods; ``update`` appends new observations without refitting.

    **Panels.** Data indexed by a 2-level ``MultiIndex`` ``(series, time)``
    (``df.set_index(["unique_id", "ds"])`` of a long table) hold many series,
    of possibly different lengths and start dates. One **global** model
    learns from the windows of all of them, each series scaled by its own
    spread; ``predict`` returns one block of ``horizon`` rows per series,
    indexed by ``(series, future time)``. A wide DataFrame keeps its
    meaning: several targets of one joint model.

    How the series is made learnable (``baseline="seasonal_naive"``): each
    target is expressed relative to the seasonal-naive forecast (the last
    observed value of the same season; the last value when there is no
    season), in units of the target's training spread (its in-sample mean
    absolute seasonal difference, the scale of MASE, ``scale_``). Each
    window step carries, per target, three channels: the value minus the
    window's last value, the seasonal difference (the value minus the
    value one season earlier), and the series' drift (its mean seasonal
    difference over the whole training series, the same at every step), all
    divided by the spread. The drift lets one global model tell a series
    that has been rising for years from one that has not, which a window
    alone cannot show. The estimator
    learns how the next ``horizon`` values deviate from the seasonal-naive
    forecast, in the same units, and forecasts are integrated back by adding
    the seasonal-naive values. Trending and seasonal series of any level
    then look alike to the estimator; fed raw levels, even standardized, a
    network fails on trending series.

    **Covariates.** The non-target columns are standardized (over all rows
    of all series). By default they are past covariates: the estimator sees
    them for the window only. Columns named in ``future_covariates`` are
    known in advance (calendar, holidays, planned promotions, prices,
    weather forecasts): the windows then run ``horizon`` steps further, over
    the periods to forecast, where only these columns are filled (the
    others are zero, and one more channel is 1 there), and :meth:`predict`
    takes their values for the forecast periods as ``future``. With the
    seasonal-naive baseline, each future step also carries each future
    covariate's change from the period whose value the seasonal-naive
    forecast repeats, which is what explains the deviation the estimator
    learns. The default estimator then reads these steps with
    ``future_steps=horizon``: its recurrent layers read the window, and a
    decoder shared by the future steps adds to each period's forecast a term
    from the window's summary and that period's covariates.

    The default estimator is a small :class:`LSTMRegressor` trained with an
    absolute-error loss. Early stopping on the last 20% of the windows (in
    time order) chooses the number of epochs and keeps the weights of the
    best one; with ``refit=True`` the network is then trained again on all
    windows for that many epochs, so that it also learns from the most
    recent ones (twice the time, no more accurate on the benchmark series).
    ``n_estimators`` networks with different seeds are averaged. On six real
    series (``benchmarks/forecast_accuracy.py``: monthly, quarterly and
    yearly, one horizon held out) the defaults' MASE is about half that of
    seasonal naive (geometric mean), better than exponential smoothing
    (ETS), in about a CPU second per series.

    **Combination with the baseline.** The forecast is a weighted average of
    the estimator's forecast and the baseline forecast (the seasonal-naive
    one, by default), with the weight ``baseline_weight_`` on the baseline.
    With ``baseline_weight="auto"`` the weight is the one whose combination
    had the smallest mean absolute error out of sample, in the rolling-origin
    folds that also give the intervals (below): 0 when the estimator's
    forecasts were better with no baseline in the mix, larger when they
    were too bold, up to 1 when they did no better than the baseline. A
    model that learned patterns that did not hold in later periods is then
    trusted less. Forecast combination, here of a learned model with a
    simple benchmark, is the most reliable gain of the forecasting
    competitions (Makridakis et al., "The M4 Competition", International
    Journal of Forecasting 36(1), 2020): on the quarterly tourism panel of
    ``benchmarks/panel_accuracy.py``, where the series' growth after 2010
    broke with their earlier cycles, a weight of about 0.4 on seasonal
    naive took the relative MASE from 1.22 to 1.10 (before the seasonal
    decomposition below joined the combination). Where the estimator kept
    forecasting well the weights stay near 0: on the monthly employment
    panel (the relative MASE unchanged at 0.41) and on four of the six
    series of ``benchmarks/forecast_accuracy.py`` (0 exactly). The weights of the
    forecastHybrid R package's ``weights="cv.errors"`` are chosen from
    cross-validated errors too.

    With a season (and the seasonal-naive baseline), ``"auto"`` also mixes
    in a third forecast: the **seasonal decomposition forecast**, the level
    of the last season plus each period's seasonal index averaged over the
    last three seasons (the classical additive decomposition of Hyndman &
    Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
    section 3.4, with a flat level; fewer seasons when the window and the
    season before it hold fewer, none below two). Where seasonal naive
    repeats the last season with its noise, it repeats an average pattern.
    The three weights (estimator, seasonal naive ``baseline_weight_``,
    decomposition ``decomposition_weight_``; non-negative, summing to 1)
    are again those of the smallest mean absolute error out of sample, for
    the decomposition with a flat level and for the decomposition that
    carries forward the local trend of its seasons (the change of the
    seasonal means per season, Holt's linear trend); the variant with the
    smaller error is kept (``decomposition_trend_``).
    On the panels of ``benchmarks/panel_accuracy.py`` (seeds 0-2) it took
    the quarterly tourism panel's relative MASE from 1.07-1.10 to 0.97-0.98
    (weight 0.72-0.76 on it, 0 on seasonal naive) and the quarterly
    arrivals' from 0.99-1.02 to 0.90-0.95 (weight 0.52-0.58); the quarterly
    accommodation takings went from 0.78-0.79 to 0.80-0.81 (weight 0.24),
    and the monthly panels kept the network alone (weight 0). The trend
    variant, chosen for the monthly departures and the quarterly arrivals,
    took them from 0.84-0.87 to 0.76-0.77 and from 0.90-0.95 to 0.77-0.79.

    **Intervals.** ``fit`` also measures the model's out-of-sample errors
    (``residuals_``) in two rolling-origin folds: copies of the estimator,
    fitted the same way on the first third and the first two thirds of the
    windows (in time), forecast the periods of the next third, at about 40%
    of the cost of the default three-network fit. :meth:`predict_interval`
    and :meth:`predict_quantiles` turn these errors into split-conformal
    intervals and quantiles per horizon step, scaled per series (see the
    :ref:`User Guide <intervals>`).

    Parameters take effect in ``fit``: one changed with ``set_params`` after
    ``fit`` (except ``short_series`` and ``verbose``) makes ``predict``,
    ``update`` and ``score`` raise an error naming it until ``fit`` is called
    again. Data
    given after ``fit`` must be like the data seen in ``fit`` (kind,
    columns, frequency or step), or the error names the difference.
    Warnings (a shortened window, few training windows, copies of the
    estimator that did not converge) are issued once per ``fit``, pointing
    at the line that called it.

    Read more in the :ref:`User Guide <forecasting>`.

    Parameters
    ----------
    estimator : regressor or None, default=None
        Any scikit-learn regressor; it is cloned. Regressors that accept 3-D
        input (those of this package) receive windows of shape
        ``(n_windows, n_steps, n_channels)``, others the flattened
        ``(n_windows, n_steps * n_channels)`` (a recurrent estimator of this
        package inside a Pipeline or another wrapper too, with a warning:
        give it to the Forecaster directly; a pipeline that makes the windows
        3-D again itself may silence the warning with
        ``warnings.filterwarnings("ignore", message=".*takes 2-D input")``). ``n_steps`` is
        ``window_size`` (plus ``horizon`` with future covariates: those of
        ``future_covariates`` and the calendar columns of ``calendar_``);
        ``n_channels`` is the number of columns (the calendar columns
        included) plus, with the seasonal-naive baseline, two channels per
        target (its seasonal difference and its drift) and, with future
        covariates, one per future covariate (its change from the
        seasonal-naive period, filled on the forecast periods); plus one
        channel that marks the forecast periods, with future covariates. It
        must support several outputs when ``horizon * n_targets > 1`` (wrap
        it in :class:`~sklearn.multioutput.MultiOutputRegressor` otherwise).
        None
        uses ``LSTMRegressor(hidden_size=32, loss="absolute_error",
        learning_rate_init=1e-2, batch_size=32, max_iter=200,
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=10,
        device="cpu")``, with batches of ``n_windows // 64`` windows (up to
        1024) and ``n_iter_no_change=5`` when there are more than 2048
        windows, without early stopping, for 30 epochs, when there are fewer
        than 5 windows, and with ``future_steps=horizon`` with future
        covariates (give your own recurrent regressor the same, or 0). The
        CPU is the default device because such small networks on short
        series run faster there.

    window_size : int or "auto", default="auto"
        Number of past rows the estimator sees. ``"auto"`` uses two seasons
        (at least 10 rows), shortened on short series so that at least 20
        training windows remain (over all series of a panel), but not below
        one season; a shortened window is reported with a warning. A series
        needs at least ``window_size + seasonal_period + horizon`` rows with
        the seasonal-naive baseline (the seasonal differences look one
        season back), ``window_size + horizon`` without.

    horizon : int, default=1
        Number of future periods forecast by ``predict``.

    target : str, int, list or None, default=None
        Column(s) to forecast (names for a DataFrame, positions for an
        array); the other columns are covariates. None forecasts every
        column except the ``future_covariates`` (a Series is its own
        target).

    future_covariates : list of str or int, or None, default=None
        Covariate columns whose values are known in advance for the
        ``horizon`` periods to forecast (names for a DataFrame, positions for
        an array). :meth:`predict` then needs their future values as
        ``future``. Calendar columns need not be given: see ``calendar``.

    calendar : "auto", list of str or None, default="auto"
        Calendar columns computed from the index and given to the estimator
        like future covariates (for the window and the ``horizon`` periods
        ahead), one-hot as :func:`calendar_features` makes them; ``predict``
        computes their future values itself, so they need no ``future``. A
        list names the features (``["day_of_week", "month"]``; any of those
        of :func:`calendar_features`), for data indexed by dates or periods;
        a feature that takes one value over the data (the hour of daily
        data) is warned about.
        ``"auto"``, for quarterly and monthly data, adds the quarter or the
        month when ``seasonal_period="auto"`` tested the yearly season and did
        not confirm it (``seasonal_period_`` is 1, with two years of data in
        the longest series) but the period's changes still depend on that
        position: the Kruskal-Wallis test of the first differences grouped by
        position (pooled over the series of a panel, each in units of its
        mean absolute change) rejects equal distributions at the nominal 5%
        level (on stationary series without a season, whose differences are
        negatively correlated, it rejects about 10% of the time; on random
        walks about 5%). Nothing otherwise: a season in use, a
        ``seasonal_period`` given, no position effect, other frequencies
        (their seasons have 7 to 53 positions, whose one-hot columns would
        widen the inputs many times over, unmeasured: name them in a list),
        arrays, an integer index. Why: without a season the seasonal-naive
        encoding tells the network nothing of where a period falls in the
        year, and a season too weak for the autocorrelation test can still
        be learned from that position. Measured: on
        ``benchmarks/panel_accuracy.py``'s prison panel (quarterly, no season
        confirmed, position effect p = 6e-6; seeds 0 to 2) the relative MASE
        went from 0.836-0.851 to 0.794-0.812, below the global
        gradient-boosting model's 0.816 (which is given the quarter too); on
        three seasonally adjusted quarterly macro series (real GDP, CPI,
        unemployment: p = 0.69 to 0.99) the quarter made the forecasts and
        intervals worse, hence the test; with a season in use, the quarter
        or month added nothing consistent on four other panels and made fits
        slower. None: no calendar columns. The features used are
        ``calendar_``.

    seasonal_period : int or "auto", default="auto"
        Season length in periods (1 for none). ``"auto"`` takes the usual
        cycle of the index frequency (12 for monthly, 4 for quarterly, 52 for
        weekly, 7 for daily, 24 for hourly data, 1 for yearly) when the
        data confirm it (a significant autocorrelation one season apart once
        the trend is removed); without a frequency, the season length the
        data support best, if any; else 1 (no season). The confirmation needs
        at least two full seasons of data. For a panel, the season found in
        most series (of up to 200 series spread over the panel). The fitted
        ``seasonal_period_reason_`` says why a season was or was not chosen.

    baseline : {"seasonal_naive"} or None, default="seasonal_naive"
        What the estimator learns relative to (see above). None feeds it the
        standardized values themselves (each series minus its mean, divided
        by its spread), which fails on trending series.

    baseline_weight : float in [0, 1] or "auto", default="auto"
        Weight of the baseline forecast in the forecast: the forecast is
        ``baseline_weight * baseline + (1 - baseline_weight) * estimator's
        forecast``. 0 keeps the estimator's forecast, 1 the baseline's (the
        seasonal-naive forecast, or the series' mean with ``baseline=None``).
        ``"auto"`` chooses the weight in ``fit`` that minimizes the mean
        absolute error out of sample, over the rolling-origin folds of
        ``residuals_`` (0 when the data are too short for these folds); see
        above. With a season it chooses the weight of the seasonal
        decomposition forecast too. The fitted weights are
        ``baseline_weight_`` and ``decomposition_weight_``; a number given
        here leaves the decomposition out (``decomposition_weight_=0``).

    n_estimators : int, default=3
        Number of copies of ``estimator``, each with its own random seed,
        whose forecasts are averaged. An estimator without a
        ``random_state`` parameter of its own is fitted once (a Pipeline
        too, whatever its steps: seeding their ``random_state`` would fit
        deterministic steps such as ``Ridge`` several times over).

    refit : bool, default=False
        For estimators fitted with early stopping (this package's recurrent
        regressors with ``early_stopping=True``): train each copy again on all
        windows, without early stopping (and without the estimator's
        callbacks that watch the validation loss), for the number of epochs
        that scored best on the validation windows. False (the default) keeps the
        early-stopped networks with the weights of their best epoch; they
        learned from the earlier 80% of the windows only, and fit in half the
        time. Other estimators are fitted once either way.

    short_series : {"raise", "drop"}, default="raise"
        What to do with a series of a panel that is too short: in ``fit``,
        for one training window; in ``predict(data)``, for one window to
        forecast from. ``"raise"``: an error naming the series. ``"drop"``:
        the series is left out, with a warning naming it. A series dropped
        in ``fit`` is not in ``series_``: ``predict()`` (from the data
        seen) does not forecast it, and ``update`` and ``score`` skip its
        rows (with a warning), as they do for the rows of series not seen in
        ``fit``. ``predict(data)`` forecasts every series of ``data`` long
        enough to forecast from, this one too, like a series not seen in
        ``fit`` (scaled by its spread in ``data``); a series too short in
        ``data`` is left out of that forecast.

    random_state : int, RandomState instance or None, default=None
        Seeds the copies of ``estimator`` (when it has a ``random_state``
        parameter). If None, the estimator's own ``random_state`` is used as
        the source of seeds when it is set.

    verbose : int, default=0
        What ``fit`` prints (on the standard output). 0: nothing. 1: the
        season chosen and why (``seasonal_period_reason_``) and the window
        size, then one line per network (copy ``i`` of ``n``: epochs, best
        validation loss, seconds), with a progress bar over the networks (on
        the standard error, from ``tqdm``) once the fit has taken more than
        two seconds. 2 and more: also each network's per-epoch lines (the
        estimator's own ``verbose=1`` output, ``Epoch k: train loss ...``),
        for estimators with a ``verbose`` parameter.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted copies of ``estimator``.

    best_epochs_ : list of int
        For each copy refitted after early stopping, the number of epochs
        chosen on the validation windows (empty when there was none).

    seasonal_period_ : int
        Season length used (1 when there is none).

    seasonal_period_reason_ : str
        Why that season length was chosen, in one sentence, e.g. "12 from
        the monthly frequency (MS), confirmed by an autocorrelation of 0.68
        at lag 12 (significance bound 0.27)".

    calendar_ : list of str
        The calendar features given to the estimator (see ``calendar``;
        empty for none).

    window_size_ : int
        Number of past rows each window holds.

    target_names_ : list
        Names of the target columns (positions for arrays).

    n_features_in_ : int
        Number of columns of the data seen in ``fit`` (targets and
        covariates).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``; defined only when they are all strings.

    series_ : Index
        For a panel, the labels of the series learned from and forecast
        (sorted; without those left out by ``short_series="drop"``). Not
        defined for a single series.

    cutoff_ : object or Series
        Label of the last period seen (in ``fit`` or ``update``): a
        timestamp, period or integer; the row count minus one for arrays.
        For a panel, a Series of these labels indexed by ``series_``.

    n_windows_ : int
        Number of training windows (over all series).

    scale_ : ndarray of shape (n_targets,) or (n_series, n_targets)
        Training spread of each target (of each series, for a panel): its
        mean absolute seasonal difference, also the denominator of the MASE
        in :meth:`score`. A target constant over a series' data has no
        spread: 1 here (the unit its windows are encoded in); its forecast is
        the constant, and :meth:`score` leaves it out.

    fit_time_ : float
        Seconds spent fitting the estimators (without the copies fitted to
        measure ``residuals_``).

    baseline_weight_ : float
        Weight of the baseline forecast in the forecasts, in [0, 1]: the
        ``baseline_weight`` given, or the one chosen out of sample.

    decomposition_weight_ : float
        Weight of the seasonal decomposition forecast in the forecasts, in
        [0, 1], chosen out of sample with ``baseline_weight="auto"``; 0
        otherwise, without a season, with ``baseline=None``, or when the
        window and the season before it hold fewer than two seasons. The
        estimator's weight is ``1 - baseline_weight_ - decomposition_weight_``.

    decomposition_trend_ : bool
        Whether the seasonal decomposition forecast carries the local trend
        of its seasons forward, chosen out of sample with
        ``baseline_weight="auto"`` (the choice with the smaller mean absolute
        error of the combination); False otherwise.

    residuals_ : ndarray of shape (n_origins, horizon, n_targets)
        Out-of-sample forecast errors (actual minus forecast, the forecast
        combined with the baseline and the seasonal decomposition by
        ``baseline_weight_`` and ``decomposition_weight_``), in units of
        ``scale_``, from which :meth:`predict_interval` and
        :meth:`predict_quantiles` are calibrated: two copies of the estimator,
        fitted in ``fit`` as the forecaster fits its own on the first third
        and the first two thirds of the windows (in time, rolling-origin
        folds), forecast from every origin that reaches into the periods of
        the next third; the rows of the two folds follow each other. NaN
        where the period was seen by the fold's copy, lies past the data or
        belongs to the next fold; no rows when the data are too short to hold
        windows out. Each period after the first third holds one error per
        horizon step, of each series.

    See Also
    --------
    make_windows : The windows and targets for a regressor of your own.
    PanelTimeSeriesSplit : Cross-validation folds for (panels of) series.
    calendar_features : Calendar columns, known in advance.
    LSTMRegressor : The default estimator.

    Examples
    --------
    >>> from sklearn_rnn import Forecaster, LSTMRegressor
    >>> from sklearn_rnn.datasets import load_airline
    >>> y = load_airline()
    >>> small = LSTMRegressor(hidden_size=8, max_iter=5, random_state=0, device="cpu")
    >>> forecaster = Forecaster(small, horizon=12, n_estimators=1, random_state=0).fit(y[:-12])
    >>> forecaster.seasonal_period_, forecaster.window_size_
    (12, 24)
    >>> forecast = forecaster.predict()
    >>> forecast.index[0], len(forecast)
    (Timestamp('1960-01-01 00:00:00'), 12)
    >>> forecaster.score(y[-12:]) > -1.5            # negative MASE
    True
    """

    _parameter_constraints = {
        "estimator": [HasMethods(["fit", "predict"]), None],
        "window_size": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "target": [str, Integral, list, tuple, None],
        "future_covariates": [list, tuple, None],
        "calendar": [StrOptions({"auto"}), list, tuple, None],
        "seasonal_period": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "baseline": [StrOptions({"seasonal_naive"}), None],
        "baseline_weight": [Interval(Real, 0, 1, closed="both"), StrOptions({"auto"})],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "refit": ["boolean"],
        "short_series": [StrOptions({"raise", "drop"})],
        "random_state": ["random_state"],
        "verbose": ["verbose"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        window_size="auto",
        horizon=1,
        target=None,
        future_covariates=None,
        calendar="auto",
        seasonal_period="auto",
        baseline="seasonal_naive",
        baseline_weight="auto",
        n_estimators=3,
        refit=False,
        short_series="raise",
        random_state=None,
        verbose=0,
    ):
        self.estimator = estimator
        self.window_size = window_size
        self.horizon = horizon
        self.target = target
        self.future_covariates = future_covariates
        self.calendar = calendar
        self.seasonal_period = seasonal_period
        self.baseline = baseline
        self.baseline_weight = baseline_weight
        self.n_estimators = n_estimators
        self.refit = refit
        self.short_series = short_series
        self.random_state = random_state
        self.verbose = verbose

    def set_params(self, **params):
        """Set the parameters of this forecaster (``estimator__<name>`` those
        of its estimator), as scikit-learn's ``set_params``.

        Parameters
        ----------
        **params : dict
            Parameter names and their new values.

        Returns
        -------
        self : Forecaster
            This forecaster.

        Raises
        ------
        ValueError
            For an ``estimator__<name>`` while ``estimator`` is None: the
            default network is built in ``fit`` (its batch size depends on the
            data), so there are no parameters to set yet.
        """
        nested = sorted(key for key in params if key.startswith("estimator__"))
        if nested and params.get("estimator", self.estimator) is None:
            raise ValueError(
                f"Cannot set {nested[0]}: estimator is None, and the default network is built in fit. Pass the "
                "estimator to tune, Forecaster(estimator=LSTMRegressor(...)), with the default's settings, which "
                "are listed under 'estimator' in the Forecaster docstring."
            )
        return super().set_params(**params)

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        return tags

    # -- reading data ----------------------------------------------------------------

    def _read(self, data, *, what, reset, continuing=False):
        """The :class:`~sklearn_rnn._panel.Panel` of ``data``, columns in the order seen in fit."""
        caller = type(self).__name__
        if reset:
            panel = read_panel(data, fit_target(data, self.target, self.future_covariates), what=what, caller=caller)
            self._is_series = isinstance(data, pd.Series)
            self._is_panel = is_panel(data)
            self._columns = panel.columns
            self.n_features_in_ = panel.values.shape[1]
            if isinstance(data, pd.DataFrame) and all(isinstance(c, str) for c in panel.columns):
                self.feature_names_in_ = np.asarray(panel.columns, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return panel
        if is_panel(data) != self._is_panel:
            seen = "a panel (a MultiIndex (series, time))" if self._is_panel else "a single series"
            given = "a panel" if is_panel(data) else "a single series"
            raise ValueError(f"{what} is {given}, but the forecaster was fitted on {seen}; pass data of that kind.")
        pandas = isinstance(data, (pd.Series, pd.DataFrame))
        if self._time.kind != "array" and not pandas:
            raise ValueError(
                f"{what} must be pandas with {_article(self._time.describe())}, like the data seen in fit."
            )
        # columns are matched by name before the index is checked, for the clearer message
        columns = [data.name] if isinstance(data, pd.Series) else list(data.columns) if pandas else None
        n_columns = len(columns) if columns is not None else (np.shape(data)[1] if np.ndim(data) == 2 else 1)
        if (columns is None) != (self._columns is None) and not (self._is_series and n_columns == 1):
            kind = "pandas" if self._columns is not None else "an array"
            raise ValueError(f"{what} must be of the same kind as the data seen in fit ({kind}).")
        reorder = None
        if self._columns is not None and columns is not None and not self._is_series:
            missing = [c for c in self._columns if c not in columns]
            extra = [c for c in columns if c not in self._columns]
            if missing or extra:
                raise ValueError(
                    f"The columns of {what} differ from those seen in fit: missing {missing}, unexpected "
                    f"{extra}. Pass the same target and covariate columns ({self._columns})."
                )
            reorder = [columns.index(c) for c in self._columns]
        elif n_columns != self.n_features_in_:
            raise ValueError(
                f"X has {n_columns} features, but {type(self).__name__} is expecting {self.n_features_in_} "
                f"features as input: {what} needs the {self.n_features_in_} column(s) seen in fit."
            )
        panel = read_panel(data, None, what=what, caller=caller, time=self._time, continuing=continuing)
        if reorder is not None:
            panel.values = panel.values[:, reorder]
        panel.targets = self._target_positions
        return self._with_calendar(panel)

    def _add_calendar(self, panel):
        """In ``fit``: choose ``calendar_``, return ``panel`` with its columns,
        and make them future covariates after the user's."""
        self.calendar_ = resolve_calendar(
            self.calendar, panel, unconfirmed=self.seasonal_period == "auto" and self.seasonal_period_ == 1
        )
        given, n_columns = self._future_positions, panel.values.shape[1]
        panel = self._with_calendar(panel)
        calendar = list(range(n_columns, panel.values.shape[1]))
        self._future_positions = given + calendar
        self._future = FutureCovariates(given, self._columns, self._time, self.horizon, self.calendar_, calendar)
        return panel

    def _with_calendar(self, panel):
        """``panel`` with the columns of ``calendar_`` after the data's columns."""
        if self.calendar_:
            panel.values = np.hstack([panel.values, calendar_features(panel.labels, self.calendar_).to_numpy()])
        return panel

    # -- windows ---------------------------------------------------------------------

    def _resolve_window_size(self, lengths, period):
        """``window_size`` or, for "auto", the longest window up to two seasons
        (at least 10 rows) that leaves enough training windows, with its
        preferred size."""
        preferred = max(2 * period, 10)
        if self.window_size != "auto":
            return int(self.window_size), preferred
        floor = max(period, 2)
        lag, h = self._encoding.lookback, self.horizon
        for w in range(preferred, floor - 1, -1):
            if np.maximum(lengths - w - lag - h + 1, 0).sum() >= _MIN_AUTO_WINDOWS:
                return w, preferred
        return floor, preferred

    def _inputs(self, values, ends, sid, scale, level):
        """Estimator inputs for the windows ending at rows ``ends`` of
        ``values`` (which hold, with future covariates, their ``horizon``
        next rows too), built chunk by chunk into one float32 array.

        Channels: the columns (targets as the encoding makes them,
        covariates standardized), the encoding's extra channels, then with
        future covariates their seasonal changes (see ``_n_future_changes``)
        and the indicator of the future steps."""
        w, h = self.window_size_, self.horizon
        t, f = self._target_positions, self._future_positions
        covariates = self._past_positions + f
        n_columns = values.shape[1]
        n_extra = self._encoding.n_input_channels(len(t)) - len(t)
        n_changes = self._n_future_changes()
        changes = slice(n_columns + n_extra, n_columns + n_extra + n_changes)
        n_steps = w + (h if f else 0)
        X = np.zeros((len(ends), n_steps, n_columns + n_extra + n_changes + (1 if f else 0)), dtype=np.float32)
        y = values[:, t]
        back, ahead = np.arange(1 - w, 1), np.arange(1, h + 1)
        mean, std = self._covariate_mean, self._covariate_scale
        for chunk in _chunks(len(ends), n_steps * n_columns):
            e = ends[chunk]
            s, lv = scale[sid[chunk]][:, None, :], level[sid[chunk]][:, None, :]
            channels, extra = self._encoding.inputs(y, e, w, s, lv)
            X[chunk, :w, t] = channels
            if extra is not None:
                X[chunk, :w, n_columns : n_columns + n_extra] = extra
            if covariates:
                X[chunk, :w, covariates] = (values[e[:, None] + back][:, :, covariates] - mean[covariates]) / std[
                    covariates
                ]
            if f:
                future = values[e[:, None] + ahead][:, :, f]
                X[chunk, w:, f] = (future - mean[f]) / std[f]
                if n_changes:
                    X[chunk, w:, changes] = (future - self._encoding.reference(values[:, f], e, h, None)) / std[f]
                X[chunk, w:, -1] = 1.0
        if not self._three_d:
            X = X.reshape(len(X), -1)
        return X

    def _n_future_changes(self):
        """Channels holding, on the future steps, each future covariate's change from its seasonal-naive value.

        With the seasonal-naive baseline the estimator learns how each
        future value deviates from the value one season earlier (the last
        observed period of the same season); what explains that deviation is
        how the covariates of the two periods differ (a work day against a
        holiday, a hot day against a mild one), which these channels give
        the future step directly.
        """
        return len(self._future_positions) if self._encoding.covariate_changes else 0

    def _targets(self, values, ends, sid, scale, level):
        """What the estimator learns for each window: ``(n, n_targets * horizon)``, target by target."""
        t, h = self._target_positions, self.horizon
        Y = np.empty((len(ends), len(t) * h))
        y = values[:, t]
        for chunk in _chunks(len(ends), h * len(t)):
            e = ends[chunk]
            z = self._encoding.targets(
                y, e, h, scale[sid[chunk]][:, None, :], level[sid[chunk]][:, None, :]
            )  # (n, horizon, k)
            Y[chunk] = z.transpose(0, 2, 1).reshape(len(e), -1)
        return Y[:, 0] if Y.shape[1] == 1 else Y

    def _forecast(self, values, ends, sid, scale, level, flat):
        """Forecasts ``(n, horizon, n_targets)`` from the windows ending at ``ends``
        (the baseline's for the targets that are ``flat``)."""
        t, h = self._target_positions, self.horizon
        outputs = predict_mean(self.estimators_, self._inputs(values, ends, sid, scale, level))
        # the combination with the baseline (and the seasonal decomposition)
        outputs = outputs * (1.0 - self.baseline_weight_ - self.decomposition_weight_)
        z = outputs.reshape(len(ends), len(t), h).transpose(0, 2, 1)
        if self.decomposition_weight_:
            z = z + self.decomposition_weight_ * self._decomposition(values[:, t], ends, scale[sid][:, None, :])
        z = np.where(flat[sid][:, None, :], 0.0, z)
        return self._encoding.forecasts(z, values[:, t], ends, scale[sid][:, None, :], level[sid][:, None, :])

    def _decomposition(self, y, ends, scale):
        """The seasonal decomposition forecast from rows ``ends`` of the
        target columns ``y``, minus the baseline's, in spreads (``scale``
        broadcast to ``(n, 1, n_targets)``): ``(n, horizon, n_targets)``,
        with its trend as fitted (``decomposition_trend_``)."""
        return self._decompositions(y, ends, scale, trends=(self.decomposition_trend_,))[..., 0]

    def _decompositions(self, y, ends, scale, trends=(False, True)):
        """:meth:`_decomposition` without or with the trend, for each of
        ``trends``, on a last axis: the flat forecast and the reference are
        computed once, and the trend only where asked for."""
        h, m, n = self.horizon, self.seasonal_period_, self._n_seasons
        flat = seasonal_decomposition(y, ends, h, m, n)
        reference = self._encoding.reference(y, ends, h, None)
        variants = [(flat + seasonal_trend(y, ends, h, m, n) if trend else flat) - reference for trend in trends]
        return np.stack(variants, axis=-1) / scale[..., None]

    def _statistics(self, panel):
        """Spread, level and flatness of each target of each series, ``(n_series, n_targets)`` each.

        The level is the statistic the encoding asks for (``level_statistic``):
        the mean, or the drift (the mean signed seasonal difference; 0 for a
        series no longer than a season). A flat target (constant over the
        data, see :func:`~sklearn_rnn._data.constant_below`) has no spread to
        measure forecasts in: its spread is 1 for the encoding, and its
        forecast is the baseline's, the constant, with intervals of width 0.
        """
        t = self._target_positions
        y = panel.values[:, t]
        starts, lengths = panel.offsets[:-1], panel.lengths
        mean = np.add.reduceat(y, starts, axis=0) / lengths[:, None]
        # The mean absolute (and signed) seasonal difference of every series
        # at once; the few series where the spread is undefined or zero take
        # spread()'s fallbacks.
        m = self.seasonal_period_
        scale, drift = np.zeros_like(mean), np.zeros_like(mean)
        if m < len(y):
            changes = y[m:] - y[:-m]
            within = np.repeat(np.arange(panel.n_series), lengths)
            valid = within[m:] == within[:-m]
            counts = np.maximum(lengths - m, 0)[:, None]
            for j in range(len(t)):
                for out, weights in ((scale, np.abs(changes[valid, j])), (drift, changes[valid, j])):
                    sums = np.bincount(within[m:][valid], weights, panel.n_series)
                    out[:, j] = np.divide(sums, counts[:, 0], out=np.zeros_like(sums), where=counts[:, 0] > 0)
        level = drift if self._encoding.level_statistic == "drift" else mean
        magnitude = np.maximum.reduceat(np.abs(y), starts, axis=0)
        for i in np.flatnonzero((lengths <= m) | (scale <= constant_below(magnitude)).any(axis=1)):
            rows = y[starts[i] : starts[i] + lengths[i]]
            scale[i] = [spread(rows[:, j], m) for j in range(len(t))]
        span = np.maximum.reduceat(y, starts, axis=0) - np.minimum.reduceat(y, starts, axis=0)
        return scale, level, span <= constant_below(magnitude)

    # -- fit -------------------------------------------------------------------------

    def _covariate_statistics(self, panel):
        """Mean and standard deviation of every column over all rows of all
        series, ``(n_columns,)`` each (0 and 1 for the targets and for
        constant covariates)."""
        covariates = self._past_positions + self._future_positions
        mean, scale = np.zeros(panel.values.shape[1]), np.ones(panel.values.shape[1])
        if covariates:
            values = panel.values[:, covariates]
            std = values.std(axis=0)
            mean[covariates] = values.mean(axis=0)
            scale[covariates] = np.where(std > constant_below(np.abs(values).max(axis=0)), std, 1.0)
        return mean, scale

    def _seasonal_period(self, panel):
        """The season length and the sentence that says why it was chosen."""
        t = self._target_positions
        freq = panel.time.freq if panel.time.kind in ("datetime", "period") else None
        if panel.n_series == 1:
            choice = choose_seasonal_period(self.seasonal_period, panel.values[:, t], freq)
            return choice.period, choice.reason
        if self.seasonal_period != "auto":
            return int(self.seasonal_period), f"{int(self.seasonal_period)}: given by seasonal_period"
        sample = np.unique(np.linspace(0, panel.n_series - 1, min(panel.n_series, _SEASON_SAMPLE)).round())
        votes = Counter(
            choose_seasonal_period("auto", panel.values[panel.offsets[i] : panel.offsets[i + 1], t], freq).period
            for i in sample.astype(int)
        )
        period, count = votes.most_common(1)[0]
        found = "no season" if period == 1 else "the season"
        return period, f"{period}: {found} found in {count} of {len(sample)} series sampled across the panel"

    def _too_short(self, panel, needed, what, first_end):
        """Series with fewer than ``needed`` rows: raise, or (``short_series="drop"``) warn and return the rest."""
        short = np.flatnonzero(panel.lengths < needed)
        if not len(short):
            return panel
        m, lag = self.seasonal_period_, self._encoding.lookback
        parts = f"window_size={self.window_size_}"
        if lag == 1:
            parts += " plus 1 (the window's differences look one row back)"
        elif lag:
            parts += f" plus seasonal_period={m} (the window's seasonal differences look one season back)"
        if what == "data":
            parts += f" plus horizon={self.horizon}"
        remedy = "Use a smaller window_size" + (" or horizon" if what == "data" else "")
        remedy += (", a smaller seasonal_period" if m > 1 else "") + ", or more data"
        if panel.keys is None:
            raise ValueError(
                f"The series is too short: it has {panel.lengths[0]} rows, and {parts} need at least {needed}. "
                f"{remedy}."
            )
        described = _listed(short, lambda i: f"{plain(panel.keys[i])!r} ({panel.lengths[i]} rows)")
        message = (
            f"{len(short)} of the {panel.n_series} series of {what} are too short: {described}; {parts} need "
            f"at least {needed} rows per series."
        )
        if self.short_series == "raise" or len(short) == panel.n_series:
            extra = "" if len(short) == panel.n_series else ", or short_series='drop' to leave them out"
            raise ValueError(f"{message} {remedy}{extra}.")
        warn_at_caller(f"{message} They are left out (short_series='drop').")
        return panel.subset(np.setdiff1d(np.arange(panel.n_series), short))

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, data, y=None):
        """Learn to forecast the target(s) of ``data`` ``horizon`` periods ahead.

        Parameters
        ----------
        data : Series, DataFrame or array-like of shape (n_samples,) or \
                (n_samples, n_columns)
            Rows in time order, with a ``DatetimeIndex`` (whose frequency is
            set or can be inferred), a ``PeriodIndex`` or an integer index;
            or a panel: a 2-level ``MultiIndex`` ``(series, time)``, each
            series with such time labels (rows in any order of series, each
            series in time order). ``target`` selects the columns to
            forecast; the others are covariates.
        y : None
            Ignored; present for API consistency (the targets are columns of
            ``data``). Anything but None warns: a scoring string with ``y``
            (``cross_val_score(forecaster, data, y, scoring="...")``) would
            compare the forecast of the periods after each test fold with the
            fold itself.

        Returns
        -------
        self : object
            The fitted forecaster.

        Raises
        ------
        ValueError
            For missing values, an index without a usable frequency, with
            gaps, duplicates or out of order (naming the series of a panel),
            or a series too short for one training window.
        """
        _warn_if_y(y)
        panel = self._read(data, what="data", reset=True)
        self._target_positions, self._past_positions, self._future_positions = column_roles(
            panel, self.future_covariates
        )
        t = self._target_positions
        self.target_names_ = [self._columns[i] for i in t] if self._columns is not None else list(t)
        self._time = panel.time
        self._names = panel.names

        self.seasonal_period_, self.seasonal_period_reason_ = self._seasonal_period(panel)
        panel = self._add_calendar(panel)
        self._encoding = make_encoding(self.baseline, self.seasonal_period_)
        self.window_size_, preferred = self._resolve_window_size(panel.lengths, self.seasonal_period_)
        # rows before the first window's end: the window, and what the
        # encoding looks back before it
        first_end = self.window_size_ + self._encoding.lookback - 1
        panel = self._too_short(panel, first_end + 1 + self.horizon, "data", first_end)
        # seasons of the seasonal decomposition that "auto" may mix in: as
        # many as every origin's window and lookback hold, so that no row
        # more is needed
        auto = self.baseline_weight == "auto"
        self._n_seasons = self._encoding.decomposition_seasons(first_end + 1) if auto else 0

        self._scale, self._level, self._flat = self._statistics(panel)
        self._covariate_mean, self._covariate_scale = self._covariate_statistics(panel)

        # the windows of every series, in time order of their last rows, so
        # that early stopping validates on the most recent ones
        per_series = panel.lengths - first_end - self.horizon
        sid = np.repeat(np.arange(panel.n_series), per_series)
        starts = np.repeat(np.cumsum(per_series) - per_series, per_series)
        ends = panel.offsets[:-1][sid] + first_end + np.arange(len(sid)) - starts
        if panel.n_series > 1:
            order = np.argsort(panel.time.ordinals(panel.labels[ends])[0], kind="stable")
            ends, sid = ends[order], sid[order]
        self.n_windows_ = len(ends)

        estimator = default_estimator(self.n_windows_) if self.estimator is None else self.estimator
        if self.estimator is None and self.n_windows_ < 5:
            estimator.set_params(early_stopping=False, max_iter=30)
        if self.estimator is None and self._future_positions:
            estimator.set_params(future_steps=self.horizon)
        check_future_steps(estimator, bool(self._future_positions), self.horizon)
        self._three_d = get_tags(estimator).input_tags.three_d_array
        if not self._three_d:
            _warn_if_nested_recurrent(estimator)
        X = self._inputs(panel.values, ends, sid, self._scale, self._level)
        Y = self._targets(panel.values, ends, sid, self._scale, self._level)

        tic = time.perf_counter()
        fixed_epochs = self.estimator is None and self.n_windows_ < 5
        self._warn_if_little_data(panel, preferred, fixed_epochs)
        if self.verbose:
            calendar = f" Calendar columns: {', '.join(self.calendar_)}." if self.calendar_ else ""
            print(
                f"Season: {self.seasonal_period_reason_}.{calendar} Window: {self.window_size_} rows; "
                f"{self.n_windows_} training windows.",
                flush=True,
            )
        self.estimators_, self.best_epochs_ = fit_ensemble(
            estimator,
            X,
            Y,
            n_estimators=self.n_estimators,
            refit=self.refit,
            random_state=self.random_state,
            fixed_epochs=fixed_epochs,
            verbose=self.verbose,
        )
        self.fit_time_ = time.perf_counter() - tic
        # out-of-sample errors for predict_interval and predict_quantiles
        residuals, outputs, decomposition = calibration_residuals(
            self, panel, ends, sid, X, Y, estimator, fixed_epochs=fixed_epochs
        )
        self._set_combination(residuals, outputs, decomposition)
        self._record_data(panel, first_end + 1)
        self._fitted_params = self.get_params(deep=True)
        return self

    def _record_data(self, panel, keep):
        """Keep the last ``keep`` rows of each series, which ``predict`` and
        ``update`` forecast from, and set the attributes that describe the
        training data (``series_``, ``scale_``, ``cutoff_``)."""
        self._history = np.stack([panel.values[o - keep : o] for o in panel.offsets[1:]])
        self._keys = panel.keys
        self._last = panel.last
        if panel.keys is not None:
            self.series_ = panel.keys
        elif hasattr(self, "series_"):
            del self.series_
        self.scale_ = self._scale if self._is_panel else self._scale[0]
        self._set_cutoff()

    def _set_combination(self, residuals, outputs, decompositions):
        """The weights of the baseline and the seasonal decomposition forecast,
        and whether the latter carries its trend, chosen from the out-of-sample
        errors for "auto", and ``residuals_``, the errors of the combination
        (``decompositions``: the decomposition forecasts without and with the
        trend along the last axis; None when not mixed in)."""
        self.decomposition_trend_ = False
        decomposition = None
        if self.baseline_weight != "auto":
            self.baseline_weight_, self.decomposition_weight_ = float(self.baseline_weight), 0.0
        elif decompositions is None:
            self.baseline_weight_, self.decomposition_weight_ = baseline_weight(residuals, outputs), 0.0
        else:
            choices = [
                combination_weights(residuals, outputs, decompositions[..., trend], return_error=True)
                for trend in (0, 1)
            ]
            # the trend only where it lowers the error beyond round-off
            self.decomposition_trend_ = bool(choices[1][2] < choices[0][2] * (1 - 1e-9))
            estimator_weight, self.decomposition_weight_, _ = choices[int(self.decomposition_trend_)]
            decomposition = decompositions[..., int(self.decomposition_trend_)]
            rest = 1.0 - estimator_weight - self.decomposition_weight_
            self.baseline_weight_ = rest if rest > 1e-12 else 0.0  # not a round-off residue
        combined = (1.0 - self.baseline_weight_ - self.decomposition_weight_) * outputs
        if self.decomposition_weight_:
            combined = combined + self.decomposition_weight_ * decomposition
        self.residuals_ = residuals + outputs - combined

    def _warn_if_little_data(self, panel, preferred, fixed_epochs):
        """Say so when the data leave a shortened window or few training windows."""
        shortened = self.window_size == "auto" and self.window_size_ < preferred
        if not shortened and self.n_windows_ >= _MIN_AUTO_WINDOWS:
            return
        rows = f"{panel.lengths[0]} rows" if panel.n_series == 1 else f"{panel.n_series} series"
        message = (
            f"window_size='auto' shortened the window from {preferred} to {self.window_size_} rows: the data "
            f"({rows}) are short for horizon={self.horizon}"
            if shortened
            else f"The data ({rows}) are short for window_size={self.window_size_} and horizon={self.horizon}"
        )
        message += f", and give {self.n_windows_} training window(s)"
        if fixed_epochs:
            message += " (the default estimator then trains 30 epochs, without early stopping)"
        message += (
            ". Forecasts learned from so little data are uncertain: compare them with the seasonal-naive forecast, "
            "or use more data" + (" (set window_size to choose the window yourself)." if shortened else ".")
        )
        warn_at_caller(message)

    def _check_params_unchanged(self):
        """Raise if a parameter that takes effect only in fit was changed with set_params since."""
        current = self.get_params(deep=True)
        changed = [
            name
            for name in sorted(set(current) | set(self._fitted_params))
            if name not in _LIVE_PARAMS
            and not _same(current.get(name, "<unset>"), self._fitted_params.get(name, "<unset>"))
        ]
        if changed:
            described = ", ".join(
                f"{name} ({plain(self._fitted_params.get(name, '<unset>'))!r} -> "
                f"{plain(current.get(name, '<unset>'))!r})"
                for name in changed
            )
            raise ValueError(
                f"{type(self).__name__} parameter(s) changed since fit: {described}. They take effect only in "
                "fit: call fit again, or set them back."
            )

    def _set_cutoff(self):
        if self._keys is None:
            self.cutoff_ = self._last[0]
            if isinstance(self.cutoff_, np.integer):
                self.cutoff_ = int(self.cutoff_)
        else:
            self.cutoff_ = pd.Series(self._last, index=self._keys, name="cutoff")

    # -- after fit ---------------------------------------------------------------------

    def _known(self, panel, what):
        """Positions in the fitted series of the series of ``panel``: the panel
        restricted to known series, and their positions."""
        if panel.keys is None:
            return panel, np.array([0])
        positions = self._keys.get_indexer(panel.keys)
        unknown = np.flatnonzero(positions < 0)
        if len(unknown):
            names = _listed(panel.keys[unknown])
            message = (
                f"{what} holds {len(unknown)} series that the forecaster does not forecast (not seen in fit, or "
                f"left out as too short): {names}"
            )
            if self.short_series == "raise":
                raise ValueError(f"{message}. Leave them out, or fit with short_series='drop' to skip them.")
            warn_at_caller(f"{message}; their rows are skipped (short_series='drop').")
            keep = np.flatnonzero(positions >= 0)
            panel, positions = panel.subset(keep), positions[keep]
        return panel, positions

    def predict(self, data=None, future=None):
        """Forecast the ``horizon`` periods after the last one seen (or after ``data``).

        Parameters
        ----------
        data : Series, DataFrame or array-like, default=None
            None forecasts from the end of the data seen in ``fit`` and
            ``update``. Otherwise, recent rows with the columns seen in
            ``fit`` to forecast from (at least ``window_size_ +
            seasonal_period_`` of them with the seasonal-naive baseline, else
            ``window_size_``), without changing the forecaster: the forecast
            follows the end of ``data`` and its index. For a panel, recent
            rows of each series to forecast (series not seen in ``fit``, or
            left out of it as too short, are forecast too, scaled by their
            spread in ``data``).
        future : DataFrame or array-like, default=None
            With ``future_covariates``: their values for the ``horizon``
            periods to forecast, indexed like the result (see
            :meth:`future_index`; for a panel, a ``(series, time)``
            MultiIndex with every forecast series). Extra columns and the
            rows of other periods are ignored. For arrays, an array of shape
            ``(horizon, n_future_covariates)``.

        Returns
        -------
        forecast : Series, DataFrame or ndarray
            For pandas data, a Series (one target, named like it) or a
            DataFrame (one column per target) indexed by the next ``horizon``
            periods: a ``DatetimeIndex`` with the data's frequency, a
            ``PeriodIndex`` or a ``RangeIndex``; for a panel, a MultiIndex
            ``(series, time)`` with ``horizon`` rows per series. For arrays,
            an ndarray of shape ``(horizon,)`` or ``(horizon, n_targets)``.

        Raises
        ------
        ValueError
            If ``data`` is not like the data seen in ``fit`` (columns, kind,
            frequency), too short, or if ``future`` is needed and missing,
            misaligned, short or has missing values.
        """
        forecasts, _, keys, lasts = self._point_forecasts(data, future)
        return self._wrap(forecasts, keys, lasts)

    def _point_forecasts(self, data, future):
        """The forecasts ``(n_series, horizon, n_targets)`` of :meth:`predict`,
        with the spread of each series' targets (0 for flat ones: the width of
        their intervals) and the series' labels and last periods."""
        check_is_fitted(self)
        self._check_params_unchanged()
        self._future.check_argument(future)
        if data is None:
            keys, lasts, windows = self._keys, self._last, self._history
            scale, level, flat = self._scale, self._level, self._flat
        else:
            keys, lasts, windows, scale, level, flat = self._recent(data)
        block = None
        if self._future_positions:
            block = self._future.rows(future, keys, lasts, np.full(len(lasts), self.horizon))
        values, ends = self._future.append(windows, block)
        forecasts = self._forecast(values, ends, np.arange(len(ends)), scale, level, flat)
        return forecasts, np.where(flat, 0.0, scale), keys, lasts

    def predict_interval(self, data=None, future=None, *, coverage=0.9):
        """Prediction intervals of the forecasts of :meth:`predict`.

        Split-conformal intervals from the forecaster's own out-of-sample
        errors, measured in ``fit`` (see ``residuals_`` and the :ref:`User
        Guide <intervals>`): the point forecast plus or minus a conformal
        quantile of the absolute errors of its horizon step, in units of the
        series' spread ``scale_`` (so each series of a panel gets its own
        width). The intervals are symmetric around the point forecast.

        The coverage is the share of future values expected inside the
        interval, for each horizon step, on average over the series of a
        panel (not for each series). It is approximate: the errors of a time
        series are not exchangeable, and the calibration periods (the last two
        thirds of the training data) stand for the future.

        Parameters
        ----------
        data : Series, DataFrame or array-like, default=None
            As for :meth:`predict`: None forecasts from the end of the data
            seen; otherwise recent rows to forecast from.
        future : DataFrame or array-like, default=None
            As for :meth:`predict`: the values of the future covariates.
        coverage : float or list of float, default=0.9
            Share of future values to cover, in (0, 1). A list gives several
            intervals at once.

        Returns
        -------
        intervals : DataFrame or ndarray
            Indexed like :meth:`predict` (for a panel, ``(series, time)``).
            Columns: ``lower`` and ``upper`` for one target and one coverage;
            a list of coverages adds a first column level, ``(coverage,
            lower|upper)``; several targets add the target first,
            ``(target, lower|upper)`` or ``(target, coverage, lower|upper)``.
            For arrays, an ndarray of shape ``(horizon, n_columns)`` with
            these columns in this order.

        Raises
        ------
        ValueError
            For a coverage outside (0, 1) or repeated, for a forecaster
            fitted on too few windows to hold some out, and for the reasons
            :meth:`predict` gives.
        NotFittedError
            If the forecaster is not fitted.

        Examples
        --------
        >>> from sklearn.linear_model import Ridge
        >>> from sklearn_rnn import Forecaster
        >>> from sklearn_rnn.datasets import load_airline
        >>> y = load_airline()
        >>> forecaster = Forecaster(Ridge(), horizon=12).fit(y[:-12])
        >>> interval = forecaster.predict_interval(coverage=0.9)
        >>> list(interval.columns), len(interval)
        (['lower', 'upper'], 12)
        >>> forecast = forecaster.predict()
        >>> bool(((interval["lower"] <= forecast) & (forecast <= interval["upper"])).all())
        True
        """
        levels, several = check_coverage(coverage)
        taus = np.concatenate([(1 - levels) / 2, (1 + levels) / 2])
        bounds, series, lasts = self._bounds(data, future, taus)  # bounds: (rows, n_targets, 2 * n_levels)
        n = len(levels)
        order = np.ravel(np.column_stack([np.arange(n), n + np.arange(n)]))  # lower, upper of each level
        bounds = bounds[:, :, order]
        keys = [(float(c), b) for c in levels for b in ("lower", "upper")] if several else ["lower", "upper"]
        return self._wrap_bounds(bounds, keys, series, lasts)

    def predict_quantiles(self, data=None, future=None, *, quantiles=(0.05, 0.5, 0.95)):
        """Quantiles of the forecast distribution of each future period.

        From the same conformal calibration as :meth:`predict_interval`:
        the level-``q`` quantile is the bound of the central interval of
        coverage ``|2 q - 1|``, below the point forecast for ``q < 0.5``,
        above it for ``q > 0.5``; the 0.5 quantile is the point forecast.
        Quantiles increase with the level, and ``predict_interval(coverage=c)``
        gives the quantiles ``(1 - c) / 2`` and ``(1 + c) / 2``.

        Parameters
        ----------
        data : Series, DataFrame or array-like, default=None
            As for :meth:`predict`.
        future : DataFrame or array-like, default=None
            As for :meth:`predict`.
        quantiles : float or sequence of float, default=(0.05, 0.5, 0.95)
            Levels in (0, 1), in increasing order, each once.

        Returns
        -------
        quantiles : DataFrame or ndarray
            Indexed like :meth:`predict`, one column per level (labelled by
            the level); several targets add the target as the first column
            level, ``(target, quantile)``. For arrays, an ndarray of shape
            ``(horizon, n_columns)``.

        Raises
        ------
        ValueError
            For levels outside (0, 1), unsorted or repeated, for a
            forecaster fitted on too few windows to hold some out, and for
            the reasons :meth:`predict` gives.
        NotFittedError
            If the forecaster is not fitted.

        Examples
        --------
        >>> from sklearn.linear_model import Ridge
        >>> from sklearn_rnn import Forecaster
        >>> from sklearn_rnn.datasets import load_airline
        >>> y = load_airline()
        >>> forecaster = Forecaster(Ridge(), horizon=12).fit(y[:-12])
        >>> quantiles = forecaster.predict_quantiles(quantiles=[0.1, 0.5, 0.9])
        >>> list(quantiles.columns)
        [0.1, 0.5, 0.9]
        >>> bool((quantiles.diff(axis=1).iloc[:, 1:] >= 0).all().all())
        True
        """
        levels = check_quantiles(quantiles)
        bounds, series, lasts = self._bounds(data, future, levels)
        return self._wrap_bounds(bounds, [float(q) for q in levels], series, lasts)

    def _bounds(self, data, future, levels):
        """Quantiles of each level, ``(n_series * horizon, n_targets, n_levels)``, with the
        labels and last periods of the series forecast."""
        check_is_fitted(self)
        forecasts, width, keys, lasts = self._point_forecasts(data, future)
        if not width.any():  # flat series only: nothing to calibrate
            return np.repeat(forecasts.reshape(-1, forecasts.shape[2], 1), len(levels), axis=2), keys, lasts
        if not np.isfinite(self.residuals_).any():
            raise ValueError(
                f"This forecaster has no out-of-sample errors to calibrate intervals: its {self.n_windows_} "
                "training window(s) are too few to hold the most recent ones out. Fit it on more data, or with a "
                "smaller window_size or horizon."
            )
        offsets = quantile_offsets(self.residuals_, levels)  # (n_levels, horizon, n_targets)
        if np.isinf(offsets).any():
            warn_at_caller(
                f"Too few out-of-sample errors ({int(np.isfinite(self.residuals_).sum())}) to calibrate the "
                "extreme levels asked for: their bounds are infinite. Ask for levels closer to 0.5, or fit on "
                "more data."
            )
        width = width[:, None, :, None]
        with np.errstate(invalid="ignore"):  # an infinite offset times the width 0 of a flat series
            bounds = forecasts[..., None] + np.where(width > 0, offsets.transpose(1, 2, 0)[None] * width, 0.0)
        return bounds.reshape(-1, bounds.shape[2], bounds.shape[3]), keys, lasts

    def _wrap_bounds(self, bounds, keys, labels, lasts):
        """The bounds as a DataFrame indexed like :meth:`predict` (an ndarray for arrays)."""
        single = len(self.target_names_) == 1 and (self._is_series or self.target is None or np.ndim(self.target) == 0)
        index = self._time.labels_after(labels, lasts, self.horizon, self._names)  # None for arrays
        frame = bounds_frame(bounds, keys, index, self.target_names_, single)
        return frame.to_numpy() if self._time.kind == "array" else frame

    def _recent(self, data):
        """The last window of each series of ``data``, with their labels and statistics."""
        panel = self._read(data, what="data", reset=False)
        keep = self._history.shape[1]
        if panel.keys is None and panel.lengths[0] < keep:
            raise ValueError(
                f"predict needs at least {keep} rows of data to forecast from (the window and, with the "
                f"seasonal-naive baseline, one season before it); got {panel.lengths[0]}."
            )
        panel = self._too_short(panel, keep, "data given to predict", keep - 1)
        scale, level, flat = self._statistics(panel)
        if panel.keys is not None:
            known = self._keys.get_indexer(panel.keys)
            seen, fitted = known >= 0, known[known >= 0]
            scale[seen], level[seen], flat[seen] = self._scale[fitted], self._level[fitted], self._flat[fitted]
        else:
            scale, level, flat = self._scale, self._level, self._flat
        windows = np.stack([panel.values[o - keep : o] for o in panel.offsets[1:]])
        return panel.keys, panel.last, windows, scale, level, flat

    def _wrap(self, forecasts, keys, lasts):
        """The forecasts ``(n_series, horizon, n_targets)`` as pandas objects indexed by the future periods."""
        h, k = forecasts.shape[1], forecasts.shape[2]
        if self._time.kind == "array":
            forecast = forecasts[0]
            return forecast[:, 0] if k == 1 else forecast
        index = self._time.labels_after(keys, lasts, h, self._names)
        values = forecasts.reshape(-1, k)
        if len(self.target_names_) == 1 and (self._is_series or self.target is None or np.ndim(self.target) == 0):
            return pd.Series(values[:, 0], index=index, name=self.target_names_[0])
        return pd.DataFrame(values, index=index, columns=self.target_names_)

    def future_index(self):
        """The periods that :meth:`predict` forecasts: the index of its result.

        Use it to build the ``future`` values of known-future covariates,
        for example ``plans.loc[forecaster.future_index()]`` (calendar
        columns need none: see ``calendar``).

        Returns
        -------
        index : Index or MultiIndex or None
            The ``horizon`` periods after the last one seen (for a panel, a
            ``(series, time)`` MultiIndex with ``horizon`` rows per series);
            None when the forecaster was fitted on arrays.
        """
        check_is_fitted(self)
        self._check_params_unchanged()
        if self._time.kind == "array":
            return None
        return self._time.labels_after(self._keys, self._last, self.horizon, self._names)

    def update(self, new_data):
        """Append newly observed rows, without refitting.

        The next :meth:`predict` forecasts from the end of ``new_data``.

        Parameters
        ----------
        new_data : Series, DataFrame or array-like
            Rows that directly follow the data seen so far (the next periods
            of the index), with the columns seen in ``fit``. For a panel,
            rows of any of the series, each continuing its series.

        Returns
        -------
        self : object
            The forecaster.

        Raises
        ------
        ValueError
            If ``new_data`` does not continue the data seen (a gap or an
            overlap), or is not like the data seen in ``fit``.
        """
        check_is_fitted(self)
        self._check_params_unchanged()
        panel = self._read(new_data, what="new_data", reset=False, continuing=True)
        panel, positions = self._known(panel, "new_data")
        self._time.continues(self._last[positions], panel.keys, panel.first, panel.labels, "new_data")
        keep = self._history.shape[1]
        for i, position in enumerate(positions):
            rows = panel.values[panel.offsets[i] : panel.offsets[i + 1]]
            self._history[position] = np.concatenate([self._history[position], rows])[-keep:]
        if self._time.kind == "array":
            self._last = self._last + panel.lengths[0]
        elif panel.keys is None:
            self._last = panel.last
        else:
            last = self._last.to_numpy(copy=True)
            last[positions] = panel.last.to_numpy()
            self._last = pd.Index(last, dtype=self._last.dtype, name=self._last.name)
        self._set_cutoff()
        return self

    def _complete_blocks(self, panel, lengths):
        """The rows of each series of ``panel`` that ``score`` can forecast
        without ``future``: its whole blocks of ``horizon`` periods. The rows of
        a last, incomplete block are left out with a warning (its forecasts
        need the future covariates of periods past the data); raise when no
        whole block is left."""
        h, names = self.horizon, list(self._future.names)
        complete = lengths // h * h
        cut = lengths - complete
        if not cut.any():
            return lengths
        past = (
            f"looks horizon={h} periods ahead, past the end of future_data, where the future covariates {names} "
            "are unknown"
        )
        if not complete.any():
            raise ValueError(
                f"future_data holds fewer than horizon={h} rows of "
                + ("the series" if panel.keys is None else "each series")
                + f": every block of forecasts of score {past}. Pass the future covariates of the "
                f"{int(h - lengths.min())} period(s) after future_data as future=..., or score at least {h} periods."
            )
        if panel.keys is None:
            which = f"the last {int(cut[0])} of the {int(lengths[0])} rows"
        else:
            concerned = np.flatnonzero(cut)
            shown = _listed(concerned, lambda i: f"{plain(panel.keys[i])!r} ({int(cut[i])} of {int(lengths[i])} rows)")
            which = f"the last rows of {len(concerned)} series, {int(cut.sum())} row(s) in all ({shown}),"
        warn_at_caller(
            f"score left out {which} of future_data: their block of forecasts {past}. The score is that of the "
            f"whole blocks of {h} periods; pass the future covariates of the periods after future_data as "
            "future=... to score these rows too."
        )
        return complete

    def score(self, future_data, y=None, future=None):
        """Negative mean absolute scaled error (MASE) of the forecasts of ``future_data``.

        :meth:`predict` is compared with the target values of
        ``future_data``, which must follow the data seen so far. Longer data
        than ``horizon`` are forecast block by block, each block from the
        actual values before it (as :meth:`update` would), without refitting
        and without changing the forecaster. Errors are divided by
        ``scale_`` (the in-sample mean absolute seasonal difference, of each
        series for a panel) and averaged over periods, series and targets;
        the sign is flipped so that higher is better: 0 is perfect, -1 is as
        good as the seasonal-naive forecast is in sample. A series (target)
        that was constant over the data seen in ``fit`` has no in-sample
        spread to divide by (MASE is undefined when all in-sample values are
        equal: Hyndman & Koehler, "Another look at measures of forecast
        accuracy", International Journal of Forecasting 22(4), 2006): it is
        left out of the mean, with a warning, rather than counted in its own
        units.

        Parameters
        ----------
        future_data : Series, DataFrame or array-like
            The actual rows after the end of the data seen, with the columns
            seen in ``fit``; for a panel, rows of any of the series.
        y : None
            Ignored; present for API consistency.
        future : DataFrame or array-like, default=None
            With ``future_covariates``, only when the last block of
            forecasts of a series reaches past ``future_data`` (the series'
            rows are not a multiple of ``horizon``): the future covariates of
            the periods after ``future_data``, as for :meth:`predict`
            (indexed like :meth:`future_index` would index them after
            ``future_data``). Without it, those last rows are not scored
            (see Warns). Calendar columns need none: they are known past the
            data.

        Returns
        -------
        score : float
            Negative MASE.

        Raises
        ------
        ValueError
            If ``future_data`` does not follow the data seen, is not like the
            data seen in ``fit``, holds no series this forecaster forecasts,
            or, with ``future_covariates`` and no ``future``, holds fewer
            than ``horizon`` rows of every series (no whole block to score);
            if every series (target) scored was constant in ``fit`` (MASE is
            undefined); for a ``future`` that is misaligned, short or has
            missing values.

        Warns
        -----
        UserWarning
            With ``future_covariates`` and no ``future``, when a series'
            last block of forecasts would need the future covariates of
            periods after ``future_data`` (its rows are not a multiple of
            ``horizon``, as in the last fold of
            :class:`PanelTimeSeriesSplit` for a series that ends before the
            others): its rows after the last whole block are left out of the
            score, which no estimator could forecast without inventing the
            covariates. The warning names the series and the rows left out;
            ``future=...`` scores them. Naming the series (targets) left out
            as constant in ``fit``. With ``short_series="drop"``, naming the
            series whose rows are skipped (not forecast).
        """
        check_is_fitted(self)
        self._check_params_unchanged()
        self._future.check_argument(future)
        panel = self._read(future_data, what="future_data", reset=False, continuing=True)
        panel, positions = self._known(panel, "future_data")
        self._time.continues(self._last[positions], panel.keys, panel.first, panel.labels, "future_data")
        if not len(positions):
            raise ValueError("future_data holds no rows of the series this forecaster forecasts; nothing to score.")
        h, keep = self.horizon, self._history.shape[1]
        lengths = panel.lengths
        if self._future.names and future is None:
            lengths = self._complete_blocks(panel, lengths)
        blocks = -(-lengths // h)
        # Each series: its kept history, the actual rows, then padding to the
        # end of the last block (future covariates there: without `future`,
        # only calendar columns, the user's columns having left no padding).
        spans = keep + blocks * h
        starts = np.r_[0, np.cumsum(spans)[:-1]]
        values = np.full((int(spans.sum()), panel.values.shape[1]), np.nan)
        for i, position in enumerate(positions):
            values[starts[i] : starts[i] + keep] = self._history[position]
            values[starts[i] + keep : starts[i] + keep + lengths[i]] = panel.values[
                panel.offsets[i] : panel.offsets[i] + lengths[i]
            ]
        padding = blocks * h - lengths
        if self._future_positions and padding.any():
            # the calendar's columns, and with `future` the user's, of the periods after future_data
            block = self._future.rows(future, panel.keys, panel.last, padding)
            for i in np.flatnonzero(padding):
                rows = slice(starts[i] + keep + lengths[i], starts[i] + spans[i])
                values[rows, self._future_positions] = block[i, : padding[i]]
        sid = np.repeat(np.arange(len(positions)), blocks)
        first = np.repeat(np.cumsum(blocks) - blocks, blocks)
        ends = starts[sid] + keep - 1 + (np.arange(len(sid)) - first) * h
        forecasts = self._forecast(values, ends, positions[sid], self._scale, self._level, self._flat)
        actual = values[ends[:, None] + np.arange(1, h + 1)][:, :, self._target_positions]
        scaled = np.abs(actual - forecasts) / self._scale[positions[sid]][:, None, :]
        scored = positions[blocks > 0]
        flat = self._flat[scored]
        if flat.any():
            self._leave_out_flat(panel.keys[blocks > 0] if panel.keys is not None else None, flat)
            scaled[np.broadcast_to(self._flat[positions[sid]][:, None, :], scaled.shape)] = np.nan
        return -float(np.nanmean(scaled))

    def _leave_out_flat(self, keys, flat):
        """Warn that ``score`` leaves out the constant series (``flat``:
        ``(n_series, n_targets)``, of the series ``keys`` scored), or raise
        when every series scored is constant."""
        several = len(self.target_names_) > 1

        def described(i):
            series = "the series" if keys is None else repr(plain(keys[i]))
            if several and not flat[i].all():
                series += f" (target(s) {[self.target_names_[j] for j in np.flatnonzero(flat[i])]})"
            return series

        concerned = np.flatnonzero(flat.any(axis=1))
        shown = _listed(concerned, described)[1:-1]
        why = (
            "MASE divides each series' errors by its in-sample mean absolute seasonal difference (scale_), which "
            "is zero for a constant series: its errors have no scale to be measured in"
        )
        if flat.all():
            raise ValueError(
                f"Every series scored was constant over the data seen in fit ({shown}), and {why}, so MASE is "
                "undefined. Score series that varied in fit, or measure these forecasts' errors in the data's units "
                "(sklearn.metrics.mean_absolute_error)."
            )
        warn_at_caller(
            f"score leaves out {len(concerned)} series constant over the data seen in fit ({shown}): {why}. The "
            "score is the mean over the other series."
        )
