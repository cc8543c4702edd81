"""Calendar covariates from a time index: known in advance, without user code."""

import numpy as np
import pandas as pd
from sklearn.utils._param_validation import StrOptions, validate_params

from ._forecast_index import _article
from ._season import period_from_frequency, position_effect
from ._warnings import warn_at_caller

__all__ = ["calendar_features"]

# feature: (smallest value, number of values in a cycle)
_CYCLES = {
    "hour": (0, 24),
    "day_of_week": (0, 7),
    "day_of_month": (1, 31),
    "day_of_year": (1, 366),
    "week_of_year": (1, 53),
    "month": (1, 12),
    "quarter": (1, 4),
}
_FEATURES = set(_CYCLES) | {"weekend"}
# the feature that numbers the periods of the yearly season of quarterly and monthly data
_SEASON_FEATURE = (
    ((pd.offsets.QuarterBegin, pd.offsets.QuarterEnd, pd.offsets.BQuarterBegin, pd.offsets.BQuarterEnd), "quarter"),
    (
        (
            pd.offsets.MonthBegin,
            pd.offsets.MonthEnd,
            pd.offsets.BusinessMonthBegin,
            pd.offsets.BusinessMonthEnd,
            pd.offsets.CustomBusinessMonthBegin,
            pd.offsets.CustomBusinessMonthEnd,
        ),
        "month",
    ),
)
# Significance level of the test that calendar="auto" runs for a position effect.
_POSITION_EFFECT_LEVEL = 0.05


def season_feature(freq):
    """``"quarter"`` for quarterly data, ``"month"`` for monthly (or every 2,
    3, 4 or 6 months), else None: the feature that ``calendar="auto"`` may add.

    Only these two: the other calendar seasons (7 days, 24 hours, 52 weeks)
    have more positions, whose one-hot columns would widen a forecaster's
    inputs many times over.
    """
    offset = pd.tseries.frequencies.to_offset(freq)
    if period_from_frequency(offset) == 1:
        return None
    for classes, feature in _SEASON_FEATURE:
        if isinstance(offset, classes):
            return feature
    return None


def _values(times, feature):
    if feature == "day_of_month":
        return np.asarray(times.day)
    if feature == "week_of_year":
        if isinstance(times, pd.PeriodIndex):
            return np.asarray(times.week)
        return times.isocalendar().week.to_numpy(dtype=np.int64)
    if feature == "weekend":
        return (np.asarray(times.day_of_week) >= 5).astype(np.int64)
    return np.asarray(getattr(times, feature))  # hour, day_of_week, day_of_year, month, quarter


@validate_params(
    {
        "index": ["array-like", pd.Index],
        "features": [list, tuple],
        "encoding": [StrOptions({"onehot", "cyclic"})],
    },
    prefer_skip_nested_validation=True,
)
def calendar_features(index, features=("day_of_week", "month"), *, encoding="onehot"):
    """Calendar columns computed from time labels: day of week, month, ...

    Calendar columns are known for any future period, so they are the
    simplest known-future covariates. :class:`Forecaster`'s ``calendar``
    parameter adds these columns (one-hot) itself, for the past and the
    forecast periods. For another encoding, add them to the data and name
    them in ``future_covariates``, then pass the same columns for the
    forecast periods to ``predict`` (see the example). No holiday calendar
    is applied.

    Parameters
    ----------
    index : DatetimeIndex, PeriodIndex, MultiIndex, Series or DataFrame
        The time labels: an index, the last level of a ``(series, time)``
        MultiIndex (a panel), or the index of a pandas object.
    features : list of str, default=("day_of_week", "month")
        Among ``"hour"`` (0-23), ``"day_of_week"`` (0 for Monday to 6),
        ``"day_of_month"`` (1-31), ``"day_of_year"`` (1-366), ``"week_of_year"``
        (ISO week, 1-53), ``"month"`` (1-12), ``"quarter"`` (1-4) and
        ``"weekend"`` (1 on Saturdays and Sundays, else 0). Choose those that
        vary at your data's frequency: ``("hour", "day_of_week")`` for hourly
        data, ``("day_of_week", "month")`` for daily, ``("month",)`` for
        monthly data.
    encoding : {"onehot", "cyclic"}, default="onehot"
        ``"onehot"``: one 0/1 column per value of the cycle, named
        ``"<feature>_<value>"`` (all values of the cycle, whether present or
        not, so that the columns of past and future periods match).
        ``"cyclic"``: two columns per feature, ``"<feature>_sin"`` and
        ``"<feature>_cos"``, the position in the cycle on a circle.
        ``"weekend"`` is one 0/1 column either way.

    Returns
    -------
    features : DataFrame of shape (n_labels, n_columns)
        Float columns, indexed by ``index`` (the pandas object's index).

    Raises
    ------
    ValueError
        If the labels are not dates or periods or hold missing values
        (NaT), or a feature is unknown or named more than once.

    See Also
    --------
    Forecaster : Its ``calendar`` adds these columns; its ``future_covariates`` take them.

    Examples
    --------
    >>> import pandas as pd
    >>> from sklearn_rnn import calendar_features
    >>> days = pd.date_range("2024-01-05", periods=3, freq="D")  # Friday to Sunday
    >>> calendar_features(days, ["day_of_week"]).iloc[:, 4:]
                day_of_week_4  day_of_week_5  day_of_week_6
    2024-01-05            1.0            0.0            0.0
    2024-01-06            0.0            1.0            0.0
    2024-01-07            0.0            0.0            1.0
    >>> calendar_features(days, ["weekend", "month"], encoding="cyclic").round(3)
                weekend  month_sin  month_cos
    2024-01-05      0.0        0.0        1.0
    2024-01-06      1.0        0.0        1.0
    2024-01-07      1.0        0.0        1.0
    """
    if isinstance(index, (pd.Series, pd.DataFrame)):
        index = index.index
    index = pd.Index(index) if not isinstance(index, pd.Index) else index
    times = index.get_level_values(-1) if isinstance(index, pd.MultiIndex) else index
    if not isinstance(times, (pd.DatetimeIndex, pd.PeriodIndex)):
        raise ValueError(
            f"calendar_features needs dates or periods; the labels are {_article(type(times).__name__)} of dtype "
            f"{times.dtype}."
        )
    unknown = [f for f in features if f not in _FEATURES]
    if unknown:
        raise ValueError(f"Unknown calendar feature(s) {unknown}; choose among {sorted(_FEATURES)}.")
    _check_repeated(list(features), "features")
    if times.hasnans:
        raise ValueError(
            f"The time labels hold {int(times.isna().sum())} missing value(s) (NaT): a calendar position of an "
            "unknown date would be invented. Drop or fill these rows first."
        )
    columns = {}
    for feature in features:
        values = _values(times, feature)
        if feature == "weekend":
            columns[feature] = values.astype(np.float64)
            continue
        first, size = _CYCLES[feature]
        if encoding == "onehot":
            for value in range(first, first + size):
                columns[f"{feature}_{value}"] = (values == value).astype(np.float64)
        else:
            angle = 2 * np.pi * (values - first) / size
            columns[f"{feature}_sin"] = np.sin(angle)
            columns[f"{feature}_cos"] = np.cos(angle)
    return pd.DataFrame(columns, index=index)


