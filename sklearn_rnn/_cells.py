"""GRU and Elman RNN layers with a hand-written backward pass, fast on the CPU.

On the CPU, PyTorch runs :class:`torch.nn.LSTM` through one fused oneDNN
primitive, but :class:`torch.nn.GRU` steps through the sequence with about a
dozen small operations per step, each recorded by autograd, so that a GRU
trains about twice as slow as an LSTM of the same size. The layers here
compute the same function with

* the input projections of all steps as one matrix product before the
  recurrence;
* a recurrence of five in-place operations per step for the GRU and two for
  the Elman RNN (one matrix product and the gate arithmetic), not recorded by
  autograd;
* a hand-written backward recurrence of two or three operations per step:
  everything that does not depend on the recurrence is computed for all
  steps at once, and the weight gradients are one matrix product over all
  steps.

Variable lengths are handled as :func:`torch.nn.utils.rnn.pack_padded_sequence`
does: the batch is sorted by length and step ``t`` only touches the
sequences still running, so that padded steps cost nothing and hold zeros.
"""

import torch
from torch import nn
from torch.nn import functional as F

__all__ = ["GRULayers", "RNNLayers"]

# -- one direction of one layer ----------------------------------------------------------
#
# Time-major: x (T, B, F), output (T, B, H). The batch is sorted by length, longest
# first, and ``batch_sizes[t]`` is the number of sequences longer than ``t`` steps
# (None when every sequence has T steps). Rows past ``batch_sizes[t]`` are never
# touched by the recurrence: the buffers are zero there.


def _new(shape, like, ragged):
    return like.new_zeros(shape) if ragged else like.new_empty(shape)


def _gru_forward(x, w_ih, w_hh, b_ih, b_hh, batch_sizes):
    """GRU recurrence; returns the output and what the backward pass needs.

    ``a[t]`` ends up holding ``[r, z]`` (after the sigmoid) and ``W_hn h + b_hn``
    (the recurrent part of the candidate's pre-activation); ``n[t]`` holds the
    candidate state.
    """
    T, B, n_features = x.shape
    H = w_hh.shape[1]
    ragged = batch_sizes is not None
    x2 = x.reshape(T * B, n_features)
    # Input projections of every step at once, with the recurrent biases of r
    # and z folded in; the candidate's input part goes to n.
    a = x.new_empty(T, B, 3 * H)
    torch.addmm(b_ih[: 2 * H] + b_hh[: 2 * H], x2, w_ih[: 2 * H].t(), out=a.view(T * B, 3 * H)[:, : 2 * H])
    a[..., 2 * H :] = b_hh[2 * H :]
    n = torch.addmm(b_ih[2 * H :], x2, w_ih[2 * H :].t()).view(T, B, H)
    out = _new((T, B, H), x, ragged)
    w_hh_t = w_hh.t()
    h = x.new_zeros(B, H)
    if not ragged:
        A, RZ, R, Z, GN = a.unbind(), a[..., : 2 * H].unbind(), a[..., :H].unbind(), a[..., H : 2 * H].unbind(), a[..., 2 * H :].unbind()
        N, O = n.unbind(), out.unbind()
        for t in range(T):
            A[t].addmm_(h, w_hh_t)
            RZ[t].sigmoid_()
            N[t].addcmul_(R[t], GN[t]).tanh_()
            h = torch.lerp(N[t], h, Z[t], out=O[t])
        return out, a, n
    rz, r, z, gn = a[..., : 2 * H], a[..., :H], a[..., H : 2 * H], a[..., 2 * H :]
    for t, bs in enumerate(batch_sizes):
        a[t, :bs].addmm_(h[:bs], w_hh_t)
        rz[t, :bs].sigmoid_()
        n_t = n[t, :bs].addcmul_(r[t, :bs], gn[t, :bs]).tanh_()
        h = torch.lerp(n_t, h[:bs], z[t, :bs], out=out[t, :bs])
    return out, a, n


