"""Plots of forecasts: history, point forecast and interval bands (matplotlib, optional)."""

import numpy as np
import pandas as pd

__all__ = ["plot_forecast"]


def _one_series(obj, what):
    """``obj`` as a Series over time: one series of one target."""
    if obj is None:
        return None
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
        obj = obj.iloc[:, 0]
    if not isinstance(obj, pd.Series):
        obj = pd.Series(np.asarray(obj, dtype=np.float64).ravel())
    return obj


def _x(index):
    """Values matplotlib can place: periods as timestamps."""
    return index.to_timestamp() if isinstance(index, pd.PeriodIndex) else index


def _bands(interval):
    """``[(coverage or None, lower, upper), ...]`` from ``predict_interval``'s result, widest first."""
    if not isinstance(interval, pd.DataFrame):
        raise TypeError(
            f"interval must be the DataFrame that predict_interval returns for pandas data; got "
            f"{type(interval).__name__}. A forecaster fitted on arrays returns arrays: plot those with matplotlib."
        )
    if isinstance(interval.index, pd.MultiIndex):
        raise ValueError(
            "interval is a panel; plot_forecast draws one series: select it first, for example "
            "`interval.xs(key, level=0)`."
        )
    columns = interval.columns
    if isinstance(columns, pd.MultiIndex):
        if columns.nlevels != 2 or set(columns.get_level_values(-1)) != {"lower", "upper"}:
            raise ValueError(
                "interval must hold the intervals of one target, as predict_interval returns them: columns "
                "'lower' and 'upper', or (coverage, 'lower'/'upper'); select one target first, for example "
                "`interval[name]`."
            )
        levels = sorted(set(columns.get_level_values(0)), reverse=True)
        return [(c, interval[(c, "lower")], interval[(c, "upper")]) for c in levels]
    if not {"lower", "upper"} <= set(columns):
        raise ValueError(f"interval must have the columns 'lower' and 'upper'; it has {list(columns)}.")
    return [(None, interval["lower"], interval["upper"])]


def plot_forecast(history, forecast, interval=None, ax=None):
    """Draw a series' history, its forecast and the forecast's interval band(s).

    Parameters
    ----------
    history : Series or one-column DataFrame
        Observed values (for example the last seasons of the data).
    forecast : Series or one-column DataFrame
        The point forecast, as :meth:`Forecaster.predict` returns it.
    interval : DataFrame, default=None
        Intervals as :meth:`Forecaster.predict_interval` returns them for
        one target: columns ``lower`` and ``upper``, or ``(coverage,
        lower|upper)`` for several coverages (one band each, the wider ones
        lighter). For a panel or several targets, select one series or
        target first (``.xs(key, level=0)``, ``[name]``).
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
        If ``interval`` is not a DataFrame.
    ValueError
        For a panel or several targets.

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
    """
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "plot_forecast needs matplotlib, an optional dependency of sklearn-rnn: pip install 'sklearn-rnn[plot]' "
            "(or pip install matplotlib)"
        ) from error
    history = _one_series(history, "history")
    forecast = _one_series(forecast, "forecast")
    bands = _bands(interval) if interval is not None else []
    if ax is None:
        _, ax = plt.subplots(figsize=(9, 4))
    ax.plot(_x(history.index), history.to_numpy(), color="black", lw=1.2, label="history")
    for i, (coverage, lower, upper) in enumerate(bands):
        label = "interval" if coverage is None else f"{coverage:.0%} interval"
        alpha = 0.15 + 0.2 * i / max(len(bands) - 1, 1) if len(bands) > 1 else 0.25
        ax.fill_between(
            _x(lower.index), lower.to_numpy(), upper.to_numpy(), color="tab:blue", alpha=alpha, lw=0, label=label
        )
    ax.plot(_x(forecast.index), forecast.to_numpy(), color="tab:blue", lw=2, label="forecast")
    ax.legend(loc="upper left", fontsize=8)
    return ax
