"""Behaviour of the recurrent regressors (issue: core estimators)."""

import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning, NotFittedError
from sklearn.model_selection import GridSearchCV, TimeSeriesSplit, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils._param_validation import InvalidParameterError

from sklearn_rnn import GRURegressor, LSTMRegressor, RNNRegressor

from ._fast import fast

REGRESSORS = [RNNRegressor, LSTMRegressor, GRURegressor]


def first_last_task(n=300, n_steps=12, n_features=2, seed=0):
    """Targets depend on the first and the last step: a long-range dependency."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, n_steps, n_features))
    y = 2 * X[:, 0, 0] - X[:, -1, -1]
    return X, y


# -- learning ------------------------------------------------------------------


@pytest.mark.parametrize("cls", REGRESSORS)
def test_learns_long_range_dependency_on_held_out_data(cls):
    X, y = first_last_task(n=400)
    model = fast(cls, max_iter=60, random_state=0).fit(X[:300], y[:300])
    assert model.score(X[300:], y[300:]) > 0.9


def test_multi_output_targets_in_raw_units():
    X, y = first_last_task(n=400)
    # Two outputs with very different units and offsets: scaled internally.
    Y = np.column_stack([1000 + 500 * y, -0.01 * X[:, -1, 0]])
    model = fast(LSTMRegressor, max_iter=60, random_state=0).fit(X[:300], Y[:300])
    pred = model.predict(X[300:])
    assert pred.shape == (100, 2)
    assert model.n_outputs_ == 2
    assert model.score(X[300:], Y[300:]) > 0.9
    assert abs(pred[:, 0].mean() - Y[300:, 0].mean()) < 100


def test_target_scaling_makes_raw_units_trainable():
    X, y = first_last_task(n=400)
    y_big = 5e4 + 1e4 * y
    scaled = fast(GRURegressor, max_iter=40, random_state=0).fit(X[:300], y_big[:300])
    unscaled = fast(GRURegressor, max_iter=40, random_state=0, scale_target=False).fit(X[:300], y_big[:300])
    assert scaled.score(X[300:], y_big[300:]) > 0.9
    assert unscaled.score(X[300:], y_big[300:]) < scaled.score(X[300:], y_big[300:])


def test_input_scaling_makes_raw_units_trainable():
    X, y = first_last_task(n=400)
    offset, scale = np.array([1000.0, -50.0]), np.array([200.0, 0.01])
    X_raw = X * scale + offset
    scaled = fast(LSTMRegressor, max_iter=60, random_state=0).fit(X_raw[:300], y[:300])
    module = scaled.net_.module_
    assert module.standardizes
    np.testing.assert_allclose(module.input_mean.numpy(), X_raw[:300].reshape(-1, 2).mean(axis=0), rtol=1e-4)
    np.testing.assert_allclose(module.input_scale.numpy(), X_raw[:300].reshape(-1, 2).std(axis=0), rtol=1e-4)
    assert scaled.score(X_raw[300:], y[300:]) > 0.9

    unscaled = fast(LSTMRegressor, max_iter=60, random_state=0, scale_inputs=False).fit(X_raw[:300], y[:300])
    assert not unscaled.net_.module_.standardizes
    assert unscaled.score(X_raw[300:], y[300:]) < scaled.score(X_raw[300:], y[300:])


@pytest.mark.parametrize("cls", [RNNRegressor, LSTMRegressor])
def test_seed_snippet(cls):
    """The seed tutorial's Keras examples: 10 units, 100 x 10 x 1, 10 epochs, batch 10."""
    x_train = np.random.RandomState(0).rand(100, 10, 1)
    y_train = np.random.RandomState(1).rand(100, 1)
    model = cls(hidden_size=10, max_iter=10, batch_size=10, device="cpu", random_state=0)
    model.fit(x_train, y_train)
    assert model.n_iter_ == 10
    assert len(model.loss_curve_) == 10
    assert model.predict(x_train).shape == (100, 1)
    assert np.isfinite(model.score(x_train, y_train))
    assert model.n_features_in_ == 1