def _gru_backward(grad_h, x, w_ih, w_hh, out, a, n, batch_sizes, need_x):
    """Gradients of the GRU direction; ``grad_h`` (T, B, H) is overwritten."""
    T, B, n_features = x.shape
    H = w_hh.shape[1]
    rz, r, z, gh_n = a[..., : 2 * H], a[..., :H], a[..., H : 2 * H], a[..., 2 * H :]
    # The gradients of the recurrent pre-activations [r, z, n] of step t are
    # dh_t * k[t]: k holds everything that does not depend on the recurrence,
    # for all steps at once.
    s = torch.addcmul(rz, rz, rz, value=-1.0)  # [r (1 - r), z (1 - z)]
    k_n = torch.addcmul(n.new_ones(()), n, n, value=-1.0)  # 1 - n^2
    k_n.addcmul_(k_n, z, value=-1.0)  # (1 - z)(1 - n^2) = d h / d (candidate's pre-activation)
    k = x.new_empty(T, B, 3, H)
    torch.mul(k_n, gh_n, out=k[:, :, 0]).mul_(s[..., :H])
    torch.sub(out[:-1], n[1:], out=k[1:, :, 1])  # h_{t-1} - n_t
    torch.neg(n[0], out=k[0, :, 1])
    k[:, :, 1].mul_(s[..., H:])
    torch.mul(k_n, r, out=k[:, :, 2])
    # grad's blocks are [n_input, r, z, n_recurrent]: blocks 1:4 are the
    # gradients for W_hh's rows, blocks 0:3 those for W_ih's rows in the order [n, r, z].
    grad = _new((T, B, 4, H), x, batch_sizes is not None)
    grad_rec = grad[:, :, 1:]
    if batch_sizes is None:
        DH, DHu, Z, K = grad_h.unbind(), grad_h.unsqueeze(2).unbind(), z.unbind(), k.unbind()
        G, G2 = grad_rec.unbind(), grad_rec.view(T, B, 3 * H).unbind()
        for t in range(T - 1, 0, -1):
            torch.mul(DHu[t], K[t], out=G[t])
            DH[t - 1].addcmul_(DH[t], Z[t]).addmm_(G2[t], w_hh)
        torch.mul(DHu[0], K[0], out=G[0])
    else:
        for t in range(T - 1, -1, -1):
            bs = batch_sizes[t]
            torch.mul(grad_h[t, :bs].unsqueeze(1), k[t, :bs], out=grad_rec[t, :bs])
            if t:
                grad_h[t - 1, :bs].addcmul_(grad_h[t, :bs], z[t, :bs])
                grad_h[t - 1, :bs].addmm_(grad_rec[t, :bs].view(bs, 3 * H), w_hh)
    torch.mul(grad_h, k_n, out=grad[:, :, 0])
    grad2 = grad.view(T * B, 4 * H)
    grad_gh, grad_gi = grad2[:, H:], grad2[:, : 3 * H]
    grad_w_hh = grad_gh[B:].t().mm(out[:-1].reshape((T - 1) * B, H))
    grad_w_ih = grad_gi.t().mm(x.reshape(T * B, n_features))
    grad_w_ih = torch.cat([grad_w_ih[H:], grad_w_ih[:H]])
    sums = grad2.sum(0)
    grad_b_hh = sums[H:]
    grad_b_ih = torch.cat([sums[H : 3 * H], sums[:H]])
    grad_x = None
    if need_x:
        grad_x = grad_gi.mm(torch.cat([w_ih[2 * H :], w_ih[: 2 * H]])).view(T, B, n_features)
    return grad_x, grad_w_ih, grad_w_hh, grad_b_ih, grad_b_hh


