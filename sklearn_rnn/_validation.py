"""Input checks and conversion: every array reaches torch through here.

Sequences come in three shapes (design section 3):

* a 3-D array-like ``(n_samples, n_timesteps, n_features)``;
* a 2-D array-like or DataFrame ``(n_samples, n_timesteps)``: univariate
  sequences, one feature per step;
* a list (or tuple, 1-D object array or pandas Series) of arrays
  ``(n_timesteps_i, n_features)``, or of 1-D arrays for univariate
  sequences, of any lengths.

A list of plain Python lists is read like ``np.asarray(X)``, as everywhere in
scikit-learn, and must be rectangular: a ragged one is an error, since it
cannot be told apart from a table with a missing cell.

They are converted to one zero-padded float array ``(n_samples, max_len,
n_features)`` plus, when the lengths differ, an ``int64`` array of lengths.
The float type is kept (float32 stays float32, anything else becomes
float64), so that standardization runs in float64 before the network's
float32 cast. The caller's objects are never modified: conversions copy
where needed.

``n_features_in_`` takes scikit-learn's meaning: the number of columns of a
2-D X (time steps of univariate sequences), the number of features per time
step for a 3-D X or a list of sequences. The features per step, which the
network reads, are stored apart (``_n_step_features``).
"""

import warnings

import numpy as np
import pandas as pd
from sklearn.utils.validation import check_array, validate_data

from ._warnings import warn_at_caller

__all__ = ["check_sequences"]

_FLOAT_DTYPES = (np.float64, np.float32)


def _is_sequence_list(X):
    """Whether ``X`` is a collection of separate sequences rather than a table.

    A list or tuple whose items are all arrays (NumPy arrays, DataFrames,
    Series, tensors: anything with a ``shape``), or a 1-D NumPy array or a
    pandas Series of ``dtype=object`` holding such arrays, is a list of
    sequences, whatever their lengths. A list of plain lists is a table (2-D)
    or a 3-D array, as in scikit-learn, and must be rectangular.
    """
    if isinstance(X, (np.ndarray, pd.Series)):
        return X.dtype == object and X.ndim == 1 and len(X) > 0 and all(hasattr(s, "shape") for s in X)
    return isinstance(X, (list, tuple)) and len(X) > 0 and all(hasattr(s, "shape") for s in X)


def _check_rectangular(X):
    """Raise a clear error for a ragged nested list that is not an array."""
    if not isinstance(X, (list, tuple)) or len(X) == 0 or _rectangular(X):
        return
    shapes = [np.shape(row) if not isinstance(row, (list, tuple)) or _rectangular(row) else None for row in X]
    differs = [i for i, shape in enumerate(shapes) if shape != shapes[0]]
    detail = f"X[0] has shape {shapes[0]} but X[{differs[0]}] has shape {shapes[differs[0]]}" if differs else ""
    bad = next((i for i, shape in enumerate(shapes) if shape is None), None)
    if bad is not None:
        detail = f"X[{bad}] is itself ragged (its rows differ in length)"
    raise ValueError(
        f"X is a ragged nested list ({detail}): it is neither a rectangular table nor a list of "
        "arrays. Pass sequences of different lengths as a list of NumPy arrays, each of shape "
        "(n_timesteps_i, n_features) or (n_timesteps_i,), e.g. [np.asarray(s) for s in X]."
    )


def _check_not_nested(X):
    """Raise a clear error for a DataFrame whose cells hold sequences (the
    nested layout of sktime): a table holds one value per cell."""
    if not isinstance(X, pd.DataFrame):
        return
    for column in X.columns[[dtype == np.dtype(object) for dtype in X.dtypes]]:
        if any(hasattr(cell, "shape") or isinstance(cell, (list, tuple)) for cell in X[column]):
            raise ValueError(
                f"X is a DataFrame whose column {column!r} holds sequences (a nested layout, as sktime's); a "
                "DataFrame here is a table of univariate sequences, one column per time step. Pass a list of "
                "arrays instead, one (n_timesteps_i, n_features) array per row, e.g. "
                "[np.column_stack([np.asarray(cell) for cell in row]) for row in X.itertuples(index=False)]."
            )


def _rectangular(rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            np.asarray(rows)
        except ValueError:
            return False
    return True


def _check_one_sequence(seq, index):
    """Validate the ``index``-th sequence of a variable-length list."""
    name = f"X[{index}]"
    try:
        arr = check_array(
            seq,
            ensure_2d=False,
            allow_nd=True,
            dtype=_FLOAT_DTYPES,
            ensure_min_samples=0,
            ensure_min_features=0,
            input_name=name,
        )
    except ValueError as exc:
        message = str(exc)
        if "inhomogeneous" in message or "sequence" in message:
            raise ValueError(
                f"{name} is ragged (its time steps hold different numbers of values); each sequence "
                "must be an array of shape (n_timesteps,) or (n_timesteps, n_features)."
            ) from exc
        if "NaN" in message or "infinity" in message:
            raise ValueError(
                f"{name} contains NaN or infinity; every value of every sequence must be finite "
                "(impute or drop missing values first)."
            ) from exc
        raise ValueError(
            f"{name} is not a numeric array of shape (n_timesteps,) or (n_timesteps, n_features): {message}"
        ) from exc
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} has {arr.ndim} dimensions (shape {arr.shape}); each sequence in a list must be "
            "1-D (n_timesteps,) or 2-D (n_timesteps, n_features)."
        )
    if arr.shape[0] == 0:
        raise ValueError(f"{name} is an empty sequence (length 0); every sequence needs at least one time step.")
    if arr.shape[1] == 0:
        raise ValueError(f"{name} has 0 features per time step; at least 1 is required.")
    return arr


def _pad(sequences):
    """Stack a list of ``(len_i, n_features)`` arrays into a zero-padded array."""
    n_features = sequences[0].shape[1]
    for i, seq in enumerate(sequences):
        if seq.shape[1] != n_features:
            raise ValueError(
                f"All sequences must have the same number of features per time step: "
                f"X[0] has {n_features}, X[{i}] has {seq.shape[1]}."
            )
    lengths = np.fromiter((len(seq) for seq in sequences), dtype=np.int64, count=len(sequences))
    dtype = np.result_type(*(seq.dtype for seq in sequences))
    padded = np.zeros((len(sequences), int(lengths.max()), n_features), dtype=dtype)
    for i, seq in enumerate(sequences):
        padded[i, : len(seq)] = seq
    if (lengths == lengths[0]).all():
        return padded, None  # nothing to pack
    return padded, lengths


def _is_plain_3d(X):
    """A non-empty-stepped 3-D float NumPy array, usable as it is."""
    return (
        type(X) is np.ndarray
        and X.ndim == 3
        and X.dtype in (np.float32, np.float64)
        and X.shape[1] > 0
        and X.shape[2] > 0
    )


def _sequence_feature_names(X):
    """Column names shared by a list of DataFrame sequences, or None."""
    names = [getattr(seq, "columns", None) for seq in X]
    if any(n is None for n in names) or not all(isinstance(c, str) for c in names[0]):
        return None
    first = list(names[0])
    for i, n in enumerate(names):
        if list(n) != first:
            raise ValueError(
                f"The sequences in X are DataFrames with different columns: X[0] has {first}, X[{i}] has "
                f"{list(n)}. Give every sequence the same columns in the same order."
            )
    return np.asarray(first, dtype=object)


def _warn_no_feature_names(estimator):
    """scikit-learn's warning for input without the feature names of fit."""
    warn_at_caller(f"X does not have valid feature names, but {type(estimator).__name__} was fitted with feature names")


def _check_sequence_names(estimator, X, reset):
    """feature_names_in_ for a list of DataFrame sequences, as validate_data does for a table."""
    names = _sequence_feature_names(X)
    if reset:
        if names is not None:
            estimator.feature_names_in_ = names
        elif hasattr(estimator, "feature_names_in_"):
            del estimator.feature_names_in_
        return
    fitted = getattr(estimator, "feature_names_in_", None)
    if fitted is None or names is None:
        if fitted is not None:
            _warn_no_feature_names(estimator)
        elif names is not None:  # scikit-learn's warning for the converse case
            warn_at_caller(f"X has feature names, but {type(estimator).__name__} was fitted without feature names")
        return
    if list(names) != list(fitted):
        raise ValueError(
            f"The feature names of the sequences in X should match those that were passed during fit: got "
            f"{list(names)}, expected {list(fitted)}."
        )


def check_sequences(estimator, X, *, reset):
    """Validate sequences and convert them to ``(float array, lengths)``.

    Parameters
    ----------
    estimator : estimator instance
        Receives ``n_features_in_``, the features per time step
        (``_n_step_features``) and, for DataFrames, ``feature_names_in_``
        when ``reset`` is true; they are checked against the input when
        ``reset`` is false.
    X : array-like or list of array-like
        Sequences in one of the accepted layouts.
    reset : bool
        True in ``fit`` (records the input's layout), false afterwards.

    Returns
    -------
    X : ndarray of shape (n_samples, n_timesteps, n_features), float32 or float64
        A view of the input where no conversion was needed, else a copy.
    lengths : ndarray of shape (n_samples,), int64, or None
        Number of valid steps per sequence; None when all are complete.
    """
    if not reset and _is_plain_3d(X):
        # The common prediction input, checked without scikit-learn's general
        # conversion machinery, whose cost dominates a one-sequence predict.
        if not np.isfinite(X).all():
            raise ValueError(f"Input X contains NaN or infinity; {type(estimator).__name__} needs finite values.")
        if X.shape[0] == 0:
            raise ValueError(f"Found array with 0 sample(s) (shape={X.shape}) while a minimum of 1 is required.")
        if "feature_names_in_" in estimator.__dict__:
            _warn_no_feature_names(estimator)
        lengths = None
        table = False
    elif _is_sequence_list(X):
        _check_sequence_names(estimator, X, reset)
        X, lengths = _pad([_check_one_sequence(seq, i) for i, seq in enumerate(X)])
        table = False
    else:
        if isinstance(X, (np.ndarray, pd.Series)) and X.dtype == object and X.ndim == 1:
            X = list(X)  # a Series or object array of plain lists reads as a list of lists
        _check_rectangular(X)
        _check_not_nested(X)
        X = validate_data(estimator, X, reset=reset, ensure_2d=False, allow_nd=True, dtype=_FLOAT_DTYPES)
        lengths = None
        table = X.ndim == 2
        n_columns = getattr(estimator, "_n_table_columns", None)
        if table and not reset and n_columns is not None and X.shape[1] != n_columns:
            # scikit-learn's own wording: a table keeps its columns after a table
            raise ValueError(
                f"X has {X.shape[1]} features, but {type(estimator).__name__} is expecting {n_columns} features "
                "as input. (A 2-D X holds univariate sequences, one column per time step; pass sequences of "
                "another length as a 3-D array or a list of arrays.)"
            )
        if table:
            X = X[:, :, None]
        elif X.ndim != 3:
            raise ValueError(
                f"Expected X as a 2-D array (n_samples, n_timesteps) of univariate "
                f"sequences or a 3-D array (n_samples, n_timesteps, n_features); got "
                f"a {X.ndim}-D array of shape {X.shape}."
                + (" Reshape your data with X.reshape(1, -1) for a single series." if X.ndim == 1 else "")
            )
        if X.shape[1] == 0 or X.shape[2] == 0:
            raise ValueError(
                f"X of shape {X.shape} has no time steps or no features; "
                "at least 1 time step and 1 feature per step are required."
            )
    n_features = X.shape[2]
    # A 2-D X is a table whose columns are positions in time (lag columns):
    # it must keep its columns (validate_data checked n_features_in_ above).
    # Longer or shorter sequences go in as 3-D or lists.
    if reset:
        estimator._n_step_features = n_features
        estimator._n_table_columns = X.shape[1] if table else None
        estimator.n_features_in_ = X.shape[1] if table else n_features
    elif n_features != estimator._n_step_features:
        raise ValueError(
            f"X has {n_features} features per time step, but {type(estimator).__name__} is expecting "
            f"{estimator._n_step_features} features per time step as input."
            + (" A 2-D X holds univariate sequences (one feature per step)." if table else "")
        )
    return X, lengths
