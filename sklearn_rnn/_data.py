"""Tensors in, minibatches out: the data path between the estimators and skorch.

skorch's default ``Dataset`` + ``DataLoader`` fetch and collate one sample at
a time. Here the whole training set is one tensor and a minibatch is one
indexing operation, as in a hand-written PyTorch loop.
"""

import math

import numpy as np
import torch

from ._input_fold import FLOAT32_MAX, raw_input_network

__all__ = [
    "SequenceDataset",
    "BatchIterator",
    "to_tensor",
    "standardize",
    "constant_below",
    "iter_batches",
    "predict_in_batches",
]

# Values standardized per chunk: bounds the float64 temporaries to about 32 MB.
_CHUNK_VALUES = 2**22
# Predictions of at least this many input values read raw inputs through the
# network copy with the standardization folded in (_input_fold.py): checking
# that the copy is current costs about 20 microseconds a call (medium LSTM),
# more than the standardization of a few thousand values.
_MIN_FOLDED_VALUES = 2**15
# Prediction batches of at least this many values are standardized by torch,
# whose element-wise kernels use the intra-op threads: 2.5 times NumPy's speed
# at two threads for a batch of 512 x 24 x 4 values, slower for tiny ones.
_TORCH_STANDARDIZE_VALUES = 2**14


def constant_below(magnitude):
    """The spread at or below which data of largest absolute value
    ``magnitude`` (a float or an array) count as constant.

    ``1e-12`` for data of magnitude 1 or more, and ``1e-12 * magnitude``
    below, so that data in tiny units (values around 1e-13, or 1e-300) are
    standardized like the same data in ordinary units, as scikit-learn's
    ``StandardScaler`` does, while a constant column (spread 0 or float
    round-off) keeps a scale of 1. Callers compare with ``<=``, so that
    all-zero data (magnitude 0) count as constant too.
    """
    return 1e-12 * np.minimum(1.0, magnitude)


def standardize(X, mean=None, scale=None):
    """``(X - mean) / scale`` computed in float64, returned as float32.

    Parameters
    ----------
    X : ndarray of shape (n_samples, n_timesteps, n_features), float32 or float64
        Sequences (padding included: padded steps are standardized too, and
        never read by the network).
    mean, scale : ndarray of shape (n_features,), float64, or None
        Statistics of the training inputs; None only casts.

    Returns
    -------
    ndarray of the shape of ``X``, float32, C-contiguous
        A new array (``X`` is never modified). The arithmetic runs in
        float64 chunk by chunk: a float32 cast first would map values such
        as ``1e9 + x`` for small ``x`` to the same number. Values beyond
        float32's range become infinite, silently: the callers check for
        them and raise an error that says what to do.
    """
    with np.errstate(over="ignore"):
        return _standardize(X, mean, scale)


