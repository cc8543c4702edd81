"""The input standardization folded into the first recurrent layer, for
predictions on raw inputs (:class:`InputFold`).

A network's first layer multiplies each step's standardized inputs
``(x - mean) / scale`` by its input weights ``W`` and adds the bias ``b``:
the same numbers, up to float32 round-off, as multiplying the raw inputs by
``W / scale`` and adding ``b - W @ (mean / scale)``. A copy of the network
with those weights predicts from the raw inputs directly, without the pass
that standardizes them (in float64, then cast) before every prediction
batch. For the LSTM regressor of ``benchmarks/speed.py``'s medium workload
(20,000 sequences of 24 steps and 4 features, hidden size 32, one thread,
torch 2.13) a whole prediction took 70.6 against 78.9 ms, with outputs
within 1.2e-7 of the standardized path. Checking that the copy is current
costs more than standardizing a few sequences, so small predictions keep
the standardization (``_MIN_FOLDED_VALUES`` in ``_data.py``).
"""

import copy

import torch
from torch import nn

# The largest |mean| / scale of a feature that is folded: the float32
# products of raw values then lose at most this many times the round-off of
# standardized ones (the offset the bias takes away is summed in float32).
_MAX_OFFSET = 8.0

# The range of scales that is folded: raw values and the weights divided by
# the scale stay far inside float32's normal range (data in units of 1e-60
# would underflow to zero as float32, which the float64 standardization
# avoids).
_SCALES = (2.0**-60, 2.0**60)

# The largest network (parameters) that is copied for the fold: the copy and
# its snapshot hold three times the weights in all; larger networks spend
# relatively less on the standardization pass anyway.
_MAX_PARAMETERS = 2**20


def _tensors(module):
    """The network's parameters and buffers in a fixed order, read without
    ``Module.parameters()``'s generator (a few microseconds per call)."""
    tensors = list(module.rnn._flat_weights)
    tensors += module.head._parameters.values()
    tensors += module._buffers.values()
    return tensors


def _hooked(module):
    """Whether ``module`` or a submodule has forward hooks."""
    if module._forward_hooks or module._forward_pre_hooks:
        return True
    return any(child is not None and _hooked(child) for child in module._modules.values())


class InputFold:
    """A copy of a :class:`~sklearn_rnn._module.RecurrentNetwork` that reads
    raw inputs, its input standardization folded into the first layer.

    The copy is made from a snapshot of the network's parameters and
    buffers: :meth:`current` compares them with the snapshot (about a
    microsecond per tensor), which catches every change of their values.

    Parameters
    ----------
    module : RecurrentNetwork
        A network that :meth:`pays` accepts.

    Attributes
    ----------
    network : RecurrentNetwork
        The copy, in eval mode, with zero mean and unit scale.
    """

    __slots__ = ("network", "_snapshot")

    def __init__(self, module):
        with torch.inference_mode(False), torch.no_grad():
            self._snapshot = [tensor.detach().clone() for tensor in _tensors(module)]
            network = copy.deepcopy(module)
            rnn = network.rnn
            ratio = network.input_mean / network.input_scale
            suffixes = ("", "_reverse") if network.bidirectional else ("",)
            for suffix in suffixes:
                weight = getattr(rnn, f"weight_ih_l0{suffix}")
                bias = getattr(rnn, f"bias_ih_l0{suffix}")
                original = weight.double()
                bias.copy_(bias.double() - original @ ratio)
                weight.copy_(original / network.input_scale)
            network.input_mean.zero_()
            network.input_scale.fill_(1.0)
        self.network = network.eval()

    @staticmethod
    def pays(module):
        """Whether to fold ``module``: it standardizes its inputs, no feature's
        ``|mean| / scale`` exceeds ``_MAX_OFFSET`` and every scale lies in
        ``_SCALES``, its first layer has
        biases, its tensors are float32 on the CPU, it reads no future
        inputs (whose decoder would need a fold of its own), has no hooks
        (a copy would call them with another module) and at most
        ``_MAX_PARAMETERS`` parameters."""
        mean, scale = module._buffers["input_mean"], module._buffers["input_scale"]
        rnn = module.rnn
        weight = rnn._parameters.get("weight_ih_l0")
        if module.future_steps or weight is None or rnn._parameters.get("bias_ih_l0") is None:
            return False
        if weight.device.type != "cpu" or weight.dtype != torch.float32 or _hooked(module):
            return False
        if sum(tensor.numel() for tensor in _tensors(module)) > _MAX_PARAMETERS:
            return False
        if not bool((mean != 0).any() or (scale != 1).any()):
            return False
        in_range = (scale >= _SCALES[0]) & (scale <= _SCALES[1]) & (mean.abs() <= _MAX_OFFSET * scale)
        return bool(in_range.all())

    def current(self, module):
        """Whether this fold is still that of ``module``'s values."""
        tensors = _tensors(module)
        if len(tensors) != len(self._snapshot):
            return False
        for tensor, saved in zip(tensors, self._snapshot, strict=True):
            # torch.equal compares values across dtypes: a cast network must be folded again
            if tensor.dtype != saved.dtype or tensor.shape != saved.shape or not torch.equal(tensor, saved):
                return False
        return True


def raw_input_network(module):
    """``module``'s copy for raw inputs (see :class:`InputFold`), kept on
    ``module`` between calls, or None where folding does not apply."""
    if not isinstance(module, nn.Module) or "rnn" not in module._modules:
        return None
    fold = module.__dict__.get("_input_fold")
    if fold is not None and fold.current(module):
        return fold.network
    module.__dict__.pop("_input_fold", None)
    if not InputFold.pays(module):
        return None
    fold = InputFold(module)
    module.__dict__["_input_fold"] = fold
    return fold.network
