"""Seeded ensembles: copies of one estimator with their own seeds, averaged.

A :class:`~sklearn_rnn.Forecaster` averages ``n_estimators`` copies of its
estimator. Each copy gets a seed drawn from one source (``random_state``, or
the estimator's own ``random_state``), so the ensemble is reproducible; a
copy early-stopped on validation windows can be trained again on every window
for the number of epochs that scored best.
"""

import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state

from ._warnings import warn_at_caller

__all__ = ["fit_ensemble", "predict_mean"]


def _early_stopped(estimator):
    """Whether ``estimator`` was fitted with early stopping on validation data
    (this package's recurrent estimators record the validation losses)."""
    return getattr(estimator, "early_stopping", False) is True and bool(
        getattr(estimator, "validation_loss_curve_", None)
    )


def _fit_quietly(member, X, y):
    """Fit ``member``; return whether it warned that it did not converge.

    Other warnings pass through unchanged.
    """
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        member.fit(X, y)
    converged = True
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            converged = False
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return converged


def fit_ensemble(estimator, X, y, *, n_estimators, refit, random_state, fixed_epochs=False):
    """Fit seeded copies of ``estimator`` on ``(X, y)``.

    Parameters
    ----------
    estimator : estimator
        Cloned for each copy. Without a ``random_state`` parameter it is
        fitted once, whatever ``n_estimators``.
    X, y : ndarray
        Training data.
    n_estimators : int
        Number of copies.
    refit : bool
        Whether a copy fitted with early stopping is trained again on all of
        ``X`` for its best number of epochs, without early stopping.
    random_state : int, RandomState instance or None
        Source of the copies' seeds; None uses the estimator's own
        ``random_state`` when it has one.
    fixed_epochs : bool, default=False
        Whether the estimator trains for a fixed number of epochs on
        purpose: then its convergence warnings are not reported.

    A copy that does not converge does not warn on its own: one
    ``ConvergenceWarning`` for the ensemble, pointing at the line that
    called ``fit``, says how many copies did not converge and what to
    change.

    Returns
    -------
    members : list of estimators
        The fitted copies.
    best_epochs : list of int
        The epochs chosen for each refitted copy.
    """
    seeded = "random_state" in estimator.get_params(deep=False)
    source = random_state
    if source is None and seeded:
        source = estimator.get_params(deep=False)["random_state"]
    rng = check_random_state(source)
    members, best_epochs, unconverged = [], [], 0
    for _ in range(n_estimators if seeded else 1):
        member = clone(estimator)
        if seeded:
            member.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
        unconverged += not _fit_quietly(member, X, y)
        if refit and _early_stopped(member):
            # The validation windows chose the number of epochs; train again
            # on every window, so that the most recent ones are learned too.
            best = int(np.argmin(member.validation_loss_curve_)) + 1
            best_epochs.append(best)
            member = clone(member).set_params(early_stopping=False, max_iter=best)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                member.fit(X, y)
        members.append(member)
    if unconverged and not fixed_epochs:
        params = estimator.get_params(deep=False)
        epochs = f" within max_iter={params['max_iter']} epochs" if "max_iter" in params else ""
        warn_at_caller(
            f"{unconverged} of the {len(members)} fitted copies of {type(estimator).__name__} did not converge"
            f"{epochs}. Give them more epochs: raise the estimator's max_iter (set_params(estimator__max_iter=...) "
            "on the Forecaster when you gave it an estimator; the default estimator's settings are listed under "
            "'estimator' in the Forecaster docstring).",
            ConvergenceWarning,
        )
    return members, best_epochs


def predict_mean(members, X):
    """Mean prediction of ``members`` on ``X``, as float64 ``(n_samples, n_outputs)``."""
    return np.mean([np.asarray(m.predict(X), dtype=np.float64).reshape(len(X), -1) for m in members], axis=0)
