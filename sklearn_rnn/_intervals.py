"""Prediction intervals and quantiles of a forecaster: split-conformal, per horizon step.

A :class:`~sklearn_rnn.Forecaster` calibrates its intervals in ``fit`` on its
own out-of-sample errors, from rolling-origin folds:

1. The windows are in time order (over all series of a panel) and cut into
   ``N_FOLDS + 1`` equal blocks, as scikit-learn's ``TimeSeriesSplit``
   does. Fold ``k`` is a copy of the estimator, fitted as the forecaster
   fits its own, on the windows of the first ``k + 1`` blocks (cutoff
   ``T_k``: the last period seen as a target); with the default two folds,
   on the first third and the first two thirds of the windows.
2. Each fold forecasts from every origin from which some of the periods
   after its cutoff, up to the next fold's cutoff (the last fold: to the
   end of the data), are 1 to ``horizon`` steps ahead (also origins whose
   later steps run past the end of the data), so that each period after
   the first cutoff gets one error per horizon step, of each series: the
   last two thirds of the history are calibration data. Errors are kept in
   units of each series' spread (``scale_``, the in-sample mean absolute
   seasonal difference), the units the estimator learns in: one global
   model gives each series of a panel an interval proportional to its own
   spread.
3. At prediction time each absolute error is divided by the mean absolute
   error of its horizon step (the step's spread), the normalized errors of
   all steps, folds and series are pooled, and the half-width of the
   interval of coverage ``c`` is their conformal quantile (with ``n``
   errors sorted, the ``ceil((n + 1) * c)``-th; Vovk et al., 2005; Lei et
   al., 2018) times the step's spread and the series' spread, around the
   point forecast.

Why folds over most of the history rather than one hold-out of its most
recent quarter (on ``benchmarks/interval_accuracy.py``, seeds 0 to 2: mean
coverage of the 90% intervals 0.90 to 0.92 against 0.82 to 0.86, and a
lower MSIS): one recent stretch measures the errors of one
regime only, and when it is calmer than what follows (the macro series of
the benchmark, calibrated on 1995-2007 before the 2008 recession) every
interval is too narrow. sktime's ``ConformalIntervals`` likewise takes
residuals from about the first tenth of the series on, and neuralforecast
and mlforecast calibrate on ``n_windows`` backtests. The first fold learns
from a third of the windows, less than the final model, so its errors are
somewhat larger: the intervals err on the wide side. The final networks'
own errors on their early-stopping windows (free with ``refit=False``) err
on the narrow side, because those windows chose the epoch kept: adding them
lowered the coverage on the benchmark. One network per fold, not the
ensemble: the two copies train on a third and two thirds of the windows,
together about as long as one network on all of them (about 40% of a
default three-network fit).

The intervals are symmetric around the point forecast, which therefore
always lies inside. Signed errors would allow skewed bounds, but the
calibration copies' bias on the held-out periods does not carry over to
the final model: for a Ridge forecaster of the
airline series fitted on 1949-1957, signed errors (all positive) put every
actual value of 1958 below intervals whose lower bound sat on the forecast.
The quantile of level ``q`` is the bound of the central interval of
coverage ``|2 q - 1|`` (the point forecast for ``q = 0.5``), so quantiles
are monotone in the level, and ``predict_interval(coverage=c)`` equals
``predict_quantiles(((1 - c) / 2, (1 + c) / 2))``.

The guarantee of split-conformal intervals needs exchangeable errors; the
errors of a time series are not, so the coverage is approximate: it holds
on average over horizon steps (each step's bounds come from that step's
spread) and over the series of a panel (marginal, not per series), to the
extent that the calibration periods are like the future. The anchors do the
same in spirit: skforecast and neuralforecast (``PredictionIntervals``,
``method="conformal_distribution"``) take quantiles of out-of-sample
backtest errors per horizon step, darts' ``ConformalNaiveModel`` of
historical-forecast errors per step (symmetric by default), sktime's
``ConformalIntervals`` of rolling-origin residuals.
"""

import math
import warnings
from collections.abc import Iterable
from numbers import Real

import numpy as np
import pandas as pd
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import TimeSeriesSplit

from ._ensemble import fit_ensemble, predict_mean
from ._messages import plain

__all__ = ["calibration_residuals", "check_coverage", "check_quantiles", "quantile_offsets", "bounds_frame"]

# Rolling-origin folds of the calibration (scikit-learn's TimeSeriesSplit over
# the windows): fold k learns from the first k + 1 of N_FOLDS + 1 equal blocks
# of windows and is scored on the periods of the next block.
N_FOLDS = 2
# Training windows a calibration copy needs at least.
_MIN_TRAIN_WINDOWS = 2


