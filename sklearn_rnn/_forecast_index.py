"""The time index of a forecaster's data: checks, spacing and future periods.

Supported: a ``DatetimeIndex`` with a frequency (set or inferable), a
``PeriodIndex``, an integer index with a constant step (``RangeIndex``), and
plain arrays (no index: row numbers).

Every code fix that an error message here suggests is written between
backticks and works when pasted (``tests/test_forecast.py`` runs them).
"""

import math
import warnings
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._messages import plain

__all__ = ["TimeIndex", "check_time_index", "describe_steps", "fill_frequency", "guess_frequency"]


def _infer_frequency(index):
    """The frequency of a DatetimeIndex, set or inferred; None if there is none."""
    if index.freq is not None:
        return index.freq
    if len(index) < 3:
        return None
    with warnings.catch_warnings():
        # pandas 3 warns that infer_freq will return an offset; both work here
        warnings.simplefilter("ignore")
        inferred = pd.infer_freq(index)
    return None if inferred is None else pd.tseries.frequencies.to_offset(inferred)


def guess_frequency(index):
    """The most common frequency of short runs of ``index`` (a DatetimeIndex
    with gaps), as a string, or None: what to suggest for ``asfreq``."""
    if len(index) < 3:
        return None
    starts = np.unique(np.linspace(0, max(len(index) - 4, 0), num=min(50, len(index))).astype(int))
    votes = Counter()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for start in starts:
            try:
                freq = pd.infer_freq(index[start : start + 4])
            except (TypeError, ValueError):
                freq = None
            if freq is not None:
                votes[freq] += 1
    return votes.most_common(1)[0][0] if votes else None


# Frequencies that pandas.infer_freq never returns (semi-monthly dates: the
# 15th and the month's end, or its start and the 15th), tried when the
# frequency guessed from short runs does not hold the dates.
_UNINFERRED = ("SME", "SMS")


def fill_frequency(index):
    """A frequency to suggest for ``asfreq`` on ``index`` (a sorted
    DatetimeIndex whose frequency cannot be inferred), as a string, or None.

    The frequency guessed from short runs (:func:`guess_frequency`), else a
    semi-monthly one; kept only when its periods, counted from the first
    date, hold every date of ``index`` (so that ``asfreq`` keeps every label
    and only adds the missing periods). A semi-monthly one must also have
    most consecutive dates one period apart: month-end dates lie on
    semi-monthly periods too, and ``asfreq`` would add a 15th between every
    two. The guess needs no such rule: sparse daily data (sales logged on
    the days with sales) are daily.
    """
    candidates = [(guess_frequency(index), False)] + [(freq, True) for freq in _UNINFERRED]
    for candidate, dense in candidates:
        if candidate is None:
            continue
        try:
            offset = pd.tseries.frequencies.to_offset(candidate)
        except ValueError:  # "SME" and "SMS" are pandas 2.2 aliases
            continue
        ordinals, on = TimeIndex("datetime", offset).ordinals(index)
        if on.all() and (not dense or np.mean(np.diff(ordinals) == 1) >= 0.5):
            return candidate
    return None


def _duration(delta):
    if delta % pd.Timedelta(days=1) == pd.Timedelta(0):
        return f"{delta.days} day{'s' if delta.days != 1 else ''}"
    return str(delta)


def describe_steps(index):
    """How far apart consecutive dates of ``index`` (sorted, at least 2) are, in words."""
    steps = pd.Series(index[1:] - index[:-1])
    low, high, common = steps.min(), steps.max(), steps.mode().iloc[0]
    if low == high:
        return f"{_duration(low)} apart"
    days = pd.Timedelta(days=1)
    lowest = f"{low.days}" if low % days == pd.Timedelta(0) and high % days == pd.Timedelta(0) else _duration(low)
    return f"{lowest} to {_duration(high)} apart ({_duration(common)} most often)"


