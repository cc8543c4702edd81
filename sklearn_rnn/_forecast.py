"""Forecaster: forecast the next periods of a pandas series with any regressor."""

import time
from numbers import Integral

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import get_tags
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import check_is_fitted

from ._encoding import make_encoding, spread
from ._ensemble import fit_ensemble, predict_mean
from ._forecast_index import check_time_index
from ._regressor import LSTMRegressor
from ._season import resolve_seasonal_period
from ._windowing import check_table

__all__ = ["Forecaster"]

# Training windows that window_size="auto" keeps at least, when the series allows.
_MIN_AUTO_WINDOWS = 20


def default_estimator():
    """The recurrent regressor a :class:`Forecaster` uses when given none."""
    return LSTMRegressor(
        hidden_size=32,
        loss="absolute_error",
        max_iter=300,
        batch_size=16,
        learning_rate_init=3e-3,
        early_stopping=True,
        validation_fraction=0.2,
        n_iter_no_change=30,
        device="cpu",
    )


class Forecaster(BaseEstimator):
    """Forecast the next ``horizon`` periods of a time series with a regressor.

    ``fit`` cuts the series into windows of ``window_size`` rows and trains
    ``estimator`` to map each window to the ``horizon`` target values that
    follow it (direct multi-output forecasting). ``predict`` forecasts from
    the last window seen and returns pandas objects indexed by the future
    periods; ``update`` appends new observations without refitting.

    How the series is made learnable (``baseline="seasonal_naive"``): each
    target is expressed relative to the seasonal-naive forecast (the last
    observed value of the same season; the last value when there is no
    season), in units of the target's training spread (its in-sample mean
    absolute seasonal difference, the scale of MASE, ``scale_``). Each
    window step carries, per target, two channels: the value minus the
    window's last value, and the seasonal difference (the value minus the
    value one season earlier), both divided by the spread. The estimator
    learns how the next ``horizon`` values deviate from the seasonal-naive
    forecast, in the same units, and forecasts are integrated back by adding
    the seasonal-naive values. Trending and seasonal series of any level
    then look alike to the estimator; fed raw levels, even standardized, a
    network fails on trending series. Covariates (the non-target columns)
    are standardized and enter the windows as past values only.

    The default estimator is a small :class:`LSTMRegressor` trained with an
    absolute-error loss. Early stopping on the last 20% of the windows (in
    time order) chooses the number of epochs; with ``refit=True`` the network
    is then trained again on all windows for that many epochs, so that it
    also learns from the most recent ones. ``n_estimators`` networks with
    different seeds are averaged. On the airline series (train 1949-1957,
    forecast 1958-1960) the defaults reach about 3% MAPE, against 13.2% for
    seasonal naive and about 5.1% for exponential smoothing (see
    ``benchmarks/forecast_accuracy.py``).

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    estimator : regressor or None, default=None
        Any scikit-learn regressor; it is cloned. Regressors that accept 3-D
        input (those of this package) receive windows of shape
        ``(n_windows, window_size, n_channels)``, others the flattened
        ``(n_windows, window_size * n_channels)``, where ``n_channels`` is the
        number of columns plus, with the seasonal-naive baseline, one
        seasonal-difference channel per target. It must support several
        outputs when ``horizon * n_targets > 1`` (wrap it in
        :class:`~sklearn.multioutput.MultiOutputRegressor` otherwise). None
        uses ``LSTMRegressor(hidden_size=32, loss="absolute_error",
        learning_rate_init=3e-3, batch_size=16, max_iter=300,
        early_stopping=True, validation_fraction=0.2, n_iter_no_change=30,
        device="cpu")`` (without early stopping, for 30 epochs, when the
        series gives fewer than 5 windows). The CPU is the default device
        because such small networks on short series run faster there.

    window_size : int or "auto", default="auto"
        Number of past rows the estimator sees. ``"auto"`` uses two seasons
        (at least 10 rows), shortened on short series so that at least 20
        training windows remain, but not below one season. The series needs
        at least ``window_size + seasonal_period + horizon`` rows with the
        seasonal-naive baseline (the seasonal differences look one season
        back), ``window_size + horizon`` without.

    horizon : int, default=1
        Number of future periods forecast by ``predict``.

    target : str, int, list or None, default=None
        Column(s) to forecast (names for a DataFrame, positions for an
        array); the other columns are past covariates. None forecasts every
        column (a Series is its own target).

    seasonal_period : int or "auto", default="auto"
        Season length in periods (1 for none). ``"auto"`` takes the usual
        cycle of the index frequency (12 for monthly, 4 for quarterly, 52 for
        weekly, 7 for daily, 24 for hourly data, 1 for yearly) when the data's
        data confirm it (a significant autocorrelation one season apart once
        the trend is removed); without a frequency, the season length the
        data support best, if any; else 1 (no season). The confirmation needs
        more than two seasons of data.

    baseline : {"seasonal_naive"} or None, default="seasonal_naive"
        What the estimator learns relative to (see above). None feeds it the
        standardized values themselves, which fails on trending series.

    n_estimators : int, default=5
        Number of copies of ``estimator``, each with its own random seed,
        whose forecasts are averaged. An estimator without a
        ``random_state`` parameter is fitted once.

    refit : bool, default=True
        For estimators fitted with early stopping (this package's recurrent
        regressors with ``early_stopping=True``): train each copy again on all
        windows, without early stopping, for the number of epochs that
        scored best on the validation windows. False keeps the early-stopped
        networks, which never saw the most recent windows. Other estimators
        are fitted once either way.

    random_state : int, RandomState instance or None, default=None
        Seeds the copies of ``estimator`` (when it has a ``random_state``
        parameter). If None, the estimator's own ``random_state`` is used as
        the source of seeds when it is set.

    Attributes
    ----------
    estimators_ : list of estimators
        The fitted copies of ``estimator``.

    best_epochs_ : list of int
        For each copy refitted after early stopping, the number of epochs
        chosen on the validation windows (empty when there was none).

    seasonal_period_ : int
        Season length used (1 when there is none).

    window_size_ : int
        Number of past rows each window holds.

    target_names_ : list
        Names of the target columns (positions for arrays).

    n_features_in_ : int
        Number of columns of the data seen in ``fit`` (targets and
        covariates).

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen in ``fit``; defined only when they are all strings.

    cutoff_ : object
        Label of the last period seen (in ``fit`` or ``update``): a
        timestamp, period or integer; the row count minus one for arrays.

    n_windows_ : int
        Number of training windows.

    scale_ : ndarray of shape (n_targets,)
        Training spread of each target: its mean absolute seasonal
        difference, also the denominator of the MASE in :meth:`score`.

    fit_time_ : float
        Seconds spent fitting the estimators.

    See Also
    --------
    make_windows : The windows and targets for a regressor of your own.
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
        "seasonal_period": [Interval(Integral, 1, None, closed="left"), StrOptions({"auto"})],
        "baseline": [StrOptions({"seasonal_naive"}), None],
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "refit": ["boolean"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        estimator=None,
        *,
        window_size="auto",
        horizon=1,
        target=None,
        seasonal_period="auto",
        baseline="seasonal_naive",
        n_estimators=5,
        refit=True,
        random_state=None,
    ):
        self.estimator = estimator
        self.window_size = window_size
        self.horizon = horizon
        self.target = target
        self.seasonal_period = seasonal_period
        self.baseline = baseline
        self.n_estimators = n_estimators
        self.refit = refit
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = False
        tags.input_tags.allow_nan = False
        return tags

    # -- data --------------------------------------------------------------------

    def _check_data(self, data, *, reset, what, follow=True):
        """Values (n_rows, n_columns), index description; checks NaN and columns."""
        # after fit the target positions are known: columns are matched by name below
        target = self.target if reset else None
        values, columns, targets = check_table(data, target, caller=type(self).__name__, ensure_all_finite=False)
        if len(values) == 0:
            raise ValueError(f"{what} is empty.")
        bad = ~np.isfinite(values)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            label = data.index[row] if isinstance(data, (pd.Series, pd.DataFrame)) else row
            name = repr(columns[col]) if columns is not None else f"column {col}"
            raise ValueError(
                f"{what} has {int(bad.sum())} missing or infinite value(s), the first in {name} at {label!r}. "
                "Fill them before forecasting, for example data.interpolate() or data.ffill()."
            )
        pandas = isinstance(data, (pd.Series, pd.DataFrame))
        # Data that continue the series are checked label by label below.
        time_index = None if (follow and not reset and pandas) else check_time_index(data, what)
        if reset:
            self._is_series = isinstance(data, pd.Series)
            self._columns = columns
            self._target_positions = targets
            self.n_features_in_ = values.shape[1]
            if isinstance(data, pd.DataFrame) and all(isinstance(c, str) for c in columns):
                self.feature_names_in_ = np.asarray(columns, dtype=object)
            elif hasattr(self, "feature_names_in_"):
                del self.feature_names_in_
            return values, time_index
        if (columns is None) != (self._columns is None) and not (self._is_series and values.shape[1] == 1):
            kind = "pandas" if self._columns is not None else "an array"
            raise ValueError(f"{what} must be of the same kind as the data seen in fit ({kind}).")
        if self._columns is not None and columns is not None and not self._is_series:
            missing = [c for c in self._columns if c not in columns]
            extra = [c for c in columns if c not in self._columns]
            if missing or extra:
                raise ValueError(
                    f"The columns of {what} differ from those seen in fit: missing {missing}, unexpected "
                    f"{extra}. Pass the same target and covariate columns ({self._columns})."
                )
            values = values[:, [columns.index(c) for c in self._columns]]
        elif values.shape[1] != self.n_features_in_:
            raise ValueError(
                f"X has {values.shape[1]} features, but {type(self).__name__} is expecting {self.n_features_in_} "
                f"features as input: {what} needs the {self.n_features_in_} column(s) seen in fit."
            )
        if self._time.kind != "array" and not pandas:
            raise ValueError(f"{what} must be pandas with a {self._time.describe()}, like the data seen in fit.")
        if not follow and time_index.kind != self._time.kind:
            raise ValueError(f"The index of {what} is not of the kind seen in fit ({self._time.describe()}).")
        if follow and self._time.kind != "array":
            self._time.check_follows(self._last, data.index, what)
        return values, time_index

    def _resolve_window_size(self, n_rows, period):
        if self.window_size != "auto":
            return int(self.window_size)
        preferred = max(2 * period, 10)
        fitting = n_rows - self.horizon - self._encoding.lookback - _MIN_AUTO_WINDOWS + 1
        return max(min(preferred, fitting), period, 2)

    # -- transformation --------------------------------------------------------------

    def _windows(self, values, ends):
        """Estimator inputs for the windows ending at rows ``ends``."""
        w = self.window_size_
        t = self._target_positions
        c = self._covariate_positions
        value_channels, extra_channels = self._encoding.inputs(values[:, t], ends, w, self.scale_, self._target_mean)
        n_extra = 0 if extra_channels is None else extra_channels.shape[2]
        X = np.empty((len(ends), w, values.shape[1] + n_extra), dtype=np.float32)
        X[:, :, t] = value_channels
        if c:
            rows = values[ends[:, None] + np.arange(1 - w, 1)][:, :, c]
            X[:, :, c] = (rows - self._covariate_mean) / self._covariate_scale
        if n_extra:
            X[:, :, values.shape[1] :] = extra_channels
        if not self._three_d:
            X = X.reshape(len(X), -1)
        return X

    def _encode_targets(self, values, ends):
        t = self._target_positions
        z = self._encoding.targets(values[:, t], ends, self.horizon, self.scale_, self._target_mean)
        z = z.transpose(0, 2, 1).reshape(len(ends), -1)  # target by target, each over the horizon
        return z[:, 0] if z.shape[1] == 1 else z

    def _forecast_from(self, values):
        """Forecast ``(horizon, n_targets)`` from the end of ``values``."""
        end = np.array([len(values) - 1])
        outputs = predict_mean(self.estimators_, self._windows(values, end))
        z = outputs.reshape(1, len(self._target_positions), self.horizon).transpose(0, 2, 1)
        t = self._target_positions
        return self._encoding.forecasts(z, values[:, t], end, self.scale_, self._target_mean)[0]

    # -- public API --------------------------------------------------------------------

    @_fit_context(prefer_skip_nested_validation=False)
    def fit(self, data, y=None):
        """Learn to forecast the target(s) of ``data`` ``horizon`` periods ahead.

        Parameters
        ----------
        data : Series, DataFrame or array-like of shape (n_samples,) or \
                (n_samples, n_columns)
            Rows in time order, with a ``DatetimeIndex`` (whose frequency is
            set or can be inferred), a ``PeriodIndex`` or an integer index.
            ``target`` selects the columns to forecast; the others are past
            covariates.
        y : None
            Ignored; present for API consistency (the targets are columns of
            ``data``).

        Returns
        -------
        self : object
            The fitted forecaster.
        """
        values, time_index = self._check_data(data, reset=True, what="data")
        self._time = time_index
        n_rows = len(values)
        t = self._target_positions
        self.target_names_ = [self._columns[i] for i in t] if self._columns is not None else list(t)
        self._covariate_positions = [i for i in range(values.shape[1]) if i not in t]

        freq = time_index.freq if time_index.kind in ("datetime", "period") else None
        self.seasonal_period_ = resolve_seasonal_period(self.seasonal_period, values[:, t], freq)
        m = self.seasonal_period_
        self._encoding = make_encoding(self.baseline, m)
        self.window_size_ = self._resolve_window_size(n_rows, m)
        # rows before the first window's end: the window, and what the
        # encoding looks back before it
        lag = self._encoding.lookback
        first_end = self.window_size_ + lag - 1
        needed = first_end + 1 + self.horizon
        if n_rows < needed:
            parts = f"window_size={self.window_size_}"
            if lag == 1:
                parts += " plus 1 (the window's differences look one row back)"
            elif lag:
                parts += f" plus seasonal_period={m} (the window's seasonal differences look one season back)"
            raise ValueError(
                f"The series is too short: it has {n_rows} rows, and {parts} plus horizon={self.horizon} "
                f"need at least {needed}. Use a smaller window_size or horizon"
                + (", a smaller seasonal_period" if m > 1 else "")
                + ", or more data."
            )

        self.scale_ = np.array([spread(values[:, j], m) for j in t])
        self._target_mean = values[:, t].mean(axis=0)
        c = self._covariate_positions
        self._covariate_mean = values[:, c].mean(axis=0)
        std = values[:, c].std(axis=0)
        self._covariate_scale = np.where(std > 1e-12, std, 1.0)

        ends = np.arange(first_end, n_rows - self.horizon)
        self.n_windows_ = len(ends)
        estimator = default_estimator() if self.estimator is None else self.estimator
        if self.estimator is None and self.n_windows_ < 5:
            estimator.set_params(early_stopping=False, max_iter=30)
        self._three_d = get_tags(estimator).input_tags.three_d_array
        X = self._windows(values, ends)
        Y = self._encode_targets(values, ends)

        tic = time.perf_counter()
        self.estimators_, self.best_epochs_ = fit_ensemble(
            estimator, X, Y, n_estimators=self.n_estimators, refit=self.refit, random_state=self.random_state
        )
        self.fit_time_ = time.perf_counter() - tic
        self._history = values[-(first_end + 1) :]
        self._last = data.index[-1] if time_index.kind != "array" else n_rows - 1
        self.cutoff_ = self._last
        return self

    def predict(self, data=None):
        """Forecast the ``horizon`` periods after the last one seen (or after ``data``).

        Parameters
        ----------
        data : Series, DataFrame or array-like, default=None
            None forecasts from the end of the data seen in ``fit`` and
            ``update``. Otherwise, recent rows with the columns seen in
            ``fit`` to forecast from (at least ``window_size_ +
            seasonal_period_`` of them with the seasonal-naive baseline, else
            ``window_size_``), without changing the forecaster: the forecast
            follows the end of ``data`` and its index.

        Returns
        -------
        forecast : Series, DataFrame or ndarray
            For pandas data, a Series (one target, named like it) or a
            DataFrame (one column per target) indexed by the next ``horizon``
            periods: a ``DatetimeIndex`` with the data's frequency, a
            ``PeriodIndex`` or a ``RangeIndex``. For arrays, an ndarray of
            shape ``(horizon,)`` or ``(horizon, n_targets)``.
        """
        check_is_fitted(self)
        if data is None:
            return self._wrap(self._forecast_from(self._history), self._time, self._last)
        values, time_index = self._check_data(data, reset=False, what="data", follow=False)
        if len(values) < len(self._history):
            raise ValueError(
                f"predict needs at least {len(self._history)} rows of data to forecast from (the window and, "
                f"with the seasonal-naive baseline, one season before it); got {len(values)}."
            )
        last = data.index[-1] if time_index.kind != "array" else len(values) - 1
        return self._wrap(self._forecast_from(values), time_index, last)

    def _wrap(self, forecast, time_index, last):
        if time_index.kind == "array":
            return forecast[:, 0] if forecast.shape[1] == 1 else forecast
        future = time_index.future(last, len(forecast))
        if len(self.target_names_) == 1 and (self._is_series or self.target is None or np.ndim(self.target) == 0):
            return pd.Series(forecast[:, 0], index=future, name=self.target_names_[0])
        return pd.DataFrame(forecast, index=future, columns=self.target_names_)

    def update(self, new_data):
        """Append newly observed rows, without refitting.

        The next :meth:`predict` forecasts from the end of ``new_data``.

        Parameters
        ----------
        new_data : Series, DataFrame or array-like
            Rows that directly follow the data seen so far (the next periods
            of the index), with the columns seen in ``fit``.

        Returns
        -------
        self : object
            The forecaster.
        """
        check_is_fitted(self)
        values, _ = self._check_data(new_data, reset=False, what="new_data")
        keep = len(self._history)
        self._history = np.concatenate([self._history, values])[-keep:]
        self._last = new_data.index[-1] if self._time.kind != "array" else self._last + len(values)
        self.cutoff_ = self._last
        return self

    def score(self, future_data, y=None):
        """Negative mean absolute scaled error (MASE) of the forecasts of ``future_data``.

        :meth:`predict` is compared with the target values of
        ``future_data``, which must follow the data seen so far. Longer data
        than ``horizon`` are forecast block by block, each block from the
        actual values before it (as :meth:`update` would), without refitting
        and without changing the forecaster. Errors are divided by
        ``scale_`` (the in-sample mean absolute seasonal difference) and
        averaged over periods and targets; the sign is flipped so that higher
        is better: 0 is perfect, -1 is as good as the seasonal-naive forecast
        is in sample.

        Parameters
        ----------
        future_data : Series, DataFrame or array-like
            The actual rows after the end of the data seen, with the columns
            seen in ``fit``.
        y : None
            Ignored; present for API consistency.

        Returns
        -------
        score : float
            Negative MASE.
        """
        check_is_fitted(self)
        values, _ = self._check_data(future_data, reset=False, what="future_data")
        history = self._history
        forecasts = []
        for start in range(0, len(values), self.horizon):
            forecasts.append(self._forecast_from(history))
            history = np.concatenate([history, values[start : start + self.horizon]])[-len(self._history) :]
        forecast = np.concatenate(forecasts)[: len(values)]
        errors = np.abs(values[:, self._target_positions] - forecast) / self.scale_
        return -float(errors.mean())
