"""Windowing: turn a time-ordered table into sequences for the estimators.

Two tools (design section 4):

* :func:`make_windows` builds a training set once: every complete window of
  ``window_size`` rows and the ``horizon`` target values that follow it.
* :class:`SlidingWindowTransformer` keeps one output row per input row, so
  that it can sit inside a :class:`~sklearn.pipeline.Pipeline` between a
  scaler and a recurrent estimator.
"""

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions, validate_params
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ._messages import plain

__all__ = ["make_windows", "SlidingWindowTransformer"]


def _column_label(columns, position):
    return repr(columns[position]) if columns is not None else f"column {position}"


def _resolve_target(target, columns, n_columns):
    """Positions of the target column(s); ``None`` means every column."""
    if target is None:
        return list(range(n_columns))
    targets = [target] if isinstance(target, (str, Integral)) else list(target)
    if not targets:
        raise ValueError("target is an empty list; name at least one column to forecast.")
    positions = []
    for name in targets:
        if columns is not None and name in columns:
            positions.append(columns.index(name))
        elif columns is None and isinstance(name, Integral) and not isinstance(name, bool):
            if not -n_columns <= name < n_columns:
                raise ValueError(f"target={plain(name)!r} is out of range for data with {n_columns} column(s).")
            positions.append(int(name) % n_columns)
        else:
            known = f"columns {columns}" if columns is not None else f"{n_columns} unnamed column(s) (use positions)"
            raise ValueError(f"target={plain(name)!r} is not a column of the data; the data has {known}.")
    if len(set(positions)) != len(positions):
        raise ValueError(f"target={plain(targets)!r} names the same column more than once.")
    return positions


def check_table(data, target, *, caller, ensure_all_finite=True):
    """Validate time-ordered ``data`` and split it into values and target positions.

    Parameters
    ----------
    data : Series, DataFrame or array-like of shape (n_samples,) or (n_samples, n_columns)
        Rows in time order.
    target : str, int, list or None
        Target column name(s) (positions for arrays); None for every column.
    caller : str
        Name used in error messages.
    ensure_all_finite : bool
        Whether NaN and infinite values raise.

    Returns
    -------
    values : ndarray of shape (n_samples, n_columns), float64
        A copy of the data.
    columns : list or None
        Column names (the Series name for a Series), None for arrays.
    target_positions : list of int
        Positions of the target columns in ``values``.
    """
    if isinstance(data, pd.Series):
        columns = [data.name]
        frame = data.to_frame()
    elif isinstance(data, pd.DataFrame):
        columns = list(data.columns)
        frame = data
    else:
        columns = None
        frame = data
    if isinstance(data, (pd.Series, pd.DataFrame)):
        non_numeric = [c for c, dtype in frame.dtypes.items() if not pd.api.types.is_numeric_dtype(dtype)]
        if non_numeric:
            raise ValueError(
                f"{caller} needs numeric columns; column(s) {non_numeric} are not numeric. Encode them as "
                "numbers or drop them."
            )
    values = check_array(
        frame,
        ensure_2d=False,
        allow_nd=True,
        dtype=np.float64,
        copy=True,
        ensure_all_finite=ensure_all_finite,
        input_name="data",
    )
    if values.ndim == 1:
        values = values[:, None]
    if values.ndim != 2:
        raise ValueError(
            f"{caller} expects a time-ordered Series, DataFrame or array of shape (n_samples,) or "
            f"(n_samples, n_columns); got an array of shape {values.shape}."
        )
    if values.shape[1] == 0:
        raise ValueError(f"{caller} got data with no columns.")
    return values, columns, _resolve_target(target, columns, values.shape[1])


def window_positions(n_rows, window_size, horizon, step):
    """End positions of the complete windows, counted back from the last one."""
    last = n_rows - horizon - 1
    first = window_size - 1
    if last < first:
        return np.empty(0, dtype=np.int64)
    return np.arange(last, first - 1, -step, dtype=np.int64)[::-1]


