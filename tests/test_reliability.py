"""Faults a user cannot see, by kind: the skorch seam, the scikit-learn contract,
global state, concurrency, settings that cannot take effect, and precision."""

import copy
import pickle
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
import pytest
import torch
from joblib import parallel_backend
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import GridSearchCV, KFold, cross_val_predict
from skorch.callbacks import Callback, Checkpoint, EarlyStopping, GradientNormClipping

from sklearn_rnn import (
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RNNClassifier,
    RNNRegressor,
)
from sklearn_rnn._torch_state import _LOCK, flush_denormal_enabled, torch_settings, torch_threads

from ._fast import fast

REGRESSORS = [RNNRegressor, LSTMRegressor, GRURegressor]
CLASSIFIERS = [RNNClassifier, LSTMClassifier, GRUClassifier]
ESTIMATORS = REGRESSORS + CLASSIFIERS


def _task(cls, n=64, n_steps=6, n_features=2, seed=0):
    rng = np.random.RandomState(seed)
    X = rng.uniform(-1, 1, size=(n, n_steps, n_features))
    y = 2 * X[:, 0, 0] - X[:, -1, -1]
    return X, (y > 0).astype(int) if cls in CLASSIFIERS else y


class Recorder(Callback):
    """Counts every documented skorch callback event."""

    def initialize(self):
        self.events = {}
        self.grad_norms = []
        return self

    def _count(self, name):
        self.events[name] = self.events.get(name, 0) + 1

    def on_train_begin(self, net, **kwargs):
        self._count("on_train_begin")

    def on_train_end(self, net, **kwargs):
        self._count("on_train_end")

    def on_epoch_begin(self, net, **kwargs):
        self._count("on_epoch_begin")

    def on_epoch_end(self, net, **kwargs):
        self._count("on_epoch_end")

    def on_batch_begin(self, net, training=False, **kwargs):
        self._count(f"on_batch_begin:{'train' if training else 'valid'}")

    def on_batch_end(self, net, training=False, **kwargs):
        self._count(f"on_batch_end:{'train' if training else 'valid'}")

    def on_grad_computed(self, net, named_parameters, **kwargs):
        self._count("on_grad_computed")
        grads = [p.grad for _, p in named_parameters if p.grad is not None]
        self.grad_norms.append(float(torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]))))


# -- 1. the seam with skorch ----------------------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_skorch_early_stopping_ends_fit_normally(cls):
    X, y = _task(cls)
    model = fast(cls, max_iter=50, callbacks=[EarlyStopping(monitor="train_loss", patience=1, threshold=10.0)])
    model.fit(X, y)  # skorch stops by raising KeyboardInterrupt: it must not escape fit
    assert model.n_iter_ == 2  # no epoch improves by 10: stopped after patience + 1 epochs
    assert len(model.loss_curve_) == 2
    assert model.predict(X).shape == (len(X),)


def test_skorch_callbacks_watching_validation_keys_need_validation_data(tmp_path):
    X, y = _task(GRURegressor, n=40)
    # the defaults of skorch's EarlyStopping ("valid_loss") and Checkpoint ("valid_loss_best")
    for callback in (EarlyStopping(patience=1), EarlyStopping, Checkpoint(dirname=str(tmp_path))):
        with pytest.raises(ValueError, match=r"callbacks\[0\] \((EarlyStopping|Checkpoint)\) watches 'valid_loss"):
            fast(GRURegressor, hidden_size=4, max_iter=3, callbacks=[callback]).fit(X, y)
        model = fast(GRURegressor, hidden_size=4, max_iter=3, early_stopping=True, callbacks=[callback]).fit(X, y)
        assert model.n_iter_ >= 1
        with pytest.raises(ValueError, match="partial_fit never does"):
            model.partial_fit(X, y)
    history = model.net_.history
    losses = history[:, "valid_loss"]
    assert history[:, "valid_loss_best"] == [loss < min(losses[:i], default=np.inf) for i, loss in enumerate(losses)]
    assert history[:, "train_loss_best"][0] is True
    # a running minimum, across warm fits too (the history continues)
    model = fast(GRURegressor, hidden_size=4, max_iter=3, warm_start=True).fit(X, y)
    for _ in range(2):
        model.partial_fit(X, y)
    model.fit(X, y)
    losses = model.net_.history[:, "train_loss"]
    assert len(losses) == 8
    assert model.net_.history[:, "train_loss_best"] == [
        loss < min(losses[:i], default=np.inf) for i, loss in enumerate(losses)
    ]
    assert (tmp_path / "params.pt").exists()  # Checkpoint saved on its best epochs


def test_a_user_callback_stopping_training_gets_no_convergence_warning():
    X, y = _task(LSTMRegressor)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)
        fast(LSTMRegressor, max_iter=50, callbacks=[EarlyStopping(monitor="train_loss", threshold=10.0)]).fit(X, y)


class CtrlC(Callback):
    """Stands in for a user pressing Ctrl-C during a batch of the ``epoch``-th
    epoch of a fit (a training batch, or a validation one)."""

    def __init__(self, epoch, training=True):
        self.epoch = epoch
        self.training = training

    def on_train_begin(self, net, **kwargs):
        self._first = len(net.history)

    def on_batch_end(self, net, training=False, **kwargs):
        if len(net.history) - self._first == self.epoch and training == self.training:
            raise KeyboardInterrupt


