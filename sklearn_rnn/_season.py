"""Season length of a time series: from the index frequency or from the data.

``seasonal_period="auto"`` in :class:`~sklearn_rnn.Forecaster` is resolved
here, by :func:`choose_seasonal_period`, which also says why in one sentence:

1. An integer ``seasonal_period`` is kept as given.
2. An index with a frequency suggests the usual cycle of that frequency (see
   :func:`period_from_frequency`: 12 for monthly data, 4 quarterly, 52
   weekly, 7 daily, 5 business-daily, 24 hourly, 1 yearly). The suggestion
   is kept when the data confirm it (see :func:`seasonal_autocorrelation`),
   which needs at least two full seasons of data; else the series is treated
   as non-seasonal.
3. Without a frequency (a RangeIndex or a plain array) the season is the lag
   that the data support best (see :func:`detect_period`), if any.
4. The fallback is 1: no season (the seasonal-naive forecast is then the
   naive, last-value forecast).

Every step costs O(n log n) in the length n of the series: autocorrelations
come from one FFT each, moving averages from cumulative sums, and the search
without a frequency tests a fixed number of candidate lags (and the divisors
of the best one).

References
----------
Makridakis, S., Spiliotis, E. and Assimakopoulos, V. (2020). The M4
Competition: 100,000 time series and 61 forecasting methods. *International
Journal of Forecasting* 36(1), 54-74. Seasonality test of the benchmarks:
https://github.com/Mcompetitions/M4-methods/blob/master/Benchmarks%20and%20Evaluation.R

Hyndman, R. J. and Athanasopoulos, G. (2021). *Forecasting: Principles and
Practice*. Third edition. OTexts. Section 3.4, classical decomposition.

Ljung, G. M. and Box, G. E. P. (1978). On a measure of lack of fit in time
series models. *Biometrika* 65(2), 297-303.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries import offsets

__all__ = [
    "SeasonChoice",
    "period_from_frequency",
    "seasonal_autocorrelation",
    "is_seasonal",
    "position_effect",
    "detect_period",
    "choose_seasonal_period",
    "resolve_seasonal_period",
]

# Cycles per year of calendar frequencies (a multiple such as "2MS" divides
# it), with the word for one step.
_PER_YEAR = (
    ((offsets.YearBegin, offsets.YearEnd, offsets.BYearBegin, offsets.BYearEnd), 1, "yearly"),
    ((offsets.QuarterBegin, offsets.QuarterEnd, offsets.BQuarterBegin, offsets.BQuarterEnd), 4, "quarterly"),
    ((offsets.SemiMonthBegin, offsets.SemiMonthEnd), 24, "semi-monthly"),
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
        "monthly",
    ),
    ((offsets.Week,), 52, "weekly"),
)
_DAY_SECONDS = 86400

# The 95% quantile of the standard normal: the upper end of the 90% band of
# the M4 benchmarks' test (their "tcrit = 1.645").
_Z = 1.6448536269514722
# A residual this small relative to the data's spread is rounding error.
_RTOL = np.sqrt(np.finfo(np.float64).eps)
# How many of the highest autocorrelation peaks the search without a
# frequency tests; a fixed number keeps the search O(n log n).
_N_CANDIDATES = 5
# Smallest autocorrelation of a season found without a frequency.
_MIN_AUTOCORRELATION = 0.4


@dataclass(frozen=True)
class SeasonChoice:
    """The season length chosen for a series, and why.

    Attributes
    ----------
    period : int
        Season length in rows; 1 means no season.
    reason : str
        One sentence that starts with the period and says where it comes
        from: the user's ``seasonal_period``, the index frequency and the
        autocorrelation that confirmed or rejected it, or the lag found in
        the data.

    Examples
    --------
    >>> SeasonChoice(7, "7: given by seasonal_period")
    SeasonChoice(period=7, reason='7: given by seasonal_period')
    """

    period: int
    reason: str


def period_from_frequency(freq):
    """The usual season length for a pandas frequency (offset or string).

    Parameters
    ----------
    freq : str or pandas.DateOffset
        A frequency such as ``"MS"`` or ``pd.offsets.Week(weekday=6)``.

    Returns
    -------
    period : int
        12 for monthly, 4 for quarterly, 24 for semi-monthly, 52 for weekly,
        7 for daily (the week), 5 for business-daily, the number of steps in
        a day for a frequency that divides the day evenly (24 for hourly),
        divided by the multiple of a calendar frequency (6 for ``"2MS"``).
        Yearly data have no season (1), and neither has a multiple that does
        not divide the cycle evenly (every 5 months, say) or any other
        frequency (1).

    Examples
    --------
    >>> period_from_frequency("MS"), period_from_frequency("QE"), period_from_frequency("D")
    (12, 4, 7)
    >>> period_from_frequency("h"), period_from_frequency("YS"), period_from_frequency("30min")
    (24, 1, 48)
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    n = abs(offset.n) or 1
    for classes, per_year, _ in _PER_YEAR:
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