def test_input_layouts_agree():
    X, y = first_last_task(n=120, n_features=1)
    params = dict(max_iter=5, random_state=0)
    from_3d = fast(LSTMRegressor, **params).fit(X, y).predict(X)
    from_2d = fast(LSTMRegressor, **params).fit(X[:, :, 0], y).predict(X[:, :, 0])
    frame = pd.DataFrame(X[:, :, 0], columns=[f"t{i}" for i in range(X.shape[1])])
    model = fast(LSTMRegressor, **params).fit(frame, y)
    np.testing.assert_allclose(from_3d, from_2d, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(model.predict(frame), from_3d, rtol=1e-5, atol=1e-6)
    assert list(model.feature_names_in_) == list(frame.columns)
    assert model.n_features_in_ == len(model.feature_names_in_) == 12  # the columns of a 2-D X
    # integer and float32 inputs train exactly as the same values in float64
    for dtype in (np.float32, np.int64):
        values = (X * 10).astype(dtype)
        typed = fast(LSTMRegressor, **params).fit(values, y).predict(values)
        as_float64 = fast(LSTMRegressor, **params).fit(values.astype(np.float64), y).predict(values)
        np.testing.assert_allclose(typed, as_float64, rtol=1e-5, atol=1e-6)


def test_predictions_keep_target_dimensionality():
    X, y = first_last_task(n=60)
    assert fast(RNNRegressor, max_iter=2).fit(X, y).predict(X).shape == (60,)
    assert fast(RNNRegressor, max_iter=2).fit(X, y[:, None]).predict(X).shape == (60, 1)


# -- scikit-learn tools -----------------------------------------------------------


def test_grid_search_over_hidden_size_with_time_series_split():
    X, y = first_last_task(n=200)
    search = GridSearchCV(
        fast(LSTMRegressor, max_iter=15, random_state=0), {"hidden_size": [1, 16]}, cv=TimeSeriesSplit(3)
    )
    search.fit(X, y)
    # one unit cannot carry the first step to the end of the sequence: the search must see it
    assert search.best_params_ == {"hidden_size": 16}
    scores = search.cv_results_["mean_test_score"]
    assert scores[1] > scores[0] + 0.2
    assert search.best_estimator_.hidden_size == 16


def test_cross_val_score_with_time_series_split():
    X, y = first_last_task(n=200)
    scores = cross_val_score(fast(GRURegressor, max_iter=30, random_state=0), X, y, cv=TimeSeriesSplit(3))
    assert scores.shape == (3,)
    assert np.all(scores > 0.5)


def test_inside_pipeline():
    X, y = first_last_task(n=200, n_features=1)
    pipe = make_pipeline(
        FunctionTransformer(lambda Z: Z * 10.0),
        fast(LSTMRegressor, max_iter=40, random_state=0),
    )
    pipe.fit(X[:150, :, 0], y[:150])
    assert pipe.score(X[150:, :, 0], y[150:]) > 0.8


def test_clone_keeps_parameters_and_drops_fit():
    X, y = first_last_task(n=50)
    model = fast(GRURegressor, max_iter=2, num_layers=2, dropout=0.1).fit(X, y)
    copy = clone(model)
    assert copy.get_params() == model.get_params()
    assert not hasattr(copy, "net_")


def test_pickle_round_trip_predicts_the_same():
    X, y = first_last_task(n=80)
    model = fast(LSTMRegressor, max_iter=3, random_state=0).fit(X, y)
    restored = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(restored.predict(X), model.predict(X))
    assert restored.device_ == "cpu"


def test_predict_follows_input_statistics_loaded_into_the_network():
    # predict keeps the network's input statistics between calls; loading new
    # ones into the network must not leave it with the old ones
    X, y = first_last_task(n=80)
    model = fast(LSTMRegressor, max_iter=2, random_state=0).fit(X, y)
    before = model.predict(X[:5])
    module = model.net_.module_
    state = {k: v.clone() for k, v in module.state_dict().items()}
    state["input_mean"] += 1.0
    module.load_state_dict(state)
    shifted = model.predict(X[:5])
    assert not np.allclose(shifted, before)
    np.testing.assert_allclose(model.predict(X[:5] + 1.0), before, rtol=1e-5, atol=1e-6)


def test_same_random_state_same_model():
    X, y = first_last_task(n=120)
    params = dict(max_iter=5, random_state=42, dropout=0.2, num_layers=2)
    a = fast(LSTMRegressor, **params).fit(X, y)
    b = fast(LSTMRegressor, **params).fit(X, y)
    np.testing.assert_array_equal(a.predict(X), b.predict(X))
    assert a.loss_curve_ == b.loss_curve_
    c = fast(LSTMRegressor, **{**params, "random_state": 7}).fit(X, y)
    assert not np.array_equal(a.predict(X), c.predict(X))


def test_fit_leaves_global_torch_random_state_alone():
    X, y = first_last_task(n=40)
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    fast(RNNRegressor, max_iter=2, random_state=0).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())


