"""Seeded ensembles: copies of one estimator with their own seeds, averaged.

A :class:`~sklearn_rnn.Forecaster` averages ``n_estimators`` copies of its
estimator. Each copy gets a seed drawn from one source (``random_state``, or
the estimator's own ``random_state``), so the ensemble is reproducible; a
copy early-stopped on validation windows is kept with the weights of its best
epoch, or (``refit``) trained again on every window for that many epochs.
With ``verbose``, each copy reports its epochs, best validation loss and time
in one line, and a progress bar over the copies appears once the fit has
taken more than a few seconds.
"""

import contextlib
import sys
import time
import warnings

import numpy as np
from sklearn.base import clone
from sklearn.exceptions import ConvergenceWarning
from sklearn.utils import check_random_state, get_tags
from tqdm import tqdm
from tqdm.contrib import DummyTqdmFile

from ._base import validation_key
from ._warnings import warn_at_caller

__all__ = ["fit_ensemble", "predict_mean"]

# Seconds of fitting after which the progress bar over the copies appears.
PROGRESS_DELAY = 2.0


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
        try:
            member.fit(X, y)
        except ValueError as exc:
            _raise_if_single_output(member, y, exc)
            raise
    converged = True
    for warning in caught:
        if issubclass(warning.category, ConvergenceWarning):
            converged = False
        else:
            warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)
    return converged


def _raise_if_single_output(member, y, exc):
    """Raise a ValueError that says how to wrap ``member`` when it failed on
    several outputs per window and its tags say it fits one only (SVR,
    gradient boosting)."""
    n_outputs = y.shape[1] if np.ndim(y) == 2 else 1
    if n_outputs > 1 and not get_tags(member).target_tags.multi_output:
        name = type(member).__name__
        raise ValueError(
            f"{name} failed on the forecaster's targets: {n_outputs} outputs per window (horizon x target "
            f"columns), and it fits a single output. Wrap it in scikit-learn's MultiOutputRegressor, which fits "
            f"one copy per output: `Forecaster(MultiOutputRegressor({name}(...)), ...)`. Its error: {exc}"
        ) from exc


def _epochs(n):
    return f"{n} epoch{'' if n == 1 else 's'}"


def _describe(member, seconds, refit_epochs=None):
    """One line on a fitted copy: its epochs, best validation loss and time."""
    parts = []
    epochs = getattr(member, "n_iter_", None)
    if refit_epochs is not None:
        parts.append(f"early stopping chose {_epochs(refit_epochs)}, refitted on all windows")
    elif epochs is not None:
        parts.append(_epochs(epochs))
    curve = getattr(member, "validation_loss_curve_", None)
    if refit_epochs is None and curve:
        best = int(np.argmin(curve))
        parts.append(f"best validation loss {curve[best]:.6f} at epoch {best + 1}")
    elif getattr(member, "loss_curve_", None):
        parts.append(f"final training loss {member.loss_curve_[-1]:.6f}")
    parts.append(f"{seconds:.2f} s")
    return ", ".join(parts)


class _Progress:
    """A progress bar over ``total`` copies, on stderr, that appears once the
    fit has taken ``PROGRESS_DELAY`` seconds; while it is shown, the standard
    output is written above it. Nothing when ``verbose`` is 0 or there is a
    single copy.

    The bar is created late rather than with tqdm's ``delay``, which
    ``tqdm.write`` ignores: it would show the bar from the first line printed.
    """

    def __init__(self, total, verbose):
        self.total = total if verbose else 0
        self.done = 0
        self._bar = None
        self._stack = contextlib.ExitStack()
        self._start = time.perf_counter()

    def __enter__(self):
        return self

    def step(self):
        """Count one fitted copy."""
        self.done += 1
        if self._bar is not None:
            self._bar.update()
        elif 1 < self.total and self.done < self.total and time.perf_counter() - self._start > PROGRESS_DELAY:
            self._bar = tqdm(total=self.total, initial=self.done, unit="network", desc="Fitting", leave=False)
            self._stack.enter_context(contextlib.redirect_stdout(DummyTqdmFile(sys.stdout)))

    def __exit__(self, *exc):
        self._stack.close()
        if self._bar is not None:
            self._bar.close()
        return False


def fit_ensemble(estimator, X, y, *, n_estimators, refit, random_state, fixed_epochs=False, verbose=0):
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
    verbose : int, default=0
        0: silent. 1: one line per copy (epochs, best validation loss,
        seconds) and a progress bar over the copies (on stderr) once the fit
        has taken more than ``PROGRESS_DELAY`` seconds. 2 and more: also the
        copies' own per-epoch lines (their ``verbose=1``, for estimators with
        a ``verbose`` parameter).

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
    params = estimator.get_params(deep=False)
    seeded = "random_state" in params
    source = random_state
    if source is None and seeded:
        source = params["random_state"]
    rng = check_random_state(source)
    count = n_estimators if seeded else 1
    members, best_epochs, unconverged = [], [], 0
    with _Progress(count, verbose) as progress:
        for i in range(count):
            tic = time.perf_counter()
            member = clone(estimator)
            if seeded:
                member.set_params(random_state=int(rng.randint(np.iinfo(np.int32).max)))
            if verbose >= 2 and "verbose" in params:
                member.set_params(verbose=1)
                print(f"{type(estimator).__name__} {i + 1} of {count}:", flush=True)
            unconverged += not _fit_quietly(member, X, y)
            best = None
            if refit and _early_stopped(member):
                # The validation windows chose the number of epochs; train again
                # on every window, so that the most recent ones are learned too.
                best = int(np.argmin(member.validation_loss_curve_)) + 1
                best_epochs.append(best)
                refit_params = {"early_stopping": False, "max_iter": best}
                callbacks = member.get_params().get("callbacks")
                if callbacks:  # those watching the validation loss have none to watch now
                    refit_params["callbacks"] = [c for c in callbacks if validation_key(c) is None]
                member = clone(member).set_params(**refit_params)
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", ConvergenceWarning)
                    member.fit(X, y)
            members.append(member)
            if verbose:
                line = _describe(member, time.perf_counter() - tic, best)
                print(f"{type(estimator).__name__} {i + 1} of {count}: {line}", flush=True)
            progress.step()
    if unconverged and not fixed_epochs:
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