def _describe_frequency(offset):
    """``"monthly frequency (MS)"`` for a one-step calendar frequency, else ``"frequency 2MS"``."""
    word = None
    if abs(offset.n) == 1:
        for classes, _, name in _PER_YEAR:
            if isinstance(offset, classes):
                word = name
        if isinstance(offset, (offsets.BusinessDay, offsets.CustomBusinessDay)):
            word = "business-daily"
        elif isinstance(offset, offsets.Day):
            word = "daily"
        elif isinstance(offset, offsets.Hour):
            word = "hourly"
    return f"{word} frequency ({offset.freqstr})" if word else f"frequency {offset.freqstr}"


def _autocorrelation(x, max_lag):
    """Sample autocorrelation of ``x`` at lags ``0..max_lag`` (``max_lag < len(x)``).

    The usual estimator (autocovariances summed over the available pairs and
    divided by ``len(x)``, as ``statsmodels.tsa.stattools.acf``), computed
    by FFT: the zero padding to at least ``len(x) + max_lag`` makes the
    circular correlation equal the plain one at these lags. A constant
    ``x`` has autocorrelation 0 at every lag.
    """
    n = len(x)
    x = x - x.mean()
    size = 1 << int(n + max_lag - 1).bit_length()
    spectrum = np.fft.rfft(x, size)
    autocovariance = np.fft.irfft(spectrum.real**2 + spectrum.imag**2, size)[: max_lag + 1]
    if autocovariance[0] <= 0:
        return np.zeros(max_lag + 1)
    return autocovariance / autocovariance[0]


def _trend(y, period):
    """Classical decomposition's trend: the centred moving average over one
    season (a 2 x ``period`` average for an even period), with the
    ``period // 2`` values missing at each end extrapolated by the
    least-squares line through the ``period`` nearest averages (as
    statsmodels' ``seasonal_decompose(..., extrapolate_trend="period")`` does
    at the start; at the end it leaves out the last average). Needs
    ``len(y) >= 2 * period``."""
    n = len(y)
    half = period // 2
    level = y.mean()  # cumulative sums of deviations keep a large level from eating the precision
    cumulative = np.concatenate(([0.0], np.cumsum(y - level)))
    sums = cumulative[period:] - cumulative[:-period]  # sums[i]: y[i] + ... + y[i + period - 1]
    trend = np.empty(n)
    if period % 2:
        trend[half : n - half] = sums / period
    else:
        trend[half : n - half] = (sums[:-1] + sums[1:]) / (2 * period)
    positions = np.arange(half, n - half)
    for fitted, missing in ((slice(0, period), slice(0, half)), (slice(-period, None), slice(n - half, n))):
        slope, intercept = np.polyfit(positions[fitted], trend[half : n - half][fitted], 1)
        trend[missing] = intercept + slope * np.arange(n)[missing]
    return trend + level