def calibration_residuals(forecaster, panel, ends, sid, X, Y, estimator, *, fixed_epochs, n_folds=N_FOLDS):
    """Out-of-sample errors of ``forecaster``'s model, per origin and horizon step.

    Parameters
    ----------
    forecaster : Forecaster
        Being fitted: its encoding, scales and window settings are set.
    panel : Panel
        The training data.
    ends, sid : ndarray of shape (n_windows,)
        Row of the last row and series of each training window, in time order.
    X, Y : ndarray
        The training inputs and targets of those windows.
    estimator : estimator
        The (unfitted) estimator the forecaster fits.
    fixed_epochs : bool
        Passed to :func:`~sklearn_rnn._ensemble.fit_ensemble`.
    n_folds : int, default=N_FOLDS
        Number of rolling-origin folds.

    Returns
    -------
    residuals : ndarray of shape (n_origins, horizon, n_targets)
        Actual minus forecast, in units of the series' spread, the rows of
        the folds one after the other; NaN where the period was seen in the
        fold's training, lies past the data or belongs to the next fold. No
        rows when the data are too short to hold windows out.
    outputs : ndarray of shape (n_origins, horizon, n_targets)
        The estimator's outputs (the forecasts relative to the baseline) of
        these errors, NaN where they are.
    decomposition : ndarray of shape (n_origins, horizon, n_targets, 2) or None
        The seasonal decomposition forecast minus the baseline's, in spreads,
        without and with its trend, NaN where the errors are; None when the
        forecaster does not mix it in.
    """
    h, t = forecaster.horizon, forecaster._target_positions
    times = ends if panel.n_series == 1 else panel.time.ordinals(panel.labels[ends])[0]
    n = len(ends)
    splits = []
    if n > n_folds:
        for train, _ in TimeSeriesSplit(n_splits=n_folds).split(ends):
            n_train = len(train)
            # whole time steps: windows ending at the same time stay on one side
            while n_train > 0 and times[n_train] == times[n_train - 1]:
                n_train -= 1
            if n_train >= _MIN_TRAIN_WINDOWS and (not splits or n_train > splits[-1]):
                splits.append(n_train)
    empty = np.empty((0, h, len(t)))
    parts = [(empty, empty, np.empty((0, h, len(t), 2)))]
    for k, n_train in enumerate(splits):
        # the fold is scored up to the last period the next fold trains on
        stop = times[splits[k + 1] - 1] + h if k + 1 < len(splits) else None
        parts.append(_fold_residuals(forecaster, panel, ends, sid, times, X, Y, estimator, fixed_epochs, n_train, stop))
    residuals, outputs, decomposition = (np.concatenate(arrays) for arrays in zip(*parts, strict=True))
    return residuals, outputs, decomposition if forecaster._n_seasons else None


