"""Warnings attributed to the user's line, not to a line inside the package."""

import os
import sys
import warnings

import sklearn

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep
# scikit-learn's _fit_context wraps fit; its wrapper frame is not the user's either
_SKLEARN_BASE = os.path.join(os.path.dirname(os.path.abspath(sklearn.__file__)), "base.py")

__all__ = ["warn_at_caller"]


def _internal(filename):
    path = os.path.abspath(filename)
    return path.startswith(_PACKAGE) or path == _SKLEARN_BASE


def warn_at_caller(message, category=UserWarning):
    """Issue a warning pointing at the first calling line outside sklearn_rnn.

    Called from a user's script, that is the line calling ``fit`` (or
    ``predict``...); called through scikit-learn's model selection, the
    scikit-learn line that called the estimator.
    """
    frame = sys._getframe(1)
    level = 2
    while frame is not None and _internal(frame.f_code.co_filename):
        frame = frame.f_back
        level += 1
    warnings.warn(message, category, stacklevel=level)
