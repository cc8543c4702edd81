"""The summary of complete sequences' hidden states, with a lean backward
pass, and the linear head folded over it for small predictions
(:class:`FoldedHead`).

The summary concatenates, per sequence, any of the last hidden state, the
mean and the element-wise maximum over the steps. Built from ``select``,
``mean`` and ``amax``, autograd's backward pass makes one ``(batch, time,
hidden)`` gradient per part and adds them up, and ``amax`` finds its maxima
again with a comparison whose boolean result PyTorch's CPU kernels write
element by element (about seven times the cost of a float operation of the
same size, measured with torch 2.13). :class:`_Summary` writes the same
gradient in place into one float buffer: the tie mask, written as floats by
``torch.eq`` with a float output, the maximum's share, the mean's share, then
the last step's.

Gradients are bitwise equal to autograd's (``tests/test_summary.py``), NaN
and infinite hidden states included, for the parts in the order ``last,
mean, max`` that :func:`~sklearn_rnn._module.parse_summary` gives; another
order goes through autograd's operations, which add the parts' gradients in
another order. The backward pass is not itself differentiable: a second
derivative (``create_graph=True``) raises an error.

On the medium workload of ``benchmarks/speed.py`` (64 sequences of 24 steps,
hidden size 32, one thread) a training step of the LSTM network with
``"last+mean+max"`` took 1.11 to 1.13 times one with ``"last"``, against
1.15 to 1.17 with the plain operations.
"""

import itertools

import torch
from torch import nn
from torch.autograd.function import once_differentiable

# The largest folded head (steps x summary width x outputs) kept for inference:
# 1 MiB of float32, far above a service's short sequences.
_MAX_FOLDED_VALUES = 2**18

# The largest batch of hidden states (batch x steps x width) that goes through
# the folded head. The recurrent layers return a batch-first view of
# time-major storage, which the folded product copies; the plain operations
# reduce the time-major storage directly. At 24 steps and width 32 (one
# thread, torch 2.13) the folded head took 7.5 against 14.1 microseconds for
# one sequence, 18 against 21 for 64, level at 128, and 1.3 to 1.6 times as
# long from 256 sequences on.
_MAX_FOLDED_BATCH_VALUES = 2**16

# Summaries with a mean or a maximum, parts in their canonical order.
_FUNCTION_KINDS = {
    kinds for r in (1, 2, 3) for kinds in itertools.combinations(("last", "mean", "max"), r) if kinds != ("last",)
}


def summarize(output, kinds, hidden_size, bidirectional):
    """The summary of complete sequences.

    Parameters
    ----------
    output : torch.Tensor of shape (batch, time, hidden_size * n_directions)
        Hidden states of the top layer at every step, all steps valid.
    kinds : tuple of str
        Parts in order, each of ``"last"``, ``"mean"`` and ``"max"``.
    hidden_size : int
        Width of one direction.
    bidirectional : bool
        Whether the second half of the features is a backward direction, whose
        ``"last"`` state is the one at the first step.

    Returns
    -------
    torch.Tensor of shape (batch, len(kinds) * hidden_size * n_directions)
    """
    if kinds in _FUNCTION_KINDS and torch.is_grad_enabled() and output.requires_grad:
        return _Summary.apply(output, kinds, hidden_size, bidirectional)
    parts, _ = _parts(output.transpose(0, 1), kinds, hidden_size, bidirectional)
    return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)


