"""Plots of forecasts: history, point forecast and interval bands (matplotlib, optional)."""

from numbers import Real

import numpy as np
import pandas as pd

from ._messages import plain
from ._warnings import warn_at_caller

__all__ = ["plot_forecast"]


def _one_series(obj, what):
    """``obj`` as a Series over time, one series of one target, and whether it was an array.

    An array gets the positions ``0 .. n - 1`` as its index.
    """
    if isinstance(obj, (pd.Series, pd.DataFrame)) and isinstance(obj.index, pd.MultiIndex):
        raise ValueError(
            f"{what} is a panel; plot_forecast draws one series: select it first, for example "
            f"`{what}.xs(key, level=0)`."
        )
    if isinstance(obj, pd.DataFrame):
        if obj.shape[1] != 1:
            raise ValueError(
                f"{what} has {obj.shape[1]} columns; plot_forecast draws one target: select it first, for "
                f"example `{what}[name]`."
            )
        return obj.iloc[:, 0], False
    if isinstance(obj, pd.Series):
        return obj, False
    values = np.asarray(obj, dtype=np.float64)
    if values.ndim == 2 and values.shape[1] == 1:
        values = values[:, 0]
    if values.ndim != 1:
        columns = f"has {values.shape[1]} columns" if values.ndim == 2 else f"has {values.ndim} dimensions"
        raise ValueError(
            f"{what} {columns}; plot_forecast draws one series of one target: select it first, for example "
            f"`{what}[:, j]`."
        )
    return pd.Series(values), True


def _x(index):
    """Values matplotlib can place: periods as timestamps."""
    return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index


def _is_coverage_level(columns, i):
    """Whether column level ``i`` (not the last) holds coverages rather than targets.

    By its name, as ``predict_interval`` sets it; unnamed, the middle level
    of three is the coverage, and the first of two is one when all its
    labels are numbers.
    """
    name = columns.names[i]
    if name in ("coverage", "target"):
        return name == "coverage"
    if columns.nlevels == 3:
        return i == 1
    return all(isinstance(c, Real) and not isinstance(c, bool) for c in columns.get_level_values(i).unique())


def _span(index):
    """The first and last labels of ``index`` and its length, for messages."""
    if not len(index):
        return "no rows"
    return f"{plain(index[0])!r} to {plain(index[-1])!r}, {len(index)} rows"


def _bands(interval, forecast_index, positional):
    """``[(coverage or None, lower, upper), ...]`` from ``predict_interval``'s result, widest first.

    An array interval's rows are the forecast's periods (``forecast_index``);
    so are a DataFrame's when ``positional`` (the forecast was an array),
    else it keeps its own index.
    """
    if not isinstance(interval, pd.DataFrame):
        try:
            values = np.asarray(interval, dtype=np.float64)
        except (TypeError, ValueError) as error:
            raise TypeError(
                f"interval must be a DataFrame or an array, as predict_interval returns it; got "
                f"{type(interval).__name__}."
            ) from error
        if values.ndim != 2 or values.shape != (len(forecast_index), 2):
            raise ValueError(
                f"An array interval must have the shape ({len(forecast_index)}, 2), one row per forecast period: "
                "the lower and upper bounds of one coverage, as predict_interval(coverage=c) returns them for one "
                f"target; got {values.shape}. "
                "For several coverages, give a DataFrame with the columns (coverage, 'lower'/'upper'), for "
                "example pd.DataFrame(interval, columns=pd.MultiIndex.from_product([[0.8, 0.95], "
                "['lower', 'upper']]))."
            )
        return [(None, pd.Series(values[:, 0], index=forecast_index), pd.Series(values[:, 1], index=forecast_index))]
    if isinstance(interval.index, pd.MultiIndex):
        raise ValueError(
            "interval is a panel; plot_forecast draws one series: select it first, for example "
            "`interval.xs(key, level=0)`."
        )
    if positional:
        if len(interval) != len(forecast_index):
            raise ValueError(
                f"interval has {len(interval)} rows and the forecast {len(forecast_index)}: with an array "
                "forecast, the interval's rows are its periods in order."
            )
        interval = interval.set_axis(forecast_index)
    elif not interval.index.equals(forecast_index):
        raise ValueError(
            f"The index of interval ({_span(interval.index)}) differs from the forecast's "
            f"({_span(forecast_index)}): the band would be drawn at other periods than the forecast. Give the "
            "interval of the same forecast, from predict_interval with the same data and future, after the same "
            "updates, as predict."
        )
    columns = interval.columns
    if isinstance(columns, pd.MultiIndex):
        if columns.nlevels > 3 or set(columns.get_level_values(-1)) != {"lower", "upper"}:
            raise ValueError(
                "interval must hold the intervals of one target, as predict_interval returns them: columns "
                "'lower' and 'upper', or (coverage, 'lower'/'upper'); select one target first, for example "
                "`interval[name]`."
            )
        targets = [i for i in range(columns.nlevels - 1) if not _is_coverage_level(columns, i)]
        if targets:
            names = columns.get_level_values(targets[0]).unique()
            if len(targets) > 1 or len(names) > 1:
                raise ValueError(
                    f"interval holds the intervals of {len(names)} targets ({list(names)}); plot_forecast draws "
                    "one target: select one target first, for example `interval[name]`."
                )
            interval = interval[names[0]]  # the only target: unambiguous
            columns = interval.columns
    if isinstance(columns, pd.MultiIndex):
        levels = sorted(set(columns.get_level_values(0)), reverse=True)
        return [(c, interval[(c, "lower")], interval[(c, "upper")]) for c in levels]
    if not {"lower", "upper"} <= set(columns):
        raise ValueError(f"interval must have the columns 'lower' and 'upper'; it has {list(columns)}.")
    return [(None, interval["lower"], interval["upper"])]


