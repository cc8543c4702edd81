"""The time index of a forecaster's data: checks, frequency and future periods.

Supported: a ``DatetimeIndex`` with a frequency (set or inferable), a
``PeriodIndex``, an integer index with a constant step (``RangeIndex``), and
plain arrays (no index: row numbers).
"""

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

__all__ = ["TimeIndex", "check_time_index"]


@dataclass(frozen=True)
class TimeIndex:
    """What a forecaster remembers about the index of the data it has seen.

    ``kind`` is ``"datetime"``, ``"period"``, ``"integer"`` or ``"array"``;
    ``freq`` the pandas frequency (datetime and period), ``step`` the integer
    step; ``last`` the last label seen (the row count for arrays).
    """

    kind: str
    last: object
    freq: object = None
    step: int = 1
    name: object = None

    def future(self, n_periods):
        """The ``n_periods`` labels that follow ``last`` (None for arrays)."""
        if self.kind == "datetime":
            return pd.date_range(start=self.last, periods=n_periods + 1, freq=self.freq, name=self.name)[1:]
        if self.kind == "period":
            return pd.period_range(start=self.last + 1, periods=n_periods, freq=self.freq, name=self.name)
        if self.kind == "integer":
            start = self.last + self.step
            return pd.RangeIndex(start, start + self.step * n_periods, self.step, name=self.name)
        return None

    def advanced(self, n_rows):
        """This index after ``n_rows`` more rows."""
        if self.kind == "array":
            return TimeIndex("array", self.last + n_rows)
        last = self.future(n_rows)[-1]
        return TimeIndex(self.kind, int(last) if self.kind == "integer" else last, self.freq, self.step, self.name)

    def describe(self):
        if self.kind == "datetime":
            return f"DatetimeIndex with frequency {self.freq.freqstr!r}"
        if self.kind == "period":
            return f"PeriodIndex with frequency {self.freq.freqstr!r}"
        return f"integer index with step {self.step}"


def _check_order(index, what):
    if index.has_duplicates:
        duplicated = list(index[index.duplicated()][:3])
        raise ValueError(
            f"The index of {what} has duplicated labels, for example {duplicated}. A forecaster needs one row "
            "per period: aggregate duplicates first, for example data.groupby(level=0).mean()."
        )
    if not index.is_monotonic_increasing:
        raise ValueError(
            f"The index of {what} is not sorted in time order. Sort it first, for example data.sort_index()."
        )


def check_time_index(data, what="data"):
    """Validate the index of ``data`` and return its :class:`TimeIndex`.

    Raises a ``ValueError`` that says how to fix an unsorted or duplicated
    index, or a ``DatetimeIndex`` whose frequency cannot be determined.
    """
    if not isinstance(data, (pd.Series, pd.DataFrame)):
        return TimeIndex("array", len(data) - 1 if hasattr(data, "__len__") else 0)
    index = data.index
    if isinstance(index, pd.DatetimeIndex):
        _check_order(index, what)
        freq = index.freq
        if freq is None and len(index) >= 3:
            with warnings.catch_warnings():
                # pandas 3 warns that infer_freq will return an offset; both work here
                warnings.simplefilter("ignore")
                inferred = pd.infer_freq(index)
            freq = None if inferred is None else pd.tseries.frequencies.to_offset(inferred)
        if freq is None:
            raise ValueError(
                f"The DatetimeIndex of {what} has no frequency and none can be inferred "
                + ("(fewer than 3 dates). " if len(index) < 3 else "(the dates are irregular or have gaps). ")
                + "A forecaster needs regular periods to label its forecasts. Set one, for example "
                "data = data.asfreq('MS') for monthly data (then fill the gaps it reveals, e.g. with "
                "data.interpolate()), or data.index.freq = 'D'; or pass data with a RangeIndex."
            )
        return TimeIndex("datetime", index[-1], freq, name=index.name)
    if isinstance(index, pd.PeriodIndex):
        _check_order(index, what)
        expected = pd.period_range(start=index[0], periods=len(index), freq=index.freq)
        if not index.equals(expected):
            missing = expected.difference(index)[:3] if len(expected) else []
            raise ValueError(
                f"The PeriodIndex of {what} skips periods (for example {list(missing)}). A forecaster needs "
                "one row per period: reindex, for example data.reindex(pd.period_range(data.index[0], "
                "data.index[-1], freq=data.index.freq)), and fill the gaps."
            )
        return TimeIndex("period", index[-1], index.freq, name=index.name)
    if pd.api.types.is_integer_dtype(index.dtype):
        _check_order(index, what)
        steps = np.diff(index.to_numpy())
        step = int(steps[0]) if len(steps) else 1
        if len(steps) and np.any(steps != step):
            raise ValueError(
                f"The integer index of {what} has uneven steps; a forecaster needs one row per period. "
                "Use a regular index, for example data.reset_index(drop=True)."
            )
        return TimeIndex("integer", int(index[-1]), step=step, name=index.name)
    raise ValueError(
        f"The index of {what} is a {type(index).__name__} of dtype {index.dtype}; a forecaster needs a "
        "DatetimeIndex, a PeriodIndex or an integer (Range) index. Convert it, for example "
        "data.index = pd.to_datetime(data.index), then set a frequency with data.asfreq(...)."
    )