def seasonal_autocorrelation(y, period):
    """Autocorrelation of ``y`` one season apart once the trend is removed, and its significance bound.

    The trend is classical decomposition's: the centred moving average over
    one season (2 x ``period`` for an even period), which removes the level,
    the trend and most of any cycle longer than the season but keeps a
    season of exactly ``period``; its ``period // 2`` missing values at each
    end are extrapolated by the least-squares line through the ``period``
    nearest averages, so that every row is kept. A season then shows as a
    positive autocorrelation at lag ``period`` of the residual
    ``y - trend``, and is significant when that autocorrelation exceeds::

        1.645 * sqrt((n - period) / (n * (n + 2)) * (1 + 2 * S))

    where ``n = len(y)`` and ``S`` is the sum of the squared autocorrelations
    at lags 1 to ``period - 1`` of the remainder: the residual less its
    seasonal means (classical decomposition's seasonal component).

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The series, in time order, without missing values.
    period : int
        The season length to test, in rows.

    Returns
    -------
    result : tuple of (float, float) or None
        ``(autocorrelation, bound)``; the season is significant when
        ``autocorrelation > bound``. A series without variation around its
        trend (up to rounding) has autocorrelation 0. None when ``period`` is
        below 2 or ``y`` has fewer than two full seasons
        (``len(y) < 2 * period``).

    See Also
    --------
    is_seasonal : Whether the autocorrelation exceeds the bound.

    Notes
    -----
    The bound is the seasonality test of the M4 competition's benchmarks:
    the upper end of the 90% band that Bartlett's formula gives for the
    autocorrelation at lag ``period`` of a series without a season at that
    lag, ``1.645 * sqrt((1 + 2 * S) / n)``. The M4 test applies it to the
    raw series and asks for three full seasons. Four changes let two full
    seasons suffice without reading trends, random walks or autoregressive
    noise as seasons (in simulations of these, from two seasons to thirty
    and periods 4 to 52, at most 8% of the series are confirmed, for a
    nominal 5%; moving-average noise at lag 4 reaches 14%):

    - The series is detrended first: the autocorrelations of a long random
      walk are high at every lag, so the raw series passes the M4 test (all
      of 200 random walks of 500 steps do, at lag 12).
    - ``S`` comes from the remainder, not the residual: Bartlett's formula
      needs the autocorrelations of the series without the season, and
      those of the residual would let a smooth season widen its own bound
      (a perfect sine over three years of weekly data has an
      autocorrelation of 0.67 at lag 52 against the M4 bound of 0.80).
    - The variance carries the small-sample factor
      ``(n - period) / (n + 2)`` of Ljung and Box: the autocorrelation at
      lag ``period`` is a sum over ``n - period`` pairs only.
    - Only a positive autocorrelation confirms a season (the M4 test takes
      the absolute value).

    Computed by FFT and cumulative sums, in O(n log n).

    Examples
    --------
    Four years of monthly values with a trend and a yearly cycle:

    >>> import numpy as np
    >>> t = np.arange(48)
    >>> y = 100 + 2 * t + 10 * np.sin(2 * np.pi * t / 12) + np.random.RandomState(0).randn(48)
    >>> autocorrelation, bound = seasonal_autocorrelation(y, 12)
    >>> print(f"{autocorrelation:.2f} > {bound:.2f}")
    0.75 > 0.29
    >>> seasonal_autocorrelation(y[:23], 12) is None
    True
    """
    y = np.asarray(y, dtype=np.float64)
    n = len(y)
    if period < 2 or n < 2 * period:
        return None
    residual = y - _trend(y, period)
    factor = (n - period) / (n * (n + 2))
    if np.max(np.abs(residual)) <= _RTOL * np.max(np.abs(y - y.mean())):
        return 0.0, _Z * np.sqrt(factor)
    position = np.arange(n) % period
    seasonal = np.bincount(position, residual, period) / np.bincount(position, minlength=period)
    remainder = residual - seasonal[position]
    if np.max(np.abs(remainder)) <= _RTOL * np.max(np.abs(residual)):
        lower = np.zeros(period - 1)  # an exactly periodic residual: nothing left to correlate
    else:
        lower = _autocorrelation(remainder, period - 1)[1:]
    autocorrelation = float(_autocorrelation(residual, period)[period])
    return autocorrelation, float(_Z * np.sqrt(factor * (1 + 2 * np.sum(lower**2))))


