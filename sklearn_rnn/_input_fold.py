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

from ._cells import GRULayers, LSTMLayers, RNNLayers

# The largest |mean| / scale of a feature that is folded: the float32
# products of raw values then lose at most this many times the round-off of
# standardized ones (the offset the bias takes away is summed in float32).
_MAX_OFFSET = 8.0

# The range of scales that is folded: raw values and the weights divided by
# the scale stay far inside float32's normal range (data in units of 1e-60
# would underflow to zero as float32, which the float64 standardization
# avoids).
_SCALES = (2.0**-60, 2.0**60)

# The largest network (parameters and buffers) that is copied for the fold:
# the copy and its snapshot hold three times the weights in all; larger
# networks spend relatively less on the standardization pass anyway.
_MAX_VALUES = 2**20

# The largest raw input value a folded batch may hold, over the steps pooled
# into one (``downsample``): float32's largest value. Beyond it the copy
# would read infinities (or overflow in the pooling) where the standardized
# values are finite.
FLOAT32_MAX = float(torch.finfo(torch.float32).max)

_CELLS = (LSTMLayers, GRULayers, RNNLayers)


def _structure(module):
    """What the copy's behaviour depends on besides the tensors' values: the
    submodules (their identity), the network's settings and the layer's."""
    rnn = module.rnn
    return (
        tuple(id(m) for m in module.modules()),
        module.cell,
        module.summary,
        module.downsample,
        module.truncated_bptt_steps,
        module.future_steps,
        module.bidirectional,
        module.hidden_size,
        type(rnn),
        getattr(rnn, "nonlinearity", None),
        getattr(rnn, "num_layers", None),
    )


def _hooked(module):
    """Whether ``module`` or a submodule has forward hooks, or global module
    hooks are registered (they would see the copy instead of ``module``)."""
    registry = nn.modules.module
    if getattr(registry, "_global_forward_hooks", None) or getattr(registry, "_global_forward_pre_hooks", None):
        return True
    return any(m._forward_hooks or m._forward_pre_hooks for m in module.modules())


class InputFold:
    """A copy of a :class:`~sklearn_rnn._module.RecurrentNetwork` that reads
    raw inputs, its input standardization folded into the first layer.

    The copy is made from a snapshot of the network's state dict (every
    parameter and buffer) and of its structure (its submodules and
    settings): :meth:`current` compares both with the network, which
    catches every change of a value, a replaced submodule or a changed
    setting.

    Parameters
    ----------
    module : RecurrentNetwork
        A network that :meth:`pays` accepts.

    Attributes
    ----------
    network : RecurrentNetwork
        The copy, in eval mode, with zero mean and unit scale.
    """

    __slots__ = ("network", "_snapshot", "_structure")

    def __init__(self, module):
        with torch.inference_mode(False), torch.no_grad():
            self._structure = _structure(module)
            self._snapshot = {name: t.detach().clone() for name, t in module.state_dict(keep_vars=True).items()}
            network = copy.deepcopy(module)
            rnn = network.rnn
            mean, scale = network.input_mean.double(), network.input_scale.double()
            ratio = mean / scale
            suffixes = ("", "_reverse") if network.bidirectional else ("",)
            for suffix in suffixes:
                weight = getattr(rnn, f"weight_ih_l0{suffix}")
                bias = getattr(rnn, f"bias_ih_l0{suffix}")
                original = weight.double()
                bias.copy_(bias.double() - original @ ratio)
                weight.copy_(original / scale)
            network.input_mean.zero_()
            network.input_scale.fill_(1.0)
        self.network = network.eval()

    @staticmethod
    def pays(module):
        """Whether to fold ``module``: the package's own recurrent layer with
        biases, float32 on the CPU, and a plain linear head; no future
        inputs (whose decoder would need a fold of its own); no hooks (a
        copy would call them with another module); at most ``_MAX_VALUES``
        values; and statistics that standardize, with every feature's
        ``|mean| / scale`` at most ``_MAX_OFFSET`` and every scale within
        ``_SCALES``."""
        rnn, head = module._modules.get("rnn"), module._modules.get("head")
        if type(rnn) not in _CELLS or type(head) is not nn.Linear or module.future_steps:
            return False
        weight, bias = rnn._parameters.get("weight_ih_l0"), rnn._parameters.get("bias_ih_l0")
        if weight is None or bias is None or weight.device.type != "cpu":
            return False
        state = module.state_dict(keep_vars=True)
        if any(t.dtype != torch.float32 for name, t in state.items() if name not in ("input_mean", "input_scale")):
            return False
        if sum(t.numel() for t in state.values()) > _MAX_VALUES or _hooked(module):
            return False
        mean, scale = module.input_mean.double(), module.input_scale.double()
        if not bool((mean != 0).any() or (scale != 1).any()):
            return False
        in_range = (scale >= _SCALES[0]) & (scale <= _SCALES[1]) & (mean.abs() <= _MAX_OFFSET * scale)
        return bool(in_range.all())

    def current(self, module):
        """Whether this fold is still that of ``module``: the same structure,
        no hooks since, and every tensor of its state dict equal to the
        snapshot."""
        if _structure(module) != self._structure or _hooked(module):
            return False
        state = module.state_dict(keep_vars=True)
        if state.keys() != self._snapshot.keys():
            return False
        for name, tensor in state.items():
            saved = self._snapshot[name]
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