def _check_repeated(features, name):
    repeated = sorted({f for f in features if features.count(f) > 1})
    if repeated:
        raise ValueError(f"{name} names {repeated} more than once; name each feature once.")


def resolve_calendar(calendar, panel, *, unconfirmed):
    """The calendar features that a :class:`~sklearn_rnn.Forecaster`'s ``calendar`` gives the data of ``panel``.

    Parameters
    ----------
    calendar : "auto", list of str or None
        The forecaster's parameter.
    panel : Panel
        The data seen in fit (the targets among its columns).
    unconfirmed : bool
        Whether ``seasonal_period="auto"`` found no season; "auto" adds a
        feature only then, and only with two full seasons in the longest
        series (the autocorrelation test's minimum).

    Returns
    -------
    features : list of str
        Possibly empty. "auto": the quarter or month (see
        :func:`season_feature`) when
        :func:`~sklearn_rnn._season.position_effect` finds the targets'
        changes to depend on it at the 5% level.

    Raises
    ------
    ValueError
        For features on data not indexed by dates or periods, or unknown
        or repeated features.

    Warns
    -----
    UserWarning
        For features that take one value over the data.
    """
    dated = panel.time.kind in ("datetime", "period")
    if calendar is None:
        return []
    if isinstance(calendar, str):  # "auto"
        feature = season_feature(panel.time.freq) if dated and unconfirmed else None
        # the autocorrelation test needs two full seasons: with fewer, the
        # season was not tested, let alone turned down
        if feature is None or panel.lengths.max() < 2 * period_from_frequency(panel.time.freq):
            return []
        position = _values(panel.labels, feature)
        rows = [slice(a, b) for a, b in zip(panel.offsets[:-1], panel.offsets[1:], strict=True)]
        effect = position_effect([panel.values[r, panel.targets] for r in rows], [position[r] for r in rows])
        return [feature] if effect < _POSITION_EFFECT_LEVEL else []
    features = list(calendar)
    if not features:  # as None: a grid may try [] beside other lists
        return []
    _check_repeated(features, "calendar")
    if not dated:
        raise ValueError(
            f"calendar={features} needs data indexed by dates or periods; the data have "
            f"{_article(panel.time.describe())}. Set calendar=None, or index the data by time."
        )
    calendar_features(panel.labels[:1], features)  # raises for unknown features
    constant = [f for f in features if len(np.unique(_values(panel.labels, f))) == 1]
    if constant:
        warn_at_caller(
            f"The calendar feature(s) {constant} take a single value over the data seen in fit "
            f"({panel.time.describe()}): they carry nothing to learn from. Choose features that vary at the "
            "data's frequency (day_of_week for daily data, month for monthly, ...)."
        )
    return features