@validate_params(
    {
        "data": ["array-like"],
        "window_size": [Interval(Integral, 1, None, closed="left")],
        "horizon": [Interval(Integral, 1, None, closed="left")],
        "target": [str, Integral, list, tuple, None],
        "step": [Interval(Integral, 1, None, closed="left")],
    },
    prefer_skip_nested_validation=True,
)
def make_windows(data, *, window_size, horizon=1, target=None, step=1):
    """Cut a time-ordered table into input windows and the targets that follow.

    Window ``i`` holds ``window_size`` consecutive rows with every column (the
    target's own past included); its target is the next ``horizon`` values of
    the target column(s). Windows without ``horizon`` following rows are
    dropped, so the last window ends ``horizon`` rows before the data does.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    data : Series, DataFrame or array-like of shape (n_samples,) or \
            (n_samples, n_columns)
        Numeric rows in time order, without missing values.
    window_size : int
        Number of rows (time steps) per window.
    horizon : int, default=1
        Number of future values of each target that follow a window.
    target : str, int, list or None, default=None
        Column(s) to forecast: names for a DataFrame, positions for an array.
        None uses every column (a Series is its own target).
    step : int, default=1
        Distance between the ends of consecutive windows. Windows are counted
        back from the last complete window, so the most recent one is always
        kept.

    Returns
    -------
    X : ndarray of shape (n_windows, window_size, n_columns)
        Input windows in time order (float64).
    y : ndarray of shape (n_windows,) or (n_windows, n_targets * horizon)
        The values that follow each window: 1-D for one target and
        ``horizon=1``; else one column per target and step, target by target
        (all ``horizon`` steps of the first target, then of the second, ...).

    Raises
    ------
    ValueError
        If the data holds missing values or fewer than
        ``window_size + horizon`` rows.

    See Also
    --------
    SlidingWindowTransformer : One window per row, for pipelines.
    Forecaster : Forecast the next periods of a pandas series.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import make_windows
    >>> X, y = make_windows(np.arange(6.0), window_size=3)
    >>> X.shape, y.shape
    ((3, 3, 1), (3,))
    >>> X[0, :, 0], y[0]
    (array([0., 1., 2.]), np.float64(3.0))
    >>> X, y = make_windows(np.arange(6.0), window_size=3, horizon=2)
    >>> y
    array([[3., 4.],
           [4., 5.]])
    """
    values, _, targets = check_table(data, target, caller="make_windows")
    n_rows = len(values)
    if n_rows < window_size + horizon:
        raise ValueError(
            f"make_windows needs at least window_size + horizon = {window_size} + {horizon} = "
            f"{window_size + horizon} rows to build one window; the data has {n_rows}. "
            "Use a smaller window_size or horizon, or more data."
        )
    ends = window_positions(n_rows, window_size, horizon, step)
    X = values[ends[:, None] + np.arange(1 - window_size, 1)]
    future = ends[:, None] + np.arange(1, horizon + 1)
    y = np.concatenate([values[future, j] for j in targets], axis=1)
    if y.shape[1] == 1:
        y = y[:, 0]
    return np.ascontiguousarray(X), np.ascontiguousarray(y)


