"""make_windows and SlidingWindowTransformer."""

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from sklearn_rnn import LSTMRegressor, SlidingWindowTransformer, make_windows

# -- make_windows -------------------------------------------------------------------


def test_make_windows_series_shapes_and_values():
    s = pd.Series(np.arange(10.0), index=pd.date_range("2000-01-01", periods=10, freq="D"))
    X, y = make_windows(s, window_size=4)
    assert X.shape == (6, 4, 1) and y.shape == (6,)
    np.testing.assert_array_equal(X[0, :, 0], [0, 1, 2, 3])
    np.testing.assert_array_equal(X[-1, :, 0], [5, 6, 7, 8])
    np.testing.assert_array_equal(y, np.arange(4.0, 10.0))
    assert X.dtype == np.float64 and X.flags.c_contiguous and X.flags.writeable


def test_make_windows_horizon_drops_incomplete_windows():
    X, y = make_windows(np.arange(10.0), window_size=3, horizon=4)
    # windows end at rows 2..5: the window ending at 6 has only 3 future rows
    assert X.shape == (4, 3, 1) and y.shape == (4, 4)
    np.testing.assert_array_equal(X[-1, :, 0], [3, 4, 5])
    np.testing.assert_array_equal(y[-1], [6, 7, 8, 9])
    np.testing.assert_array_equal(y[0], [3, 4, 5, 6])


def test_make_windows_dataframe_keeps_every_column_and_selects_target():
    df = pd.DataFrame({"sales": np.arange(8.0), "price": 100 + np.arange(8.0)})
    X, y = make_windows(df, window_size=3, target="sales")
    assert X.shape == (5, 3, 2)
    np.testing.assert_array_equal(X[0], [[0, 100], [1, 101], [2, 102]])
    np.testing.assert_array_equal(y, [3, 4, 5, 6, 7])
    _, y_price = make_windows(df, window_size=3, target="price")
    np.testing.assert_array_equal(y_price, [103, 104, 105, 106, 107])


def test_make_windows_several_targets_are_laid_out_target_by_target():
    df = pd.DataFrame({"a": np.arange(8.0), "b": -np.arange(8.0), "c": np.ones(8)})
    X, y = make_windows(df, window_size=2, horizon=3, target=["a", "b"])
    assert X.shape == (4, 2, 3) and y.shape == (4, 6)
    np.testing.assert_array_equal(y[0], [2, 3, 4, -2, -3, -4])
    # horizon 1, two targets: one column per target
    _, y1 = make_windows(df, window_size=2, target=["a", "b"])
    assert y1.shape == (6, 2)
    np.testing.assert_array_equal(y1[0], [2, -2])


def test_make_windows_target_none_uses_every_column_and_arrays_take_positions():
    data = np.column_stack([np.arange(6.0), 10 * np.arange(6.0)])
    _, y_all = make_windows(data, window_size=2)
    assert y_all.shape == (4, 2)
    _, y_second = make_windows(data, window_size=2, target=1)
    np.testing.assert_array_equal(y_second, [20, 30, 40, 50])
    _, y_last = make_windows(data, window_size=2, target=-1)
    np.testing.assert_array_equal(y_last, y_second)


def test_make_windows_step_thins_and_keeps_the_latest_window():
    X, y = make_windows(np.arange(10.0), window_size=3, step=3)
    # complete windows end at rows 2..8; counted back from 8 by 3: 2, 5, 8
    np.testing.assert_array_equal(X[:, -1, 0], [2, 5, 8])
    np.testing.assert_array_equal(y, [3, 6, 9])
    X, _ = make_windows(np.arange(10.0), window_size=3, step=4)
    np.testing.assert_array_equal(X[:, -1, 0], [4, 8])