# -- training controls ---------------------------------------------------------------


def test_early_stopping_validates_on_the_last_samples_and_restores_best():
    X, y = first_last_task(n=200)
    model = fast(LSTMRegressor, max_iter=200, early_stopping=True, n_iter_no_change=3, random_state=0)
    model.fit(X, y)
    assert model.n_iter_ < 200
    assert len(model.validation_scores_) == model.n_iter_ == len(model.validation_loss_curve_)
    best = int(np.argmin(model.validation_loss_curve_))
    assert model.best_loss_ == model.validation_loss_curve_[best]
    assert model.best_validation_score_ == model.validation_scores_[best]
    # The kept weights are the best epoch's: their R^2 on the last 10 % is the best score.
    tail = slice(180, 200)
    assert model.score(X[tail], y[tail]) == pytest.approx(model.best_validation_score_, abs=1e-4)


def test_early_stopping_never_trains_on_the_validation_tail():
    from skorch.callbacks import Callback

    class SeenTargets(Callback):
        def initialize(self):
            self.train, self.valid = [], []
            return self

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            (self.train if training else self.valid).append(batch[1].numpy().copy())

    X, _ = first_last_task(n=100)
    y = np.arange(100.0)  # each target names its sample
    model = fast(RNNRegressor, max_iter=3, early_stopping=True, n_iter_no_change=50, scale_target=False)
    model.set_params(callbacks=[("seen", SeenTargets())]).fit(X, y)
    seen = dict(model.net_.callbacks_)["seen"]
    trained_on = np.unique(np.concatenate(seen.train))
    validated_on = np.unique(np.concatenate(seen.valid))
    np.testing.assert_array_equal(trained_on, np.arange(90.0))
    np.testing.assert_array_equal(validated_on, np.arange(90.0, 100.0))
    # The split itself: exactly the last ceil(0.1 * n) samples, in order.
    model = fast(RNNRegressor, early_stopping=True)
    train, valid = model._validation_split(y, seed=0)
    assert (train, valid) == (slice(0, 90), slice(90, 100))


def test_training_loss_plateau_stops_like_mlp():
    X, y = first_last_task(n=100)
    model = fast(RNNRegressor, max_iter=500, tol=10.0, n_iter_no_change=2).fit(X, y)
    # A huge tol: no epoch improves by tol, so training stops after n_iter_no_change + 1 epochs.
    assert model.n_iter_ == 3
    assert model.best_loss_ == min(model.loss_curve_)


def test_warm_start_continues_training():
    X, y = first_last_task(n=150)
    model = fast(GRURegressor, max_iter=3, warm_start=True, random_state=0).fit(X, y)
    weights = [p.detach().clone() for p in model.net_.module_.parameters()]
    model.fit(X, y)
    assert model.n_iter_ == 6
    assert len(model.loss_curve_) == 6
    assert model.loss_curve_[3] < model.loss_curve_[0]
    assert any(not torch.equal(a, b) for a, b in zip(weights, model.net_.module_.parameters(), strict=True))
    cold = fast(GRURegressor, max_iter=3, random_state=0).fit(X, y)
    cold.fit(X, y)
    assert cold.n_iter_ == 3


def test_partial_fit_runs_exactly_one_epoch():
    X, y = first_last_task(n=100)
    model = fast(LSTMRegressor, random_state=0)
    model.partial_fit(X, y)
    assert model.n_iter_ == 1
    first = model.loss_curve_[0]
    for _ in range(4):
        model.partial_fit(X, y)
    assert model.n_iter_ == 5
    assert len(model.loss_curve_) == 5
    assert model.loss_curve_[-1] < first
    with pytest.raises(ValueError, match="features"):
        model.partial_fit(X[:, :, :1], y)


def test_verbose_prints_one_line_per_epoch(capsys):
    X, y = first_last_task(n=60)
    fast(RNNRegressor, max_iter=3, verbose=1, early_stopping=True, n_iter_no_change=50).fit(X, y)
    lines = [line for line in capsys.readouterr().out.splitlines() if line.startswith("Epoch")]
    assert len(lines) == 3
    assert "train loss" in lines[0] and "validation loss" in lines[0] and lines[0].endswith(" s")