def _fold_residuals(forecaster, panel, ends, sid, times, X, Y, estimator, fixed_epochs, n_train, stop):
    """Errors of a copy trained on the first ``n_train`` windows, on the later
    periods up to time ``stop`` (None: the end of the data)."""
    h, t = forecaster.horizon, forecaster._target_positions
    with warnings.catch_warnings():
        # the forecaster's own fit reports convergence and data warnings once
        warnings.simplefilter("ignore", ConvergenceWarning)
        warnings.simplefilter("ignore", UserWarning)
        members, _ = fit_ensemble(
            estimator,
            X[:n_train],
            Y[:n_train],
            # One network per fold, not the ensemble: a single network's
            # errors, a little larger than the ensemble mean's, keep the
            # intervals on the safe side.
            n_estimators=1,
            refit=forecaster.refit,
            random_state=forecaster.random_state,
            fixed_epochs=fixed_epochs,
        )
    cutoff = times[n_train - 1] + h  # the last period seen as a target
    stop = np.inf if stop is None else stop

    # Every series followed by `horizon` empty rows, so that origins near the
    # end can be forecast; their steps past the data have no error (NaN).
    lengths = panel.lengths
    padded_offsets = panel.offsets[:-1] + np.arange(panel.n_series) * h
    values = np.full((len(panel.values) + panel.n_series * h, panel.values.shape[1]), np.nan)
    rows = np.concatenate([np.arange(o, o + n_rows) for o, n_rows in zip(padded_offsets, lengths, strict=True)])
    values[rows] = panel.values
    future = forecaster._future
    if future.calendar and not future.names:
        # calendar columns are known past the data too: the origins near the end keep their later steps
        block = future.rows(None, panel.keys, panel.last, np.full(panel.n_series, h))
        padding = ((padded_offsets + lengths)[:, None] + np.arange(h)).ravel()
        values[padding[:, None], future.positions] = block.reshape(-1, len(future.positions))
    # time ordinal of every row of each series (the series' first row as found in the windows)
    first_end = forecaster.window_size_ + forecaster._encoding.lookback - 1
    origins, origin_sid, origin_time = [], [], []
    for i in range(panel.n_series):
        own = np.flatnonzero(sid == i)
        if not len(own):
            continue
        # rows and times of series i: the first window ends at row first_end
        start_time = times[own[0]] - (ends[own[0]] - panel.offsets[i] - first_end)
        row_times = start_time - first_end + np.arange(lengths[i])
        last = lengths[i] - 1
        if forecaster._future.names:
            last -= h - 1  # the user's future covariates of every step are needed
        candidates = np.arange(first_end, last)
        candidates = candidates[(row_times[candidates] + h > cutoff) & (row_times[candidates] + 1 <= stop)]
        origins.append(padded_offsets[i] + candidates)
        origin_sid.append(np.full(len(candidates), i))
        origin_time.append(row_times[candidates])
    if not origins or not sum(len(o) for o in origins):
        return (np.empty((0, h, len(t))),) * 3
    origins, origin_sid, origin_time = map(np.concatenate, (origins, origin_sid, origin_time))
    scale, level = forecaster._scale, forecaster._level
    # the windows are freed once predicted: the arrays below need not share the peak with them
    outputs = predict_mean(members, forecaster._inputs(values, origins, origin_sid, scale, level))
    outputs = outputs.reshape(len(origins), len(t), h).transpose(0, 2, 1)
    with np.errstate(invalid="ignore"):
        actual = forecaster._encoding.targets(
            values[:, t], origins, h, scale[origin_sid][:, None, :], level[origin_sid][:, None, :]
        )
    residuals = actual - outputs
    periods = origin_time[:, None] + np.arange(1, h + 1)
    residuals[(periods <= cutoff) | (periods > stop)] = np.nan
    # flat series are forecast by the baseline exactly: their errors say nothing of the others'
    residuals[np.broadcast_to(forecaster._flat[origin_sid][:, None, :], residuals.shape)] = np.nan
    outputs = np.where(np.isnan(residuals), np.nan, outputs)
    decomposition = np.full((*residuals.shape, 2), np.nan)
    if forecaster._n_seasons:
        decomposition = forecaster._decompositions(values[:, t], origins, scale[origin_sid][:, None, :])
        decomposition[np.isnan(residuals)] = np.nan
    return residuals, outputs, decomposition


def _check_level(name, level, hint):
    """Raise unless ``level`` is a real number in (0, 1)."""
    if isinstance(level, (str, bytes)):
        raise ValueError(f"{name} must be a number in (0, 1), not a string; got {plain(level)!r}. {hint}")
    if isinstance(level, bool) or not isinstance(level, Real):
        raise ValueError(
            f"{name} must be a number in (0, 1); got {plain(level)!r} of type {type(level).__name__}. {hint}"
        )
    if not 0 < level < 1:
        raise ValueError(f"{name} must be in (0, 1); got {plain(level)!r}. {hint}")


def _as_float(level):
    """A checked level as a Python float, a float32 or float16 level by its shortest decimal.

    ``float(np.float32(0.3))`` is 0.30000001192092896: the float32 nearest
    0.3 read exactly. The shortest decimal that reads back as the same
    float32 (``"0.3"``, as numpy prints it) is the level the user meant, so
    ``np.float32(0.3)`` labels its column 0.3, gives the bounds of 0.3 and
    repeats a level 0.3 given as a Python float.
    """
    if isinstance(level, np.floating) and np.finfo(level.dtype).bits < 64:
        return float(np.format_float_scientific(level, unique=True))
    return float(level)


def _levels(name, value, hint):
    """The level(s) in ``value`` as Python floats, and whether a sequence was given.

    A number, or a 0-d array as numpy treats it, is one level; anything
    else must be a flat, non-empty sequence of levels.
    """
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]  # the array's scalar, in its own dtype
    if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
        # one level; None or another object is reported as not a number
        _check_level(name, value, hint)
        return [_as_float(value)], False
    if (isinstance(value, np.ndarray) and value.ndim != 1) or isinstance(value, (set, frozenset, dict)):
        # a set or a dict has no order for the levels' columns
        raise ValueError(f"{name} must be a number in (0, 1) or a non-empty list of them; got {value!r}.")
    levels = list(value)
    if not levels:
        raise ValueError(f"{name} must be a number in (0, 1) or a non-empty list of them; got {value!r}.")
    for level in levels:
        _check_level(name, level, hint)
    return [_as_float(level) for level in levels], True


