"""Exact comparisons shared by the tests."""

import numpy as np
import pandas as pd


def assert_identical(X, before):
    """``X`` equals ``before`` value by value (NaN equal to NaN), with the same
    type, dtype and shape, recursively through lists, tuples and object arrays."""
    assert type(X) is type(before)
    if isinstance(X, (list, tuple)):
        assert len(X) == len(before)
        for item, item_before in zip(X, before, strict=True):
            assert_identical(item, item_before)
        return
    if isinstance(X, pd.DataFrame):
        pd.testing.assert_frame_equal(X, before, check_exact=True)
        return
    if isinstance(X, pd.Series):
        pd.testing.assert_series_equal(X, before, check_exact=True)
        return
    X, before = np.asarray(X), np.asarray(before)
    assert X.dtype == before.dtype and X.shape == before.shape
    if X.dtype == object:
        for item, item_before in zip(X.ravel(), before.ravel(), strict=True):
            assert_identical(item, item_before)
    else:
        np.testing.assert_array_equal(X, before, strict=True)
