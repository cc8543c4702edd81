"""Behaviour of RNNClassifier, LSTMClassifier and GRUClassifier."""

import ast
import re

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.metrics import recall_score

from sklearn_rnn import GRUClassifier, LSTMClassifier, RNNClassifier

from ._fast import fast

CLASSIFIERS = [RNNClassifier, LSTMClassifier, GRUClassifier]


def _blobs(n, n_classes, seed=0, length=12, labels=None):
    """Sequences whose class sets the mean level of the first feature."""
    rng = np.random.RandomState(seed)
    y = rng.randint(n_classes, size=n)
    X = rng.randn(n, length, 2) * 0.5
    X[:, :, 0] += (y[:, None] - (n_classes - 1) / 2) * 1.5
    if labels is not None:
        y = np.asarray(labels)[y]
    return X, y


@pytest.mark.parametrize("cls", CLASSIFIERS)
@pytest.mark.parametrize(
    "labels",
    [None, ["cat", "dog"], [-1, 1], ["a", "b", "c"], [3, 10, 7, 0]],
    ids=["int-binary", "str-binary", "signed-binary", "str-3", "int-4"],
)
def test_binary_and_multiclass_with_any_labels(cls, labels):
    n_classes = 2 if labels is None else len(labels)
    X, y = _blobs(120, n_classes, labels=labels)
    model = fast(cls, random_state=0).fit(X, y)
    np.testing.assert_array_equal(model.classes_, np.unique(y))
    pred = model.predict(X)
    assert pred.dtype == y.dtype
    assert set(pred) <= set(y)
    assert model.score(X, y) >= 0.9
    X_test, y_test = _blobs(100, n_classes, seed=1, labels=labels)
    assert model.score(X_test, y_test) >= 0.9
    assert model.score(X_test, y_test) == np.mean(model.predict(X_test) == y_test)


def test_labels_as_list_and_object_array():
    X, y = _blobs(60, 2, labels=["no", "yes"])
    from_list = fast(GRUClassifier, max_iter=5, random_state=0).fit(X, list(y))
    from_object = fast(GRUClassifier, max_iter=5, random_state=0).fit(X, y.astype(object))
    np.testing.assert_array_equal(from_list.predict_proba(X), from_object.predict_proba(X))
    assert list(from_object.classes_) == ["no", "yes"]


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_predict_proba_sums_to_one_and_follows_classes(cls):
    X, y = _blobs(90, 3, labels=["z", "a", "m"])
    model = fast(cls, max_iter=15, random_state=0).fit(X, y)
    proba = model.predict_proba(X)
    assert proba.shape == (90, 3)
    assert np.all(proba >= 0) and np.all(proba <= 1)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    assert list(model.classes_) == ["a", "m", "z"]
    np.testing.assert_array_equal(model.classes_[proba.argmax(axis=1)], model.predict(X))
    # the column of the true class is the largest for most sequences
    column = np.searchsorted(model.classes_, y)
    assert np.mean(proba[np.arange(90), column] == proba.max(axis=1)) >= 0.9


def test_continuous_or_multioutput_targets_are_rejected():
    X, _ = _blobs(20, 2)
    with pytest.raises(ValueError, match="Unknown label type"):
        fast(GRUClassifier).fit(X, np.linspace(0, 1, 20))
    with pytest.raises(ValueError, match="y should be a 1d array"):
        fast(GRUClassifier).fit(X, np.zeros((20, 2), dtype=int))


def _imbalanced(seed):
    """Overlapping classes, 9:1: the unweighted model mostly predicts the majority."""
    rng = np.random.RandomState(seed)
    y = np.r_[np.zeros(270, dtype=int), np.ones(30, dtype=int)]
    X = rng.randn(300, 10, 1)
    X[:, :, 0] += 0.6 * y[:, None]
    return X, y


def test_class_weight_balanced_and_dict_favour_the_minority():
    X, y = _imbalanced(0)
    X_test, y_test = _imbalanced(1)
    recalls = {}
    for name, weight in [("none", None), ("balanced", "balanced"), ("dict", {0: 1.0, 1: 9.0})]:
        model = fast(LSTMClassifier, max_iter=20, class_weight=weight, random_state=0).fit(X, y)
        recalls[name] = recall_score(y_test, model.predict(X_test))
    assert recalls["none"] < 0.5
    assert recalls["balanced"] > recalls["none"] + 0.25
    assert recalls["dict"] > recalls["none"] + 0.25