@pytest.mark.parametrize("epoch, training", [(1, True), (3, True), (2, False)])
def test_ctrl_c_during_fit_reaches_the_caller_and_keeps_the_previous_model(epoch, training):
    X, y = _task(GRURegressor, n=40)
    interrupted = fast(GRURegressor, hidden_size=4, max_iter=5, batch_size=16, early_stopping=True, random_state=0)
    with pytest.raises(KeyboardInterrupt):
        interrupted.set_params(callbacks=[CtrlC(epoch, training)]).fit(X, y)
    assert not hasattr(interrupted, "net_")
    model = fast(GRURegressor, hidden_size=4, max_iter=2, batch_size=16, random_state=0).fit(X, y)
    before, curve = model.predict(X), list(model.loss_curve_)
    history = copy.deepcopy(list(model.net_.history))  # a continued fit shares its epoch records
    model.set_params(callbacks=[CtrlC(1)])
    for continued in (model.partial_fit, model.set_params(warm_start=True).fit):
        with pytest.raises(KeyboardInterrupt):
            continued(X, y)
        assert model.n_iter_ == 2 and model.loss_curve_ == curve
        assert list(model.net_.history) == history
        np.testing.assert_array_equal(model.predict(X), before)
    model.set_params(callbacks=None).partial_fit(X, y)
    assert len(model.net_.history) == 3 and list(model.net_.history)[:2] == history


@pytest.mark.parametrize("incremental", [True, False])
def test_a_failed_warm_fit_leaves_the_next_warm_fit_as_it_would_have_been(incremental):
    # the random stream that seeds each warm fit is part of the state restored
    X, y = _task(GRURegressor, n=40)
    results = []
    for fail_first in (False, True):
        model = fast(GRURegressor, hidden_size=4, max_iter=2, batch_size=8, random_state=0, warm_start=True)
        model.fit(X, y)
        if fail_first:
            with pytest.raises(KeyboardInterrupt):
                model.set_params(callbacks=[CtrlC(1)]).fit(X, y)
            model.set_params(callbacks=None)
        results.append((model.partial_fit if incremental else model.fit)(X, y).predict(X))
    np.testing.assert_array_equal(results[1], results[0])


def test_every_documented_callback_event_fires():
    X, y = _task(GRURegressor, n=40)
    model = fast(GRURegressor, max_iter=3, batch_size=10, early_stopping=True, n_iter_no_change=50)
    model.set_params(callbacks=[("recorder", Recorder())])
    model.fit(X, y)
    events = dict(model.net_.callbacks_)["recorder"].events
    # 36 training sequences in batches of 10 (4 batches), 4 validation sequences (1 batch), 3 epochs
    assert events == {
        "on_train_begin": 1,
        "on_train_end": 1,
        "on_epoch_begin": 3,
        "on_epoch_end": 3,
        "on_batch_begin:train": 12,
        "on_batch_end:train": 12,
        "on_grad_computed": 12,
        "on_batch_begin:valid": 3,
        "on_batch_end:valid": 3,
    }


def test_gradient_norm_clipping_callback_clips():
    X, y = _task(LSTMRegressor, n=40)
    recorder = ("recorder", Recorder())
    clipping = GradientNormClipping(gradient_clip_value=1e-3)
    # the recorder runs after the clipping callback: it sees the clipped gradients
    model = fast(LSTMRegressor, max_iter=2, clip_grad_norm=None, callbacks=[clipping, recorder]).fit(X, y)
    norms = dict(model.net_.callbacks_)["recorder"].grad_norms
    assert len(norms) == 4 and max(norms) <= 1e-3 * (1 + 1e-4)
    unclipped = fast(LSTMRegressor, max_iter=2, clip_grad_norm=None, callbacks=[recorder]).fit(X, y)
    assert max(dict(unclipped.net_.callbacks_)["recorder"].grad_norms) > 1e-2


def test_the_stopping_callback_is_found_by_name_and_its_name_is_reserved():
    X, y = _task(RNNRegressor)
    model = fast(RNNRegressor, max_iter=2, callbacks=[Recorder()]).fit(X, y)
    names = [name for name, _ in model.net_.callbacks_]
    assert names[-1] == "mlp_stopping" and len(names) == 2
    with pytest.raises(ValueError, match="'mlp_stopping' is reserved"):
        fast(RNNRegressor, max_iter=2, callbacks=[("mlp_stopping", Recorder())]).fit(X, y)


@pytest.mark.parametrize(
    "callbacks, message",
    [
        ([1], r"callbacks\[0\]=1 is not a skorch callback"),
        ([Recorder(), "print"], r"callbacks\[1\]='print' is not a skorch callback"),
        ([("recorder", 1)], r"callbacks\[0\]=\('recorder', 1\) is not a skorch callback"),
        ([("recorder",)], r"callbacks\[0\]=\('recorder',\) is not a valid \(name, callback\) pair"),
        ([(1, Recorder())], r"callbacks\[0\]=.* is not a valid \(name, callback\) pair"),
        ([["mlp_stopping", Recorder()]], "'mlp_stopping' is reserved"),
    ],
    ids=["number", "string", "pair-of-number", "1-tuple", "number-as-name", "reserved-name-in-list"],
)
def test_callbacks_that_skorch_cannot_use_are_refused_naming_the_parameter(callbacks, message):
    X, y = _task(RNNRegressor, n=16)
    with pytest.raises(ValueError, match=message):
        fast(RNNRegressor, hidden_size=4, max_iter=1, callbacks=callbacks).fit(X, y)


