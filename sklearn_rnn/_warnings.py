"""Warnings that point at the user's line, not inside the package."""

import inspect
import os
import warnings

import sklearn.base

__all__ = ["user_stacklevel", "warn_at_caller"]

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__)) + os.sep
# scikit-learn's _fit_context wrapper sits between the user's call and fit.
_WRAPPERS = {os.path.abspath(sklearn.base.__file__)}


def _internal(filename):
    path = os.path.abspath(filename)
    return path.startswith(_PACKAGE_DIR) or path in _WRAPPERS


def user_stacklevel():
    """The ``stacklevel`` for a ``warnings.warn`` issued by the caller of this
    function that attributes the warning to the first frame outside the
    package (and outside scikit-learn's fit wrapper): the user's line, or the
    scikit-learn tool that called the estimator."""
    frame = inspect.currentframe().f_back  # the function that calls warnings.warn
    level = 1
    while frame is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    return level


def warn_at_caller(message, category=UserWarning):
    """``warnings.warn(message, category)`` attributed to the first calling
    line outside the package (see :func:`user_stacklevel`)."""
    warnings.warn(message, category, stacklevel=user_stacklevel())
