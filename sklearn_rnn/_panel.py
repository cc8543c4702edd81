"""Panels: many time series stacked in one table, indexed by ``(series, time)``.

A panel is the pandas form of the long ``unique_id, ds, y`` layout:
``df.set_index(["unique_id", "ds"])``, a DataFrame (or Series) whose index is
a 2-level ``MultiIndex``. :func:`read_panel` validates such data (or a single
series) and returns a :class:`Panel`: the values grouped series by series in
time order, with each series' first and last labels, so that a forecaster
can treat one series and ten thousand alike (a single series is a panel of
one whose ``keys`` are None).

Each series gets the index checks of a single series (one frequency, no gap,
no duplicate, time order), with errors naming the series. Every code fix an
error message suggests is written between backticks and works when pasted.
"""

from dataclasses import dataclass

import numpy as np
import pandas as pd
from pandas.tseries.frequencies import to_offset

from ._forecast_index import (
    TimeIndex,
    _article,
    _infer_frequency,
    check_order,
    check_time_index,
    describe_steps,
    fill_frequency,
)
from ._messages import plain
from ._windowing import check_table

__all__ = ["Panel", "read_panel", "is_panel", "check_level_order", "check_panel_levels"]


def is_panel(data):
    """Whether ``data`` is a pandas object indexed by a MultiIndex."""
    return isinstance(data, (pd.Series, pd.DataFrame)) and isinstance(data.index, pd.MultiIndex)


@dataclass
class Panel:
    """Series stacked in one array, grouped series by series in time order.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_columns), float64
        A copy of the data, rows of series ``i`` in ``offsets[i]:offsets[i + 1]``.
    offsets : ndarray of shape (n_series + 1,)
    keys : Index or None
        Series labels (sorted); None for a single series.
    time : TimeIndex
        The spacing of the time labels.
    first, last : Index or ndarray of shape (n_series,)
        First and last time label of each series (row numbers for arrays).
    labels : Index or None
        The time label of every row of ``values`` (None for arrays).
    columns : list or None
        Column names (None for arrays).
    targets : list of int
        Positions of the target columns.
    names : list
        Names of the index levels (series, time), for the outputs.
    """

    values: np.ndarray
    offsets: np.ndarray
    keys: object
    time: TimeIndex
    first: object
    last: object
    labels: object
    columns: object
    targets: list
    names: list

    @property
    def n_series(self):
        return len(self.offsets) - 1

    @property
    def lengths(self):
        return np.diff(self.offsets)

    def series(self, i):
        """Series ``i`` in words, for messages."""
        return "the series" if self.keys is None else f"series {plain(self.keys[i])!r}"

    def subset(self, positions):
        """The panel of the series at ``positions`` (in that order)."""
        positions = np.asarray(positions, dtype=np.int64)
        lengths = self.lengths[positions]
        rows = [np.arange(self.offsets[i], self.offsets[i + 1]) for i in positions]
        rows = np.concatenate(rows) if rows else np.empty(0, dtype=np.int64)
        return Panel(
            values=self.values[rows],
            offsets=np.r_[0, np.cumsum(lengths)].astype(np.int64),
            keys=None if self.keys is None else self.keys[positions],
            time=self.time,
            first=self.first[positions],
            last=self.last[positions],
            labels=None if self.labels is None else self.labels[rows],
            columns=self.columns,
            targets=self.targets,
            names=self.names,
        )


def _gap_fix(var, time):
    """Pasteable code that reindexes every series of a panel onto its periods and fills the gaps."""
    if time.kind == "datetime":
        body = f"s.droplevel(0).asfreq({time.freq.freqstr!r}).interpolate()"
    elif time.kind == "period":
        body = (
            f"s.droplevel(0).reindex(pd.period_range(s.index[0][1], s.index[-1][1], "
            f"freq={time.freqstr!r})).interpolate()"
        )
    else:
        body = f"s.droplevel(0).reindex(range(s.index[0][1], s.index[-1][1] + 1, {time.step})).interpolate()"
    return f"`{var} = {var}.groupby(level=0, group_keys=True).apply(lambda s: {body})`"


def _holds_time(labels):
    return isinstance(labels, (pd.DatetimeIndex, pd.PeriodIndex))


def check_panel_levels(index, what):
    """Raise unless the MultiIndex ``index`` has the 2 levels of a panel, (series, time)."""
    if index.nlevels != 2:
        raise ValueError(
            f"The index of {what} has {index.nlevels} levels; a panel needs 2: the series and the time, as "
            "set_index(['unique_id', 'ds']) gives from a long table with those columns."
        )


