"""Covariates known in advance: which columns they are, and their values for the periods to forecast.

A :class:`~sklearn_rnn.Forecaster` with ``future_covariates`` sees those
columns for its window and for the ``horizon`` periods after it. This module
assigns each column its role (target, past covariate, future covariate) and
checks and lays out the future values a user passes to ``predict``,
``predict_interval``, ``predict_quantiles`` and ``score``.
"""

from numbers import Integral

import numpy as np
import pandas as pd

from ._calendar import calendar_features
from ._messages import plain
from ._panel import check_level_order, check_panel_levels

__all__ = ["FutureCovariates", "check_future_steps", "column_roles", "fit_target"]


def fit_target(data, target, future_covariates):
    """The target columns of ``data``: ``target``, or for None every column but the future covariates.

    Returns ``target`` itself unless it is None and there are future
    covariates; None means every column.
    """
    if target is not None or not future_covariates or isinstance(data, pd.Series):
        # a Series is its own target: its future covariates are named as missing columns later
        return target
    columns = list(data.columns) if isinstance(data, pd.DataFrame) else None
    n_columns = len(columns) if columns is not None else (np.shape(data)[1] if np.ndim(data) == 2 else 1)
    future = set(future_covariates)
    labels = columns if columns is not None else list(range(n_columns))
    remaining = [c for c in labels if c not in future]
    if not remaining:
        raise ValueError(
            f"future_covariates names every column of the data ({labels}); leave at least one column to "
            "forecast, or name the target with target=..."
        )
    return remaining


def column_roles(panel, future_covariates):
    """Positions of the targets, past covariates and future covariates of ``panel``'s columns.

    Raises
    ------
    ValueError
        If a future covariate is not a column, is also a target, or is named twice.
    """
    t = list(panel.targets)
    n_columns = panel.values.shape[1]
    f = []
    for name in future_covariates or []:
        if panel.columns is not None and name in panel.columns:
            position = panel.columns.index(name)
        elif panel.columns is None and isinstance(name, Integral) and -n_columns <= name < n_columns:
            position = int(name) % n_columns
        else:
            known = f"columns {panel.columns}" if panel.columns is not None else "positions for arrays"
            raise ValueError(f"future_covariates names {plain(name)!r}, which is not a column of the data ({known}).")
        if position in t:
            raise ValueError(
                f"future_covariates names {plain(name)!r}, which is also a target; a column is either forecast or "
                "known in advance."
            )
        if position in f:
            raise ValueError(f"future_covariates names {plain(name)!r} more than once.")
        f.append(position)
    p = [i for i in range(n_columns) if i not in t and i not in f]
    return t, p, f


def check_future_steps(estimator, has_future, horizon):
    """Raise when an estimator's ``future_steps`` does not match the windows a forecaster builds.

    With future covariates (or calendar columns) each window ends with
    ``horizon`` future steps; without, it has none. A recurrent regressor's
    ``future_steps`` says how many of the last steps it reads as future
    inputs: any other number would read past rows as future ones, or
    future rows as past ones. 0 (reading every step with the recurrent
    layers) is allowed either way.

    Raises
    ------
    ValueError
        If ``future_steps`` is set without future steps, or differs from
        ``horizon`` with them.
    """
    steps = estimator.get_params(deep=False).get("future_steps") if hasattr(estimator, "get_params") else None
    if not steps:
        return
    if not has_future:
        raise ValueError(
            f"The estimator has future_steps={steps}, but the forecaster's windows have no future steps: there are "
            "no future covariates (future_covariates=[...] or calendar columns). Set future_steps=0 on the "
            "estimator, or name the covariates known in advance."
        )
    if steps != horizon:
        raise ValueError(
            f"The estimator has future_steps={steps}, but each window ends with the horizon={horizon} forecast "
            f"periods of the future covariates; set future_steps={horizon} on the estimator."
        )