def test_callback_classes_and_named_pairs_are_accepted_as_in_skorch():
    X, y = _task(RNNRegressor, n=16)
    model = fast(RNNRegressor, hidden_size=4, max_iter=2, callbacks=[Recorder, ["named", Recorder()]]).fit(X, y)
    callbacks = dict(model.net_.callbacks_)
    assert callbacks["Recorder"].events["on_epoch_end"] == callbacks["named"].events["on_epoch_end"] == 2


def test_the_fitted_model_holds_no_training_or_validation_data():
    X, y = _task(GRURegressor)
    model = fast(GRURegressor, max_iter=2, early_stopping=True).fit(X, y)
    assert model.net_.train_split is None


# -- 2. the scikit-learn contract --------------------------------------------------------


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_n_features_in_has_scikit_learns_meaning(cls):
    X, y = _task(cls, n_features=1)
    table = X[:, :, 0]
    model = fast(cls, max_iter=1).fit(pd.DataFrame(table, columns=[f"t{i}" for i in range(6)]), y)
    assert model.n_features_in_ == len(model.feature_names_in_) == 6
    assert fast(cls, max_iter=1).fit(table, y).n_features_in_ == 6
    assert fast(cls, max_iter=1).fit(X, y).n_features_in_ == 1
    assert fast(cls, max_iter=1).fit(list(X[:, :, :]), y).n_features_in_ == 1
    X3, _ = _task(cls, n_features=3)
    assert fast(cls, max_iter=1).fit(X3, y).n_features_in_ == 3


@pytest.mark.parametrize("cls", [LSTMRegressor, GRUClassifier])
def test_reversed_and_strided_views_are_valid_input(cls):
    # batches of 512 x 16 x 2 = 2**14 values: predict standardizes them with torch
    X, y = _task(cls, n=1200, n_steps=16, n_features=2)
    model = fast(cls, hidden_size=4, max_iter=2).fit(X[::-1], y[::-1])
    methods = ["predict", "score"] + (["predict_proba"] if cls in CLASSIFIERS else [])
    for view, target in [(X[::-1], y[::-1]), (X[:, ::-1], y), (X[:, :, ::-1], y), (X[::2], y[::2])]:
        for method in methods:
            args = (target,) if method == "score" else ()
            expected = getattr(model, method)(view.copy(), *args)
            np.testing.assert_array_equal(getattr(model, method)(view, *args), expected)


def test_a_list_of_dataframe_sequences_records_feature_names():
    rng = np.random.RandomState(0)
    frames = [pd.DataFrame(rng.randn(n, 2), columns=["price", "volume"]) for n in (5, 7, 4, 6)]
    model = fast(LSTMRegressor, max_iter=1).fit(frames, [0.0, 1.0, 0.5, 0.2])
    assert list(model.feature_names_in_) == ["price", "volume"] and model.n_features_in_ == 2
    with pytest.raises(ValueError, match="feature names .* should match"):
        model.predict([frame.rename(columns={"price": "cost"}) for frame in frames])


def test_input_without_the_fitted_feature_names_warns_in_every_layout():
    rng = np.random.RandomState(0)
    frames = [pd.DataFrame(rng.randn(4, 2), columns=["price", "volume"]) for _ in range(8)]
    model = fast(LSTMRegressor, hidden_size=4, max_iter=1).fit(frames, rng.randn(8))
    X = rng.randn(3, 4, 2)
    for layout in (X, X.astype(np.float32), list(X), X.tolist()):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            model.predict(layout)
        names = [w for w in caught if "does not have valid feature names" in str(w.message)]
        assert len(names) == 1
        if not isinstance(layout, list) or isinstance(layout[0], np.ndarray):  # not scikit-learn's warning
            assert names[0].filename == __file__
    unnamed = fast(LSTMRegressor, hidden_size=4, max_iter=1).fit(X, rng.randn(3))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        unnamed.predict(X)
    # and the converse, as scikit-learn warns for a table
    with pytest.warns(UserWarning, match="X has feature names, but LSTMRegressor was fitted without") as caught:
        unnamed.predict(frames)
    assert caught[0].filename == __file__


def test_mapie_split_conformal_regressor_on_a_2d_table():
    regression = pytest.importorskip("mapie.regression")
    rng = np.random.RandomState(0)
    X = rng.rand(240, 8)
    y = X[:, 0] + X[:, -1]
    conformal = regression.SplitConformalRegressor(
        fast(LSTMRegressor, max_iter=5, random_state=0), confidence_level=0.9, prefit=False
    )
    conformal.fit(X[:120], y[:120]).conformalize(X[120:200], y[120:200])
    point, intervals = conformal.predict_interval(X[200:])
    assert point.shape == (40,) and intervals.shape == (40, 2, 1)
    assert np.all(intervals[:, 0, 0] <= point) and np.all(point <= intervals[:, 1, 0])


@pytest.mark.parametrize(
    "keyword, equivalent",
    [
        ("epochs", "use max_iter"),
        ("units", "use hidden_size"),
        ("optimizer", "the optimizer is Adam; set its step size with learning_rate_init"),
        ("validation_split", "use early_stopping=True with validation_fraction"),
        ("lr", "use learning_rate_init"),
        ("hiden_size", "did you mean hidden_size"),
    ],
)
@pytest.mark.parametrize("cls", [LSTMRegressor, GRUClassifier])
def test_unknown_arguments_name_the_public_class_and_the_equivalent(cls, keyword, equivalent):
    with pytest.raises(TypeError, match=rf"^{cls.__name__} got unexpected keyword argument\(s\) '{keyword}'") as info:
        cls(**{keyword: 10})
    assert equivalent in str(info.value)
    assert "_Recurrent" not in str(info.value)


