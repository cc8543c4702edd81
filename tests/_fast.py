"""Small, fast settings for the estimators under test (imbalanced-learn style).

Every estimator in the suite is trained on the CPU with a tiny network and a
high learning rate, so that scikit-learn's common checks and the behaviour
tests run in seconds while still having to learn something real.
"""

FAST_PARAMS = {
    "hidden_size": 16,
    "max_iter": 40,
    "batch_size": 32,
    "learning_rate_init": 0.01,
    "device": "cpu",
}


def fast(estimator_class, **params):
    """An instance of ``estimator_class`` with the fast settings and ``params``."""
    return estimator_class(**{**FAST_PARAMS, **params})