def _elman_forward(x, w_ih, w_hh, b_ih, b_hh, batch_sizes, relu, valid):
    T, B, n_features = x.shape
    H = w_hh.shape[1]
    # The output starts as the input projections and is overwritten in place.
    out = torch.addmm(b_ih + b_hh, x.reshape(T * B, n_features), w_ih.t()).view(T, B, H)
    w_hh_t = w_hh.t()
    activate = torch.Tensor.relu_ if relu else torch.Tensor.tanh_
    if batch_sizes is None:
        O = out.unbind()
        activate(O[0])
        for t in range(1, T):
            activate(O[t].addmm_(O[t - 1], w_hh_t))
        return out
    activate(out[0])
    for t in range(1, T):
        bs = batch_sizes[t]
        activate(out[t, :bs].addmm_(out[t - 1, :bs], w_hh_t))
    out.masked_fill_(~valid, 0.0)
    return out


def _elman_backward(grad_h, x, w_ih, w_hh, out, batch_sizes, relu, need_x):
    """Gradients of the Elman direction; ``grad_h`` (T, B, H) is overwritten."""
    T, B, n_features = x.shape
    H = w_hh.shape[1]
    k = (out > 0).to(out.dtype) if relu else torch.addcmul(out.new_ones(()), out, out, value=-1.0)
    # grad_h[t] becomes the gradient of step t's pre-activation.
    if batch_sizes is None:
        DH, K = grad_h.unbind(), k.unbind()
        for t in range(T - 1, 0, -1):
            DH[t - 1].addmm_(DH[t].mul_(K[t]), w_hh)
        DH[0].mul_(K[0])
    else:
        for t in range(T - 1, -1, -1):
            bs = batch_sizes[t]
            grad_t = grad_h[t, :bs].mul_(k[t, :bs])
            if t:
                grad_h[t - 1, :bs].addmm_(grad_t, w_hh)
    grad_a = grad_h.view(T * B, H)
    grad_w_hh = grad_a[B:].t().mm(out[:-1].reshape((T - 1) * B, H))
    grad_b = grad_a.sum(0)
    grad_w_ih = grad_a.t().mm(x.reshape(T * B, n_features))
    grad_x = grad_a.mm(w_ih).view(T, B, n_features) if need_x else None
    return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b.clone()


def _writable_grad(grad_out, valid):
    """A contiguous copy of the output gradient, zero at padded steps."""
    if valid is None:
        return grad_out.clone(memory_format=torch.contiguous_format)
    return grad_out.masked_fill(~valid, 0.0).contiguous()


class _GRUDirection(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, batch_sizes, valid):
        out, a, n = _gru_forward(x, w_ih, w_hh, b_ih, b_hh, batch_sizes)
        ctx.save_for_backward(x, w_ih, w_hh, out, a, n)
        ctx.batch_sizes, ctx.valid = batch_sizes, valid
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        x, w_ih, w_hh, out, a, n = ctx.saved_tensors
        grad_h = _writable_grad(grad_out, ctx.valid)
        grads = _gru_backward(grad_h, x, w_ih, w_hh, out, a, n, ctx.batch_sizes, ctx.needs_input_grad[0])
        return (*grads, None, None)


class _ElmanDirection(torch.autograd.Function):
    @staticmethod
    def forward(ctx, x, w_ih, w_hh, b_ih, b_hh, batch_sizes, valid, relu):
        out = _elman_forward(x, w_ih, w_hh, b_ih, b_hh, batch_sizes, relu, valid)
        ctx.save_for_backward(x, w_ih, w_hh, out)
        ctx.batch_sizes, ctx.valid, ctx.relu = batch_sizes, valid, relu
        return out

    @staticmethod
    @torch.autograd.function.once_differentiable
    def backward(ctx, grad_out):
        x, w_ih, w_hh, out = ctx.saved_tensors
        grad_h = _writable_grad(grad_out, ctx.valid)
        grads = _elman_backward(grad_h, x, w_ih, w_hh, out, ctx.batch_sizes, ctx.relu, ctx.needs_input_grad[0])
        return (*grads, None, None, None)