def test_skorch_callbacks_are_called_and_not_mutated():
    from skorch.callbacks import Callback

    class CountEpochs(Callback):
        def initialize(self):
            self.epochs = 0
            return self

        def on_epoch_end(self, net, **kwargs):
            assert "train_loss" in net.history[-1]
            self.epochs += 1

    counter = CountEpochs()
    X, y = first_last_task(n=60)
    model = fast(RNNRegressor, max_iter=4, callbacks=[counter]).fit(X, y)
    assert dict(model.net_.callbacks_)["CountEpochs"].epochs == 4
    assert not hasattr(counter, "epochs")


def test_batch_history_and_batch_events():
    from skorch.callbacks import Callback

    class CountBatches(Callback):
        def initialize(self):
            self.begin = self.end = 0
            return self

        def on_batch_begin(self, net, batch=None, training=False, **kwargs):
            self.begin += 1

        def on_batch_end(self, net, batch=None, training=False, **kwargs):
            assert "loss" in kwargs and "y_pred" in kwargs
            self.end += 1

    X, y = first_last_task(n=50)
    plain = fast(RNNRegressor, max_iter=3, batch_size=16, random_state=0).fit(X, y)
    batches = plain.net_.history[-1, "batches"]
    assert [b["train_batch_size"] for b in batches] == [16, 16, 16, 2]
    assert all(np.isfinite(b["train_loss"]) for b in batches)

    counted = fast(RNNRegressor, max_iter=3, batch_size=16, random_state=0, callbacks=[CountBatches()]).fit(X, y)
    counter = dict(counted.net_.callbacks_)["CountBatches"]
    assert counter.begin == counter.end == 3 * 4
    np.testing.assert_array_equal(counted.predict(X), plain.predict(X))


def test_gradient_clipping_bounds_each_step():
    X, y = first_last_task(n=64)
    seen = []
    from skorch.callbacks import Callback

    class GradNorm(Callback):
        def on_batch_end(self, net, **kwargs):
            grads = [p.grad for p in net.module_.parameters() if p.grad is not None]
            seen.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))

    fast(RNNRegressor, max_iter=2, clip_grad_norm=0.01, callbacks=[GradNorm()]).fit(X, y)
    assert seen and max(seen) <= 0.01 * 1.001


def test_gradient_clipping_without_callbacks_as_with():
    # without user callbacks the parameters are listed once an epoch; with
    # one they are walked at every step: the same clipping, the same model
    from skorch.callbacks import Callback

    X, y = first_last_task(n=64)
    plain = fast(LSTMRegressor, max_iter=3, clip_grad_norm=0.01, random_state=0).fit(X, y)
    watched = fast(LSTMRegressor, max_iter=3, clip_grad_norm=0.01, random_state=0, callbacks=[Callback()]).fit(X, y)
    unclipped = fast(LSTMRegressor, max_iter=3, clip_grad_norm=None, random_state=0).fit(X, y)
    np.testing.assert_array_equal(plain.predict(X), watched.predict(X))
    assert not np.array_equal(plain.predict(X), unclipped.predict(X))
    # the list is not left on the net, whose get_params skorch builds from its attributes
    assert "_clipped" not in plain.net_.get_params(deep=False)


def test_training_state_is_not_left_among_the_net_parameters():
    # skorch's get_params lists every attribute not ending in "_", so state
    # kept during training must be gone afterwards: only the private names
    # that skorch's own net has may show up
    from skorch import NeuralNetRegressor

    X, y = first_last_task(n=32)
    reference = NeuralNetRegressor(torch.nn.Linear(X.shape[1] * X.shape[2], 1), max_epochs=1, verbose=0)
    reference.fit(X.reshape(len(X), -1).astype(np.float32), y.reshape(-1, 1).astype(np.float32))
    allowed = {name for name in reference.get_params(deep=False) if name.startswith("_")}
    model = fast(LSTMRegressor, max_iter=2, clip_grad_norm=1.0, random_state=0).fit(X, y)
    model.partial_fit(X, y)
    private = {name for name in model.net_.get_params(deep=False) if name.startswith("_")}
    assert private <= allowed