def check_level_order(index, what, code=None):
    """Raise if a panel's MultiIndex holds the time in its first level and
    the series in its second: ``set_index(["ds", "unique_id"])`` instead of
    ``set_index(["unique_id", "ds"])``. With integer series ids the swapped
    index would otherwise read as dates for series and ids for time."""
    var = code or what
    if _holds_time(index.levels[0]) and not _holds_time(index.levels[1]):
        raise ValueError(
            f"The first level of the index of {what} holds dates ({type(index.levels[0]).__name__}) and the second "
            f"does not: a panel is indexed by (series, time), in that order. Swap the levels: "
            f"`{var} = {var}.swaplevel().sort_index()`."
        )


def _time_kind(labels, what, var):
    if isinstance(labels, pd.DatetimeIndex):
        return "datetime"
    if isinstance(labels, pd.PeriodIndex):
        return "period"
    if pd.api.types.is_integer_dtype(labels.dtype):
        return "integer"
    raise ValueError(
        f"The time level of the index of {what} is {_article(type(labels).__name__)} of dtype {labels.dtype}; a "
        "forecaster needs dates, periods or integers. If the labels are dates, convert them: "
        f"`{var}.index = {var}.index.set_levels(pd.to_datetime({var}.index.levels[1]), level=1)`."
    )


def _panel_spacing(labels, offsets, keys, what, var, expected):
    """The TimeIndex of the time labels of a panel (grouped by series), checked series by series."""
    kind = _time_kind(labels, what, var)
    name = labels.name
    lengths = np.diff(offsets)
    i_longest = int(np.argmax(lengths))
    longest = keys[i_longest]
    if expected is not None:
        expected.check_zone(labels, what, var, level=1)
    if expected is not None and expected.kind == kind:
        time = expected.like(name)
    elif kind == "period":
        time = TimeIndex("period", labels.freq, name=name)
    else:
        # the spacing of the longest series, which the others must share
        own = labels[offsets[i_longest] : offsets[i_longest + 1]]
        if kind == "datetime":
            own = pd.DatetimeIndex(own)
            freq = _infer_frequency(own)
            if freq is None:
                series = f"series {plain(longest)!r} of {what}"
                check_order(own, series, code=var, panel=True)
                guess = fill_frequency(own)
                fix = (
                    "fill the gaps of each series, for example "
                    + _gap_fix(var, TimeIndex("datetime", to_offset(guess)))
                    if guess is not None
                    else f"its consecutive dates are {describe_steps(own)}, and no frequency guessed from them "
                    "keeps every date; reindex each series on the frequency that generates your dates with "
                    f"{var}.groupby(level=0, group_keys=True).apply(lambda s: s.droplevel(0).asfreq(offset)) "
                    "for a pandas offset (for example 'D' or 'MS') whose periods include every date, and fill "
                    "the gaps"
                )
                raise ValueError(
                    f"The dates of {series} have no frequency and none can be inferred (they are irregular or "
                    f"have gaps). A forecaster needs one row per period in every series: {fix}."
                )
            time = TimeIndex("datetime", freq, name=name, tz=own.tz)
        else:
            steps = np.diff(np.asarray(own, dtype=np.int64))
            positive = steps[steps > 0]
            time = TimeIndex("integer", step=int(positive.min()) if len(positive) else 1, name=name)
    # without a spacing seen in fit, the longest series sets the one the others must share
    reference = None if (expected is not None and expected.kind == kind) or kind == "period" else longest
    _check_series_spacing(labels, offsets, keys, time, what, var, expected, reference)
    return time


def _own_spacing(labels, offsets, i):
    """The spacing of series ``i``'s own labels, when they are regular (at least 3 of
    them, with an inferable frequency or a constant step); else None."""
    own = labels[offsets[i] : offsets[i + 1]]
    if len(own) < 3:
        return None
    try:
        return check_time_index(pd.Series(0.0, index=own))
    except ValueError:
        return None


def _spacing_words(time):
    return f"frequency {time.freqstr!r}" if time.kind in ("datetime", "period") else f"step {time.step}"


def _check_other_spacing(labels, offsets, keys, i, time, what, expected, reference):
    """Raise, naming the frequency (or step), if the labels of series ``i``,
    off the spacing ``time``, are regular at a spacing of their own: the series
    has another frequency than the others, not gaps. After fit (``expected``),
    the longest series is asked too when series ``i`` does not tell."""
    candidates = [i] if expected is None else [i, int(np.argmax(np.diff(offsets)))]
    for j in candidates:
        found = _own_spacing(labels, offsets, j)
        if found is None or found.kind != time.kind or _spacing_words(found) == _spacing_words(time):
            continue
        if expected is not None:
            # the message a single series of another frequency gets
            expected.check_spacing(found, f"series {plain(keys[j])!r} of {what}")
        elif reference is not None:
            raise ValueError(
                f"Series {plain(keys[j])!r} of {what} has {_spacing_words(found)}, but series "
                f"{plain(reference)!r} (the longest, whose spacing the others must share) has "
                f"{_spacing_words(time)}. Every series of a panel must have the same frequency: forecast the "
                "series of each frequency with a forecaster of their own, or bring them to one frequency first"
                + (
                    " (for example by aggregating the more frequent ones with resample)."
                    if time.kind != "integer"
                    else "."
                )
            )


