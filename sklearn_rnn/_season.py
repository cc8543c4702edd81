"""Season length of a time series: from the index frequency or from the data.

``seasonal_period="auto"`` in :class:`~sklearn_rnn.Forecaster` is resolved here:

1. An index with a frequency suggests the usual cycle of that frequency
   (12 for monthly data, 4 for quarterly, 52 for weekly, 7 for daily, 24 for
   hourly, 1 for yearly); the suggestion is kept only when the data confirm
   it (see :func:`is_seasonal`), else the series is treated as non-seasonal.
2. Without a frequency (a RangeIndex or a plain array) the season is the lag
   that the data support best (see :func:`detect_period`), if any.
3. The fallback is 1: no season (the seasonal-naive forecast is then the
   naive, last-value forecast).
"""

import numpy as np
import pandas as pd
from pandas.tseries import offsets

__all__ = [
    "period_from_frequency",
    "seasonal_autocorrelation",
    "is_seasonal",
    "detect_period",
    "resolve_seasonal_period",
]

# Cycles per year of calendar frequencies; a multiple such as "2MS" divides it.
_PER_YEAR = (
    ((offsets.YearBegin, offsets.YearEnd, offsets.BYearBegin, offsets.BYearEnd), 1),
    ((offsets.QuarterBegin, offsets.QuarterEnd, offsets.BQuarterBegin, offsets.BQuarterEnd), 4),
    ((offsets.SemiMonthBegin, offsets.SemiMonthEnd), 24),
    (
        (
            offsets.MonthBegin,
            offsets.MonthEnd,
            offsets.BusinessMonthBegin,
            offsets.BusinessMonthEnd,
            offsets.CustomBusinessMonthBegin,
            offsets.CustomBusinessMonthEnd,
        ),
        12,
    ),
    ((offsets.Week,), 52),
)
_DAY_SECONDS = 86400


def period_from_frequency(freq):
    """The usual season length for a pandas frequency (offset or string).

    Yearly data have no season (1); a period that does not divide the cycle
    evenly (every 5 months, say) gives 1 too.

    >>> period_from_frequency("MS"), period_from_frequency("QE"), period_from_frequency("D")
    (12, 4, 7)
    >>> period_from_frequency("h"), period_from_frequency("YS"), period_from_frequency("30min")
    (24, 1, 48)
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    n = abs(offset.n) or 1
    for classes, per_year in _PER_YEAR:
        if isinstance(offset, classes):
            return per_year // n if per_year % n == 0 else 1
    if isinstance(offset, (offsets.BusinessDay, offsets.CustomBusinessDay)):
        return 5 if n == 1 else 1
    if isinstance(offset, offsets.Day):  # not a fixed-length Tick since pandas 3
        return 7 if n == 1 else 1
    if isinstance(offset, offsets.Tick):
        seconds = offset.nanos / 1e9
        if seconds == _DAY_SECONDS:
            return 7  # daily data: the weekly cycle
        if seconds < _DAY_SECONDS and _DAY_SECONDS % seconds == 0:
            return int(_DAY_SECONDS // seconds)  # the daily cycle
    return 1


def _autocorrelation(x, max_lag):
    """Sample autocorrelation of ``x`` at lags ``0..max_lag``."""
    x = np.asarray(x, dtype=np.float64) - np.mean(x)
    denominator = float(x @ x)
    if denominator <= 0:
        return np.zeros(max_lag + 1)
    return np.array([1.0] + [float(x[lag:] @ x[:-lag]) / denominator for lag in range(1, max_lag + 1)])


def _significant(acf, lag, n):
    """Whether ``acf[lag]`` exceeds the 90% bound of Bartlett's formula (the
    seasonality test of the M4 competition's benchmarks)."""
    bound = 1.645 * np.sqrt((1 + 2 * np.sum(acf[1:lag] ** 2)) / n)
    return acf[lag] > bound


def _detrended(y, period):
    """``y`` minus its centred moving average over one season (2 x period for
    an even period, as in classical decomposition); the ends are dropped."""
    if period % 2 == 0:
        kernel = np.r_[0.5, np.ones(period - 1), 0.5] / period
    else:
        kernel = np.ones(period) / period
    half = (len(kernel) - 1) // 2
    return y[half : len(y) - half] - np.convolve(y, kernel, mode="valid")


def seasonal_autocorrelation(y, period):
    """Autocorrelation at lag ``period`` of ``y`` detrended over one season,
    and whether it is significant; None when fewer than two seasons remain.

    The moving average removes trend and cycles longer than the season but
    keeps a season of exactly ``period``, which then shows as a strong
    correlation with the value one season before.
    """
    residual = _detrended(np.asarray(y, dtype=np.float64), period)
    if len(residual) <= 2 * period:
        return None
    acf = _autocorrelation(residual, period)
    return acf[period], bool(_significant(acf, period, len(residual)))


def is_seasonal(y, period):
    """Whether ``y`` has a significant season of length ``period`` (see
    :func:`seasonal_autocorrelation`); False without enough data."""
    if period < 2:
        return False
    result = seasonal_autocorrelation(y, period)
    return result is not None and result[1]


def detect_period(y, max_period=None, min_autocorrelation=0.4):
    """The season length best supported by the data, or 1.

    Each lag from 2 to ``max_period`` (by default a third of the series, so
    that at least three seasons are seen) is scored by
    :func:`seasonal_autocorrelation`; lags whose score is significant and at
    least ``min_autocorrelation`` compete, the highest wins, and a divisor
    of the winner that scores at least 80% as high is preferred (12 rather
    than 24). The threshold keeps random walks and autoregressive noise from
    being read as seasonal.
    """
    y = np.asarray(y, dtype=np.float64)
    max_period = len(y) // 3 if max_period is None else min(max_period, len(y) // 3)
    scores = {}
    for lag in range(2, max_period + 1):
        result = seasonal_autocorrelation(y, lag)
        if result is not None and result[1] and result[0] >= min_autocorrelation:
            scores[lag] = result[0]
    if not scores:
        return 1
    best = max(scores, key=scores.get)
    for divisor in range(2, best):
        if best % divisor == 0 and scores.get(divisor, -1.0) >= 0.8 * scores[best]:
            return divisor
    return best


def resolve_seasonal_period(seasonal_period, y, freq):
    """Season length: the user's integer, else from ``freq`` confirmed by the data, else from the data.

    Parameters
    ----------
    seasonal_period : int or "auto"
    y : ndarray of shape (n_samples,) or (n_samples, n_targets)
        Target values; with several targets, a season confirmed on any of
        them is kept (detection from the data uses the first).
    freq : pandas offset or None
        The index frequency, when the index has one.
    """
    if seasonal_period != "auto":
        return int(seasonal_period)
    y = np.asarray(y, dtype=np.float64)
    columns = y.reshape(len(y), -1).T
    if freq is not None:
        period = period_from_frequency(freq)
        return period if any(is_seasonal(column, period) for column in columns) else 1
    return detect_period(columns[0])