def test_positional_arguments_are_refused_with_the_public_name():
    message = r"LSTMRegressor takes keyword arguments only .* LSTMRegressor\(hidden_size=32\)"
    with pytest.raises(TypeError, match=message):
        LSTMRegressor(32)


def test_get_params_still_sees_the_real_signature():
    params = LSTMRegressor().get_params()
    assert params["hidden_size"] == 64 and "epochs" not in params
    assert clone(LSTMRegressor(hidden_size=5)).hidden_size == 5


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("integer", [np.int64, np.int32])
def test_numpy_integers_work_wherever_python_integers_do(cls, integer):
    # a grid from np.arange gives NumPy integers; the constraints accept them
    X, y = _task(cls, n=32)
    params = dict(hidden_size=4, num_layers=2, batch_size=8, max_iter=2, n_iter_no_change=2, downsample=2)
    expected = fast(cls, random_state=0, **params).fit(X, y).predict(X)
    model = fast(cls, random_state=integer(0), **{name: integer(value) for name, value in params.items()}).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), expected)
    search = GridSearchCV(fast(cls, max_iter=1), {"hidden_size": np.arange(2, 5, 2)}, cv=2, error_score="raise")
    assert search.fit(X, y).best_params_["hidden_size"] in (2, 4)
    # and messages show them as the numbers they are, not as np.int64(4)
    with pytest.raises(ValueError, match=r"\(hidden_size=4 -> 8\)"):
        model.set_params(warm_start=True, hidden_size=integer(8)).fit(X, y)


# -- 3.1 global state -------------------------------------------------------------------


@pytest.fixture
def torch_state():
    """Leave PyTorch as the test found it, whatever the test sets."""
    threads, flush = torch.get_num_threads(), flush_denormal_enabled()
    yield
    torch.set_num_threads(threads)
    torch.set_flush_denormal(flush)


@pytest.mark.parametrize("flush", [True, False])
@pytest.mark.parametrize("cls", [GRURegressor, LSTMClassifier])
def test_fit_and_predict_leave_denormal_flushing_as_found(torch_state, cls, flush):
    X, y = _task(cls)
    torch.set_flush_denormal(flush)
    model = fast(cls, max_iter=2).fit(X, y)
    assert flush_denormal_enabled() is flush
    model.predict(X)
    assert flush_denormal_enabled() is flush
    model.partial_fit(X, y)
    assert flush_denormal_enabled() is flush


def test_global_settings_are_restored_after_an_error(torch_state):
    X, y = _task(RNNRegressor)
    torch.set_flush_denormal(False)
    torch.set_num_threads(2)
    rng_state = torch.random.get_rng_state()
    model = fast(RNNRegressor, max_iter=20, learning_rate_init=1e30, clip_grad_norm=None, scale_target=False)
    model.set_params(n_threads=1)
    with pytest.raises(ValueError, match="training loss became"):
        model.fit(X, 1e30 * y)
    assert flush_denormal_enabled() is False
    assert torch.get_num_threads() == 2
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    assert torch.is_grad_enabled()


def test_settings_blocks_restore_everything_and_free_the_lock_on_error(torch_state):
    torch.set_flush_denormal(False)
    torch.set_num_threads(2)
    previous_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        with torch.inference_mode():
            with pytest.raises(KeyError), torch_settings(grad=True), torch_threads(1):
                assert torch.get_num_threads() == 1 and flush_denormal_enabled()
                assert torch.get_default_dtype() == torch.float32
                assert torch.is_grad_enabled() and not torch.is_inference_mode_enabled()
                raise KeyError
            assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
        assert torch.get_num_threads() == 2 and flush_denormal_enabled() is False
        assert torch.get_default_dtype() == torch.float64
        # the thread count set by the settings block itself (as predict sets it)
        with pytest.raises(KeyError), torch_settings(flush=False, threads=1):
            assert torch.get_num_threads() == 1 and torch.get_default_dtype() == torch.float32
            raise KeyError
        assert torch.get_num_threads() == 2 and torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(previous_dtype)

    _assert_lock_is_free()


@pytest.mark.parametrize("cls", [RNNRegressor, GRUClassifier])
def test_predict_restores_the_thread_count_it_changes(torch_state, cls):
    X, y = _task(cls)
    model = cls(hidden_size=4, max_iter=1, n_threads=1, random_state=0).fit(X, y)
    torch.set_num_threads(2)
    model.predict(X)
    assert torch.get_num_threads() == 2


def _assert_lock_is_free():
    """Another thread can take the package's lock (within 5 s: a held lock fails, not hangs)."""
    taken = []

    def take():
        if _LOCK.acquire(timeout=5):
            taken.append(True)
            _LOCK.release()

    thread = threading.Thread(target=take)
    thread.start()
    thread.join()
    assert taken


def test_settings_blocks_fail_to_enter_cleanly(torch_state, monkeypatch):
    """A failure while entering leaves the modes, the settings and the lock as they were."""
    torch.set_flush_denormal(False)

    def fail(mode):
        raise KeyboardInterrupt

    with torch.inference_mode():
        monkeypatch.setattr(torch, "set_grad_enabled", fail)
        settings = torch_settings(grad=True)  # kept alive: no garbage collection undoes what it entered
        with pytest.raises(KeyboardInterrupt), settings:
            pass
        monkeypatch.undo()
        assert torch.is_inference_mode_enabled() and flush_denormal_enabled() is False
    _assert_lock_is_free()