def test_device_auto_picks_what_is_available():
    X, y = first_last_task(n=40)
    model = RNNRegressor(hidden_size=4, max_iter=1, device="auto").fit(X, y)
    assert model.device_ == ("cuda" if torch.cuda.is_available() else "cpu")


@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_cuda_model_matches_cpu_model_and_pickles():
    X, y = first_last_task(n=200)
    gpu = fast(LSTMRegressor, max_iter=40, random_state=0, device="cuda").fit(X, y)
    assert gpu.score(X, y) > 0.8
    restored = pickle.loads(pickle.dumps(gpu))
    np.testing.assert_allclose(restored.predict(X), gpu.predict(X), rtol=1e-5)


# -- bad input -------------------------------------------------------------------------


def _assert_unfitted_and_unchanged(model, X, X_before):
    assert not hasattr(model, "net_")
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize(
    "mutate, error, match",
    [
        (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.nan, X), y), ValueError, "NaN"),
        (lambda X, y: (np.where(np.arange(X.size).reshape(X.shape) == 5, np.inf, X), y), ValueError, "infinity"),
        (lambda X, y: (X, np.where(np.arange(len(y)) == 3, np.nan, y)), ValueError, "y contains NaN"),
        (lambda X, y: (X[:, 0, 0], y), ValueError, "Reshape your data"),
        (lambda X, y: (X[:, :, :, None], y), ValueError, "4-D"),
        (lambda X, y: (X[:0], y[:0]), ValueError, "0 sample"),
        (lambda X, y: (X.astype(str).astype(object) + "x", y), ValueError, "could not convert|numeric"),
        (lambda X, y: (X, y[:-1]), ValueError, "inconsistent numbers of samples"),
        (lambda X, y: (X, None), ValueError, "requires y"),
        (lambda X, y: (X, np.ones((len(y), 2, 2))), ValueError, "y must be 1-D"),
        (lambda X, y: (X[:, :0], y), ValueError, "no time steps"),
    ],
    ids=["nan", "inf", "nan-y", "1d", "4d", "empty", "strings", "lengths", "no-y", "3d-y", "no-steps"],
)
def test_bad_input_raises_before_training(mutate, error, match):
    X, y = first_last_task(n=30)
    X_bad, y_bad = mutate(X, y)
    before = np.array(X_bad, copy=True)
    model = fast(LSTMRegressor, max_iter=1)
    with pytest.raises(error, match=match):
        model.fit(X_bad, y_bad)
    _assert_unfitted_and_unchanged(model, X_bad, before)


def test_wrong_number_of_features_at_predict():
    X, y = first_last_task(n=30, n_features=3)
    model = fast(GRURegressor, max_iter=1).fit(X, y)
    with pytest.raises(ValueError, match="X has 2 features per time step, but GRURegressor is expecting 3 features"):
        model.predict(X[:, :, :2])


def test_unfitted_model_raises_not_fitted():
    with pytest.raises(NotFittedError):
        LSTMRegressor().predict(np.zeros((2, 3, 1)))


@pytest.mark.parametrize(
    "params, match",
    [
        ({"hidden_size": 0}, "hidden_size"),
        ({"dropout": 1.5}, "dropout"),
        ({"loss": "hinge"}, "loss"),
        ({"learning_rate_init": -1.0}, "learning_rate_init"),
        ({"validation_fraction": 1.0}, "validation_fraction"),
        ({"future_steps": -1}, "future_steps"),
    ],
)
def test_invalid_parameters_raise_invalid_parameter_error(params, match):
    X, y = first_last_task(n=20)
    with pytest.raises(InvalidParameterError, match=match):
        fast(RNNRegressor, **params).fit(X, y)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"summary": "last+median"}, "summary='last\\+median' is not valid"),
        ({"device": "tpu"}, "device='tpu' is not valid"),
    ],
)
def test_invalid_string_parameters_name_the_problem(params, match):
    X, y = first_last_task(n=20)
    model = fast(RNNRegressor, **params)
    with pytest.raises(ValueError, match=match):
        model.fit(X, y)
    assert not hasattr(model, "n_features_in_")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the error raised without CUDA")
def test_cuda_requested_without_cuda():
    X, y = first_last_task(n=20)
    with pytest.raises(ValueError, match="CUDA is not available"):
        RNNRegressor(device="cuda").fit(X, y)