def _check_series_spacing(labels, offsets, keys, time, what, var, expected, reference=None):
    """Raise, naming the first series concerned, for labels of another
    frequency (or step), off the frequency, duplicated, unsorted or with gaps.

    ``reference`` is the key of the series whose spacing ``time`` is, None
    for the spacing seen in fit (``expected``)."""
    ordinals, on = time.ordinals(labels)
    lengths = np.diff(offsets)
    sid = np.repeat(np.arange(len(lengths)), lengths)
    if not on.all():
        row = int(np.flatnonzero(~on)[0])
        _check_other_spacing(labels, offsets, keys, sid[row], time, what, expected, reference)
        fitted = " seen in fit" if expected is not None else ""
        raise ValueError(
            f"Series {plain(keys[sid[row]])!r} of {what} has the label {plain(labels[row])!r}, which is not a "
            f"period of the {time.describe()}{fitted}. Every series of a panel must have the same frequency"
            + (" as the data seen in fit." if expected is not None else ".")
        )
    steps = np.diff(ordinals)
    inside = np.ones(len(steps), dtype=bool)
    inside[offsets[1:-1] - 1] = False  # steps between two series do not count
    for bad, problem in (
        (steps == 0, "duplicated labels"),
        (steps < 0, "labels out of time order"),
        (steps > 1, "gaps (missing periods)"),
    ):
        bad &= inside
        if bad.any():
            row = int(np.flatnonzero(bad)[0])
            key = keys[sid[row]]
            if problem.startswith("dup"):
                fix = f"aggregate duplicates first, for example `{var} = {var}.groupby(level=[0, 1]).mean()`"
            elif problem.startswith("labels out"):
                fix = f"sort it first: `{var} = {var}.sort_index()`"
            else:
                _check_other_spacing(labels, offsets, keys, sid[row], time, what, expected, reference)
                after = time.future(labels[row], 1)[0] if time.kind != "array" else None
                fix = f"fill them, for example {_gap_fix(var, time)}"
                problem += f", the first after {plain(labels[row])!r} (expected {plain(after)!r} next)"
            raise ValueError(
                f"Series {plain(key)!r} of {what} has {problem}; a forecaster needs one row per period in every "
                f"series: {fix}."
            )


def _check_long_table(data, what, var):
    """Raise for a long table that is not indexed by series and time: a
    DataFrame indexed by time alone with several rows per period that one of
    its columns (of strings or integers) tells apart, most likely the column
    naming the series; or one whose time is a column (:func:`_check_unindexed_long_table`)."""
    if not isinstance(data, pd.DataFrame) or is_panel(data):
        return
    if not data.index.has_duplicates:
        _check_unindexed_long_table(data, what, var)
        return
    dtypes = data.dtypes
    candidates = [c for c in data.columns if not pd.api.types.is_numeric_dtype(dtypes[c])]
    candidates += [c for c in data.columns if pd.api.types.is_integer_dtype(dtypes[c])]
    for column in candidates:
        if not pd.MultiIndex.from_arrays([data[column], data.index]).has_duplicates:
            duplicated = list(data.index[data.index.duplicated()][:3])
            raise ValueError(
                f"The index of {what} has duplicated labels, for example {duplicated}: several rows per period, "
                f"told apart by column {column!r}. If it names the series of a long table, index {what} by "
                f"series and time for one global model of all series: "
                f"`{var} = {var}.set_index({column!r}, append=True).swaplevel().sort_index()`."
            )


def _check_unindexed_long_table(data, what, var):
    """Raise for the long layout left in columns (``unique_id, ds, y``): a
    column of dates or periods with repeated values, and a column of strings
    or integers that, with it, names each row once. Indexing the table by
    them is what the user wants; the generic "not numeric" error would
    suggest dropping them, which would join all series into one."""
    dtypes = data.dtypes
    times = [
        c
        for c in data.columns
        if (pd.api.types.is_datetime64_any_dtype(dtypes[c]) or isinstance(dtypes[c], pd.PeriodDtype))
        and data[c].duplicated().any()
    ]
    if not times:
        return
    ids = [
        c
        for c in data.columns
        if c not in times and (not pd.api.types.is_numeric_dtype(dtypes[c]) or pd.api.types.is_integer_dtype(dtypes[c]))
    ]
    for time_column in times:
        for column in ids:
            if not pd.MultiIndex.from_arrays([data[column], data[time_column]]).has_duplicates:
                raise ValueError(
                    f"{what} looks like a long table of several series (column {column!r} names the series, "
                    f"{time_column!r} the periods) but is not indexed by them. Index it by series and time for "
                    f"one global model of all series: `{var} = {var}.set_index([{column!r}, {time_column!r}])`."
                )