@dataclass(frozen=True)
class TimeIndex:
    """The spacing of a forecaster's time labels and how to continue them.

    ``kind`` is ``"datetime"``, ``"period"``, ``"integer"`` or ``"array"``;
    ``freq`` the pandas frequency (datetime and period), ``step`` the integer
    step; ``name`` the name of the time index (or level); ``tz`` the time
    zone of datetime labels (None: tz-naive).
    """

    kind: str
    freq: object = None
    step: int = 1
    name: object = None
    tz: object = None

    @property
    def freqstr(self):
        """The frequency as pandas writes it for this kind of index ('M' for monthly periods)."""
        if self.kind == "period":
            return pd.PeriodIndex([], freq=self.freq).freqstr
        return self.freq.freqstr

    def describe(self):
        """The spacing in words, for messages."""
        if self.kind == "datetime":
            return f"DatetimeIndex with frequency {self.freqstr!r}"
        if self.kind == "period":
            return f"PeriodIndex with frequency {self.freqstr!r}"
        if self.kind == "integer":
            return f"integer index with step {self.step}"
        return "array (no index)"

    def future(self, last, n_periods):
        """The ``n_periods`` labels that follow the label ``last`` (None for arrays)."""
        if self.kind == "datetime":
            return pd.date_range(start=last, periods=n_periods + 1, freq=self.freq, name=self.name)[1:]
        if self.kind == "period":
            return pd.period_range(start=last + 1, periods=n_periods, freq=self.freq, name=self.name)
        if self.kind == "integer":
            start = int(last) + self.step
            return pd.RangeIndex(start, start + self.step * n_periods, self.step, name=self.name)
        return None

    def future_each(self, lasts, n_periods):
        """The ``n_periods`` labels after each label of ``lasts``, series by
        series: an Index of ``len(lasts) * n_periods`` labels."""
        lasts = pd.Index(lasts)
        n = len(lasts)
        if n_periods == 0 or n == 0:
            return lasts[:0].rename(self.name)
        parts = []
        for k in range(1, n_periods + 1):
            if self.kind == "datetime":
                with warnings.catch_warnings():
                    # pandas applies some offsets (custom business days, business
                    # hours) label by label and says so: right, only slower
                    warnings.simplefilter("ignore", pd.errors.PerformanceWarning)
                    parts.append(pd.DatetimeIndex(lasts) + self.freq * k)
            elif self.kind == "period":
                parts.append(pd.PeriodIndex(lasts) + k)
            else:
                parts.append(pd.Index(lasts.to_numpy() + self.step * k))
        order = (np.arange(n_periods)[None, :] * n + np.arange(n)[:, None]).reshape(-1)
        return parts[0].append(parts[1:]).take(order).rename(self.name)

    def ordinals(self, labels):
        """Period numbers of ``labels`` (consecutive periods differ by 1).

        The origin is arbitrary but the same for all labels of one call.
        Returns the numbers and a mask of the labels that fall on the
        index's frequency (the others have no number).
        """
        labels = pd.Index(labels)
        n = len(labels)
        if n == 0:
            return np.empty(0, dtype=np.int64), np.ones(0, dtype=bool)
        if self.kind == "period":
            ticks = labels.asi8 - labels.asi8.min()
            stride = max(abs(int(getattr(self.freq, "n", 1))), 1)
        elif self.kind == "datetime" and not isinstance(self.freq, pd.offsets.Tick):
            # calendar frequencies (days, weeks, months...): positions on a grid
            grid = pd.date_range(start=labels.min(), end=labels.max(), freq=self.freq)
            positions = grid.get_indexer(labels)
            return positions.astype(np.int64), positions >= 0
        elif self.kind == "datetime":
            ticks = np.asarray((labels - labels.min()) / pd.Timedelta(self.freq))
            stride = 1
            on = np.isclose(ticks, np.round(ticks))
            return np.round(ticks).astype(np.int64), on
        else:
            values = np.asarray(labels, dtype=np.int64)
            ticks = values - values.min()
            stride = self.step
        return ticks // stride, ticks % stride == 0

    def regular(self, labels):
        """Whether ``labels`` are consecutive periods of this spacing."""
        ordinals, on = self.ordinals(labels)
        return bool(on.all()) and bool(np.all(np.diff(ordinals) == 1))

    def conversion(self):
        """An expression, of ``{labels}``, that turns text labels into labels of this kind."""
        if self.kind == "datetime":
            return "pd.to_datetime({labels})"
        if self.kind == "period":
            return f"pd.PeriodIndex({{labels}}, freq={self.freqstr!r})"
        return "{labels}.astype('int64')"

    def like(self, name):
        """This spacing for labels named ``name`` (data given after fit)."""
        return TimeIndex(self.kind, self.freq, self.step, name, self.tz)

    def check_zone(self, labels, what, code=None, level=None):
        """Raise unless the datetime ``labels`` are in the time zone seen in fit.

        pandas cannot compare tz-naive with tz-aware dates, and dates of
        another zone would be other periods of a calendar frequency, so the
        data must be converted first; the message says how (``level``: the
        level of a panel's MultiIndex that holds the labels).
        """
        if self.kind != "datetime" or not isinstance(labels, pd.DatetimeIndex):
            return
        if _zone(labels.tz) == _zone(self.tz):
            return
        var = code or what
        if self.tz is None:
            change, words = "tz_localize(None)", "tz-naive dates"
        elif labels.tz is None:
            change, words = f"tz_localize({_zone(self.tz)!r})", f"dates in time zone {_zone(self.tz)!r}"
        else:
            change, words = f"tz_convert({_zone(self.tz)!r})", f"dates in time zone {_zone(self.tz)!r}"
        found = "tz-naive dates" if labels.tz is None else f"dates in time zone {_zone(labels.tz)!r}"
        raise ValueError(
            f"The time labels of {what} are {found}, but the forecaster was fitted on {words}. Convert them "
            f"first: {_relabel(var, '{labels}.' + change, level)}."
        )

    def check_labels(self, labels, what, code=None, level=None):
        """Raise unless ``labels`` (time labels given after fit, such as the
        index of ``future``) are of the kind, frequency and time zone seen in fit."""
        if self.kind == "array":
            return
        var = code or what
        if labels.hasnans:
            raise ValueError(f"The time labels of {what} include missing ones (NaT or NaN); give every row its period.")
        kind = _kind_of(labels)
        if kind != self.kind or (kind == "period" and labels.freq != self.freq):
            found = _article(f"{type(labels).__name__} of dtype {labels.dtype}")
            convert = "" if kind is not None else f" Convert the labels: {_relabel(var, self.conversion(), level)}."
            raise ValueError(
                f"The time labels of {what} are {found}, but the forecaster was fitted on data with "
                f"{_article(self.describe())}; give the periods as forecaster.future_index() labels them.{convert}"
            )
        self.check_zone(labels, what, code, level)

    def check_spacing(self, other, what):
        """Raise if ``other`` (the spacing of data given after fit) differs."""
        if other.kind != self.kind:
            raise ValueError(
                f"The index of {what} is {_article(other.describe())}, but the forecaster was fitted on data with "
                f"{_article(self.describe())}. Pass data of the kind seen in fit."
            )
        if self.kind in ("datetime", "period") and other.freq != self.freq:
            raise ValueError(
                f"The index of {what} has frequency {other.freqstr!r}, but the forecaster was fitted on "
                f"frequency {self.freqstr!r}. Forecast data of the frequency it was fitted on, or fit "
                "a forecaster on this frequency."
            )
        if self.kind == "integer" and other.step != self.step:
            raise ValueError(
                f"The integer index of {what} has step {other.step}, but the forecaster was fitted on step "
                f"{self.step}. Pass data with the step seen in fit."
            )

    def _fill_fix(self, var):
        """Pasteable code that puts a single series on its periods and fills the gaps."""
        if self.kind == "datetime":
            return f"`{var} = {var}.asfreq({self.freqstr!r}).interpolate()`"
        if self.kind == "period":
            return (
                f"`{var} = {var}.reindex(pd.period_range({var}.index[0], {var}.index[-1], "
                f"freq={var}.index.freq)).interpolate()`"
            )
        return f"`{var} = {var}.reindex(range({var}.index[0], {var}.index[-1] + 1, {self.step})).interpolate()`"

    def check_follows(self, last, index, what):
        """Raise unless ``index`` holds the periods that directly follow ``last``."""
        expected = self.future(last, len(index))
        if len(index) > 1 and index[0] == expected[0] and not index.equals(expected):
            # it starts where it should: name what goes wrong inside it
            check_order(index, what)
            i = int(np.flatnonzero(index != expected)[0])
            _, on = self.ordinals(index)
            if not on.all():
                # a label off the periods, not a gap: asfreq would drop its row rather than fill a period
                j = int(np.flatnonzero(~on)[0])
                after = self.future(index[j - 1], 1)[0]
                raise ValueError(
                    f"{what} has the label {plain(index[j])!r}, which is not a period of the {self.describe()} seen "
                    f"in fit (the period after {plain(index[j - 1])!r} is {plain(after)!r}). Give each row the label "
                    "of its period."
                )
            raise ValueError(
                f"{what} has a gap: {plain(expected[i])!r} is missing after {plain(index[i - 1])!r} "
                f"({self.describe()}); a forecaster needs one row per period: fill it, for example "
                f"{self._fill_fix(what)}."
            )
        if not index.equals(expected):
            raise ValueError(
                f"{what} must follow the data seen so far without gap or overlap: the next periods are "
                f"{list(expected[:3])}{' ...' if len(expected) > 3 else ''} ({self.describe()}), "
                f"but {what} starts at {plain(index[0])!r} and has index {list(index[:3])}"
                f"{' ...' if len(index) > 3 else ''}."
            )

    def continues(self, lasts, keys, firsts, index, what):
        """Raise unless each series continues its series without gap or overlap.

        Parameters
        ----------
        lasts : Index
            The last period seen of each series.
        keys : Index or None
            The series (None for a single series, whose labels are ``index``).
        firsts : Index
            The first label of each series of the new data.
        index : Index
            The time labels of the new data of a single series.
        what : str
            The argument's name, for messages.
        """
        if self.kind == "array":
            return
        if keys is None:
            self.check_follows(lasts[0], index, what)
            return
        ordinals, _ = self.ordinals(lasts.append(pd.Index(firsts)))
        n = len(lasts)
        bad = np.flatnonzero(ordinals[n:] != ordinals[:n] + 1)
        if len(bad):
            i = int(bad[0])
            expected = list(self.future(lasts[i], 3))
            raise ValueError(
                f"Series {plain(keys[i])!r} of {what} must follow the data seen so far without gap or overlap: "
                f"its next periods are {expected} ..., but {what} starts it at {plain(firsts[i])!r}."
            )

    def labels_after(self, keys, lasts, n_periods, names=None):
        """The ``n_periods`` labels after the last period of each series.

        An Index for a single series (``keys`` None), else a ``(series, time)``
        MultiIndex with level names ``names``, ``n_periods`` rows per series.
        """
        if keys is None:
            return self.future(lasts[0], n_periods)
        labels = self.future_each(lasts, n_periods)
        return pd.MultiIndex.from_arrays([keys.repeat(n_periods), labels], names=names)