def _standardize(X, mean, scale):
    if mean is None:
        return np.ascontiguousarray(X, dtype=np.float32) if X.dtype != np.float32 else X.copy()
    # One float64 temporary per chunk, modified in place: a new array per
    # operation cost 2.5 times as much (fresh pages for every temporary).
    if X.size <= _CHUNK_VALUES:
        Z = np.subtract(X, mean, dtype=np.float64)
        Z /= scale
        return Z.astype(np.float32, order="C")
    out = np.empty(X.shape, dtype=np.float32)
    per_sample = max(1, math.prod(X.shape[1:]))
    step = max(1, _CHUNK_VALUES // per_sample)
    for start in range(0, len(X), step):
        Z = np.subtract(X[start : start + step], mean, dtype=np.float64)
        Z /= scale
        out[start : start + step] = Z
    return out


def to_tensor(array, device):
    """A tensor on ``device`` from a NumPy array, sharing memory when possible."""
    if array.flags.writeable and array.flags.c_contiguous:
        tensor = torch.from_numpy(array)
    else:
        tensor = torch.tensor(np.ascontiguousarray(array))
    return tensor.to(device)


class SequenceDataset(torch.utils.data.Dataset):
    """Padded sequences, their lengths and targets, held as whole tensors.

    Parameters
    ----------
    X : Tensor of shape (n_samples, n_timesteps, n_features)
    lengths : Tensor of shape (n_samples,) on the CPU, or None
        Valid steps per sequence; None when every sequence is complete.
    y : Tensor of shape (n_samples, ...) or None
    """

    def __init__(self, X, lengths=None, y=None):
        self.X = X
        self.lengths = lengths
        self.y = y

    def __len__(self):
        return len(self.X)

    def __getitem__(self, index):
        return self.batch(torch.as_tensor([index]))

    def batch(self, index):
        """The minibatch at integer positions ``index`` (a slice or a tensor)."""
        y = None if self.y is None else self.y[index]
        if self.lengths is None:
            return self.X[index], y
        lengths = self.lengths[index]
        # Trim the padding shared by the whole batch: the RNN never runs on it.
        X = self.X[index, : int(lengths.max())]
        return {"X": X, "lengths": lengths}, y


class BatchIterator:
    """Minibatches of a :class:`SequenceDataset`, for skorch's ``iterator_train``.

    Shuffling draws from torch's global generator, which the estimators seed
    from ``random_state``. For variable-length sequences the shuffled order
    is cut into pools of ``50 * batch_size`` sequences, each pool is sorted by
    length before it is cut into batches, and the batches are shuffled again,
    so that a batch holds sequences of similar length and little padding.
    """

    pool_batches = 50

    def __init__(self, dataset, batch_size, shuffle=False):
        self.dataset = dataset
        self.batch_size = batch_size
        self.shuffle = shuffle

    def __len__(self):
        return -(-len(self.dataset) // self.batch_size)

    def _index_batches(self):
        n, size = len(self.dataset), self.batch_size
        lengths = self.dataset.lengths
        if lengths is None:
            if not self.shuffle:
                return [slice(start, start + size) for start in range(0, n, size)]
            order = torch.randperm(n, device=self.dataset.X.device)
            return list(order.split(size))
        order = torch.randperm(n) if self.shuffle else torch.arange(n)
        batches = []
        for pool in order.split(size * self.pool_batches):
            pool = pool[torch.argsort(lengths[pool], stable=True)]
            batches.extend(pool.split(size))
        if self.shuffle:
            batches = [batches[i] for i in torch.randperm(len(batches)).tolist()]
        return batches

    def __iter__(self):
        for index in self._index_batches():
            yield self.dataset.batch(index)


def iter_batches(X, lengths, batch_size):
    """Yield ``(positions, X_batch, lengths_batch)`` for prediction.

    Variable-length input is visited in order of length, so that a batch
    holds sequences of similar length; ``positions`` maps the batch back to
    the input's order. Each batch is trimmed to its longest sequence.
    """
    n = len(X)
    if lengths is None:
        for start in range(0, n, batch_size):
            yield slice(start, start + batch_size), X[start : start + batch_size], None
        return
    order = np.argsort(lengths, kind="stable")
    for start in range(0, n, batch_size):
        positions = order[start : start + batch_size]
        batch_lengths = lengths[positions]
        yield positions, X[positions, : int(batch_lengths.max())], batch_lengths


def _input_batch(X, mean, scale, device):
    """One prediction batch as a float32 tensor on ``device``, standardized
    (in float64, as :func:`standardize`) unless ``mean`` is None."""
    if mean is None:
        return to_tensor(standardize(X) if X.dtype != np.float32 else X, device)
    # torch.from_numpy refuses negative strides (a reversed view such as X[::-1])
    if X.size >= _TORCH_STANDARDIZE_VALUES and X.flags.writeable and X.dtype.isnative and min(X.strides) >= 0:
        # the same IEEE float64 subtraction and division, so the same values
        return torch.sub(torch.from_numpy(X), torch.from_numpy(mean)).div_(torch.from_numpy(scale)).float().to(device)
    # standardize returns a new C-contiguous array: nothing for to_tensor to check
    tensor = torch.from_numpy(standardize(X, mean, scale))
    return tensor if device == "cpu" else tensor.to(device)


def _in_training_mode(module):
    """``module`` and its submodules that are in training mode. A plain walk
    of ``_modules``: ``nn.Module.modules()``'s generator and memo cost three
    times as much, a few microseconds of a one-sequence predict."""
    found = [module] if module.training else []
    for child in module._modules.values():
        if child is not None:
            found += _in_training_mode(child)
    return found


def predict_in_batches(module, X, lengths, device, batch_size, *, mean=None, scale=None):
    """Run ``module`` over ``X`` in inference mode, batch by batch.

    ``X`` holds raw inputs (float32 or float64): each batch is standardized
    with ``mean`` and ``scale`` (see :func:`standardize`; None when ``X`` is
    already standardized) on its way to ``device``, or, for large calls where
    :func:`~sklearn_rnn._input_fold.raw_input_network` applies, read raw by
    a copy of ``module`` with the standardization folded into its first
    layer (the same outputs within float32 round-off).

    Returns a tensor on ``device`` of shape ``(n_samples, n_outputs)`` in the
    order of ``X``. Only one batch of input is copied to the device at a time,
    and each batch's outputs are written straight into the preallocated
    result: many small output tensors, interleaved on the heap with the
    batches' freed work buffers, would fragment it, and a million-sequence
    prediction then grew the resident memory by hundreds of MB. The module's
    train/eval mode is restored afterwards.
    """
    # Each submodule's own mode, restored afterwards; nothing to do when all
    # are in eval mode already.
    training = _in_training_mode(module)
    for m in training:
        m.training = False
    try:
        with torch.inference_mode():
            raw = None
            if mean is not None and lengths is None and X.size >= _MIN_FOLDED_VALUES and str(device) == "cpu":
                raw = raw_input_network(module)
            if raw is not None:
                try:
                    return _run_batches(
                        raw, X, None, device, batch_size, None, None, limit=FLOAT32_MAX / raw.downsample
                    )
                except _OutOfRange:
                    pass  # raw values beyond float32's range: the standardized path brings them into it
            return _run_batches(module, X, lengths, device, batch_size, mean, scale)
    finally:
        for m in training:
            m.training = True


class _OutOfRange(Exception):
    """A raw input batch holds values the folded copy cannot read as float32."""


def _run_batches(module, X, lengths, device, batch_size, mean, scale, limit=None):
    """:func:`predict_in_batches`' loop; with ``limit``, raise
    :class:`_OutOfRange` for a batch with a value beyond ``±limit``."""

    def inputs(X_batch):
        tensor = _input_batch(X_batch, mean, scale, device)
        if limit is not None:
            low, high = torch.aminmax(tensor)
            if high > limit or low < -limit:
                raise _OutOfRange
        return tensor

    if lengths is None and len(X) <= batch_size:  # one batch: no batching machinery
        return module(inputs(X), None)
    out = None
    for positions, X_batch, batch_lengths in iter_batches(X, lengths, batch_size):
        lengths_t = None if batch_lengths is None else torch.from_numpy(batch_lengths)
        batch_out = module(inputs(X_batch), lengths_t)
        if out is None:
            out = batch_out.new_empty((len(X), *batch_out.shape[1:]))
        if isinstance(positions, slice):
            out[positions] = batch_out
        else:
            out[torch.from_numpy(positions).to(out.device)] = batch_out
    return out
