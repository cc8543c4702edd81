"""Variable-length sequences (lists of arrays) through every estimator."""

import copy

import numpy as np
import pytest
import torch
from sklearn.base import clone
from sklearn.model_selection import GridSearchCV, StratifiedKFold, cross_val_score

from sklearn_rnn import (
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RNNClassifier,
    RNNRegressor,
)
from sklearn_rnn._data import BatchIterator, SequenceDataset

from ._asserts import assert_identical
from ._fast import fast

REGRESSORS = [RNNRegressor, LSTMRegressor, GRURegressor]
CLASSIFIERS = [RNNClassifier, LSTMClassifier, GRUClassifier]
ESTIMATORS = REGRESSORS + CLASSIFIERS
# float32: a sequence alone or in a padded batch may be summed in another order.
TOL = {"rtol": 1e-5, "atol": 1e-6}


def _ragged(n, low, high, n_features, seed):
    """Sequences of random lengths; 1-D arrays when ``n_features`` is None."""
    rng = np.random.RandomState(seed)
    shape = () if n_features is None else (n_features,)
    return [rng.randn(rng.randint(low, high + 1), *shape) for _ in range(n)]


def _targets(sequences, classifier):
    """A target each model can learn: the sign (or value) of the sequence mean."""
    means = np.array([np.mean(s) for s in sequences])
    if classifier:
        return np.where(means > 0, "pos", "neg")
    return means * np.sqrt([len(s) for s in sequences])


def _predictions(model, X):
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)
    return model.predict(X)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("n_features", [None, 2], ids=["1d-sequences", "2d-sequences"])
def test_lists_of_sequences_fit_and_predict(cls, n_features):
    X = _ragged(60, 2, 15, n_features, seed=0)
    classifier = cls in CLASSIFIERS
    y = _targets(X, classifier)
    X_before = copy.deepcopy(X)
    model = fast(cls, max_iter=20, random_state=0).fit(X, y)
    assert model.n_features_in_ == (1 if n_features is None else n_features)
    pred = model.predict(X)
    assert pred.shape == (60,)
    if classifier:
        assert set(pred) <= {"neg", "pos"}
        assert model.score(X, y) > 0.8
    else:
        assert np.isfinite(pred).all()
        assert model.score(X, y) > 0.5
    # the caller's sequences are unchanged
    for a, b in zip(X, X_before, strict=True):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("cls", ESTIMATORS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_prediction_does_not_depend_on_batch_mates_or_padding(cls, bidirectional):
    """A sequence predicted alone gets what it gets in any batch: beside shorter
    and much longer sequences, in another order, repeated, or in the same
    list as sequences of equal length (no packing at all)."""
    X = _ragged(40, 3, 12, 2, seed=1)
    y = _targets(X, cls in CLASSIFIERS)
    model = fast(cls, max_iter=5, bidirectional=bidirectional, random_state=0).fit(X, y)
    queries = _ragged(12, 1, 20, 2, seed=2)
    alone = np.vstack([_predictions(model, [q]).reshape(1, -1) for q in queries])
    mixed = _predictions(model, queries).reshape(len(queries), -1)
    long_mates = _predictions(model, queries + _ragged(5, 150, 200, 2, seed=3))[: len(queries)]
    order = np.random.RandomState(0).permutation(len(queries))
    shuffled = _predictions(model, [queries[i] for i in order])
    np.testing.assert_allclose(mixed, alone, **TOL)
    np.testing.assert_allclose(long_mates.reshape(len(queries), -1), alone, **TOL)
    np.testing.assert_allclose(shuffled.reshape(len(queries), -1), alone[order], **TOL)
    # the same query repeated next to itself fills an equal-length (unpacked) batch
    for q, expected in zip(queries[:3], alone[:3], strict=True):
        repeated = _predictions(model, [q, q, q]).reshape(3, -1)
        np.testing.assert_allclose(repeated, np.tile(expected, (3, 1)), **TOL)


@pytest.mark.parametrize("cls", [GRURegressor, LSTMClassifier])
def test_equal_length_list_matches_the_3d_array(cls):
    X3 = np.random.RandomState(0).randn(30, 8, 2)
    y = _targets(list(X3), cls in CLASSIFIERS)
    from_array = fast(cls, max_iter=3, random_state=0).fit(X3, y)
    from_list = fast(cls, max_iter=3, random_state=0).fit(list(X3), y)
    np.testing.assert_allclose(_predictions(from_list, list(X3)), _predictions(from_array, X3), **TOL)


def test_lists_through_grid_search_cross_val_score_and_stratified_kfold():
    X = _ragged(90, 3, 20, 2, seed=4)
    y = _targets(X, classifier=True)
    cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)
    scores = cross_val_score(fast(GRUClassifier, max_iter=15, random_state=0), X, y, cv=cv)
    assert scores.shape == (3,)
    assert scores.min() > 0.7
    search = GridSearchCV(
        fast(LSTMClassifier, max_iter=15, random_state=0),
        {"summary": ["last", "mean"]},
        cv=cv,
    ).fit(X, y)
    assert search.best_score_ > 0.8
    assert search.best_estimator_.predict(X[:5]).shape == (5,)
    reg_scores = cross_val_score(fast(RNNRegressor, max_iter=15, random_state=0), X, _targets(X, False), cv=3)
    assert reg_scores.shape == (3,) and np.isfinite(reg_scores).all()