def is_seasonal(y, period):
    """Whether ``y`` has a significant season of length ``period``.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The series, in time order, without missing values.
    period : int
        The season length to test, in rows.

    Returns
    -------
    seasonal : bool
        Whether the autocorrelation of :func:`seasonal_autocorrelation`
        exceeds its bound; False for a period below 2 or fewer than two full
        seasons of data.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(48)
    >>> y = 100 + 2 * t + 10 * np.sin(2 * np.pi * t / 12) + np.random.RandomState(0).randn(48)
    >>> is_seasonal(y, 12), is_seasonal(y, 7), is_seasonal(y[:23], 12)
    (True, False, False)
    """
    result = seasonal_autocorrelation(y, period)
    return result is not None and result[0] > result[1]


def position_effect(series, positions):
    """p-value of the test that a period's change does not depend on its position in the season.

    The Kruskal-Wallis test (Kruskal & Wallis, 1952) of the first
    differences grouped by position, the rank test of stable seasonality
    that X-13ARIMA-SEATS and JDemetra+ run on the differenced series
    (``seastests::kw`` in R). The differences of several series are pooled,
    each divided by its mean absolute difference, so that the test asks
    whether one position effect is common to the series, which is what a
    global model can learn from the position. It detects a season too
    weak or irregular for the autocorrelation of :func:`is_seasonal`.

    Parameters
    ----------
    series : list of ndarray of shape (n_rows,) or (n_rows, n_columns)
        The series (or several columns of one), each in time order.
    positions : list of ndarray of shape (n_rows,)
        The position of each row in the season (0, 1, ...), by series.

    Returns
    -------
    p_value : float
        1.0 when fewer than two positions hold two or more changes, or
        every series is flat.

    Examples
    --------
    >>> import numpy as np
    >>> rng = np.random.RandomState(0)
    >>> quarter = np.arange(80) % 4
    >>> weak = np.cumsum(rng.randn(80)) + 0.8 * (quarter == 3)
    >>> position_effect([weak], [quarter]) < 0.05
    True
    >>> position_effect([np.cumsum(rng.randn(80))], [quarter]) < 0.05
    False
    """
    from scipy.stats import kruskal

    changes, at = [], []
    for y, position in zip(series, positions, strict=True):
        d = np.diff(np.asarray(y, dtype=np.float64).reshape(len(y), -1), axis=0)
        scale = np.abs(d).mean(axis=0) if len(d) else np.zeros(d.shape[1])
        kept = scale > 0
        changes.append((d[:, kept] / scale[kept]).ravel())
        at.append(np.repeat(np.asarray(position)[1:], kept.sum()))
    changes, at = np.concatenate(changes), np.concatenate(at)
    groups = [changes[at == k] for k in np.unique(at)]
    groups = [g for g in groups if len(g) >= 2]
    if len(groups) < 2 or np.ptp(changes) == 0:
        return 1.0
    return float(kruskal(*groups).pvalue)