@pytest.mark.parametrize("block", [lambda: torch_settings(flush=False), lambda: torch_threads(1)])
def test_a_settings_block_is_entered_once(torch_state, block):
    settings = block()
    with settings, pytest.raises(RuntimeError, match="entered twice"), settings:
        pass


def test_fit_leaves_the_random_state_and_works_under_no_grad(torch_state):
    X, y = _task(LSTMRegressor)
    rng_state = torch.random.get_rng_state()
    with torch.no_grad():
        model = fast(LSTMRegressor, max_iter=3, random_state=0).fit(X, y)
        assert not torch.is_grad_enabled()
    assert torch.equal(torch.random.get_rng_state(), rng_state)
    reference = fast(LSTMRegressor, max_iter=3, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.predict(X), reference.predict(X))


@pytest.mark.parametrize("cls", ESTIMATORS)
def test_a_float64_default_dtype_gives_the_same_float32_model_and_is_restored(cls):
    X, y = _task(cls, n=32)
    params = dict(hidden_size=4, max_iter=2, early_stopping=True, random_state=0)
    reference = fast(cls, **params).fit(X, y)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        model = fast(cls, **params).fit(X, y)
        assert torch.get_default_dtype() == torch.float64
        predictions = model.predict(X)
        model.partial_fit(list(X[:, :4]) + list(X[:, :3]), np.concatenate([y, y])[:64])  # variable lengths
        assert torch.get_default_dtype() == torch.float64
    finally:
        torch.set_default_dtype(previous)
    assert {p.dtype for p in model.net_.module_.parameters()} == {torch.float32}
    assert model.net_.module_.input_mean.dtype == model.net_.module_.input_scale.dtype == torch.float64
    np.testing.assert_array_equal(predictions, reference.predict(X))


@pytest.mark.parametrize("cls", [LSTMRegressor, GRUClassifier])
def test_fit_and_predict_work_inside_inference_mode(cls):
    X, y = _task(cls, n=32)
    params = dict(hidden_size=4, max_iter=2, random_state=0)
    reference = fast(cls, **params).fit(X, y)
    with torch.inference_mode():
        model = fast(cls, **params).fit(X, y)
        assert torch.is_inference_mode_enabled()
        predictions = model.predict(X)
        model.partial_fit(X, y)
        assert torch.is_inference_mode_enabled() and not torch.is_grad_enabled()
    np.testing.assert_array_equal(predictions, reference.predict(X))
    np.testing.assert_array_equal(model.predict(X), reference.partial_fit(X, y).predict(X))
    with torch.inference_mode():
        loaded = pickle.loads(pickle.dumps(model))
    np.testing.assert_array_equal(loaded.partial_fit(X, y).predict(X), model.partial_fit(X, y).predict(X))


def test_predict_restores_the_modules_train_mode():
    X, y = _task(LSTMRegressor)
    model = fast(LSTMRegressor, max_iter=1, dropout=0.5, num_layers=2).fit(X, y)
    module = model.net_.module_
    module.train()
    first = model.predict(X)
    assert module.training
    np.testing.assert_array_equal(model.predict(X), first)  # eval mode inside: no dropout
    module.eval()
    model.predict(X)
    assert not module.training


# -- 3.2 reproducibility under concurrency ------------------------------------------------


def test_seeded_fits_in_threads_equal_sequential_fits():
    X, y = _task(GRURegressor, n=80)
    model = fast(GRURegressor, max_iter=5, dropout=0.2, num_layers=2, random_state=0)
    sequential = [clone(model).fit(X, y).predict(X) for _ in range(2)]
    np.testing.assert_array_equal(sequential[0], sequential[1])
    with ThreadPoolExecutor(max_workers=4) as pool:
        threaded = list(pool.map(lambda _: clone(model).fit(X, y).predict(X), range(4)))
    for predictions in threaded:
        np.testing.assert_array_equal(predictions, sequential[0])


def test_cross_val_predict_with_the_threading_backend_equals_sequential():
    X, y = _task(GRURegressor, n=80)
    model = fast(GRURegressor, max_iter=4, random_state=0)
    cv = KFold(4)
    sequential = cross_val_predict(model, X, y, cv=cv)
    with parallel_backend("threading", n_jobs=4):
        threaded = cross_val_predict(model, X, y, cv=cv, n_jobs=4)
    np.testing.assert_array_equal(threaded, sequential)


# -- 3.3 settings that cannot take effect --------------------------------------------------