def _proportion_sequences(n, seed):
    """The class is where a level shift happens *relative to the length*: the
    first quarter (class "early") or the first three quarters ("late") of the
    sequence sit at +1, the rest at -1. The absolute position of the shift
    says nothing, since lengths vary from 8 to 60."""
    rng = np.random.RandomState(seed)
    X, y = [], []
    for _ in range(n):
        length = rng.randint(8, 61)
        late = rng.rand() < 0.5
        cut = int(round((0.75 if late else 0.25) * length))
        seq = np.where(np.arange(length) < cut, 1.0, -1.0) + 0.3 * rng.randn(length)
        X.append(seq)
        y.append("late" if late else "early")
    return X, np.array(y)


@pytest.mark.parametrize("cls", CLASSIFIERS)
def test_learns_a_class_given_by_length_normalized_content(cls):
    X_train, y_train = _proportion_sequences(100, seed=0)
    X_test, y_test = _proportion_sequences(100, seed=1)
    model = fast(cls, max_iter=25, random_state=0).fit(X_train, y_train)
    assert model.score(X_test, y_test) >= 0.95


def test_bidirectional_model_reads_the_first_step():
    """The class is the sign of the first step of a long variable-length
    sequence; only "last" summarizes, so a bidirectional model must get it
    from its backward direction, which ends at the first step."""
    rng = np.random.RandomState(0)

    def make(n):
        X, y = [], []
        for _ in range(n):
            seq = 0.5 * rng.randn(rng.randint(20, 50))
            seq[0] = rng.choice([-2.0, 2.0])
            X.append(seq)
            y.append(int(seq[0] > 0))
        return X, np.array(y)

    X_train, y_train = make(150)
    X_test, y_test = make(100)
    model = fast(GRUClassifier, summary="last", bidirectional=True, max_iter=20, random_state=0)
    assert model.fit(X_train, y_train).score(X_test, y_test) >= 0.95


@pytest.mark.parametrize("cls", [GRURegressor, GRUClassifier])
@pytest.mark.parametrize(
    "X, message",
    [
        ([np.zeros((3, 2)), np.zeros((0, 2)), np.ones((2, 2))], r"X\[1\] is an empty sequence"),
        ([np.zeros((3, 2)), np.zeros((4, 3)), np.ones((2, 2))], "same number of features per time step"),
        ([[1.0, 2.0, 3.0], [4.0, 5.0], [6.0]], "ragged nested list"),
        ([np.zeros((3, 2)), np.array([[1.0, np.nan]]), np.ones((2, 2))], r"X\[1\] contains NaN"),
    ],
    ids=["zero-length", "feature-counts", "ragged-nested-list", "nan"],
)
def test_bad_sequences_raise_before_training(cls, X, message):
    y = [0.0, 1.0, 0.0] if cls is GRURegressor else [0, 1, 0]
    X_before = copy.deepcopy(X)
    model = fast(cls, max_iter=1)
    with pytest.raises(ValueError, match=message):
        model.fit(X, y)
    assert not hasattr(model, "net_")
    fitted = fast(cls, max_iter=1, random_state=0).fit([np.ones((2, 2)), np.zeros((4, 2))], y[:2])
    with pytest.raises(ValueError, match=message):
        fitted.predict(X)
    assert_identical(X, X_before)


def test_predict_time_feature_count_is_checked_for_lists():
    model = fast(GRUClassifier, max_iter=1).fit(_ragged(10, 2, 5, 2, seed=0), [0, 1] * 5)
    with pytest.raises(ValueError, match="X has 3 features per time step, but GRUClassifier is expecting 2"):
        model.predict(_ragged(4, 2, 5, 3, seed=1))


def test_training_batches_group_sequences_of_similar_length():
    """Within the epoch's shuffle, sequences are pooled, sorted by length and cut
    into batches, so a batch wastes little compute on padding."""
    rng = np.random.RandomState(0)
    lengths = torch.from_numpy(rng.randint(1, 200, size=640))
    dataset = SequenceDataset(torch.zeros(640, 200, 1), lengths, torch.zeros(640))
    torch.manual_seed(0)
    batches = list(BatchIterator(dataset, batch_size=32, shuffle=True))
    seen = torch.cat([b[0]["lengths"] for b in batches])
    assert sorted(seen.tolist()) == sorted(lengths.tolist())  # every sequence once
    padded = sum(b[0]["X"].shape[0] * b[0]["X"].shape[1] for b in batches)
    assert padded <= 1.1 * int(lengths.sum())
    firsts = [int(b[0]["lengths"].min()) for b in batches]
    assert firsts != sorted(firsts)  # the batches themselves come in random order


def test_variable_length_fit_is_reproducible():
    X = _ragged(40, 2, 15, 2, seed=5)
    y = _targets(X, classifier=True)
    a = fast(GRUClassifier, max_iter=5, random_state=3).fit(X, y)
    b = clone(a).fit(X, y)
    np.testing.assert_array_equal(a.predict_proba(X), b.predict_proba(X))