class FutureCovariates:
    """The future covariates of a fitted forecaster and the checks of their future values.

    Parameters
    ----------
    positions : list of int
        Column positions of the future covariates (empty: none).
    columns : list or None
        The column labels seen in fit (None for arrays).
    time : TimeIndex
        The spacing of the time labels seen in fit.
    horizon : int
        Periods forecast at once.
    """

    def __init__(self, positions, columns, time, horizon, calendar=(), calendar_positions=()):
        self.names = [columns[i] for i in positions] if columns is not None else list(positions)
        self.calendar = list(calendar)
        # the user's columns, then the calendar columns that follow the data's
        self.positions = list(positions) + list(calendar_positions)
        self.time = time
        self.horizon = horizon

    def __bool__(self):
        return bool(self.positions)

    def check_argument(self, future):
        """Raise if ``future`` is given to a forecaster without future covariates of the user's."""
        if future is not None and not self.names:
            raise ValueError(
                "future is for the values of future_covariates, and this forecaster has none; "
                "set future_covariates=[...] and fit again, or leave future out."
            )

    def rows(self, future, keys, lasts, counts, what="future"):
        """Values of the future covariates for the periods after each series' last one.

        The user's columns come from ``future``, the calendar columns from
        the periods' labels.

        Parameters
        ----------
        future : DataFrame, Series, array-like or None
            What the user passed: for pandas data, a DataFrame indexed by
            the periods (a ``(series, time)`` MultiIndex for a panel) with
            the future covariate columns; for arrays, an array of shape
            ``(n_periods, n_future_covariates)``.
        keys : Index or None
            The series (None for a single series).
        lasts : Index
            The last period seen of each series.
        counts : array-like of int
            Periods needed after ``lasts[i]`` for series ``i``.
        what : str
            The argument's name, for messages.

        Returns
        -------
        block : ndarray of shape (n_series, max(counts), n_future_covariates)
            Float64 values; past each series' count, NaN for the user's
            columns, the calendar's values for the calendar columns (unread).

        Raises
        ------
        ValueError
            If ``future`` is missing, of the wrong kind, lacks a column, is
            misaligned or short, has duplicated labels or missing values.
        """
        n_max = int(max(counts)) if len(counts) else 0
        block = np.full((len(lasts), n_max, len(self.positions)), np.nan)
        if n_max == 0:
            return block
        n_given = len(self.names)
        if n_given:
            self._given(block[:, :, :n_given], future, keys, lasts, counts, what)
        if self.calendar:
            labels = self.time.future_each(lasts, n_max)
            block[:, :, n_given:] = calendar_features(labels, self.calendar).to_numpy().reshape(len(lasts), n_max, -1)
        return block

    def _given(self, block, future, keys, lasts, counts, what):
        """Fill ``block`` ``(n_series, n_max, n_given)`` with the user's future covariates from ``future``."""
        names = self.names
        n_future = len(names)
        n_max = block.shape[1]
        if self.time.kind == "array":
            if future is None:
                raise ValueError(
                    f"This forecaster has future_covariates={list(names)}: pass their values for the next {n_max} "
                    f"periods as {what}, an array of shape ({n_max}, {n_future})."
                )
            rows = np.asarray(future, dtype=np.float64)
            rows = rows.reshape(len(rows), -1)
            if rows.shape[1] != n_future or len(rows) < n_max:
                raise ValueError(
                    f"{what} must hold the future covariates {list(names)} for the next {n_max} periods: an "
                    f"array of shape ({n_max}, {n_future}); got shape {rows.shape}."
                )
            if not np.isfinite(rows[:n_max]).all():
                raise ValueError(f"{what} has missing or infinite values; fill them.")
            block[0] = rows[:n_max]
            return
        labels = self.time.future_each(lasts, n_max)
        wanted = (np.arange(n_max)[None, :] < np.asarray(counts)[:, None]).reshape(-1)
        if keys is None:
            expected = labels[wanted]
        else:
            expected = pd.MultiIndex.from_arrays([keys.repeat(n_max)[wanted], labels[wanted]])
        if future is None:
            raise ValueError(
                f"This forecaster has future_covariates={list(names)}: pass their values for the periods to "
                f"forecast as {what}, a DataFrame indexed like forecaster.future_index() (the periods "
                f"{_preview(expected)})."
            )
        future = self._check_frame(future, expected, keys, what)
        rows = future.index.get_indexer(expected)
        if (rows < 0).any():
            raise ValueError(_gap_message(future, expected, rows, keys, what))
        try:
            taken = future[names].to_numpy(dtype=np.float64)[rows]
        except (TypeError, ValueError) as exc:
            numeric = [c for c in names if _numeric(future[c])]
            raise ValueError(
                f"The future covariates of {what} must be numbers; column(s) {[c for c in names if c not in numeric]} "
                f"hold other values ({exc})."
            ) from exc
        bad = ~np.isfinite(taken)
        if bad.any():
            row, col = np.argwhere(bad)[0]
            raise ValueError(
                f"{what} has {int(bad.sum())} missing or infinite value(s) in the periods to forecast, the first "
                f"in {plain(names[col])!r} at {plain(expected[row])!r}. Future covariates must be known for every "
                "period."
            )
        block[wanted.reshape(block.shape[:2])] = taken

    def _check_frame(self, future, expected, keys, what):
        """``future`` as a DataFrame with the future covariate columns (each
        once), its index of the kind seen in fit (a panel's with its 2 levels in
        order), non-empty and without duplicates; raise naming the first
        problem found."""
        names = self.names
        if isinstance(future, pd.Series):
            future = future.to_frame()
        if not isinstance(future, pd.DataFrame):
            raise ValueError(
                f"{what} must be a DataFrame with the columns {list(names)}, indexed by the periods to forecast; "
                f"got {type(future).__name__}."
            )
        missing = [c for c in names if c not in future.columns]
        if missing:
            raise ValueError(f"{what} lacks the future covariate column(s) {missing}; it has {list(future.columns)}.")
        repeated = [c for c in names if (future.columns == c).sum() > 1]
        if repeated:
            raise ValueError(
                f"{what} has the future covariate column(s) {repeated} more than once (after a join, for example); "
                "keep one column of each name."
            )
        if isinstance(future.index, pd.MultiIndex) != (keys is not None):
            kind = "a panel indexed by (series, time)" if keys is not None else "indexed by time"
            raise ValueError(f"{what} must be {kind}, like the data seen in fit.")
        if len(future) == 0:
            raise ValueError(
                f"{what} is empty: it needs the future covariates {list(names)} for the periods {_preview(expected)}."
            )
        if keys is None:
            self.time.check_labels(future.index, what)
        else:
            check_panel_levels(future.index, what)
            check_level_order(future.index, what)
            self.time.check_labels(future.index.get_level_values(1), what, level=1)
        if not future.index.is_unique:
            raise ValueError(f"The index of {what} has duplicated labels; give one row per period (and series).")
        return future

    def append(self, windows, block):
        """The rows to forecast from, followed by the future covariates' rows.

        Parameters
        ----------
        windows : ndarray of shape (n_series, n_rows, n_columns)
            The last rows of each series.
        block : ndarray of shape (n_series, horizon, n_future_covariates) or None
            From :meth:`rows`; None without future covariates.

        Returns
        -------
        values : ndarray of shape (n_series * (n_rows + extra), n_columns)
            Each series' rows, then (with future covariates) ``horizon`` rows
            holding them, NaN elsewhere.
        ends : ndarray of shape (n_series,)
            Row of ``values`` where each series' window ends.
        """
        n, keep, n_columns = windows.shape
        extra = self.horizon if self.positions else 0
        values = np.full((n, keep + extra, n_columns), np.nan)
        values[:, :keep] = windows
        if extra:
            values[:, keep:, self.positions] = block
        ends = np.arange(n) * (keep + extra) + keep - 1
        return values.reshape(-1, n_columns), ends