def test_make_windows_does_not_modify_or_share_the_input():
    df = pd.DataFrame({"a": np.arange(6.0)})
    before = df.copy()
    X, _ = make_windows(df, window_size=2)
    X[:] = -1
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize(
    ("data", "kwargs", "message"),
    [
        (np.arange(5.0), {"window_size": 4, "horizon": 2}, r"at least window_size \+ horizon = 4 \+ 2 = 6 rows"),
        (np.array([1.0, np.nan, 3.0, 4.0]), {"window_size": 2}, "NaN"),
        (pd.DataFrame({"a": [1.0, 2, 3, 4], "b": list("wxyz")}), {"window_size": 2}, r"numeric.*\['b'\]"),
        (pd.DataFrame({"a": np.arange(4.0)}), {"window_size": 2, "target": "sales"}, "not a column"),
        (np.arange(8.0).reshape(4, 2), {"window_size": 2, "target": 5}, "out of range"),
        # NumPy integers shown as the numbers they are, not as np.int64(5)
        (np.arange(8.0).reshape(4, 2), {"window_size": 2, "target": np.int64(5)}, r"^target=5 is out of range"),
        (np.arange(8.0).reshape(4, 2), {"window_size": 2, "target": [np.int64(1)] * 2}, r"^target=\[1, 1\] names"),
        (np.zeros((4, 2, 2)), {"window_size": 2}, "shape"),
    ],
)
def test_make_windows_errors(data, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_windows(data, **kwargs)


def test_make_windows_validates_parameters():
    with pytest.raises(ValueError, match="window_size"):
        make_windows(np.arange(5.0), window_size=0)
    with pytest.raises(ValueError, match="step"):
        make_windows(np.arange(5.0), window_size=2, step=0)


# -- SlidingWindowTransformer -------------------------------------------------------


def test_transformer_row_t_is_the_window_ending_at_t():
    X = np.arange(20.0).reshape(10, 2)
    out = SlidingWindowTransformer(4).fit_transform(X)
    assert out.shape == (10, 4, 2)
    for t in range(3, 10):
        np.testing.assert_array_equal(out[t], X[t - 3 : t + 1])
    # the complete rows are exactly make_windows' windows
    windows, _ = make_windows(X, window_size=4, horizon=1, target=0)
    np.testing.assert_array_equal(out[3:-1], windows)


def test_transformer_edge_fill_repeats_the_first_row():
    X = np.array([[5.0, -1.0], [6.0, -2.0], [7.0, -3.0]])
    out = SlidingWindowTransformer(3).fit_transform(X)
    np.testing.assert_array_equal(out[0], [[5, -1]] * 3)
    np.testing.assert_array_equal(out[1], [[5, -1], [5, -1], [6, -2]])


def test_edge_fill_keeps_padded_windows_inside_the_data_range():
    # The reason for the default: a padded window is a plausible series (flat,
    # then the data), never a jump from an arbitrary constant to the data.
    rng = np.random.RandomState(0)
    X = 1000 + np.cumsum(rng.randn(50, 3), axis=0)
    edge = SlidingWindowTransformer(10).fit_transform(X)
    zero = SlidingWindowTransformer(10, fill=0.0).fit_transform(X)
    assert edge.min() >= X.min() and edge.max() <= X.max()
    first_steps = np.abs(np.diff(edge[:9], axis=1)).max()
    assert first_steps <= np.abs(np.diff(X, axis=0)).max()
    assert zero[0, 0, 0] == 0.0 and zero.min() < X.min()
    np.testing.assert_array_equal(edge[9:], zero[9:])


def test_transformer_constant_fill_and_window_of_one():
    X = np.arange(6.0).reshape(3, 2)
    out = SlidingWindowTransformer(2, fill=-9.0).fit_transform(X)
    np.testing.assert_array_equal(out[0], [[-9, -9], [0, 1]])
    np.testing.assert_array_equal(SlidingWindowTransformer(1).fit_transform(X)[:, 0], X)


def test_transformer_preserves_float32_and_checks_features():
    X = np.ones((5, 3), dtype=np.float32)
    transformer = SlidingWindowTransformer(2).fit(X)
    assert transformer.transform(X).dtype == np.float32
    assert transformer.n_features_in_ == 3
    with pytest.raises(ValueError, match="features"):
        transformer.transform(np.ones((5, 2)))


def test_transformer_window_size_is_positional_and_validated():
    assert SlidingWindowTransformer(24).window_size == 24
    with pytest.raises(ValueError, match="window_size"):
        SlidingWindowTransformer(0).fit(np.ones((3, 1)))
    with pytest.raises(ValueError, match="fill"):
        SlidingWindowTransformer(2, fill="mean").fit(np.ones((3, 1)))


@pytest.mark.parametrize("fill", [np.nan, np.inf, -np.inf])
def test_transformer_refuses_a_fill_that_is_not_finite(fill):
    with pytest.raises(ValueError, match="'fill' parameter .* must be a str among .* or a float in the range"):
        SlidingWindowTransformer(2, fill=fill).fit(np.ones((3, 1)))


def test_transformer_refuses_a_fill_beyond_float32_for_float32_input():
    X = np.ones((3, 1), dtype=np.float32)
    transformer = SlidingWindowTransformer(2, fill=1e39).fit(X)
    with pytest.raises(ValueError, match="fill=1e.39 is beyond the range of X's dtype float32"):
        transformer.transform(X)
    assert transformer.transform(X.astype(np.float64))[0, 0, 0] == 1e39


def _lagged_task(n=160, seed=0):
    """Rows of two noisy features; the target is a weighted sum of the
    current row's and earlier rows' first feature (needs the window)."""
    rng = np.random.RandomState(seed)
    x = rng.randn(n + 3, 2)
    X = pd.DataFrame(x[3:], columns=["u", "v"])
    y = x[3:, 0] + 0.8 * x[2:-1, 0] - 0.6 * x[:-3, 0] + 0.05 * rng.randn(n)
    return X, y


def _pipeline(**lstm):
    params = {"hidden_size": 16, "max_iter": 25, "learning_rate_init": 0.01, "random_state": 0, "device": "cpu"}
    return make_pipeline(StandardScaler(), SlidingWindowTransformer(4), LSTMRegressor(**{**params, **lstm}))


def test_pipeline_learns_with_time_series_cross_validation():
    X, y = _lagged_task()
    scores = cross_val_score(_pipeline(), X, y, cv=TimeSeriesSplit(n_splits=3))
    # The current row alone explains at most 1 / (1 + 0.8**2 + 0.6**2) = 50% of
    # the variance; the rest is in the rows 1 and 3 steps back, which only the
    # windows carry (the first 3 rows of every fold are edge-padded).
    assert scores.min() > 0.85, scores


def test_pipeline_under_grid_search():
    X, y = _lagged_task()
    search = GridSearchCV(
        _pipeline(max_iter=15),
        {"slidingwindowtransformer__window_size": [1, 4]},
        cv=TimeSeriesSplit(n_splits=2),
    ).fit(X, y)
    # a window of 1 row cannot see the lags; the search must prefer 4
    assert search.best_params_ == {"slidingwindowtransformer__window_size": 4}
    assert search.predict(X.iloc[:7]).shape == (7,)
    assert clone(search.best_estimator_).get_params()["slidingwindowtransformer__fill"] == "edge"


def test_pipeline_set_output_reaches_the_other_steps():
    X, y = _lagged_task()
    pipeline = _pipeline(max_iter=2).set_output(transform="pandas")
    scaled = pipeline[0].fit_transform(X)
    assert isinstance(scaled, pd.DataFrame)  # the scaler took the setting
    windows = pipeline[:2].fit(X).transform(X)
    assert isinstance(windows, np.ndarray) and windows.shape == (len(X), 4, X.shape[1])
    expected = _pipeline(max_iter=2).fit(X, y).predict(X)
    np.testing.assert_allclose(pipeline.fit(X, y).predict(X), expected, rtol=1e-5)
    with pytest.raises(ValueError, match="transform must be 'default', 'pandas', 'polars' or None"):
        SlidingWindowTransformer().set_output(transform="arrow")


def test_docstring_documents_every_parameter():
    for name in SlidingWindowTransformer().get_params():
        assert f"\n    {name} :" in SlidingWindowTransformer.__doc__, name
    for name in ("data", "window_size", "horizon", "target", "step"):
        assert f"\n    {name} :" in make_windows.__doc__, name