@pytest.mark.parametrize(
    "cls, change",
    [
        (GRURegressor, {"hidden_size": 8}),
        (GRURegressor, {"num_layers": 2}),
        (GRURegressor, {"bidirectional": True}),
        (GRURegressor, {"summary": "last"}),
        (GRURegressor, {"dropout": 0.3}),
        (GRURegressor, {"scale_inputs": False}),
        (GRURegressor, {"scale_target": False}),
        (GRURegressor, {"loss": "huber"}),
        (RNNClassifier, {"class_weight": {0: 2.0}}),
        (RNNClassifier, {"hidden_size": 3}),
    ],
)
@pytest.mark.parametrize("how", ["warm_start", "partial_fit"])
def test_changed_architecture_under_warm_start_raises_naming_it(cls, change, how):
    X, y = _task(cls)
    model = fast(cls, max_iter=2, warm_start=True).fit(X, y)
    before = model.predict(X)
    model.set_params(**change)
    name = next(iter(change))
    with pytest.raises(ValueError, match=rf"{cls.__name__}: {name} changed since the network was built") as info:
        model.partial_fit(X, y) if how == "partial_fit" else model.fit(X, y)
    # the way out that applies: partial_fit continues whatever warm_start is
    assert ("call fit with warm_start=False" if how == "partial_fit" else "set warm_start=False") in str(info.value)
    np.testing.assert_array_equal(model.predict(X), before)  # nothing changed
    model.set_params(warm_start=False).fit(X, y)  # a new network takes the new setting
    if name == "hidden_size":
        assert model.net_.module_.hidden_size == change[name]


def test_a_device_name_for_the_same_device_is_no_change():
    X, y = _task(GRURegressor)
    model = fast(GRURegressor, max_iter=1, warm_start=True).fit(X, y)
    expected = "cuda" if torch.cuda.is_available() else "cpu"
    model.set_params(device="auto" if model.device_ == expected else model.device_).fit(X, y)
    assert model.n_iter_ == 2


def test_changed_training_settings_take_effect_on_a_warm_fit():
    X, y = _task(LSTMRegressor, n=60)
    model = fast(LSTMRegressor, max_iter=2, batch_size=30, warm_start=True, random_state=0).fit(X, y)
    model.set_params(batch_size=20, learning_rate_init=0.05, max_iter=3, clip_grad_norm=None)
    model.fit(X, y)
    history = model.net_.history
    assert [len(history[i, "batches"]) for i in range(len(history))] == [2, 2, 3, 3, 3]
    assert model.net_.optimizer_.param_groups[0]["lr"] == 0.05
    assert model.net_.clip_grad_norm is None
    assert model.n_iter_ == 5


def test_a_new_random_state_takes_effect_on_a_warm_fit():
    X, y = _task(LSTMRegressor, n=60)

    def warm_twice(second_seed):
        model = fast(LSTMRegressor, max_iter=2, warm_start=True, random_state=0).fit(X, y)
        return model.set_params(random_state=second_seed).fit(X, y).predict(X)

    np.testing.assert_array_equal(warm_twice(0), warm_twice(0))
    assert not np.array_equal(warm_twice(0), warm_twice(1))


@pytest.mark.parametrize("seed", [3, 12345])  # pickle keeps no identity for integers above 256
def test_training_continues_alike_after_a_pickle_round_trip(seed):
    X, y = _task(LSTMRegressor, n=40)
    model = fast(LSTMRegressor, hidden_size=4, max_iter=2, batch_size=8, warm_start=True, random_state=seed).fit(X, y)
    loaded = pickle.loads(pickle.dumps(model))
    for continued in (lambda m: m.partial_fit(X, y), lambda m: m.fit(X, y)):
        np.testing.assert_array_equal(continued(loaded).predict(X), continued(model).predict(X))


# -- 3.4 precision ---------------------------------------------------------------------


def _offset_task(offset, n=300):
    rng = np.random.RandomState(0)
    X = rng.uniform(-1, 1, size=(n, 6, 1))
    y = X[:, 0, 0] - X[:, -1, 0]
    return X + offset, y


@pytest.mark.parametrize(
    "layout",
    [
        lambda X: X,
        lambda X: X[:, :, 0],
        lambda X: pd.DataFrame(X[:, :, 0]),
        lambda X: [s for s in X],
    ],
    ids=["3d", "2d", "dataframe", "list"],
)
def test_a_large_offset_does_not_erase_the_signal(layout):
    scores = []
    for offset in (0.0, 1e9):
        X, y = _offset_task(offset)
        model = fast(LSTMRegressor, max_iter=30, random_state=0).fit(layout(X[:200]), y[:200])
        scores.append(model.score(layout(X[200:]), y[200:]))
    assert scores[0] > 0.9
    assert scores[1] == pytest.approx(scores[0], abs=0.02)


def test_a_large_offset_trains_through_partial_fit_and_early_stopping():
    X, y = _offset_task(1e9)
    model = fast(GRURegressor, random_state=0)
    for _ in range(30):
        model.partial_fit(X[:200], y[:200])
    assert model.score(X[200:], y[200:]) > 0.9
    stopped = fast(GRURegressor, max_iter=60, early_stopping=True, random_state=0).fit(X[:200], y[:200])
    assert stopped.best_validation_score_ > 0.9


@pytest.mark.parametrize("unit", [1e-13, 1e-60])
def test_data_in_tiny_units_are_standardized_like_ordinary_ones(unit):
    # a spread below 1e-12 is not "constant" when the values themselves are that small
    X, y = _offset_task(0.0)
    X = X.astype(np.float64)  # 1e-60 is below float32's range
    ordinary = fast(LSTMRegressor, max_iter=5, random_state=0).fit(X[:200], y[:200])
    tiny = fast(LSTMRegressor, max_iter=5, random_state=0).fit(X[:200] * unit, y[:200] * unit)
    np.testing.assert_allclose(tiny.net_.module_.input_scale.numpy(), ordinary.net_.module_.input_scale.numpy() * unit)
    np.testing.assert_allclose(tiny.target_scale_, ordinary.target_scale_ * unit)
    np.testing.assert_allclose(tiny.predict(X[200:] * unit) / unit, ordinary.predict(X[200:]), rtol=1e-4, atol=1e-4)