def test_dataframe_and_array_inputs_are_not_modified():
    X, y = first_last_task(n=40, n_features=1)
    frame = pd.DataFrame(X[:, :, 0])
    frame_before = frame.copy()
    X32 = X.astype(np.float32)
    X32_before = X32.copy()
    y_before = y.copy()
    model = fast(LSTMRegressor, max_iter=2)
    model.fit(frame, y).predict(frame)
    model.fit(X32, y).predict(X32)
    pd.testing.assert_frame_equal(frame, frame_before)
    np.testing.assert_array_equal(X32, X32_before)
    np.testing.assert_array_equal(y, y_before)


def test_diverging_loss_stops_with_an_error_and_keeps_nothing():
    X, y = first_last_task(n=60)
    model = fast(RNNRegressor, max_iter=20, learning_rate_init=1e30, clip_grad_norm=None, scale_target=False)
    with pytest.raises(ValueError, match="training loss became"):
        model.fit(X, 1e30 * y)
    assert not hasattr(model, "net_") and not hasattr(model, "n_features_in_")


def test_failed_refit_keeps_the_previous_model():
    X, y = first_last_task(n=60)
    model = fast(RNNRegressor, max_iter=2, random_state=0).fit(X, y)
    before = model.predict(X)
    with pytest.raises(ValueError):
        model.fit(X[:, :, :1], np.full(len(y), np.nan))
    np.testing.assert_array_equal(model.predict(X), before)
    assert model.n_features_in_ == 2


def test_convergence_warning_when_max_iter_is_reached():
    X, y = first_last_task(n=40)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fast(RNNRegressor, max_iter=2).fit(X, y)
    messages = [str(w.message) for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert any("maximum iterations (2) reached" in m and "Raise max_iter" in m for m in messages)
    # attributed to the caller's line, not to a file inside the package
    assert all(w.filename == __file__ for w in caught if issubclass(w.category, ConvergenceWarning))


def test_fit_and_predict_restore_torch_thread_setting():
    X, y = first_last_task(n=40)
    previous = torch.get_num_threads()
    model = fast(RNNRegressor, max_iter=1, n_threads=1).fit(X, y)
    model.predict(X)
    assert torch.get_num_threads() == previous


# -- known-future inputs (future_steps) ------------------------------------------


def future_task(n=400, seed=0):
    """Four past steps then six future steps; each future step's outputs (two
    groups) depend on its own inputs, nonlinearly, and on the first past step."""
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, 10, 2))
    Y = np.concatenate([(g + 1) * X[:, 4:, 0] ** 2 + X[:, :1, 1] for g in range(2)], axis=1)  # (n, 2 groups x 6 steps)
    return X, Y


def test_future_steps_link_each_future_step_to_its_outputs():
    X, Y = future_task()
    model = fast(LSTMRegressor, max_iter=60, future_steps=6, random_state=0).fit(X[:300], Y[:300])
    assert model.net_.module_.future_steps == 6
    plain = fast(LSTMRegressor, max_iter=60, random_state=0).fit(X[:300], Y[:300])
    unexplained, plain_unexplained = 1 - model.score(X[300:], Y[300:]), 1 - plain.score(X[300:], Y[300:])
    assert unexplained < 0.01
    # one summary for all outputs must untangle which step feeds which output
    assert unexplained < 0.5 * plain_unexplained


@pytest.mark.parametrize(
    "X, Y, match",
    [
        ([np.zeros((8, 2)), np.zeros((7, 2))], np.zeros((2, 4)), "needs sequences of one length"),
        (np.zeros((3, 2, 2)), np.zeros((3, 4)), "leaves no past steps in sequences of 2 steps"),
        (np.zeros((3, 8, 2)), np.zeros((3, 3)), r"must divide the number of outputs \(3\)"),
    ],
)
def test_future_steps_errors_name_the_problem(X, Y, match):
    model = fast(GRURegressor, future_steps=2, max_iter=1)
    with pytest.raises(ValueError, match=match):
        model.fit(X, Y)
    assert not hasattr(model, "net_")


def test_future_steps_at_predict_need_sequences_of_one_length():
    X, Y = future_task(n=40)
    model = fast(RNNRegressor, future_steps=6, max_iter=1).fit(X, Y)
    with pytest.raises(ValueError, match="future_steps=6 steps of each sequence as future inputs"):
        model.predict([X[0], X[1, :9]])
