"""How a forecaster makes a series learnable: windows and targets relative to a baseline.

A :class:`~sklearn_rnn.Forecaster` never shows its estimator raw levels. Each
``baseline`` is one encoding object here, which turns the target columns into
the estimator's input channels and its training targets, and turns the
estimator's outputs back into forecasts:

* :class:`SeasonalNaiveEncoding` (``baseline="seasonal_naive"``): targets are
  the deviations from the seasonal-naive forecast; inputs are the window
  centred on its last value, the seasonal differences and the series' drift.
* :class:`LevelEncoding` (``baseline=None``): standardized levels.

Everything is in units of the series' spread (``scale``, one value per
target, or one per window and target for a panel). Each encoding also uses
one per-series statistic, ``level``, computed over the whole training series
(see ``level_statistic``): the series' mean for the level encoding, its drift
for the seasonal-naive one. Arrays ``y`` hold the target columns of a series
(or of stacked series) in time order; ``ends`` are the row positions of the
windows' last rows.

:func:`baseline_weight` chooses, from out-of-sample errors, how much of the
baseline forecast to mix into the estimator's forecast;
:func:`combination_weights` chooses the weights of a three-way combination
that also holds the seasonal decomposition forecast
(:func:`seasonal_decomposition`).
"""

import numpy as np
from scipy.optimize import minimize_scalar

from ._data import constant_below

__all__ = [
    "SeasonalNaiveEncoding",
    "LevelEncoding",
    "make_encoding",
    "spread",
    "baseline_weight",
    "combination_weights",
    "seasonal_decomposition",
    "seasonal_trend",
]


#: Seasons averaged by the seasonal decomposition forecast at most: the three
#: that the default window (two seasons) and the season before it hold.
DECOMPOSITION_SEASONS = 3

_MAX_COMBINATION_ERRORS = 100_000


def spread(values, lag):
    """Mean absolute ``lag``-step change of ``values``; falls back to shorter
    lags, the standard deviation and finally 1 for (near) constant data
    (see :func:`~sklearn_rnn._data.constant_below`: data in tiny units are
    not constant)."""
    floor = float(constant_below(np.max(np.abs(values)))) if len(values) else 0.0
    for step in (lag, 1):
        if len(values) > step:
            change = float(np.mean(np.abs(values[step:] - values[:-step])))
            if change > floor:
                return change
    std = float(np.std(values))
    return std if std > floor else 1.0