def test_class_weight_of_ones_is_the_unweighted_fit():
    X, y = _blobs(60, 3, labels=["a", "b", "c"])
    plain = fast(GRUClassifier, max_iter=5, random_state=0).fit(X, y)
    ones = fast(GRUClassifier, max_iter=5, random_state=0, class_weight={"a": 1, "b": 1, "c": 1}).fit(X, y)
    np.testing.assert_allclose(ones.predict_proba(X), plain.predict_proba(X), rtol=1e-6)
    partial = fast(GRUClassifier, max_iter=5, random_state=0, class_weight={"b": 1.0}).fit(X, y)
    np.testing.assert_allclose(partial.predict_proba(X), plain.predict_proba(X), rtol=1e-6)


def test_class_weight_with_an_unknown_label_is_an_error():
    X, y = _blobs(30, 2, labels=["a", "b"])
    with pytest.raises(ValueError, match=r"class_weight names labels that are not in y.*'c'"):
        fast(GRUClassifier, class_weight={"a": 1.0, "c": 2.0}).fit(X, y)
    with pytest.raises(ValueError, match="class_weight"):
        fast(GRUClassifier, class_weight="auto").fit(X, y)
    for bad in ({"a": -1.0}, {"a": float("nan")}, {"a": 0.0, "b": 0.0}):
        with pytest.raises(ValueError, match="weights must be finite, non-negative and not all zero"):
            fast(GRUClassifier, class_weight=bad).fit(X, y)


def test_early_stopping_split_is_stratified_and_seeded():
    y = np.r_[np.zeros(80, dtype=int), np.ones(16, dtype=int), np.full(4, 2)]
    model = fast(GRUClassifier, early_stopping=True, validation_fraction=0.25)
    train, valid = model._validation_split(y, seed=0)
    assert len(valid) == 25 and len(train) == 75
    assert set(train).isdisjoint(valid) and len(set(train) | set(valid)) == 100
    np.testing.assert_array_equal(np.bincount(y[valid]), [20, 4, 1])
    again, _ = model._validation_split(y, seed=0)
    np.testing.assert_array_equal(train, again)
    other, _ = model._validation_split(y, seed=1)
    assert not np.array_equal(train, other)


def test_early_stopping_split_falls_back_when_a_class_is_too_rare_to_stratify():
    y = np.r_[np.zeros(19, dtype=int), 1]
    train, valid = fast(GRUClassifier, validation_fraction=0.2)._validation_split(y, seed=0)
    assert len(valid) == 4 and len(train) == 16


def test_early_stopping_fit_records_validation_and_keeps_the_best_model():
    X, y = _blobs(150, 3, labels=["a", "b", "c"])
    model = fast(GRUClassifier, early_stopping=True, validation_fraction=0.2, n_iter_no_change=3, random_state=0)
    model.fit(X, y)
    assert len(model.validation_scores_) == model.n_iter_ == len(model.loss_curve_)
    assert all(0.0 <= s <= 1.0 for s in model.validation_scores_)
    assert model.best_loss_ == min(model.validation_loss_curve_)
    assert model.best_validation_score_ >= 0.9
    assert model.n_iter_ < 40  # stopped early
    X_test, y_test = _blobs(100, 3, seed=1, labels=["a", "b", "c"])
    assert model.score(X_test, y_test) >= 0.9


def test_partial_fit_with_classes():
    X, y = _blobs(120, 3, labels=["a", "b", "c"])
    model = fast(GRUClassifier, random_state=0)
    first = y != "c"
    model.partial_fit(X[first], y[first], classes=["a", "b", "c"])
    assert list(model.classes_) == ["a", "b", "c"]
    assert model.n_iter_ == 1
    assert model.predict_proba(X).shape == (120, 3)
    for _ in range(29):
        model.partial_fit(X, y)
    assert model.n_iter_ == 30
    assert len(model.loss_curve_) == 30
    assert model.score(X, y) >= 0.9
    with pytest.raises(ValueError, match=r"labels not seen in the first fit: \['d'\]"):
        model.partial_fit(X[:3], ["a", "b", "d"])
    assert model.n_iter_ == 30  # a rejected call changes nothing


def test_later_partial_fit_calls_must_repeat_the_same_classes():
    X, y = _blobs(24, 2, labels=["a", "b"])
    model = fast(GRUClassifier, hidden_size=4).partial_fit(X, y, classes=["a", "b"])
    model.partial_fit(X, y, classes=np.array(["b", "a"]))  # the same set, as in scikit-learn
    model.partial_fit(X, y)
    for classes in (["a", "b", "c"], ["a"]):
        with pytest.raises(ValueError, match=r"is not the same as on last call to partial_fit"):
            model.partial_fit(X, y, classes=classes)
    assert model.n_iter_ == 3 and list(model.classes_) == ["a", "b"]


