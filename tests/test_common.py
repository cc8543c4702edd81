"""scikit-learn's common estimator checks over every public estimator."""

import pytest
from sklearn.utils.estimator_checks import parametrize_with_checks

import sklearn_rnn
from sklearn_rnn import (
    GRUClassifier,
    GRURegressor,
    LSTMClassifier,
    LSTMRegressor,
    RNNClassifier,
    RNNRegressor,
)

from ._fast import fast

SEQUENCE_ESTIMATORS = [RNNRegressor, LSTMRegressor, GRURegressor, RNNClassifier, LSTMClassifier, GRUClassifier]

# Each expected failure names the check and the exact reason.
_ROUND_OFF_REASON = (
    "float32 round-off: PyTorch's CPU kernels may sum in a different order for a batch of 20 than "
    "for a batch of 200 sequences, so predictions differ by about 1e-7 (the check's tolerance)"
)


def _expected_failed_checks(estimator):
    # Measured: only these two cells' outputs differ past the check's tolerance.
    if isinstance(estimator, (LSTMClassifier, GRUClassifier)):
        return {"check_methods_subset_invariance": _ROUND_OFF_REASON}
    return {}


@parametrize_with_checks(
    [fast(cls) for cls in SEQUENCE_ESTIMATORS],
    expected_failed_checks=_expected_failed_checks,
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


def test_all_public_names_are_exported():
    for name in sklearn_rnn.__all__:
        assert hasattr(sklearn_rnn, name), name
    for cls in SEQUENCE_ESTIMATORS:
        assert cls.__name__ in sklearn_rnn.__all__


@pytest.mark.parametrize("cls", SEQUENCE_ESTIMATORS)
def test_docstring_documents_every_parameter(cls):
    params = cls().get_params()
    for name in params:
        assert f"\n    {name} :" in cls.__doc__, f"{cls.__name__} does not document {name}"