def _kind_of(index):
    if isinstance(index, pd.DatetimeIndex):
        return "datetime"
    if isinstance(index, pd.PeriodIndex):
        return "period"
    if pd.api.types.is_integer_dtype(index.dtype):
        return "integer"
    return None


def _relabel(var, expression, level=None):
    """Pasteable code that replaces the time labels of ``var`` (its index, or
    level ``level`` of its MultiIndex) by ``expression`` of them (``{labels}``)."""
    if level is None:
        return f"`{var}.index = {expression.format(labels=f'{var}.index')}`"
    labels = f"{var}.index.levels[{level}]"
    return f"`{var}.index = {var}.index.set_levels({expression.format(labels=labels)}, level={level})`"


def _convert_message(index, what, var, expected):
    """Why labels that are not dates, periods or integers cannot follow a fit
    on ``expected``, with the one conversion that gives its kind."""
    return (
        f"The index of {what} is {_article(f'{type(index).__name__} of dtype {index.dtype}')}, but the forecaster "
        f"was fitted on data with {_article(expected.describe())}. Convert the labels: "
        f"{_relabel(var, expected.conversion())}."
    )


def _zone(tz):
    """A time zone's name ('UTC', 'Europe/Berlin'), None for tz-naive: zone
    objects of different libraries for one zone compare unequal."""
    return None if tz is None else str(tz)


