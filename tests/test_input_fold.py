"""The input standardization folded into the first layer for predictions (_input_fold.py)."""

import pickle

import numpy as np
import pytest
import torch

from sklearn_rnn import GRURegressor, LSTMClassifier, LSTMRegressor, RNNRegressor, _data, _input_fold

CELLS = {"lstm": LSTMRegressor, "gru": GRURegressor, "rnn": RNNRegressor}


@pytest.fixture(autouse=True)
def fold_every_call(monkeypatch):
    """Small test data: fold calls of any size (only large ones are folded by default)."""
    monkeypatch.setattr(_data, "_MIN_FOLDED_VALUES", 0)


def test_only_large_calls_are_folded(monkeypatch):
    monkeypatch.setattr(_data, "_MIN_FOLDED_VALUES", 1000)
    X, y = _data_with_offset()  # 120 sequences of 8 x 3 values
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    est.predict(X[:1])
    assert not _folded(est)
    est.predict(X)
    assert _folded(est)


def _data_with_offset(offset=1.0, spread=3.0, n=120, steps=8, features=3, seed=0):
    rng = np.random.default_rng(seed)
    X = (rng.normal(size=(n, steps, features)) * spread + offset).astype(np.float32)
    return X, X[:, -3:, 0].sum(axis=1).astype(np.float64)


def _unfolded(monkeypatch, est, X):
    """``est.predict(X)`` through the standardization pass, the fold turned off."""
    with monkeypatch.context() as m:
        m.setattr(_data, "raw_input_network", lambda module: None)
        return est.predict(X)


def _folded(est):
    return "_input_fold" in est.net_.module_.__dict__


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("options", [{}, {"bidirectional": True}, {"num_layers": 2, "dropout": 0.2}, {"downsample": 2}])
def test_folded_predictions_equal_the_standardized_ones(monkeypatch, cell, options):
    X, y = _data_with_offset()
    est = CELLS[cell](hidden_size=8, max_iter=3, random_state=0, **options).fit(X, y)
    folded = est.predict(X)
    assert _folded(est)
    np.testing.assert_allclose(folded, _unfolded(monkeypatch, est, X), rtol=1e-5, atol=1e-5 * np.abs(folded).max())
    # one sequence alone, as a service calls it, and float64 input
    np.testing.assert_allclose(est.predict(X[:1]), folded[:1], rtol=1e-5, atol=1e-5 * np.abs(folded).max())
    np.testing.assert_allclose(est.predict(X.astype(np.float64)), folded, rtol=1e-5, atol=1e-5 * np.abs(folded).max())


def test_classifier_probabilities_are_folded_too(monkeypatch):
    X, y = _data_with_offset()
    est = LSTMClassifier(hidden_size=8, max_iter=3, random_state=0).fit(X, y > np.median(y))
    proba = est.predict_proba(X)
    assert _folded(est)
    with monkeypatch.context() as m:
        m.setattr(_data, "raw_input_network", lambda module: None)
        np.testing.assert_allclose(proba, est.predict_proba(X), atol=1e-6)


def test_input_is_not_modified():
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    before = X.copy()
    est.predict(X)
    est.predict(X[:1])
    np.testing.assert_array_equal(X, before)


@pytest.mark.parametrize(
    "options",
    [
        {"scale_inputs": False},  # nothing to fold
        {"offset": 100.0},  # |mean| / scale far above the bound: float32 cancellation
        {"hook": True},  # a forward hook must see the user's module
    ],
)
def test_cases_left_to_the_standardization_pass(monkeypatch, options):
    X, y = _data_with_offset(offset=options.get("offset", 1.0))
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0, scale_inputs=options.get("scale_inputs", True))
    est.fit(X, y)
    seen = []
    if options.get("hook"):
        est.net_.module_.rnn.register_forward_hook(lambda module, args, output: seen.append(module))
    predictions = est.predict(X)
    assert not _folded(est)
    np.testing.assert_array_equal(predictions, _unfolded(monkeypatch, est, X))
    if options.get("hook"):
        assert seen and all(module is est.net_.module_.rnn for module in seen)


def test_variable_lengths_and_future_steps_are_not_folded():
    X, y = _data_with_offset()
    sequences = [x[: 4 + i % 4] for i, x in enumerate(X)]
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(sequences, y)
    est.predict(sequences)
    assert not _folded(est)
    targets = np.stack([y, -y], axis=1)  # one output per future step
    est = LSTMRegressor(hidden_size=8, max_iter=2, future_steps=2, random_state=0).fit(X, targets)
    est.predict(X)
    assert not _folded(est)


def test_large_networks_are_not_copied(monkeypatch):
    monkeypatch.setattr(_input_fold, "_MAX_VALUES", 100)
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    est.predict(X)
    assert not _folded(est)


def _changes():
    def data_edit(module, other):
        module.rnn.weight_ih_l0.data.mul_(2.0)

    def state_dict(module, other):
        module.load_state_dict(other.state_dict())

    def statistics(module, other):
        module.input_mean.add_(0.5)

    def head(module, other):
        with torch.no_grad():
            module.head.bias.add_(1.0)

    def replaced(module, other):
        module.rnn.weight_hh_l0 = torch.nn.Parameter(module.rnn.weight_hh_l0.detach() * 0.5)

    return [data_edit, state_dict, statistics, head, replaced]


