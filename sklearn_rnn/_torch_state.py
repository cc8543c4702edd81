"""PyTorch's process-wide settings during fit and predict, restored as found.

The estimators change global settings of PyTorch while they work: the
number of intra-op threads, denormal flushing, the random state (fit seeds
it), the default dtype (float32: the network's weights are float32 whatever
the caller set with ``torch.set_default_dtype``) and, in fit, the gradient
and inference modes (fit trains inside ``torch.no_grad()`` or
``torch.inference_mode()`` too). Each is put back exactly as it was, on
success and on error, and
the whole block holds a process-wide lock: PyTorch has one global random
generator and one thread setting per process, so two fits running at once in
threads of the same process would draw from each other's random stream and
change each other's thread count. Under the lock, the same seed on the same
data and device gives the same model however many fits run at once; fits in
threads run one at a time (use processes, scikit-learn's default ``n_jobs``
backend, to train in parallel).
"""

import threading
from contextlib import ExitStack

import torch

__all__ = ["torch_settings", "torch_threads", "flush_denormal_enabled"]

_LOCK = threading.RLock()


def flush_denormal_enabled():
    """Whether denormal floats are flushed to zero on this thread.

    PyTorch can set the mode (``torch.set_flush_denormal``) but not report
    it, so it is read off a product whose exact result, 1e-40, is denormal
    in float32: flushed, it is 0.
    """
    tiny = torch.tensor([1e-30], dtype=torch.float32) * torch.tensor([1e-10], dtype=torch.float32)
    return bool(tiny.item() == 0.0)


class _Block:
    """A context manager that each instance enters once, as a generator-based
    one: a second entry would overwrite the settings to restore."""

    _entered = False

    def _enter_once(self):
        if self._entered:
            raise RuntimeError(f"A {type(self).__name__} block cannot be entered twice; make a new one.")
        self._entered = True


class torch_settings(_Block):
    """Run a block under the package's lock with float32 as the default dtype,
    denormal floats flushed to zero (unless ``flush=False``) and, with
    ``grad=True``, gradients enabled and inference mode off (tensors made in
    the block can be trained) and, with ``threads``, that many intra-op
    threads; restore all afterwards, also on error. :class:`torch_threads`
    sets the thread count inside it where the count is known later.

    Recurrent states that decay towards zero over long sequences become
    denormal floats, which the CPU handles several times slower (measured: a
    1,000-step LSTM epoch 5x slower); flushing them changes values below
    1e-38 only. A small prediction skips it: reading and restoring the mode
    costs more than denormals can.

    A class rather than a generator-based context manager: entering and
    leaving a generator costs about 3 microseconds, the settings themselves
    under 1, and a one-sequence predict pays it on every call.
    """

    def __init__(self, *, grad=False, flush=True, threads=None):
        self._grad = grad
        self._flush = flush
        self._threads = threads

    def __enter__(self):
        self._enter_once()
        _LOCK.acquire()
        self._previous_flush = None
        self._previous_dtype = None
        self._previous_threads = None
        self._modes = None
        try:
            self._previous_threads = _set_threads(self._threads)
            if self._flush:
                self._previous_flush = flush_denormal_enabled()
                # set_flush_denormal returns False where the CPU cannot flush.
                torch.set_flush_denormal(True)
            dtype = torch.get_default_dtype()
            if dtype != torch.float32:
                self._previous_dtype = dtype
                torch.set_default_dtype(torch.float32)
            if self._grad:
                self._modes = ExitStack()
                self._modes.enter_context(torch.inference_mode(False))
                self._modes.enter_context(torch.set_grad_enabled(True))
        except BaseException:
            try:
                if self._modes is not None:
                    self._modes.close()
            finally:
                self._restore()
            raise
        return self

    def __exit__(self, *exc_info):
        try:
            if self._modes is not None:
                self._modes.__exit__(*exc_info)
        finally:
            self._restore()
        return False

    def _restore(self):
        try:
            if self._previous_threads is not None:
                torch.set_num_threads(self._previous_threads)
            if self._previous_dtype is not None:
                torch.set_default_dtype(self._previous_dtype)
            if self._previous_flush is not None:
                torch.set_flush_denormal(self._previous_flush)
        finally:
            _LOCK.release()


class torch_threads(_Block):
    """Run a block with ``n_threads`` PyTorch intra-op threads (None: leave
    PyTorch's setting), then restore the previous setting, also on error and
    also where the block changed the count itself (the measured choice of
    ``n_threads="auto"`` in a fit).
    Use it inside :class:`torch_settings`, whose lock keeps concurrent calls
    from changing each other's setting."""

    def __init__(self, n_threads):
        self._n_threads = n_threads

    def __enter__(self):
        self._enter_once()
        # the count before, even where it is already n_threads: the block may change it
        self._previous = None if self._n_threads is None else torch.get_num_threads()
        _set_threads(self._n_threads)
        return self

    def __exit__(self, *exc_info):
        if self._previous is not None and torch.get_num_threads() != self._previous:
            torch.set_num_threads(self._previous)
        return False


def _set_threads(n_threads):
    """Set PyTorch's intra-op threads to ``n_threads`` (None: leave them);
    return the previous setting where it changed, else None."""
    if n_threads is None:
        return None
    previous = torch.get_num_threads()
    if n_threads == previous:
        return None
    torch.set_num_threads(n_threads)
    return previous
