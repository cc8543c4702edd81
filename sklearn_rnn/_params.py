"""Unknown constructor arguments: an error that names the public class and,
for names users bring from Keras, skorch or PyTorch, the equivalent parameter."""

import difflib
import functools
import inspect

__all__ = ["KerasNamesMixin", "EQUIVALENTS"]

# name elsewhere -> what to write here
EQUIVALENTS = {
    "epochs": "max_iter (the maximum number of epochs)",
    "n_epochs": "max_iter (the maximum number of epochs)",
    "num_epochs": "max_iter (the maximum number of epochs)",
    "max_epochs": "max_iter (the maximum number of epochs)",
    "units": "hidden_size (units per recurrent layer)",
    "hidden_dim": "hidden_size (units per recurrent layer)",
    "n_layers": "num_layers",
    "layers": "num_layers",
    "optimizer": "nothing: the optimizer is Adam; set its step size with learning_rate_init",
    "lr": "learning_rate_init",
    "validation_split": "early_stopping=True with validation_fraction=<the fraction>",
    "patience": "n_iter_no_change (with early_stopping=True to watch a validation set)",
    "min_delta": "tol",
    "weight_decay": "alpha (the L2 penalty; Adam's weight_decay is alpha / n_samples)",
    "kernel_regularizer": "alpha (the L2 penalty)",
    "seed": "random_state",
    "clipnorm": "clip_grad_norm",
    "shuffle_batches": "shuffle",
}


class KerasNamesMixin:
    """Wrap each subclass's ``__init__`` so that an unknown keyword argument
    raises a ``TypeError`` naming the public class, the equivalent parameter
    for known names from other libraries, and close matches for typos.
    ``inspect.signature`` (and so ``get_params``) still sees the real
    signature through ``functools.wraps``."""

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        init = cls.__dict__.get("__init__")
        if init is None:
            return
        accepted = [name for name in inspect.signature(init).parameters if name != "self"]

        @functools.wraps(init)
        def __init__(self, *args, **params):
            name = type(self).__name__
            if args:
                raise TypeError(
                    f"{name} takes keyword arguments only (scikit-learn convention): got {len(args)} positional "
                    f"argument(s). Write for example {name}(hidden_size=32)."
                )
            unknown = [key for key in params if key not in accepted]
            if unknown:
                raise TypeError(_unknown_message(name, unknown, accepted))
            init(self, **params)

        cls.__init__ = __init__


def _unknown_message(name, unknown, accepted):
    hints = []
    for key in unknown:
        if key in EQUIVALENTS:
            hints.append(f"{key!r}: use {EQUIVALENTS[key]}")
        else:
            close = difflib.get_close_matches(key, accepted, n=2)
            hints.append(f"{key!r}: did you mean {' or '.join(close)}?" if close else f"{key!r}: no such parameter")
    return (
        f"{name} got unexpected keyword argument(s) {', '.join(repr(k) for k in unknown)}. "
        + "; ".join(hints)
        + f". {name} accepts: {', '.join(accepted)}."
    )