def plot_forecast(history, forecast, interval=None, ax=None):
    """Draw a series' history, its forecast and the forecast's interval band(s).

    Parameters
    ----------
    history : Series, one-column DataFrame, 1-D array or None
        Observed values (for example the last seasons of the data); None
        draws the forecast alone.
    forecast : Series, one-column DataFrame or 1-D array
        The point forecast, as :meth:`Forecaster.predict` returns it. For a
        forecaster fitted on arrays, give ``history`` as an array too (or
        None): arrays carry no time, so the history is drawn at ``0 .. n -
        1`` and the forecast right after it, at ``n .. n + horizon - 1``,
        as the continuation of its last rows (from 0 without history).
    interval : DataFrame or array of shape (horizon, 2), default=None
        Intervals as :meth:`Forecaster.predict_interval` returns them for
        one target: columns ``lower`` and ``upper``, or ``(coverage,
        lower|upper)`` for several coverages (one band each, the wider ones
        lighter); a first column level of one target, as a forecaster
        fitted with ``target=[name]`` gives, is fine. For an array
        forecast, the rows are its periods in order. For a panel or several
        targets, select one series or target first (``.xs(key, level=0)``,
        ``[name]``). Bounds that are infinite (too few calibration errors
        for the coverage) are left out of the band with a warning, and a
        band infinite at every step is left out of the legend.
    ax : matplotlib Axes, default=None
        Where to draw; None draws on a new figure.

    Returns
    -------
    ax : matplotlib Axes
        The axes drawn on, with a legend.

    Raises
    ------
    ImportError
        If matplotlib is not installed.
    TypeError
        If ``interval`` is neither a DataFrame nor an array.
    ValueError
        For a panel or several targets, an array interval not of shape
        ``(horizon, 2)``, an interval DataFrame whose index is not the
        forecast's (an interval of another forecast origin), or history and
        forecast one an array, the other a pandas object.

    Warns
    -----
    UserWarning
        Naming each coverage whose interval has infinite bounds.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from sklearn.linear_model import Ridge
    >>> from sklearn_rnn import Forecaster, plot_forecast
    >>> from sklearn_rnn.datasets import load_airline
    >>> y = load_airline()
    >>> forecaster = Forecaster(Ridge(), horizon=12).fit(y)
    >>> ax = plot_forecast(y[-36:], forecaster.predict(), forecaster.predict_interval(coverage=[0.8, 0.95]))
    >>> len(ax.collections)
    2

    Arrays: the forecast follows the history.

    >>> values = y.to_numpy()
    >>> forecaster = Forecaster(Ridge(), horizon=12).fit(values)
    >>> ax = plot_forecast(values[-36:], forecaster.predict(), forecaster.predict_interval())
    >>> [int(x) for x in ax.lines[1].get_xdata()[[0, -1]]]
    [36, 47]
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plot_forecast needs matplotlib, an optional dependency of sklearn-rnn: pip install 'sklearn-rnn[plot]' "
            "(or pip install matplotlib)"
        ) from error
    if forecast is None:
        raise ValueError("forecast is required: the point forecast, as Forecaster.predict returns it.")
    forecast, forecast_is_array = _one_series(forecast, "forecast")
    history, history_is_array = (None, forecast_is_array) if history is None else _one_series(history, "history")
    if history_is_array != forecast_is_array:
        raise ValueError(
            f"history is {'an array' if history_is_array else 'a pandas object'} and forecast "
            f"{'an array' if forecast_is_array else 'a pandas object'}: give both arrays or both pandas objects "
            "(a forecaster fitted on arrays forecasts arrays, one fitted on pandas data pandas objects)."
        )
    if forecast_is_array:
        start = 0 if history is None else len(history)
        forecast = forecast.set_axis(pd.RangeIndex(start, start + len(forecast)))
    bands = _bands(interval, forecast.index, forecast_is_array) if interval is not None else []
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    if history is not None:
        ax.plot(_x(history.index), history.to_numpy(), color="black", lw=1.2, label="history")
    for i, (coverage, lower, upper) in enumerate(bands):
        label = "interval" if coverage is None else f"{100 * coverage:g}% interval"  # 97.5%, not 98%
        x = _x(lower.index)
        lower, upper = lower.to_numpy(dtype=np.float64), upper.to_numpy(dtype=np.float64)
        finite = np.isfinite(lower) & np.isfinite(upper)
        if not finite.all():
            steps = "all" if not finite.any() else f"{int((~finite).sum())} of"
            warn_at_caller(
                f"The {label} has infinite bounds at {steps} {len(finite)} steps (too few calibration errors "
                f"for this coverage): {'it is not drawn' if not finite.any() else 'those steps are not drawn'}. "
                "Ask for a lower coverage, or fit on more data."
            )
        if not finite.any():
            continue
        alpha = 0.15 + 0.2 * i / max(len(bands) - 1, 1) if len(bands) > 1 else 0.25
        ax.fill_between(
            x,
            np.where(finite, lower, np.nan),
            np.where(finite, upper, np.nan),
            where=finite,
            color="tab:blue",
            alpha=alpha,
            lw=0,
            label=label,
        )
    ax.plot(_x(forecast.index), forecast.to_numpy(), color="tab:blue", lw=2, label="forecast")
    ax.legend(loc="upper left", fontsize=8)
    return ax