class FoldedHead:
    """The linear head applied to a summary with a mean, in fewer operations,
    for inference on the CPU.

    The last state and the mean are linear in the hidden states, so their
    share of the head folds into one ``(steps * width, outputs)`` matrix
    applied to all the steps at once, and the maximum's share is one more
    product: two matrix products and a maximum instead of a selection, a
    mean, a maximum, a concatenation and the head. A one-sequence predict of
    the LSTM regressor of ``benchmarks/speed.py``'s medium workload (24
    steps, hidden size 32, one thread, torch 2.13) took about 0.9 times as
    long. Results equal the plain operations' within float32 round-off (the
    sums run in another order). Only small batches go through it
    (:meth:`pays`): on larger ones the plain operations are faster.

    The folded matrix holds ``steps * width * outputs`` values, built for one
    sequence length from a copy of the head's parameters: :meth:`current`
    compares the parameters with that copy, which catches every change of
    their values (an optimizer step, fused or not, ``load_state_dict``, an
    edit through ``.data``) for about a microsecond on a small head.

    Parameters
    ----------
    head : torch.nn.Linear
        The output layer, whose input is the summary.
    kinds : tuple of str
        The summary's parts (see :func:`summarize`), ``"mean"`` among them.
    n_steps : int
        Steps of the sequences the matrix is built for.
    hidden_size : int
        Width of one direction.
    bidirectional : bool
        Whether the second half of the features is a backward direction.
    """

    __slots__ = ("head", "n_steps", "_weight", "_bias", "_folded", "_max_weight")

    def __init__(self, head, kinds, n_steps, hidden_size, bidirectional):
        self.head, self.n_steps = head, n_steps
        weight, bias = head._parameters["weight"], head._parameters["bias"]
        width = weight.shape[1] // len(kinds)
        with torch.no_grad():
            self._weight = weight.detach().clone()
            self._bias = None if bias is None else bias.detach().clone()
            shares = dict(zip(kinds, self._weight.t().split(width), strict=True))
            folded = (shares["mean"] / n_steps).expand(n_steps, -1, -1).clone()
            if "last" in shares:
                last = shares["last"]
                if bidirectional:
                    # the backward direction's last state is the one at the first step
                    folded[-1, :hidden_size] += last[:hidden_size]
                    folded[0, hidden_size:] += last[hidden_size:]
                else:
                    folded[-1] += last
            self._folded = folded.reshape(n_steps * width, -1)
            self._max_weight = shares["max"].contiguous() if "max" in shares else None

    @staticmethod
    def pays(head, kinds, output):
        """Whether to fold ``head`` for ``output``: a mean among the parts; a
        plain :class:`torch.nn.Linear` without hooks (anything else keeps
        its own forward pass); a CPU tensor (comparing the parameters on a
        GPU would wait for the device on every call); at most
        ``_MAX_FOLDED_VALUES`` values in the folded matrix and at most
        ``_MAX_FOLDED_BATCH_VALUES`` in ``output``, a small batch whose time
        goes to the operations' fixed costs."""
        batch, n_steps, width = output.shape
        return (
            "mean" in kinds
            and type(head) is nn.Linear
            and not (head._forward_hooks or head._forward_pre_hooks)
            and output.device.type == "cpu"
            and batch * n_steps * width <= _MAX_FOLDED_BATCH_VALUES
            and n_steps * width * head.out_features <= _MAX_FOLDED_VALUES
        )

    def current(self, head, n_steps):
        """Whether this folding is still that of ``head`` for ``n_steps`` steps."""
        if head is not self.head or n_steps != self.n_steps:
            return False
        parameters = head._parameters  # Module.__getattr__ costs a microsecond per name
        weight, bias = parameters["weight"], parameters["bias"]
        # torch.equal compares values across dtypes: a cast head must be folded again
        if weight.dtype != self._weight.dtype or not torch.equal(weight, self._weight):
            return False
        return bias is None if self._bias is None else bias is not None and torch.equal(bias, self._bias)

    def __call__(self, output):
        """``head(summarize(output, ...))``: ``(batch, outputs)`` from
        ``output`` of shape ``(batch, n_steps, width)``."""
        flat = output.flatten(1)
        result = torch.mm(flat, self._folded) if self._bias is None else torch.addmm(self._bias, flat, self._folded)
        if self._max_weight is not None:
            result.addmm_(output.amax(dim=1), self._max_weight)
        return result


def _parts(steps, kinds, hidden_size, bidirectional):
    """The parts from time-major ``steps`` ``(time, batch, features)``, and the maximum (or None)."""
    parts, maximum = [], None
    for kind in kinds:
        if kind == "last":
            last = steps[-1]
            if bidirectional:
                last = torch.cat([last[:, :hidden_size], steps[0, :, hidden_size:]], dim=1)
            parts.append(last)
        elif kind == "mean":
            parts.append(steps.mean(dim=0))
        else:
            maximum = steps.amax(dim=0)
            parts.append(maximum)
    return parts, maximum


class _Summary(torch.autograd.Function):
    """:func:`summarize` with one gradient buffer in the backward pass
    (``kinds`` holds ``"mean"`` or ``"max"``)."""

    @staticmethod
    def forward(ctx, output, kinds, hidden_size, bidirectional):
        steps = output.transpose(0, 1)
        parts, maximum = _parts(steps, kinds, hidden_size, bidirectional)
        ctx.kinds, ctx.hidden_size, ctx.bidirectional = kinds, hidden_size, bidirectional
        ctx.shape = steps.shape
        # the steps only where the maximum's ties are to be found
        ctx.save_for_backward(*((steps, maximum) if maximum is not None else ()))
        # a single part is a mean or a maximum: a new tensor already
        return torch.cat(parts, dim=1) if len(parts) > 1 else parts[0]

    @staticmethod
    @once_differentiable
    def backward(ctx, grad):
        n_steps, width = ctx.shape[0], ctx.shape[2]
        grads = dict(zip(ctx.kinds, grad.split(width, dim=1), strict=True))
        if "max" in grads:
            steps, maximum = ctx.saved_tensors
            # amax's own backward arithmetic: 1 where a step equals the maximum, else
            # 0, so that ties share the gradient, and where the maximum is NaN no
            # step equals it and the count of 0 makes every gradient NaN. The mask
            # is written as floats: PyTorch's CPU kernels write a boolean result
            # element by element (64 against 8 microseconds on the medium output).
            mask = torch.eq(steps, maximum, out=torch.empty_like(steps))
            share = grads["max"] / mask.sum(dim=0)
            if "mean" in grads:
                # the mean's gradient plus each maximum's share in one pass;
                # the mask's 0s and 1s make every product exact
                result = torch.addcmul((grads["mean"] / n_steps).expand(n_steps, -1, -1), mask, share)
            else:
                result = mask.mul_(share)
        else:
            result = (grads["mean"] / n_steps).expand(n_steps, -1, -1).contiguous()
        if "last" in grads:
            h = ctx.hidden_size
            last = grads["last"]
            if ctx.bidirectional:
                result[-1, :, :h] += last[:, :h]
                result[0, :, h:] += last[:, h:]
            else:
                result[-1] += last
        return result.transpose(0, 1), None, None, None
