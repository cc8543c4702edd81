"""The summary of complete sequences' hidden states, with a lean backward pass.

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
from torch.autograd.function import once_differentiable

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
