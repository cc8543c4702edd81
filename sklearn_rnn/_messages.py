"""Values as error and warning messages show them."""

import numpy as np

__all__ = ["plain"]


def plain(value):
    """``value`` as messages show it: a NumPy scalar as the Python scalar it
    holds (``1``, not NumPy 2's ``np.int64(1)``), also inside a tuple (a
    panel's ``(series, time)`` label), a list or a dict; anything else
    unchanged."""
    if isinstance(value, tuple):
        return tuple(plain(v) for v in value)
    if isinstance(value, list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {plain(k): plain(v) for k, v in value.items()}
    if isinstance(value, (np.number, np.bool_, np.str_)) and not isinstance(value, np.timedelta64):
        return value.item()
    return value