def read_panel(data, target, *, what, caller, code=None, time=None, continuing=False):
    """Validate ``data`` (a panel or a single series) and return a :class:`Panel`.

    Parameters
    ----------
    data : Series, DataFrame or array-like
        A panel (2-level MultiIndex ``(series, time)``), a single series with
        a time index, or an array.
    target : str, int, list or None
        Target column(s), as for :func:`~sklearn_rnn._windowing.check_table`.
    what : str
        The argument's name in messages (``"data"``, ``"new_data"``).
    caller : str
        Name of the estimator, for messages.
    code : str, optional
        Variable name used in the suggested fixes (``what`` by default).
    time : TimeIndex, optional
        The spacing seen in fit: the labels are checked against it.
    continuing : bool, default=False
        Whether ``data`` continues the data seen (``update``, ``score``): a
        single series' labels are then left to the caller, which checks them
        one by one against the periods that follow.

    Returns
    -------
    panel : Panel
    """
    var = code or what
    if hasattr(data, "__len__") and len(data) == 0:
        raise ValueError(f"{what} is empty: it has no rows.")
    if isinstance(data, pd.DataFrame) and data.shape[1] == 0:
        raise ValueError(f"{what} has no columns: give the values to forecast as a column (or pass a Series).")
    _check_long_table(data, what, var)
    values, columns, targets = check_table(data, target, caller=caller, ensure_all_finite=False)
    if len(values) == 0:
        raise ValueError(f"{what} is empty: it has no rows.")
    bad = ~np.isfinite(values)
    if bad.any():
        row, col = np.argwhere(bad)[0]
        label = data.index[row] if isinstance(data, (pd.Series, pd.DataFrame)) else row
        name = repr(plain(columns[col])) if columns is not None else f"column {col}"
        if is_panel(data):
            # a plain interpolate or ffill would fill across series boundaries
            fix = (
                f"Fill them series by series before forecasting, for example `{var} = {var}.groupby(level=0)"
                f".transform(lambda s: s.interpolate(limit_direction='both'))` or `{var} = "
                f"{var}.groupby(level=0).ffill()` (on the whole table, interpolate() and ffill() would fill "
                "across series)."
            )
        else:
            fix = f"Fill them before forecasting, for example `{var} = {var}.interpolate()` or `{var} = {var}.ffill()`."
        raise ValueError(
            f"{what} has {int(bad.sum())} missing or infinite value(s), the first in {name} at {plain(label)!r}. " + fix
        )
    if not is_panel(data):
        spacing = check_time_index(data, what, code=var, expected=time, continuing=continuing)
        if spacing.kind == "array":
            first, last, labels = np.array([0]), np.array([len(values) - 1]), None
        else:
            labels = data.index
            first, last = labels[:1], labels[-1:]
        names = [None if labels is None else labels.name]
        return Panel(values, np.array([0, len(values)]), None, spacing, first, last, labels, columns, targets, names)
    index = data.index
    check_panel_levels(index, what)
    check_level_order(index, what, var)
    if index.get_level_values(1).hasnans:
        key = index.get_level_values(0)[index.get_level_values(1).isna()][0]
        raise ValueError(
            f"Series {plain(key)!r} of {what} has a missing time label (NaT or NaN) in the index; give every row its "
            f"period, or drop those rows: `{var} = {var}[{var}.index.get_level_values(1).notna()]`."
        )
    if index.has_duplicates:
        key, label = index[index.duplicated()][0]
        raise ValueError(
            f"Series {plain(key)!r} of {what} has duplicated labels, for example {plain(label)!r}; a forecaster "
            f"needs one row per period in every series: aggregate duplicates first, for example "
            f"`{var} = {var}.groupby(level=[0, 1]).mean()`."
        )
    codes, keys = pd.factorize(index.get_level_values(0), sort=True)
    if (codes < 0).any():
        raise ValueError(f"The series level of the index of {what} has missing labels; name every series.")
    order = np.argsort(codes, kind="stable")
    lengths = np.bincount(codes, minlength=len(keys))
    offsets = np.r_[0, np.cumsum(lengths)].astype(np.int64)
    labels = index.get_level_values(1)[order]
    spacing = _panel_spacing(labels, offsets, keys, what, var, time)
    if time is not None:
        time.check_spacing(spacing, what)
    return Panel(
        values=values[order],
        offsets=offsets,
        keys=pd.Index(keys, name=index.names[0]),
        time=spacing,
        first=labels[offsets[:-1]],
        last=labels[offsets[1:] - 1],
        labels=labels,
        columns=columns,
        targets=targets,
        names=list(index.names),
    )