def _search(y, max_period, min_autocorrelation):
    """``(period, autocorrelation, bound)`` of the best-supported lag, or None; see :func:`detect_period`."""
    candidates = []
    if max_period >= 2:
        screen = _autocorrelation(y - _trend(y, max_period), max_period + 1)
        lags = np.arange(2, max_period + 1)
        peaks = lags[(screen[lags] > screen[lags - 1]) & (screen[lags] >= screen[lags + 1]) & (screen[lags] > 0)]
        candidates = peaks[np.argsort(-screen[peaks], kind="stable")][:_N_CANDIDATES]
    scores = {}
    for lag in candidates:
        autocorrelation, bound = seasonal_autocorrelation(y, int(lag))
        if autocorrelation > bound and autocorrelation >= min_autocorrelation:
            scores[int(lag)] = (autocorrelation, bound)
    if not scores:
        return None
    best = max(scores, key=lambda lag: scores[lag][0])
    for divisor in range(2, best):
        if best % divisor == 0:
            autocorrelation, bound = scores.get(divisor) or seasonal_autocorrelation(y, divisor)
            if autocorrelation > bound and autocorrelation >= 0.8 * scores[best][0]:
                return divisor, autocorrelation, bound
    return (best, *scores[best])


def detect_period(y, max_period=None, min_autocorrelation=_MIN_AUTOCORRELATION):
    """The season length best supported by the data, or 1.

    The series is detrended once, by the centred moving average over
    ``max_period`` rows (with extrapolated ends, as in
    :func:`seasonal_autocorrelation`), and the lags from 2 to ``max_period`` at which the
    autocorrelation of the result peaks (a positive local maximum) are the
    candidates. The five highest peaks are tested as a season would be with
    an index frequency (:func:`seasonal_autocorrelation`, each with its own
    moving average); those whose autocorrelation is significant and at least
    ``min_autocorrelation`` compete, the highest wins, and the smallest
    divisor of the winner whose autocorrelation is significant and at least
    80% as high is preferred (12 rather than 24). The threshold keeps random walks and
    autoregressive noise from being read as seasonal. The cost is
    O(n log n): a fixed number of FFTs, plus one test per divisor of the
    winner.

    Parameters
    ----------
    y : array-like of shape (n_samples,)
        The series, in time order, without missing values.
    max_period : int, default=None
        Longest season considered; at most a third of the series (also the
        default), so that at least three seasons are seen.
    min_autocorrelation : float, default=0.4
        Smallest autocorrelation (at the candidate lag, once the trend is
        removed) that a season must reach, besides being significant.

    Returns
    -------
    period : int
        The detected season length, or 1 when no lag qualifies.

    Examples
    --------
    >>> import numpy as np
    >>> t = np.arange(120)
    >>> y = 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + 2 * np.random.RandomState(0).randn(120)
    >>> detect_period(y), detect_period(np.cumsum(np.random.RandomState(0).randn(120)))
    (12, 1)
    """
    y = np.asarray(y, dtype=np.float64)
    max_period = len(y) // 3 if max_period is None else min(max_period, len(y) // 3)
    found = _search(y, max_period, min_autocorrelation)
    return 1 if found is None else found[0]