def _preview(labels):
    """The first labels of ``labels``, for messages."""
    return f"{list(labels[:3])}{' ...' if len(labels) > 3 else ''}"


def _numeric(column):
    try:
        column.to_numpy(dtype=np.float64)
    except (TypeError, ValueError):
        return False
    return True


def _gap_message(future, expected, rows, keys, what):
    """Why ``future`` does not hold every period of ``expected``: misaligned, short, or a series missing."""
    first_missing = int(np.flatnonzero(rows < 0)[0])
    label = expected[first_missing]
    if keys is None:
        needed, given = expected, future.index
        where = ""
    else:
        key = label[0]
        needed = expected[expected.get_level_values(0) == key].get_level_values(1)
        present = future.index.get_level_values(0) == key
        if not present.any():
            return f"{what} has no rows for series {plain(key)!r}; it needs the periods {list(needed[:3])} ..."
        given = future.index[present].get_level_values(1)
        where = f" for series {plain(key)!r}"
    if not needed[:1].isin(given).all():
        after = given[given > needed[0]]
        start = f"starts at {plain(after[0])!r}" if len(after) else f"ends at {plain(given[-1])!r}"
        return (
            f"{what}{where} is misaligned: it {start}, but the periods to forecast start at "
            f"{plain(needed[0])!r} ({len(needed)} periods)."
        )
    covered = int(needed.isin(given).sum())
    return (
        f"{what}{where} is short: it covers {covered} of the {len(needed)} periods to forecast "
        f"({plain(needed[0])!r} to {plain(needed[-1])!r}); the first missing is "
        f"{plain(label if keys is None else label[1])!r}."
    )