@pytest.mark.parametrize("change", _changes(), ids=lambda f: f.__name__)
def test_a_changed_network_is_folded_again(monkeypatch, change):
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    other = LSTMRegressor(hidden_size=8, max_iter=2, random_state=1).fit(X, y)
    before = est.predict(X)
    change(est.net_.module_, other.net_.module_)
    after = est.predict(X)
    expected = _unfolded(monkeypatch, est, X)
    assert not np.allclose(after, before)
    np.testing.assert_allclose(after, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


@pytest.mark.parametrize("how", ["partial_fit", "warm_start"])
def test_training_further_is_seen_by_the_next_prediction(monkeypatch, how):
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0, warm_start=how == "warm_start").fit(X, y)
    first = est.predict(X)
    est.partial_fit(X, y) if how == "partial_fit" else est.fit(X, y)
    second = est.predict(X)
    expected = _unfolded(monkeypatch, est, X)
    assert not np.allclose(first, second)
    np.testing.assert_allclose(second, expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_the_copy_is_not_pickled():
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    predictions = est.predict(X)
    assert _folded(est)
    restored = pickle.loads(pickle.dumps(est))
    assert not _folded(restored)
    np.testing.assert_array_equal(restored.predict(X), predictions)


def test_raw_values_beyond_float32_fall_back_to_the_standardized_path(monkeypatch):
    # a float64 value that float32 cannot hold: the folded copy would read inf, while
    # the standardization brings it into range (the network saturates)
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X.astype(np.float64) * 1e17, y)
    X_new = X.astype(np.float64) * 1e17
    X_new[0, 0, :] = [1e39, -1e39, 1e39]  # inf - inf in the folded products: NaN
    predictions = est.predict(X_new)
    assert np.isfinite(predictions).all()
    np.testing.assert_array_equal(predictions, _unfolded(monkeypatch, est, X_new))


def _later_changes():
    """Changes made after a first (folded) prediction that the next one must see."""

    def cast(module):
        module.float()  # the float64 statistics become float32 too

    def head_without_bias(module):
        module.head = torch.nn.Linear(module.head.in_features, module.head.out_features, bias=False)

    def sequential_head(module):
        width = module.head.in_features
        module.head = torch.nn.Sequential(torch.nn.Linear(width, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))

    def downsample(module):
        module.downsample = 2

    def summary_order(module):
        module.summary = tuple(reversed(module.summary))

    def functional_call_then_edit(module):
        params = {k: v.detach().clone() for k, v in module.named_parameters()}
        torch.func.functional_call(module, params, (torch.zeros(1, 8, 3),))
        with torch.no_grad():
            module.rnn.weight_hh_l0.mul_(0.0)

    def wrapped_rnn(module):
        class Wrapped(torch.nn.Module):
            def __init__(self, inner):
                super().__init__()
                self.inner = inner

            def forward(self, *args):
                return self.inner(*args)

        module.rnn = Wrapped(module.rnn)

    return [cast, head_without_bias, sequential_head, downsample, summary_order, functional_call_then_edit, wrapped_rnn]


@pytest.mark.parametrize("change", _later_changes(), ids=lambda f: f.__name__)
def test_later_changes_reach_the_next_prediction(monkeypatch, change):
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0, summary="last+mean+max").fit(X, y)
    est.predict(X)
    assert _folded(est)
    change(est.net_.module_)
    try:
        expected = _unfolded(monkeypatch, est, X)
    except Exception as error:  # a change the network itself cannot run: the same error either way
        with pytest.raises(type(error)):
            est.predict(X)
        return
    np.testing.assert_allclose(est.predict(X), expected, rtol=1e-5, atol=1e-5 * np.abs(expected).max())


def test_hooks_registered_after_a_fold_are_called(monkeypatch):
    X, y = _data_with_offset()
    est = LSTMRegressor(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
    est.predict(X)
    calls = []
    est.net_.module_.head.register_forward_hook(lambda module, args, output: calls.append(module) or output + 100)
    shifted = est.predict(X)
    assert calls and all(module is est.net_.module_.head for module in calls)
    np.testing.assert_array_equal(shifted, _unfolded(monkeypatch, est, X))


def test_finite_but_out_of_float32_range_inputs_use_the_standardized_path(monkeypatch):
    # saturated gates turn infinite inputs into finite outputs, so the range is checked on the inputs
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 8, 2)) * 1e17
    y = X[:, -1, 0] / 1e17
    for Estimator in (LSTMRegressor, GRURegressor):
        est = Estimator(hidden_size=8, max_iter=2, random_state=0).fit(X, y)
        X_new = X.copy()
        X_new[:4, -1] = [[1e39, -3e38], [-1e39, 3e38], [1e39, 3e38], [-1e39, -3e38]]
        np.testing.assert_array_equal(est.predict(X_new), _unfolded(monkeypatch, est, X_new))