def choose_seasonal_period(seasonal_period, y, freq):
    """Season length, and why: the user's integer, else from ``freq`` confirmed by the data, else from the data.

    Parameters
    ----------
    seasonal_period : int or "auto"
        An integer is kept as given. ``"auto"``: with ``freq``, the usual
        cycle of that frequency (:func:`period_from_frequency`) if the data
        confirm it (:func:`is_seasonal`, which needs at least two full
        seasons), else 1; without ``freq``, the lag the data support best
        (:func:`detect_period`, on the first target), else 1.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values in time order. With several targets, a season
        confirmed on any of them is kept.
    freq : str, pandas.DateOffset or None
        The index frequency, when the index has one.

    Returns
    -------
    choice : SeasonChoice
        The period, and one sentence saying why. With several targets, the
        sentence names the target (counted from 0 in the order of ``y``'s
        columns) whose autocorrelation it quotes.

    Raises
    ------
    ValueError
        If ``y`` contains NaN or infinite values.

    See Also
    --------
    resolve_seasonal_period : The period alone.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_airline
    >>> y = load_airline()[:48]  # four years of monthly passenger totals
    >>> print(choose_seasonal_period("auto", y, y.index.freq).reason)
    12 from the monthly frequency (MS), confirmed by an autocorrelation of 0.68 at lag 12 (significance bound 0.27)
    >>> print(choose_seasonal_period("auto", y[:23], y.index.freq).reason)
    1: the monthly frequency (MS) suggests 12, but there are fewer than two full seasons (23 rows for 12)
    >>> print(choose_seasonal_period("auto", y.to_numpy(), None).reason)  # doctest: +NORMALIZE_WHITESPACE
    12 from the data (the index has no frequency): the best-supported lag,
    with an autocorrelation of 0.68 (significance bound 0.27)
    >>> choose_seasonal_period(7, y, None)
    SeasonChoice(period=7, reason='7: given by seasonal_period')
    """
    if seasonal_period != "auto":
        period = int(seasonal_period)
        return SeasonChoice(period, f"{period}: given by seasonal_period")
    y = np.asarray(y, dtype=np.float64)
    if not np.all(np.isfinite(y)):
        raise ValueError("y contains NaN or infinite values; the season length needs complete data.")
    columns = y.reshape(len(y), -1).T
    n = len(y)
    several = len(columns) > 1
    if freq is None:
        max_period = n // 3
        if max_period < 2:
            return SeasonChoice(
                1, f"1: the index has no frequency, and {n} rows are too few to look for a season (at least 6)"
            )
        found = _search(columns[0], max_period, _MIN_AUTOCORRELATION)
        if found is None:
            return SeasonChoice(
                1,
                f"1: the index has no frequency, and no lag from 2 to {max_period} has a significant "
                f"autocorrelation of at least {_MIN_AUTOCORRELATION}" + (" on target 0" if several else ""),
            )
        period, autocorrelation, bound = found
        return SeasonChoice(
            period,
            f"{period} from the data (the index has no frequency): the best-supported lag"
            + (" of target 0" if several else "")
            + f", with an autocorrelation of {autocorrelation:.2f} (significance bound {bound:.2f})",
        )
    offset = pd.tseries.frequencies.to_offset(freq)
    described = _describe_frequency(offset)
    period = period_from_frequency(offset)
    if period == 1:
        return SeasonChoice(1, f"1: the {described} suggests no season")
    if n < 2 * period:
        return SeasonChoice(
            1,
            f"1: the {described} suggests {period}, but there are fewer than two full seasons ({n} rows for {period})",
        )
    results = [seasonal_autocorrelation(column, period) for column in columns]
    # quote the target that confirms the season most clearly, or comes closest to it
    target = max(range(len(results)), key=lambda i: results[i][0] - results[i][1])
    autocorrelation, bound = results[target]
    where = f" for target {target}" if several else ""
    if autocorrelation > bound:
        return SeasonChoice(
            period,
            f"{period} from the {described}, confirmed by an autocorrelation of {autocorrelation:.2f} "
            f"at lag {period}{where} (significance bound {bound:.2f})",
        )
    return SeasonChoice(
        1,
        f"1: the {described} suggests {period}, but the autocorrelation at lag {period}{where} is "
        f"{autocorrelation:.2f}, not above the significance bound {bound:.2f}",
    )


def resolve_seasonal_period(seasonal_period, y, freq):
    """Season length: the user's integer, else from ``freq`` confirmed by the data, else from the data.

    The period of :func:`choose_seasonal_period`, without the reason.

    Parameters
    ----------
    seasonal_period : int or "auto"
        An integer is kept as given.
    y : array-like of shape (n_samples,) or (n_samples, n_targets)
        Target values in time order; with several targets, a season
        confirmed on any of them is kept (detection without ``freq`` uses
        the first).
    freq : str, pandas.DateOffset or None
        The index frequency, when the index has one.

    Returns
    -------
    period : int
        Season length in rows; 1 means no season.

    Examples
    --------
    >>> from sklearn_rnn.datasets import load_airline
    >>> y = load_airline()[:48]
    >>> resolve_seasonal_period("auto", y, y.index.freq), resolve_seasonal_period("auto", y, "D")
    (12, 1)
    """
    return choose_seasonal_period(seasonal_period, y, freq).period