class SlidingWindowTransformer(TransformerMixin, BaseEstimator):
    """Replace each row by the window of rows that ends at it.

    Row ``t`` of the output is rows ``t - window_size + 1`` to ``t`` of the
    input, so the output has as many rows as the input and the targets of a
    :class:`~sklearn.pipeline.Pipeline` stay aligned: put it between a scaler
    and a recurrent estimator, for example
    ``make_pipeline(StandardScaler(), SlidingWindowTransformer(24),
    LSTMRegressor())``, and tune or cross-validate the pipeline with
    :class:`~sklearn.model_selection.TimeSeriesSplit`.

    The first ``window_size - 1`` rows have a shorter history. By default
    (``fill="edge"``) their windows are padded at the front by repeating the
    first row, as if the series had been flat before it started. This keeps
    every padded window a plausible series: no artificial jump at the start
    and no value outside the range of the data, so the few padded rows do not
    pull training away from the complete windows. A number as ``fill`` pads
    with that constant instead (``0.0`` is the mean after a
    :class:`~sklearn.preprocessing.StandardScaler`).

    Each call to :meth:`transform` windows only the rows it is given: the
    first ``window_size - 1`` rows of a test fold are padded too, rather than
    completed with the end of the training fold.

    The transformer learns nothing from the data; ``fit`` only records the
    number of columns.

    Read more in the :ref:`User Guide <user_guide>`.

    Parameters
    ----------
    window_size : int, default=10
        Number of rows (time steps) in each window.
    fill : "edge" or float, default="edge"
        How the missing history of the first ``window_size - 1`` rows is
        filled: ``"edge"`` repeats the first row, a finite number pads with
        that constant (NaN and infinity are refused, as in ``X``).

    Attributes
    ----------
    n_features_in_ : int
        Number of columns seen during ``fit``.

    feature_names_in_ : ndarray of shape (n_features_in_,)
        Column names seen during ``fit``, defined only for a DataFrame with
        string column names.

    See Also
    --------
    make_windows : Complete windows and their future targets, built once.
    Forecaster : Forecast the next periods of a pandas series.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn_rnn import SlidingWindowTransformer
    >>> X = np.arange(8.0).reshape(4, 2)
    >>> windows = SlidingWindowTransformer(3).fit_transform(X)
    >>> windows.shape
    (4, 3, 2)
    >>> windows[0]                     # row 0: its history repeats row 0
    array([[0., 1.],
           [0., 1.],
           [0., 1.]])
    >>> windows[3]                     # row 3: rows 1, 2 and 3
    array([[2., 3.],
           [4., 5.],
           [6., 7.]])
    """

    _parameter_constraints = {
        "window_size": [Interval(Integral, 1, None, closed="left")],
        # a finite number: NaN or infinity would put in the windows what the input may not hold
        "fill": [StrOptions({"edge"}), Interval(Real, None, None, closed="neither")],
    }

    def __init__(self, window_size=10, *, fill="edge"):
        self.window_size = window_size
        self.fill = fill

    def set_output(self, *, transform=None):
        """Accept an output container; the windows stay a 3-D array.

        Windows, of shape ``(n_samples, window_size, n_features)``, fit in no
        DataFrame, so :meth:`transform` returns an ndarray whatever
        ``transform`` says, as it does under
        ``sklearn.set_config(transform_output="pandas")``. The method exists
        so that ``Pipeline.set_output`` can configure the other steps of a
        pipeline holding this transformer (scikit-learn refuses a step
        without it).

        Parameters
        ----------
        transform : {"default", "pandas", "polars"} or None, default=None
            Checked, then ignored.

        Returns
        -------
        self : object
            The transformer, unchanged.

        Raises
        ------
        ValueError
            If ``transform`` is not one of the values above.
        """
        if transform not in (None, "default", "pandas", "polars"):
            raise ValueError(f"transform must be 'default', 'pandas', 'polars' or None; got {transform!r}.")
        return self

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Record the number of columns of ``X``.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.
        y : None
            Ignored.

        Returns
        -------
        self : object
            The fitted transformer.
        """
        validate_data(self, X, dtype=[np.float64, np.float32])
        return self

    def transform(self, X):
        """Return the window of ``window_size`` rows ending at each row.

        Parameters
        ----------
        X : array-like of shape (n_samples, n_features)
            Rows in time order.

        Returns
        -------
        X_windows : ndarray of shape (n_samples, window_size, n_features)
            Row ``t`` holds input rows ``t - window_size + 1`` to ``t``; the
            first ``window_size - 1`` rows are padded as set by ``fill``.
        """
        check_is_fitted(self)
        X = validate_data(self, X, reset=False, dtype=[np.float64, np.float32])
        n_samples, n_features = X.shape
        pad = self.window_size - 1
        if self.fill == "edge":
            padded = np.concatenate([np.repeat(X[:1], pad, axis=0), X])
        else:
            if abs(self.fill) > float(np.finfo(X.dtype).max):
                raise ValueError(
                    f"fill={plain(self.fill)!r} is beyond the range of X's dtype {X.dtype}: it would pad the windows "
                    "with infinity. Use a smaller fill, or pass X as float64."
                )
            padded = np.concatenate([np.full((pad, n_features), self.fill, dtype=X.dtype), X])
        positions = np.arange(n_samples)[:, None] + np.arange(self.window_size)
        return padded[positions]

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags
