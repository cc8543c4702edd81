"""check_sequences: every accepted layout, every rejected one, and the caller's data untouched."""

import copy

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator

from sklearn_rnn._data import standardize
from sklearn_rnn._validation import check_sequences

from ._asserts import assert_identical


class _Recorder(BaseEstimator):
    """The least an estimator needs for check_sequences."""


def _fitted(X):
    est = _Recorder()
    check_sequences(est, X, reset=True)
    return est


def test_3d_array_is_read_as_is():
    X = np.arange(24, dtype=np.float64).reshape(2, 4, 3)
    est = _Recorder()
    out, lengths = check_sequences(est, X, reset=True)
    # float64 stays float64: standardization runs before the float32 cast
    assert out.dtype == np.float64 and out.shape == (2, 4, 3)
    assert lengths is None
    assert est.n_features_in_ == 3
    np.testing.assert_array_equal(out, X)
    out, _ = check_sequences(_Recorder(), X.astype(np.float32), reset=True)
    assert out.dtype == np.float32
    out, _ = check_sequences(_Recorder(), X.astype(np.int64), reset=True)
    assert out.dtype == np.float64


def test_2d_array_and_dataframe_are_univariate_sequences():
    X = np.arange(12.0).reshape(3, 4)
    est = _Recorder()
    out, lengths = check_sequences(est, X, reset=True)
    assert out.shape == (3, 4, 1) and lengths is None
    # scikit-learn's meaning: the columns of a 2-D X
    assert est.n_features_in_ == 4
    frame = pd.DataFrame(X, columns=[f"lag{i}" for i in range(4)])
    est = _Recorder()
    out, _ = check_sequences(est, frame, reset=True)
    assert out.shape == (3, 4, 1)
    assert list(est.feature_names_in_) == ["lag0", "lag1", "lag2", "lag3"]
    assert est.n_features_in_ == len(est.feature_names_in_)


@pytest.mark.parametrize("container", [list, tuple, lambda seqs: np.array(seqs + [None], dtype=object)[:-1], pd.Series])
def test_list_of_2d_arrays_is_padded_with_lengths(container):
    rng = np.random.RandomState(0)
    sequences = [rng.randn(n, 2) for n in (3, 5, 1)]
    est = _Recorder()
    out, lengths = check_sequences(est, container(sequences), reset=True)
    assert out.dtype == np.float64 and out.shape == (3, 5, 2)
    np.testing.assert_array_equal(lengths, [3, 5, 1])
    assert lengths.dtype == np.int64
    assert est.n_features_in_ == 2
    for i, s in enumerate(sequences):
        np.testing.assert_allclose(out[i, : len(s)], s, rtol=1e-6)
        assert np.all(out[i, len(s) :] == 0)


def test_list_of_1d_arrays_is_univariate():
    sequences = [np.arange(4.0), np.arange(2.0), np.arange(6.0)]
    est = _Recorder()
    out, lengths = check_sequences(est, sequences, reset=True)
    assert out.shape == (3, 6, 1)
    np.testing.assert_array_equal(lengths, [4, 2, 6])
    assert est.n_features_in_ == 1


def test_list_of_dataframes_and_series_is_a_list_of_sequences():
    rng = np.random.RandomState(0)
    sequences = [pd.DataFrame(rng.randn(4, 2), columns=["a", "b"]), pd.DataFrame(rng.randn(2, 2), columns=["a", "b"])]
    out, lengths = check_sequences(_Recorder(), sequences, reset=True)
    assert out.shape == (2, 4, 2)
    np.testing.assert_array_equal(lengths, [4, 2])
    out, lengths = check_sequences(_Recorder(), [pd.Series([1.0, 2.0]), pd.Series([3.0])], reset=True)
    assert out.shape == (2, 2, 1)
    np.testing.assert_array_equal(lengths, [2, 1])


def test_equal_length_list_of_arrays_needs_no_packing_and_is_not_a_table():
    """A list of 1-D arrays of one length is still a list of sequences: a later
    call may pass sequences of another length."""
    est = _Recorder()
    out, lengths = check_sequences(est, [np.arange(5.0), np.arange(5.0)], reset=True)
    assert out.shape == (2, 5, 1) and lengths is None
    out, lengths = check_sequences(est, [np.arange(3.0)], reset=False)
    assert out.shape == (1, 3, 1) and lengths is None
    out, lengths = check_sequences(est, [np.arange(3.0), np.arange(7.0)], reset=False)
    np.testing.assert_array_equal(lengths, [3, 7])


def test_rectangular_nested_lists_are_arrays():
    out, lengths = check_sequences(_Recorder(), [[1, 2, 3], [4, 5, 6]], reset=True)
    assert out.shape == (2, 3, 1) and lengths is None
    out, lengths = check_sequences(_Recorder(), [[[1, 2], [3, 4]], [[5, 6], [7, 8]]], reset=True)
    assert out.shape == (2, 2, 2) and lengths is None


@pytest.mark.parametrize(
    "X, message",
    [
        ([np.zeros((3, 2)), np.zeros((0, 2))], r"X\[1\] is an empty sequence \(length 0\)"),
        ([np.zeros(0), np.zeros(3)], r"X\[0\] is an empty sequence \(length 0\)"),
        ([np.zeros((3, 2)), np.zeros((4, 3))], r"same number of features per time step: X\[0\] has 2, X\[1\] has 3"),
        ([np.zeros(3), np.zeros((4, 2))], r"same number of features per time step: X\[0\] has 1, X\[1\] has 2"),
        ([[1.0, 2.0, 3.0], [4.0, 5.0]], r"ragged nested list \(X\[0\] has shape \(3,\) but X\[1\] has shape \(2,\)\)"),
        (pd.Series([[1.0, 2.0, 3.0], [4.0, 5.0]]), r"ragged nested list \(X\[0\] has shape \(3,\)"),
        ([[[1.0], [2.0]], [[3.0, 4.0]]], r"ragged nested list"),
        ([[[1.0, 2.0], [3.0]], [[4.0, 5.0], [6.0, 7.0]]], r"X\[0\] is itself ragged"),
        ([np.array([[1.0, 2.0], [3.0]], dtype=object), np.zeros((3, 2))], r"X\[0\] is ragged"),
        ([np.zeros((3, 2)), np.array([[1.0, np.nan], [0.0, 0.0]])], r"X\[1\] contains NaN or infinity"),
        ([np.array([np.inf, 1.0]), np.zeros(3)], r"X\[0\] contains NaN or infinity"),
        ([np.zeros(3), np.array(["a", "b"])], r"X\[1\] is not a numeric array"),
        ([np.zeros((3, 2, 1)), np.zeros((3, 2))], r"X\[0\] has 3 dimensions"),
        ([np.zeros((3, 0)), np.zeros((3, 0))], r"X\[0\] has 0 features per time step"),
        (np.zeros((2, 3, 0)), r"no time steps or no features"),
        (np.zeros(5), r"got a 1-D array .* X.reshape\(1, -1\)"),
        (np.zeros((2, 3, 4, 5)), r"got a 4-D array"),
        (np.array([[1.0, np.nan]]), r"contains NaN"),
        (
            pd.DataFrame({"dim_0": [pd.Series([1.0, 2.0]), pd.Series([3.0])], "dim_1": [1.0, 2.0]}),
            r"column 'dim_0' holds sequences \(a nested layout, as sktime's\).*X.itertuples",
        ),
    ],
)
def test_bad_input_raises_a_clear_error(X, message):
    before = copy.deepcopy(X)
    with pytest.raises(ValueError, match=message):
        check_sequences(_Recorder(), X, reset=True)
    assert_identical(X, before)


def test_features_per_step_are_checked_after_fit():
    est = _fitted([np.zeros((3, 2)), np.zeros((5, 2))])
    with pytest.raises(ValueError, match="X has 3 features per time step, but _Recorder is expecting 2 features"):
        check_sequences(est, [np.zeros((3, 3)), np.zeros((5, 3))], reset=False)
    with pytest.raises(ValueError, match="X has 1 features per time step, but _Recorder is expecting 2"):
        check_sequences(est, [np.zeros(3), np.zeros(5)], reset=False)
    with pytest.raises(ValueError, match="X has 3 features per time step"):
        check_sequences(est, np.zeros((2, 4, 3)), reset=False)
    # a 3-D array and a list with the right number of features both pass
    check_sequences(est, np.zeros((2, 4, 2)), reset=False)
    check_sequences(est, [np.zeros((1, 2))], reset=False)


def test_a_table_keeps_its_columns_but_lists_may_differ_in_length():
    est = _fitted(np.zeros((4, 6)))
    with pytest.raises(ValueError, match="X has 5 features, but _Recorder is expecting 6 features as input"):
        check_sequences(est, np.zeros((4, 5)), reset=False)
    out, lengths = check_sequences(est, [np.zeros(5), np.zeros(9)], reset=False)
    assert out.shape == (2, 9, 1)
    np.testing.assert_array_equal(lengths, [5, 9])


def test_the_callers_data_are_never_modified():
    rng = np.random.RandomState(0)
    sequences = [rng.randn(n, 2) for n in (3, 5)]
    frame = pd.DataFrame(rng.randn(3, 4))
    copies = copy.deepcopy((sequences, frame))
    for X in (sequences, frame):
        out, _ = check_sequences(_Recorder(), X, reset=True)
        # what reaches the network is a new array: writing to it leaves the input alone
        tensor_input = standardize(out, np.full(out.shape[2], 1.0), np.full(out.shape[2], 2.0))
        assert not np.shares_memory(tensor_input, out)
        tensor_input += 100.0
    np.testing.assert_array_equal(sequences[0], copies[0][0])
    np.testing.assert_array_equal(sequences[1], copies[0][1])
    pd.testing.assert_frame_equal(frame, copies[1])