def test_constant_columns_keep_a_scale_of_one():
    X, y = _offset_task(0.0)
    X = np.concatenate([X, np.zeros_like(X), np.full_like(X, 1e9)], axis=2)
    model = fast(LSTMRegressor, max_iter=1).fit(X, np.zeros(len(X)))
    np.testing.assert_array_equal(model.net_.module_.input_scale.numpy()[1:], [1.0, 1.0])
    assert model.target_scale_ == [1.0]


def test_scaling_statistics_come_from_all_the_data_given_to_fit():
    # validation part included, for inputs and targets alike (as a scaler in front of the estimator)
    rng = np.random.RandomState(0)
    X = rng.randn(40, 5, 1)
    y = np.r_[rng.randn(36), 100 + rng.randn(4)]  # a level shift in the last 10%, the validation part
    for early_stopping in (True, False):
        model = fast(GRURegressor, max_iter=2, early_stopping=early_stopping).fit(X, y)
        np.testing.assert_allclose(model.net_.module_.input_mean.numpy(), [X.mean()])
        np.testing.assert_allclose(model.target_mean_, [y.mean()])
        np.testing.assert_allclose(model.target_scale_, [y.std()])


def test_input_statistics_are_exact_in_float64():
    X, y = _offset_task(1e9)
    model = fast(RNNRegressor, max_iter=1).fit(X, y)
    np.testing.assert_allclose(model.net_.module_.input_mean.numpy(), [X.mean()], rtol=0, atol=1e-6)
    np.testing.assert_allclose(model.net_.module_.input_scale.numpy(), [X.std()], rtol=1e-9)


@pytest.mark.parametrize("cls", [LSTMRegressor, GRUClassifier])
@pytest.mark.parametrize("scale_inputs", [True, False])
def test_finite_inputs_that_overflow_float32_raise_instead_of_predicting_nan(cls, scale_inputs):
    X, y = _task(cls, n=32)
    model = fast(cls, hidden_size=4, max_iter=2, scale_inputs=scale_inputs).fit(X, y)
    message = "overflow float32 .* once standardized" if scale_inputs else "beyond the range of float32"
    methods = ["predict", "predict_proba"] if cls in CLASSIFIERS else ["predict"]
    # one sequence, and enough for the batches that torch standardizes
    for X_bad in (np.full((1, 6, 2), 1e39), np.concatenate([np.full((1, 30, 2), -1e39), np.zeros((299, 30, 2))])):
        for method in methods:
            with pytest.raises(ValueError, match=message):
                getattr(model, method)(X_bad)
    with pytest.raises(ValueError, match="beyond the range of float32|overflows float64"):
        fast(cls, hidden_size=4, max_iter=2, scale_inputs=scale_inputs).fit(X * 1e300, y)
    with torch.no_grad():
        model.net_.module_.head.bias.fill_(float("nan"))
    with pytest.raises(ValueError, match="weights are not finite"):
        model.predict(X)


def test_targets_whose_spread_or_scaled_values_overflow_raise():
    X, y = _task(LSTMRegressor, n=32)
    params = dict(hidden_size=4, max_iter=2)
    with pytest.raises(ValueError, match="standard deviation of y overflows float64"):
        fast(LSTMRegressor, **params).fit(X, y * 1e300)
    with pytest.raises(ValueError, match="y holds values beyond the range of float32"):
        fast(LSTMRegressor, scale_target=False, **params).fit(X, y * 1e39)
    model = fast(LSTMRegressor, **params).fit(X, y)
    with pytest.raises(ValueError, match="y holds values that overflow float32"):
        model.partial_fit(X, y * 1e39)
    assert model.n_iter_ == 2
    with pytest.raises(ValueError, match="standard deviation of X .* overflows float64"):
        fast(LSTMRegressor, **params).fit(X * 1e300, y)


# -- 4. noise ---------------------------------------------------------------------------


def test_the_convergence_warning_is_actionable_and_points_at_the_callers_line():
    X, y = _task(GRUClassifier)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        fast(GRUClassifier, max_iter=2, learning_rate="constant").fit(X, y)
    (warning,) = [w for w in caught if issubclass(w.category, ConvergenceWarning)]
    assert warning.filename == __file__
    assert "GRUClassifier: maximum iterations (2) reached" in str(warning.message)
    assert "Raise max_iter" in str(warning.message)


def test_early_stopping_restores_the_best_weights_for_classifiers():
    X, y = _task(GRUClassifier, n=120)

    class Snapshots(Callback):
        def initialize(self):
            self.states = []
            return self

        def on_epoch_end(self, net, **kwargs):
            self.states.append(copy.deepcopy(net.module_.state_dict()))

    model = fast(GRUClassifier, max_iter=40, early_stopping=True, n_iter_no_change=3, random_state=0)
    model.set_params(callbacks=[("snapshots", Snapshots())]).fit(X, y)
    states = dict(model.net_.callbacks_)["snapshots"].states
    best = int(np.argmin(model.validation_loss_curve_))
    assert best < len(states) - 1  # training went on past the best epoch
    final = model.net_.module_.state_dict()
    for name, value in states[best].items():
        torch.testing.assert_close(final[name], value, rtol=0, atol=0)


# -- long sequences: downsampling and truncated backpropagation ----------------------------