def _same_season_rows(ends, horizon, period):
    """For each end and step ``1..horizon`` ahead, the row of the last observed
    value of the same season: ``(len(ends), horizon)``."""
    k = np.arange(1, horizon + 1)
    return ends[:, None] + k - period * ((k - 1) // period + 1)


def _window_rows(y, ends, window_size, shift=0):
    """Rows ``end - window_size + 1 - shift .. end - shift`` of ``y`` for each end: ``(n, window_size, k)``."""
    return y[ends[:, None] + np.arange(1 - window_size, 1) - shift]


class _BaselineEncoding:
    """What every encoding shares: targets and forecasts relative to its ``reference``."""

    def targets(self, y, ends, horizon, scale, level):
        """What the estimator learns: ``(n, horizon, k)`` deviations from the reference, in spreads."""
        future = y[ends[:, None] + np.arange(1, horizon + 1)]
        return (future - self.reference(y, ends, horizon, level)) / scale

    def forecasts(self, outputs, y, ends, scale, level):
        """Forecasts ``(n, horizon, k)`` from the estimator's ``outputs`` ``(n, horizon, k)``."""
        return self.reference(y, ends, outputs.shape[1], level) + outputs * scale


class SeasonalNaiveEncoding(_BaselineEncoding):
    """Deviations from the seasonal-naive forecast, in units of the series' spread.

    Inputs, per target and window step: the value minus the window's last
    value, the seasonal difference (the value minus the value one season
    earlier), and the series' drift (``level``: its mean seasonal
    difference over the whole training series, the same at every step).
    Targets: the next values minus the seasonal-naive forecast (the last
    observed value of the same season).

    The drift tells a global model what a window cannot show: how the
    series moved over its whole history. It is the statistic that a
    per-series standard scaler of the differences subtracts in the
    gradient-boosting recipe of mlforecast (``Differences`` and
    ``LocalStandardScaler``), and a static feature as the scale is in
    DeepAR. In units of the spread (the mean absolute seasonal difference)
    it lies in [-1, 1]: 1 for a series that only rises. On the panel
    benchmark (``benchmarks/panel_accuracy.py``) it took the relative MASE
    on 148 monthly employment series from 0.439 to about 0.41.

    Parameters
    ----------
    period : int
        Season length (1: the naive, last-value forecast).
    """

    #: The per-series statistic passed as ``level``: the mean signed seasonal difference.
    level_statistic = "drift"
    #: Whether ``reference`` applies to any column (it needs no ``level``), so
    #: that future covariates can be given as changes from their reference.
    covariate_changes = True

    def __init__(self, period):
        self.period = int(period)

    @property
    def lookback(self):
        """Rows needed before a window's first row (the seasonal differences look one season back)."""
        return self.period

    def n_input_channels(self, n_targets):
        """Input channels that the target columns become."""
        return 3 * n_targets

    def inputs(self, y, ends, window_size, scale, level):
        """The target channels of the windows ending at ``ends``.

        Returns the channel in place of the target columns, ``(n, window_size,
        k)``, and the extra channels appended after all columns, ``(n,
        window_size, 2 k)``: the seasonal differences of the k targets, then
        their drifts (``level / scale``, repeated over the window).
        """
        rows = _window_rows(y, ends, window_size)
        lagged = _window_rows(y, ends, window_size, shift=self.period)
        drift = np.broadcast_to(level / scale, rows.shape)
        return (rows - rows[:, -1:]) / scale, np.concatenate([(rows - lagged) / scale, drift], axis=2)

    def decomposition_seasons(self, rows):
        """Seasons that the seasonal decomposition forecast averages when
        ``rows`` rows lead up to every origin: up to ``DECOMPOSITION_SEASONS``;
        0 (no such forecast) without a season or with fewer than two."""
        n = min(DECOMPOSITION_SEASONS, rows // self.period) if self.period > 1 else 0
        return n if n >= 2 else 0

    def reference(self, y, ends, horizon, level):
        """The seasonal-naive forecast from each end, ``(n, horizon, k)``."""
        return y[_same_season_rows(ends, horizon, self.period)]


class LevelEncoding(_BaselineEncoding):
    """Standardized levels: values minus the series' mean, in units of its spread.

    Fails on trending series (the future leaves the range of levels seen);
    there for comparison.
    """

    #: The per-series statistic passed as ``level``: the mean.
    level_statistic = "mean"
    #: The reference is the target's own mean: no change of a covariate from it.
    covariate_changes = False

    @property
    def lookback(self):
        """No rows are needed before a window."""
        return 0

    def n_input_channels(self, n_targets):
        """Input channels that the target columns become."""
        return n_targets

    def inputs(self, y, ends, window_size, scale, level):
        """The standardized target channels and no extra channel (None)."""
        return (_window_rows(y, ends, window_size) - level) / scale, None

    def decomposition_seasons(self, rows):
        """0: no seasonal decomposition forecast is combined with the mean."""
        return 0

    def reference(self, y, ends, horizon, level):
        """The series' mean, ``(n, horizon, k)``."""
        return np.broadcast_to(level, (len(ends), horizon, y.shape[1]))


def make_encoding(baseline, period):
    """The encoding of a ``baseline`` (``"seasonal_naive"`` or None) for a season of ``period``."""
    if baseline == "seasonal_naive":
        return SeasonalNaiveEncoding(period)
    if baseline is None:
        return LevelEncoding()
    raise ValueError(f"Unknown baseline {baseline!r}.")


def baseline_weight(residuals, outputs):
    """The weight of the baseline in the combination that best forecast out of sample.

    The combined forecast is ``baseline + (1 - weight) * outputs`` (in
    spreads: the baseline forecast times ``weight`` plus the estimator's
    forecast times ``1 - weight``). The weight in [0, 1] minimizes the mean
    absolute error of the combination over the out-of-sample errors
    ``residuals`` (actual minus ``outputs``): the actual deviations from the
    baseline are ``a = residuals + outputs``, and ``sum |a - v * outputs|``
    is smallest at ``v``, the median of ``a / outputs`` weighted by
    ``|outputs|``, clipped to [0, 1] (the error is convex in ``v``).

    Parameters
    ----------
    residuals, outputs : ndarray of the same shape
        Out-of-sample errors and the estimator's outputs, in spreads; NaN
        entries are left out.

    Returns
    -------
    weight : float
        In [0, 1]; 0 (the estimator alone) when no output is finite and
        non-zero.

    Examples
    --------
    Outputs twice as large as the actual deviations from the baseline are
    best halved, by mixing in the baseline (deviation 0) half and half:

    >>> import numpy as np
    >>> outputs = np.array([[2.0], [-4.0], [6.0]])
    >>> actual = outputs / 2
    >>> baseline_weight(actual - outputs, outputs)
    0.5
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    keep = np.isfinite(residuals) & np.isfinite(outputs)
    return 1.0 - _estimator_weight(residuals[keep] + outputs[keep], outputs[keep], 1.0)


def _estimator_weight(actual, outputs, cap):
    """The ``v`` in [0, cap] that minimizes ``sum |actual - v * outputs|``:
    the median of ``actual / outputs`` weighted by ``|outputs|``, clipped
    (the error is convex in ``v``); ``cap`` when no output is non-zero
    (then ``v`` changes nothing)."""
    keep = np.abs(outputs) > 1e-12
    if not keep.any():
        return float(cap)
    o = outputs[keep]
    ratio = actual[keep] / o
    order = np.argsort(ratio, kind="stable")
    cumulative = np.cumsum(np.abs(o)[order])
    v = ratio[order][np.searchsorted(cumulative, cumulative[-1] / 2)]
    return float(np.clip(v, 0.0, cap)) + 0.0  # + 0.0: no -0.0


def seasonal_decomposition(y, ends, horizon, period, n_seasons, trend=False):
    """The classical additive decomposition forecast over the last ``n_seasons`` seasons.

    The forecast of a period is the level of the last season (the mean of
    the last ``period`` values) plus the period's seasonal index: the mean,
    over the last ``n_seasons`` seasons, of the value of the same season
    minus the mean of its season (the classical decomposition of Hyndman
    & Athanasopoulos, *Forecasting: Principles and Practice*, 3rd ed.,
    section 3.4). Equivalently: the mean of the last ``n_seasons`` values
    of the same season, shifted by the change from the mean of the last
    ``n_seasons * period`` values to that of the last ``period``. It
    repeats a seasonal pattern averaged over several seasons, where
    seasonal naive repeats the last one with its noise.

    Without ``trend`` the level stays flat: on a series that rises by ``b``
    per season, the forecast lags as seasonal naive does, by ``b`` for each
    season ahead (a step ``h`` ahead is ``ceil(h / period)`` seasons past the
    value of its season that the forecast's trend component matches). With
    ``trend`` it adds that: ``b`` is the trend of the seasonal means (the
    mean of the last season minus that of the first of the ``n_seasons``,
    divided by ``n_seasons - 1``), the local linear trend of Holt's method
    measured on the decomposition's own seasons, so that a series rising in
    a straight line is forecast exactly.

    Parameters
    ----------
    y : ndarray of shape (n_rows, k)
        Target columns, in time order.
    ends : ndarray of int
        Rows of the forecast origins; each needs ``n_seasons * period``
        rows of its own series up to it.
    horizon, period, n_seasons : int
        Steps ahead, season length and number of seasons averaged (at least 2).
    trend : bool, default=False
        Whether the trend of the seasonal means is carried forward.

    Returns
    -------
    forecasts : ndarray of shape (len(ends), horizon, k)

    Raises
    ------
    ValueError
        If ``trend`` is asked for with fewer than two seasons.
    """
    m = period
    source = _same_season_rows(ends, horizon, m)
    pattern = sum(y[source - j * m] for j in range(n_seasons)) / n_seasons
    # summed a row at a time: memory of one value per origin, not of a window
    last = sum(y[ends - i] for i in range(m))
    whole = last + sum(y[ends - i] for i in range(m, n_seasons * m))
    forecasts = pattern + (last / m - whole / (n_seasons * m))[:, None, :]
    if trend:
        forecasts += seasonal_trend(y, ends, horizon, period, n_seasons)
    return forecasts


def seasonal_trend(y, ends, horizon, period, n_seasons):
    """What ``trend=True`` adds to :func:`seasonal_decomposition`: ``(len(ends), horizon, k)``.

    The change of the seasonal means per season (the mean of the last
    ``period`` values minus that of the first of the ``n_seasons`` seasons,
    divided by ``n_seasons - 1``), times the seasons ahead of each step,
    ``ceil(h / period)``.

    Raises
    ------
    ValueError
        If ``n_seasons`` is below two.
    """
    if n_seasons < 2:
        raise ValueError(f"The trend of the seasonal means needs at least two seasons; got n_seasons={n_seasons}.")
    m = period
    last = sum(y[ends - i] for i in range(m))
    first = sum(y[ends - i] for i in range((n_seasons - 1) * m, n_seasons * m))
    seasons_ahead = -(-np.arange(1, horizon + 1) // m)
    return ((last - first) / (m * (n_seasons - 1)))[:, None, :] * seasons_ahead[:, None]


def combination_weights(residuals, outputs, alternative, *, return_error=False):
    """Weights of the estimator and of an alternative forecast in the
    combination with the baseline that best forecast out of sample.

    The combined forecast, relative to the baseline and in spreads, is
    ``v * outputs + u * alternative``, with ``v, u >= 0`` and ``v + u <= 1``
    (the baseline has the weight ``1 - v - u``). The weights minimize the
    mean absolute error over the out-of-sample errors: for each ``u``,
    ``v`` is the weighted median of :func:`baseline_weight`; the error of
    the best ``v`` is convex in ``u``, which is found to within 1e-4 by
    SciPy's bounded scalar minimization (Brent's method), the ends 0 and 1
    included; errors equal to within round-off go to the smaller ``u``. At
    most 100,000 errors, drawn at random with a fixed seed when there are
    more, choose the weights.

    Parameters
    ----------
    residuals, outputs : ndarray of the same shape
        Out-of-sample errors and the estimator's outputs, in spreads; NaN
        entries are left out.
    alternative : ndarray of the same shape
        The alternative forecast at the same origins and steps, minus the
        baseline forecast, in spreads.
    return_error : bool, default=False
        Whether to return the mean absolute error of the combination too.

    Returns
    -------
    v, u : float
        The weights of the estimator and of the alternative; ``(1.0, 0.0)``
        (the estimator alone) when no error is finite.
    error : float
        With ``return_error``: the mean absolute error of the combination,
        in spreads, over the errors that chose the weights (0.0 when none
        is finite).

    Examples
    --------
    Actual deviations from the baseline that are the alternative's, with
    an estimator that learned nothing of them: the alternative alone.

    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> alternative, outputs = rng.randn(2, 100, 3, 1)
    >>> combination_weights(alternative - outputs, outputs, alternative)
    (0.0, 1.0)
    """
    outputs = np.asarray(outputs, dtype=np.float64)
    keep = np.isfinite(residuals) & np.isfinite(outputs) & np.isfinite(alternative)
    if not keep.any():
        return (1.0, 0.0, 0.0) if return_error else (1.0, 0.0)
    a, o, s = residuals[keep] + outputs[keep], outputs[keep], alternative[keep]
    if len(a) > _MAX_COMBINATION_ERRORS:
        # two weights need no millions of errors: a fixed random subset keeps
        # the choice quick on large panels, and reproducible
        rows = np.random.default_rng(0).choice(len(a), _MAX_COMBINATION_ERRORS, replace=False)
        a, o, s = a[rows], o[rows], s[rows]

    def best(u):
        v = _estimator_weight(a - u * s, o, 1.0 - u)
        return float(np.mean(np.abs(a - u * s - v * o))), v, u

    inner = minimize_scalar(lambda u: best(u)[0], bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-4})
    candidates = sorted([best(0.0), best(1.0), best(float(inner.x))], key=lambda c: c[2])
    lowest = min(c[0] for c in candidates)
    # the smallest u whose error is the lowest up to round-off: an alternative
    # that adds nothing gets no weight
    error, v, u = next(c for c in candidates if c[0] <= lowest * (1 + 1e-9) + 1e-15)
    return (v, u, error) if return_error else (v, u)