def test_partial_fit_needs_every_label_on_the_first_call():
    X, y = _blobs(40, 2, labels=["a", "b"])
    model = fast(GRUClassifier).partial_fit(X[y == "a"], y[y == "a"])
    with pytest.raises(ValueError, match="partial_fit\\(..., classes=...\\)"):
        model.partial_fit(X, y)
    with pytest.raises(ValueError, match=r"y holds labels that are not in classes=\['a'\]"):
        fast(GRUClassifier).partial_fit(X, y, classes=["a"])


def test_partial_fit_class_weight_dict_covers_unseen_classes_and_balanced_is_refused():
    X, y = _blobs(40, 3, labels=["a", "b", "c"])
    first = y != "c"
    # one call's class frequencies are not the whole data's (scikit-learn's SGDClassifier refuses it too)
    balanced = fast(GRUClassifier, class_weight="balanced")
    with pytest.raises(ValueError, match="class_weight='balanced' is not supported for partial_fit.*compute_class"):
        balanced.partial_fit(X[first], y[first], classes=["a", "b", "c"])
    assert not hasattr(balanced, "net_")
    n_iter = balanced.fit(X, y).n_iter_
    with pytest.raises(ValueError, match="not supported for partial_fit"):
        balanced.partial_fit(X, y)
    assert balanced.n_iter_ == n_iter
    weights = {"a": 1.0, "b": 2.0, "c": 5.0}
    model = fast(GRUClassifier, class_weight=weights).partial_fit(X[first], y[first], classes=["a", "b", "c"])
    np.testing.assert_array_equal(model._class_weights, [1.0, 2.0, 5.0])


def test_class_weight_multiplies_each_samples_loss_as_in_scikit_learn():
    X, y = _blobs(24, 2, labels=["maj", "min"])
    model = fast(GRUClassifier, hidden_size=4, max_iter=2, class_weight={"maj": 0.0, "min": 3.0}).fit(X, y)
    logits = torch.randn(6, 2, dtype=torch.float32)
    target = torch.tensor([0, 0, 1, 0, 1, 0])
    per_sample = torch.nn.functional.cross_entropy(logits, target, reduction="none")
    expected = (torch.tensor([0.0, 3.0])[target] * per_sample).sum() / 6  # the mean over the batch
    torch.testing.assert_close(model.net_.criterion_(logits, target), expected)
    # a batch of weight-0 samples contributes nothing (PyTorch's weighted mean gives 0/0)
    assert model.net_.criterion_(logits[:2], target[:2]).item() == 0.0


def test_weight_zero_samples_do_not_influence_training():
    # the first two batches hold only the weight-0 class: their loss is 0, not NaN
    X = np.random.RandomState(0).rand(24, 5, 1)
    y = np.array(["maj"] * 20 + ["min"] * 4)
    params = dict(hidden_size=4, max_iter=3, batch_size=8, shuffle=False, scale_inputs=False, random_state=0)
    weights = {"maj": 0.0, "min": 1.0}
    model = fast(GRUClassifier, class_weight=weights, **params).fit(X, y)
    assert np.all(np.isfinite(model.loss_curve_))
    X_other = X.copy()
    X_other[:20] = 5 * np.random.RandomState(1).rand(20, 5, 1)  # other weight-0 sequences: the same model
    other = fast(GRUClassifier, class_weight=weights, **params).fit(X_other, y)
    np.testing.assert_array_equal(other.predict_proba(X), model.predict_proba(X))


def test_same_seed_same_model_and_clone_refits_alike():
    X, y = _blobs(60, 2)
    a = fast(LSTMClassifier, max_iter=5, random_state=7).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))


def test_default_summary_classifies_long_sequences():
    """A short event somewhere in a 120-step sequence: the default summary
    (last valid state with the mean and max over all steps) finds it."""
    rng = np.random.RandomState(0)

    def make(n):
        y = rng.randint(2, size=n)
        X = rng.randn(n, 120, 1) * 0.5
        for i in range(n):
            start = rng.randint(0, 110)
            X[i, start : start + 10, 0] += (2 * y[i] - 1) * 2.0 * np.hanning(10)
        return X, y

    X, y = make(120)
    X_test, y_test = make(100)
    model = fast(GRUClassifier, max_iter=25, random_state=0)
    assert model.summary == "last+mean+max"
    assert model.fit(X, y).score(X_test, y_test) >= 0.9


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_documented_defaults_are_the_real_defaults(cls):
    documented = dict(re.findall(r"\n    (\w+) : [^\n]*?default=([^\n]+)", cls.__doc__))
    params = cls().get_params()
    assert set(documented) == set(params)
    for name, value in params.items():
        assert ast.literal_eval(documented[name].strip()) == value, (name, documented[name], value)