def test_truncated_bptt_and_downsample_train_on_long_sequences():
    rng = np.random.RandomState(0)
    X = rng.randn(96, 400, 1)
    y = X[:, -20:, 0].mean(axis=1)  # the recent past decides
    for params in ({"truncated_bptt_steps": 50}, {"downsample": 10}):
        model = fast(GRURegressor, max_iter=30, random_state=0, **params).fit(X[:64], y[:64])
        assert model.score(X[64:], y[64:]) > 0.5, params


@pytest.mark.parametrize(
    "params, X, message",
    [
        ({"bidirectional": True}, np.zeros((4, 6, 1)), "unidirectional networks only"),
        ({}, [np.zeros((5, 1)), np.zeros((3, 1))] * 2, "needs sequences of one length"),
    ],
)
def test_truncated_bptt_refuses_what_it_cannot_truncate(params, X, message):
    model = fast(LSTMRegressor, max_iter=1, truncated_bptt_steps=2, **params)
    with pytest.raises(ValueError, match=message):
        model.fit(X, np.arange(4.0))
    assert not hasattr(model, "net_")


# -- learning-rate schedule and automatic downsampling ---------------------------------------


def test_the_cosine_schedule_anneals_over_max_iter_and_decides_the_length():
    X, y = _task(GRUClassifier)
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the schedule's end is no failure to converge
        model = fast(GRUClassifier, max_iter=6, learning_rate="cosine", tol=10.0, n_iter_no_change=1).fit(X, y)
    assert model.n_iter_ == 6  # the plateau rule does not cut the schedule short
    rates = model.net_.history[:, "event_lr"]
    expected = [0.01 * (1 + np.cos(np.pi * t / 6)) / 2 for t in range(6)]
    np.testing.assert_allclose(rates, expected, rtol=1e-6)
    constant = fast(GRUClassifier, max_iter=6, learning_rate="constant").fit(X, y)
    assert constant.net_.optimizer_.param_groups[0]["lr"] == 0.01


def test_warm_fits_with_validation_data_continue_the_curves_and_keep_the_best_model():
    # as MLPRegressor: one validation curve over the warm fits, and the best weights seen in any of them
    rng = np.random.RandomState(0)
    X = rng.randn(60, 5, 2)
    y = X[:, -1, 0]
    model = fast(GRURegressor, max_iter=30, learning_rate_init=0.02, early_stopping=True, warm_start=True)
    model.set_params(random_state=0).fit(X, y)
    first = (model.best_loss_, model.predict(X), model.n_iter_)
    model.set_params(learning_rate_init=0.5, max_iter=3).fit(X, y)  # a fit that only makes things worse
    assert len(model.validation_loss_curve_) == len(model.validation_scores_) == len(model.loss_curve_)
    assert model.n_iter_ == len(model.loss_curve_) == first[2] + 3
    assert model.best_loss_ == first[0] == min(model.validation_loss_curve_)
    np.testing.assert_array_equal(model.predict(X), first[1])
    model.set_params(learning_rate_init=0.001, max_iter=3).fit(X, y)  # a gentle one may improve it
    assert model.best_loss_ == min(model.validation_loss_curve_) <= first[0]


def test_each_warm_fit_anneals_again_from_learning_rate_init():
    X, y = _task(GRUClassifier)
    model = fast(GRUClassifier, max_iter=5, learning_rate="cosine", warm_start=True, tol=10.0, n_iter_no_change=1)
    expected = [0.01 * (1 + np.cos(np.pi * t / 5)) / 2 for t in range(5)]
    for _ in range(2):
        model.fit(X, y)  # the second fit's rates rose to 10x learning_rate_init, resuming the schedule
        np.testing.assert_allclose(model.net_.history[-5:, "event_lr"], expected, rtol=1e-6)
    model.set_params(learning_rate_init=0.003).fit(X, y)
    np.testing.assert_allclose(model.net_.history[-5:, "event_lr"], np.multiply(expected, 0.3), rtol=1e-6)
    model.partial_fit(X, y)
    model.fit(X, y)  # after a partial_fit too
    np.testing.assert_allclose(model.net_.history[-5:, "event_lr"], np.multiply(expected, 0.3), rtol=1e-6)


def test_the_cosine_schedule_still_stops_early_on_validation_data():
    X, y = _task(GRUClassifier, n=120)
    model = fast(GRUClassifier, max_iter=200, early_stopping=True, n_iter_no_change=2, tol=10.0)
    model.set_params(learning_rate="cosine").fit(X, y)
    assert model.n_iter_ == 3
    with warnings.catch_warnings():
        warnings.simplefilter("error", ConvergenceWarning)  # the schedule's end, with validation data too
        model.set_params(max_iter=4, n_iter_no_change=10).fit(X, y)
    assert model.n_iter_ == 4


@pytest.mark.parametrize(("n_steps", "expected"), [(10, 1), (64, 1), (65, 2), (200, 4)])
def test_automatic_downsampling_leaves_at_most_64_steps(n_steps, expected):
    X, y = _task(LSTMClassifier, n=20, n_steps=n_steps)
    model = fast(LSTMClassifier, max_iter=1, downsample="auto").fit(X, y)
    assert model.downsample_ == expected == model.net_.module_.downsample
    ragged = [s[: n_steps - i % 5] for i, s in enumerate(X)]
    varying = fast(LSTMClassifier, max_iter=1, downsample="auto").fit(ragged, y)
    assert varying.downsample_ == expected