def check_coverage(coverage):
    """The coverage level(s) as an array, and whether several were asked for (a sequence).

    A number or a 0-d array is one level (no ``coverage`` column level); a
    sequence, even of one, is several. float32 and float16 levels become
    the float of their shortest decimal (see :func:`_as_float`) before the
    check for repeats.

    Raises
    ------
    ValueError
        For a level that is not a number in (0, 1), none, or a repeated level.
    """
    hint = "The coverage is the share of future values inside the interval, e.g. 0.9."
    levels, several = _levels("coverage", coverage, hint)
    if len(set(levels)) != len(levels):
        raise ValueError(f"coverage has repeated levels: {levels}; give each level once.")
    return np.array(levels), several


def check_quantiles(quantiles):
    """The quantile levels as an array: in (0, 1), strictly increasing.

    A number or a 0-d array is one level; float32 and float16 levels become
    the float of their shortest decimal (see :func:`_as_float`) before the
    checks of order and repeats.

    Raises
    ------
    ValueError
        For a level that is not a number in (0, 1), none, or levels unsorted
        or repeated.
    """
    hint = "Quantile levels look like (0.05, 0.5, 0.95)."
    levels, _ = _levels("quantiles", quantiles, hint)
    steps = np.diff(levels)
    if (steps == 0).any():
        raise ValueError(f"quantiles has repeated levels: {levels}; give each level once.")
    if (steps < 0).any():
        raise ValueError(f"quantiles must be sorted in increasing order; got {levels}. Sort them first.")
    return np.array(levels)


def quantile_offsets(residuals, levels):
    """Offsets from the point forecast of each quantile level, in units of the series' spread.

    Parameters
    ----------
    residuals : ndarray of shape (n_origins, horizon, n_targets)
        Calibration errors (NaN where there is none).
    levels : ndarray of shape (n_levels,)
        Quantile levels in (0, 1).

    Returns
    -------
    offsets : ndarray of shape (n_levels, horizon, n_targets)
        ``-inf`` or ``inf`` where too few errors support the level.
    """
    steps = np.nanmean(np.abs(residuals), axis=0)  # (horizon, n_targets): each step's spread
    with np.errstate(invalid="ignore", divide="ignore"):
        steps = np.where(steps > 1e-12, steps, np.nanmean(steps, axis=0))
        steps = np.where(steps > 1e-12, steps, 1.0)
    normalized = np.abs(residuals) / steps
    offsets = np.empty((len(levels), *steps.shape))
    for j in range(steps.shape[1]):
        scores = np.sort(normalized[:, :, j][np.isfinite(normalized[:, :, j])])
        n = len(scores)
        for i, q in enumerate(levels):
            coverage = abs(2 * q - 1)  # the central interval whose bound level q is
            rank = math.ceil((n + 1) * coverage - 1e-9)  # 1-based order statistic
            value = 0.0 if rank < 1 else scores[rank - 1] if rank <= n else np.inf
            offsets[i, :, j] = np.sign(q - 0.5) * value * steps[:, j]
    return offsets


def bounds_frame(values, keys, index, target_names, single_target):
    """The bounds ``(n_series * horizon, n_targets, n_keys)`` as a DataFrame.

    ``keys`` are the column labels of one target (``["lower", "upper"]``,
    ``[(0.8, "lower"), ...]`` or quantile levels); several targets add the
    target as the first column level.
    """
    n_targets = values.shape[1]
    if single_target:
        columns = (
            pd.MultiIndex.from_tuples(keys, names=["coverage", "bound"])
            if isinstance(keys[0], tuple)
            else pd.Index(keys, name="quantile" if not isinstance(keys[0], str) else None)
        )
        return pd.DataFrame(values[:, 0], index=index, columns=columns)
    tuples = [(name, *(key if isinstance(key, tuple) else (key,))) for name in target_names for key in keys]
    if isinstance(keys[0], tuple):
        names = ["target", "coverage", "bound"]
    else:
        names = ["target", "quantile" if not isinstance(keys[0], str) else "bound"]
    columns = pd.MultiIndex.from_tuples(tuples, names=names)
    return pd.DataFrame(values.reshape(len(values), n_targets * len(keys)), index=index, columns=columns)