def _article(words):
    return ("an " if words[0].lower() in "aeiou" else "a ") + words


def check_order(index, what, *, code=None, panel=False):
    """Raise for duplicated or unsorted labels, saying how to fix them."""
    var = code or what
    if index.has_duplicates:
        duplicated = list(index[index.duplicated()][:3])
        levels = "[0, 1]" if panel else "0"
        raise ValueError(
            f"The index of {what} has duplicated labels, for example {duplicated}. A forecaster needs one row "
            f"per period: aggregate duplicates first, for example `{var} = {var}.groupby(level={levels}).mean()`."
        )
    if not index.is_monotonic_increasing:
        raise ValueError(
            f"The index of {what} is not sorted in time order. Sort it first: `{var} = {var}.sort_index()`."
        )


def check_time_index(data, what="data", *, code=None, expected=None, continuing=False):
    """Validate the index of ``data`` and return its :class:`TimeIndex`.

    Raises a ``ValueError`` that says how to fix an unsorted or duplicated
    index, or a ``DatetimeIndex`` whose frequency cannot be determined.
    ``code`` is the variable name used in the suggested fixes (``what`` by
    default). With ``expected`` (the spacing seen in fit), the index must
    have that spacing, or the error names the difference; ``continuing``
    data (that follow the data seen, checked label by label by
    :meth:`TimeIndex.check_follows`) need only be of the same kind.
    """
    var = code or what
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        return TimeIndex("array")
    index = data.index
    if index.hasnans:
        raise ValueError(
            f"The index of {what} has missing time labels (NaT or NaN); give every row its period, or drop "
            f"those rows: `{var} = {var}[{var}.index.notna()]`."
        )
    if expected is not None and expected.kind != "array":
        if _kind_of(index) is None:
            raise ValueError(_convert_message(index, what, var, expected))
        expected.check_zone(index, what, code)
        same_kind = _kind_of(index) == expected.kind and (expected.kind != "period" or index.freq == expected.freq)
        if same_kind and continuing:
            if len(index) >= 2 and not expected.regular(index):
                # name a different spacing; other irregularities are the caller's follow check's
                try:
                    found = check_time_index(data, what, code=code)
                except ValueError:
                    found = None
                if found is not None:
                    expected.check_spacing(found, what)
            return expected.like(index.name)
        if same_kind and len(index) and expected.regular(index):
            return expected.like(index.name)
        found = check_time_index(data, what, code=code)
        expected.check_spacing(found, what)
        return found
    if isinstance(index, pd.DatetimeIndex):
        check_order(index, what, code=var)
        freq = _infer_frequency(index)
        if freq is None:
            if len(index) < 3:
                reason = "(fewer than 3 dates). Pass more rows, or set the frequency of the index."
            else:
                guess = fill_frequency(index)
                reason = "(the dates are irregular or have gaps). A forecaster needs one row per period: "
                if guess is not None:
                    reason += (
                        f"set the frequency and fill the gaps it reveals, for example "
                        f"`{var} = {var}.asfreq({guess!r}).interpolate()`."
                    )
                else:
                    reason += (
                        f"consecutive dates are {describe_steps(index)}, and no frequency guessed from them "
                        f"keeps every date. Set the frequency that generates your dates yourself, with "
                        f"{var}.asfreq(offset) for a pandas offset (for example 'D' or 'MS') whose periods "
                        f"include every date, and fill the gaps it reveals; or use row numbers: "
                        f"`{var} = {var}.reset_index(drop=True)`."
                    )
            raise ValueError(f"The DatetimeIndex of {what} has no frequency and none can be inferred {reason}")
        return TimeIndex("datetime", freq, name=index.name, tz=index.tz)
    if isinstance(index, pd.PeriodIndex):
        check_order(index, what, code=var)
        expected = pd.period_range(start=index[0], periods=len(index), freq=index.freq)
        if not index.equals(expected):
            missing = pd.period_range(index[0], index[-1], freq=index.freq).difference(index)[:3]
            raise ValueError(
                f"The PeriodIndex of {what} skips periods (for example {list(missing)}). A forecaster needs "
                f"one row per period: reindex and fill the gaps, for example `{var} = {var}.reindex("
                f"pd.period_range({var}.index[0], {var}.index[-1], freq={var}.index.freq)).interpolate()`."
            )
        return TimeIndex("period", index.freq, name=index.name)
    if pd.api.types.is_integer_dtype(index.dtype):
        check_order(index, what, code=var)
        steps = np.diff(index.to_numpy())
        step = int(steps[0]) if len(steps) else 1
        if len(steps) and np.any(steps != step):
            common = math.gcd(*(int(s) for s in np.unique(steps)))
            raise ValueError(
                f"The integer index of {what} has uneven steps; a forecaster needs one row per period. "
                f"If periods are missing, reindex and fill them: `{var} = {var}.reindex(range({var}.index[0], "
                f"{var}.index[-1] + 1, {common})).interpolate()`; if the rows are consecutive periods, "
                f"number them: `{var} = {var}.reset_index(drop=True)`."
            )
        return TimeIndex("integer", step=step, name=index.name)
    raise ValueError(
        f"The index of {what} is {_article(type(index).__name__)} of dtype {index.dtype}; a forecaster needs a "
        f"DatetimeIndex, a PeriodIndex or an integer (Range) index. If the labels are dates, convert them: "
        f"`{var}.index = pd.to_datetime({var}.index)`; else number the rows: "
        f"`{var} = {var}.reset_index(drop=True)`."
    )
