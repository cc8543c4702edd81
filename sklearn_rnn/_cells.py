"""GRU and Elman RNN layers with a hand-written backward pass, fast on the CPU; a lean LSTM call.

On the CPU, PyTorch runs :class:`torch.nn.LSTM` through one fused oneDNN
primitive, but :class:`torch.nn.GRU` steps through the sequence with about a
dozen small operations per step, each recorded by autograd, so that a GRU
epoch costs about twice an LSTM epoch of the same size. The layers here
compute the same function (equal to ``torch.nn.GRU`` / ``torch.nn.RNN``
within float32 round-off) with

* the input projections of all steps as one matrix product before the
  recurrence;
* a recurrence of five in-place operations per step for the GRU and two for
  the Elman RNN (one matrix product and the gate arithmetic), run under
  :func:`torch.inference_mode` and not recorded by autograd;
* a hand-written backward recurrence of three (GRU) or two (Elman)
  operations per step: everything that does not depend on the recurrence
  is computed for all steps at once, and the weight gradients are one matrix
  product over all steps;
* for inference, buffers for a few steps at a time, reused so that they stay
  in the cache; a GRU call of a few steps on a small batch runs torch's
  own kernel instead, whose loop in C++ costs less than the Python steps.

Variable lengths are handled as :func:`torch.nn.utils.rnn.pack_padded_sequence`
does: the batch is sorted by length and step ``t`` only touches the
sequences still running, so that padded steps cost nothing and hold zeros.
Off the CPU the layers run torch's own kernels (cuDNN on CUDA) through a
packed sequence, with the same interface.

:class:`LSTMLayers` is ``torch.nn.LSTM`` itself (the fused primitive is
already fast), called without its per-call Python checks.

Measured with ``benchmarks/cell_speed.py`` (one thread, 20,000 sequences of
24 steps, batch 64, Adam): a training epoch of :class:`GRULayers` costs about
1.1 to 1.3 times an LSTM epoch at hidden size 32 and about 1.0 at 128
(``torch.nn.GRU``: 2.2 and 1.4); :class:`RNNLayers` about 0.6 and 0.3
(``torch.nn.RNN``: 1.0 and 0.45).
"""

import torch
from torch import _VF, nn
from torch.nn import functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

__all__ = ["GRULayers", "LSTMLayers", "RNNLayers"]

# Inference buffers hold about this many values (a few steps' gates), so that
# they stay in the cache.
_INFERENCE_CHUNK_ELEMENTS = 1 << 17
# GRU inference on at most this many steps, of at most this many values per
# step (batch x hidden size x directions), runs torch's kernel (see
# GRULayers._kernel_is_faster).
_KERNEL_STEPS = 12
_KERNEL_WIDTH = 1024

# -- one direction of one layer ----------------------------------------------------------
#
# Time-major: x (T, B, F), output (T, B, H). The batch is sorted by length, longest
# first, and ``batch_sizes[t]`` is the number of sequences longer than ``t`` steps
# (None when every sequence has T steps). Rows past ``batch_sizes[t]`` are never
# touched by the recurrence: the buffers are zero there.
#
# The recurrences run under ``torch.inference_mode()`` on buffers allocated
# outside it: views and in-place operations skip autograd's bookkeeping
# (about 10% of a step), and every tensor that leaves a function is a normal
# tensor.


def current_flat_weights(module):
    """``module._flat_weights`` (a ``torch.nn.RNNBase``), first refreshed if its
    parameters were swapped since (:func:`torch.func.functional_call` puts
    other tensors in ``_parameters`` for one call).

    ``torch.nn.RNNBase`` checks the same with a ``getattr`` per weight, a
    third of the cost of a small layer's Python overhead; a look in
    ``_parameters`` is enough.
    """
    parameters = module._parameters
    flat = module._flat_weights
    for weight, name in zip(flat, module._flat_weights_names, strict=True):
        if parameters.get(name) is not weight:
            module._init_flat_weights()
            return module._flat_weights
    return flat


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
    x2 = x.reshape(T * B, n_features)
    # Input projections of every step at once, with the recurrent biases of r
    # and z folded in; the candidate's input part goes to n.
    a = x.new_empty(T, B, 3 * H)
    torch.addmm(b_ih[: 2 * H] + b_hh[: 2 * H], x2, w_ih[: 2 * H].t(), out=a.view(T * B, 3 * H)[:, : 2 * H])
    a[..., 2 * H :] = b_hh[2 * H :]
    n = torch.addmm(b_ih[2 * H :], x2, w_ih[2 * H :].t()).view(T, B, H)
    out = _new((T, B, H), x, batch_sizes is not None)
    with torch.inference_mode():
        _gru_recurrence(a, n, out, w_hh.t(), batch_sizes)
    return out, a, n


def _gru_recurrence(a, n, out, w_hh_t, batch_sizes, h=None):
    """Steps over the buffers from state ``h`` (None: zero); returns the last state."""
    T, B, H = out.shape
    first = 0
    if h is None:
        # h = 0: the first step's recurrent part is the bias alone, already in a[0].
        h = out.new_zeros(B, H)
        first = 1
    if batch_sizes is None:
        A, RZ, R, Z, GN = (
            a.unbind(),
            a[..., : 2 * H].unbind(),
            a[..., :H].unbind(),
            a[..., H : 2 * H].unbind(),
            a[..., 2 * H :].unbind(),
        )
        N, HS = n.unbind(), out.unbind()
        for t in range(T):
            if t >= first:
                A[t].addmm_(h, w_hh_t)
            RZ[t].sigmoid_()
            N[t].addcmul_(R[t], GN[t]).tanh_()
            h = torch.lerp(N[t], h, Z[t], out=HS[t])
        return h
    rz, r, z, gn = a[..., : 2 * H], a[..., :H], a[..., H : 2 * H], a[..., 2 * H :]
    for t, bs in enumerate(batch_sizes):
        if t >= first:
            a[t, :bs].addmm_(h[:bs], w_hh_t)
        rz[t, :bs].sigmoid_()
        n_t = n[t, :bs].addcmul_(r[t, :bs], gn[t, :bs]).tanh_()
        h = torch.lerp(n_t, h[:bs], z[t, :bs], out=out[t, :bs])
    return h


def _gru_inference(x, w_ih, w_hh, b_ih, b_hh, batch_sizes):
    """The GRU's output alone, with buffers for a few steps at a time.

    Without a backward pass to feed, the gates need not be kept for every
    step: small buffers reused chunk after chunk stay in the cache.
    """
    T, B, n_features = x.shape
    H = w_hh.shape[1]
    out = _new((T, B, H), x, batch_sizes is not None)
    chunk = min(T, max(1, _INFERENCE_CHUNK_ELEMENTS // (B * 4 * H)))
    a = x.new_empty(chunk, B, 3 * H)
    n = x.new_empty(chunk, B, H)
    bias_rz = b_ih[: 2 * H] + b_hh[: 2 * H]
    w_hh_t = w_hh.t()
    h = None
    with torch.inference_mode():
        for start in range(0, T, chunk):
            stop = min(T, start + chunk)
            x2 = x[start:stop].reshape((stop - start) * B, n_features)
            a_chunk, n_chunk = a[: stop - start], n[: stop - start]
            torch.addmm(bias_rz, x2, w_ih[: 2 * H].t(), out=a_chunk.view(-1, 3 * H)[:, : 2 * H])
            a_chunk[..., 2 * H :] = b_hh[2 * H :]
            torch.addmm(b_ih[2 * H :], x2, w_ih[2 * H :].t(), out=n_chunk.view(-1, H))
            steps = None if batch_sizes is None else batch_sizes[start:stop]
            h = _gru_recurrence(a_chunk, n_chunk, out[start:stop], w_hh_t, steps, h)
    return out


def _gru_backward(grad_h, x, w_ih, w_hh, out, a, n, batch_sizes, need_x):
    """Gradients of the GRU direction; ``grad_h`` (T, B, H) is overwritten."""
    T, B, n_features = x.shape
    H = w_hh.shape[1]
    # grad's blocks are [n_input, r, z, n_recurrent]: the gradients of the
    # pre-activations, so that blocks 1:4 are those for W_hh's rows and blocks
    # 0:3 those for W_ih's rows in the order [n, r, z].
    grad = _new((T, B, 4, H), x, batch_sizes is not None)
    with torch.inference_mode():
        _gru_backward_recurrence(grad_h, grad, out, a, n, w_hh, batch_sizes)
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


def _gru_backward_recurrence(grad_h, grad, out, a, n, w_hh, batch_sizes):
    T, B, H = out.shape
    rz, r, z, gh_n = a[..., : 2 * H], a[..., :H], a[..., H : 2 * H], a[..., 2 * H :]
    # The gradients of the recurrent pre-activations [r, z, n] of step t are
    # dh_t * k[t]: k holds everything that does not depend on the recurrence,
    # for all steps at once.
    s = torch.addcmul(rz, rz, rz, value=-1.0)  # [r (1 - r), z (1 - z)]
    k_n = torch.addcmul(n.new_ones(()), n, n, value=-1.0)  # 1 - n^2
    k_n.addcmul_(k_n, z, value=-1.0)  # (1 - z)(1 - n^2) = d h / d (candidate's pre-activation)
    k = n.new_empty(T, B, 3, H)
    torch.mul(k_n, gh_n, out=k[:, :, 0]).mul_(s[..., :H])
    torch.sub(out[:-1], n[1:], out=k[1:, :, 1])  # h_{t-1} - n_t
    torch.neg(n[0], out=k[0, :, 1])
    k[:, :, 1].mul_(s[..., H:])
    torch.mul(k_n, r, out=k[:, :, 2])
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


def _elman_forward(x, w_ih, w_hh, b_ih, b_hh, batch_sizes, relu, valid):
    T, B, n_features = x.shape
    # The output starts as the input projections and is overwritten in place.
    # the width spelled out: view cannot infer it for an empty batch
    out = torch.addmm(b_ih + b_hh, x.reshape(T * B, n_features), w_ih.t()).view(T, B, w_ih.shape[0])
    with torch.inference_mode():
        _elman_recurrence(out, w_hh.t(), batch_sizes, relu)
        if valid is not None:
            out.masked_fill_(~valid, 0.0)
    return out


def _elman_recurrence(out, w_hh_t, batch_sizes, relu):
    activate = torch.Tensor.relu_ if relu else torch.Tensor.tanh_
    activate(out[0])
    if batch_sizes is None:
        HS = out.unbind()
        for t in range(1, len(HS)):
            activate(HS[t].addmm_(HS[t - 1], w_hh_t))
        return
    for t in range(1, out.shape[0]):
        bs = batch_sizes[t]
        activate(out[t, :bs].addmm_(out[t - 1, :bs], w_hh_t))


def _elman_backward(grad_h, x, w_ih, w_hh, out, batch_sizes, relu, need_x):
    """Gradients of the Elman direction; ``grad_h`` (T, B, H) is overwritten."""
    T, B, n_features = x.shape
    H = w_hh.shape[1]
    with torch.inference_mode():
        _elman_backward_recurrence(grad_h, out, w_hh, batch_sizes, relu)
    grad_a = grad_h.view(T * B, H)
    grad_w_hh = grad_a[B:].t().mm(out[:-1].reshape((T - 1) * B, H))
    grad_b = grad_a.sum(0)
    grad_w_ih = grad_a.t().mm(x.reshape(T * B, n_features))
    grad_x = grad_a.mm(w_ih).view(T, B, n_features) if need_x else None
    return grad_x, grad_w_ih, grad_w_hh, grad_b, grad_b.clone()


def _elman_backward_recurrence(grad_h, out, w_hh, batch_sizes, relu):
    # grad_h[t] becomes the gradient of step t's pre-activation.
    k = (out > 0).to(out.dtype) if relu else torch.addcmul(out.new_ones(()), out, out, value=-1.0)
    if batch_sizes is None:
        DH, K = grad_h.unbind(), k.unbind()
        for t in range(len(DH) - 1, 0, -1):
            DH[t - 1].addmm_(DH[t].mul_(K[t]), w_hh)
        DH[0].mul_(K[0])
        return
    for t in range(out.shape[0] - 1, -1, -1):
        bs = batch_sizes[t]
        grad_t = grad_h[t, :bs].mul_(k[t, :bs])
        if t:
            grad_h[t - 1, :bs].addmm_(grad_t, w_hh)


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


# -- the layers -------------------------------------------------------------------------


class _RecurrentLayers(nn.RNNBase):
    """Stacked GRU or Elman layers; parameters and initialization as in ``torch.nn``."""

    def forward(self, input, lengths=None):
        """Run the layers over a padded batch.

        Parameters
        ----------
        input : torch.Tensor of shape (batch, time, input_size)
            The sequences, padded at the end; ``(time, batch, input_size)``
            when ``batch_first=False``.
        lengths : torch.Tensor or sequence of int, shape (batch,), optional
            Valid steps of each sequence, between 1 and ``time``; None means
            every step is valid. Values past a sequence's length are ignored.

        Returns
        -------
        output : torch.Tensor of shape (batch, time, hidden_size * num_directions)
            The hidden state of the last layer at every step, as
            ``torch.nn.GRU`` (or ``torch.nn.RNN``) returns it for the packed
            sequence; zero at padded steps. The backward direction starts at
            each sequence's last valid step. ``(time, batch, ...)`` when
            ``batch_first=False``.

        Raises
        ------
        ValueError
            If ``input`` is not 3-D, has the wrong number of features, or
            ``lengths`` has the wrong shape or values outside ``[1, time]``.
        """
        if input.dim() != 3:
            raise ValueError(f"input must be 3-D (batch, time, features); got shape {tuple(input.shape)}.")
        x = input.transpose(0, 1) if self.batch_first else input
        T, B, n_features = x.shape
        if n_features != self.input_size:
            raise ValueError(f"input has {n_features} features per step; the layers expect {self.input_size}.")
        if lengths is not None:
            lengths = _check_lengths(lengths, B, T)
        if x.device.type != "cpu":
            return self._torch_forward(input, lengths)
        batch_sizes = valid = order = None
        steps = T
        if lengths is not None:
            sorted_lengths, order = torch.sort(lengths, descending=True, stable=True)
            steps = int(sorted_lengths[0])
            if torch.equal(order, torch.arange(B)):
                order = None
            x = x[:steps] if order is None else x[:steps].index_select(1, order)
            if int(sorted_lengths[-1]) < steps:
                time_index = torch.arange(steps).unsqueeze(1)
                batch_sizes = (time_index < sorted_lengths).sum(1).tolist()
                valid = (time_index < sorted_lengths).unsqueeze(2)
                x = x.masked_fill(~valid, 0.0)
                reverse_index = torch.where(time_index < sorted_lengths, sorted_lengths - 1 - time_index, time_index)
                reverse_index = reverse_index.unsqueeze(2)
        x = x.contiguous()

        def reverse(tensor):
            if valid is None:
                return tensor.flip(0)
            return tensor.gather(0, reverse_index.expand(-1, -1, tensor.shape[2]))

        flat_weights = current_flat_weights(self)
        record = torch.is_grad_enabled() and (x.requires_grad or any(p.requires_grad for p in flat_weights))
        n_directions = 2 if self.bidirectional else 1
        if not record and lengths is None and self._kernel_is_faster(T, B * self.hidden_size * n_directions):
            return self._kernel_forward(input, flat_weights, B)
        per_direction = 4 if self.bias else 2
        for layer in range(self.num_layers):
            outputs = []
            for direction in range(n_directions):
                first = (layer * n_directions + direction) * per_direction
                weights = flat_weights[first : first + per_direction]
                if not self.bias:
                    zeros = weights[0].new_zeros(weights[0].shape[0])
                    weights = [*weights, zeros, zeros]
                x_dir = x if direction == 0 else reverse(x)
                out = self._direction(x_dir, weights, batch_sizes, valid, record)
                outputs.append(out if direction == 0 else reverse(out))
            x = outputs[0] if n_directions == 1 else torch.cat(outputs, 2)
            if self.dropout and self.training and layer < self.num_layers - 1:
                x = F.dropout(x, self.dropout, training=True)
        if order is not None:
            x = x.index_select(1, torch.argsort(order))
        if steps < T:
            x = F.pad(x, (0, 0, 0, 0, 0, T - steps))
        return x.transpose(0, 1) if self.batch_first else x

    def _kernel_is_faster(self, n_steps, width):
        """Whether torch's own CPU kernel beats the layers' recurrence for an
        inference call of ``n_steps`` steps and ``width`` values per step."""
        return False

    def _kernel_forward(self, input, flat_weights, batch):
        """The output of torch's own kernel for complete sequences, without
        ``torch.nn.RNNBase.forward``'s per-call checks."""
        kernel = _VF.gru if self.mode == "GRU" else (_VF.rnn_tanh if self.nonlinearity == "tanh" else _VF.rnn_relu)
        n_states = self.num_layers * (2 if self.bidirectional else 1)
        zeros = input.new_zeros((n_states, batch, self.hidden_size))
        args = (self.bias, self.num_layers, self.dropout, self.training, self.bidirectional, self.batch_first)
        return kernel(input, zeros, flat_weights, *args)[0]

    def to_torch(self):
        """The equivalent ``torch.nn.GRU`` / ``torch.nn.RNN``, with a copy of the parameters.

        Useful where torch's own interface is wanted (packed sequences, the
        final hidden state ``h_n``, export); ``batch_first`` is kept.
        """
        kwargs = {} if self.mode == "GRU" else {"nonlinearity": self.nonlinearity}
        torch_class = nn.GRU if self.mode == "GRU" else nn.RNN
        first = self._flat_weights[0]
        module = torch_class(
            self.input_size,
            self.hidden_size,
            num_layers=self.num_layers,
            bias=self.bias,
            batch_first=self.batch_first,
            dropout=self.dropout,
            bidirectional=self.bidirectional,
            device=first.device,
            dtype=first.dtype,
            **kwargs,
        )
        module.load_state_dict(self.state_dict())
        module.train(self.training)
        return module

    def _torch_forward(self, input, lengths):
        """The same through torch's own kernels (cuDNN on CUDA), for other devices than the CPU."""
        torch_forward = nn.GRU.forward if self.mode == "GRU" else nn.RNN.forward
        if lengths is None:
            return torch_forward(self, input)[0]
        packed = pack_padded_sequence(input, lengths, batch_first=self.batch_first, enforce_sorted=False)
        output = torch_forward(self, packed)[0]
        return pad_packed_sequence(
            output, batch_first=self.batch_first, total_length=input.shape[1 if self.batch_first else 0]
        )[0]


class GRULayers(_RecurrentLayers):
    """Stacked GRU layers that train fast on the CPU.

    The same function, parameters (names, shapes, initialization) and
    inter-layer dropout as :class:`torch.nn.GRU`, so that state dicts load
    both ways; only ``forward`` differs: it takes the padded batch and the
    sequence lengths and returns the output at every step. The backward pass
    is hand-written (module docstring), about twice as fast as
    ``torch.nn.GRU``'s on the CPU.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, dropout, bidirectional, device, dtype :
        As in :class:`torch.nn.GRU`.
    batch_first : bool, default=True
        Whether ``forward`` takes and returns ``(batch, time, ...)``
        tensors (the default here, unlike ``torch.nn.GRU``) or
        ``(time, batch, ...)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_rnn._cells import GRULayers
    >>> torch.manual_seed(0)  # doctest: +ELLIPSIS
    <torch._C.Generator object at ...>
    >>> layers = GRULayers(3, 8)
    >>> reference = torch.nn.GRU(3, 8, batch_first=True)
    >>> _ = reference.load_state_dict(layers.state_dict())
    >>> X = torch.randn(4, 5, 3)
    >>> output = layers(X, lengths=torch.tensor([5, 2, 4, 1]))
    >>> output.shape
    torch.Size([4, 5, 8])
    >>> torch.allclose(layers(X), reference(X)[0], atol=1e-6)
    True
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        bias=True,
        batch_first=True,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        super().__init__(
            "GRU",
            input_size,
            hidden_size,
            num_layers=num_layers,
            bias=bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
            device=device,
            dtype=dtype,
        )

    def _direction(self, x, weights, batch_sizes, valid, record):
        if record:
            return _GRUDirection.apply(x, *weights, batch_sizes, valid)
        return _gru_inference(x, *weights, batch_sizes)

    def _kernel_is_faster(self, n_steps, width):
        # Torch's loop runs in C++; the layers' Python steps and the views of
        # their buffers cost more on a few steps of a small batch: torch's
        # kernel took 0.66 to 1.00 of their time at up to 12 steps for up to
        # 1,024 values per step (hidden sizes 10 to 64, one sequence or 64 of
        # hidden size 10), 0.89 to 1.35 beyond, below 1 only at 4 or 8 steps
        # (benchmarks/cell_speed.py --short-inference).
        return n_steps <= _KERNEL_STEPS and width <= _KERNEL_WIDTH


class RNNLayers(_RecurrentLayers):
    """Stacked Elman RNN layers that train fast on the CPU.

    The same function, parameters (names, shapes, initialization) and
    inter-layer dropout as :class:`torch.nn.RNN`, so that state dicts load
    both ways; only ``forward`` differs: it takes the padded batch and the
    sequence lengths and returns the output at every step.

    Parameters
    ----------
    input_size, hidden_size, num_layers, bias, dropout, bidirectional, device, dtype :
        As in :class:`torch.nn.RNN`.
    nonlinearity : {"tanh", "relu"}, default="tanh"
        As in :class:`torch.nn.RNN`.
    batch_first : bool, default=True
        Whether ``forward`` takes and returns ``(batch, time, ...)``
        tensors (the default here, unlike ``torch.nn.RNN``) or
        ``(time, batch, ...)``.

    Examples
    --------
    >>> import torch
    >>> from sklearn_rnn._cells import RNNLayers
    >>> layers = RNNLayers(3, 8, num_layers=2, bidirectional=True)
    >>> layers(torch.randn(4, 5, 3), lengths=torch.tensor([5, 2, 4, 1])).shape
    torch.Size([4, 5, 16])
    """

    def __init__(
        self,
        input_size,
        hidden_size,
        num_layers=1,
        nonlinearity="tanh",
        bias=True,
        batch_first=True,
        dropout=0.0,
        bidirectional=False,
        device=None,
        dtype=None,
    ):
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"nonlinearity={nonlinearity!r} is not valid: use 'tanh' or 'relu'.")
        self.nonlinearity = nonlinearity
        super().__init__(
            "RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU",
            input_size,
            hidden_size,
            num_layers=num_layers,
            bias=bias,
            batch_first=batch_first,
            dropout=dropout,
            bidirectional=bidirectional,
            device=device,
            dtype=dtype,
        )

    def _direction(self, x, weights, batch_sizes, valid, record):
        relu = self.nonlinearity == "relu"
        if record:
            return _ElmanDirection.apply(x, *weights, batch_sizes, valid, relu)
        return _elman_forward(x, *weights, batch_sizes, relu, valid)


class LSTMLayers(nn.LSTM):
    """:class:`torch.nn.LSTM` with a leaner call for a whole batch.

    The same class in all but ``forward``: parameters, state dicts, kernels
    (oneDNN's fused LSTM on the CPU, cuDNN on CUDA) and results. A call on
    a 3-D tensor without an initial state goes straight to the kernel:
    ``torch.nn.LSTM.forward`` spends about 20 microseconds per call on
    argument checks and on looking up its weights again, a fifth of the
    layer's time on one short sequence, as a service predicts. Every other
    call (packed sequences, an initial state, an unbatched input, a
    projection, another dtype or width than the weights') is
    ``torch.nn.LSTM``'s own. TorchScript cannot script this ``forward``
    (:func:`torch.jit.trace` works), as it cannot script the package's
    network either.
    """

    def forward(self, input, hx=None):
        """As :meth:`torch.nn.LSTM.forward`: ``(output, (h_n, c_n))``."""
        flat_weights = current_flat_weights(self)
        if (
            hx is not None
            or type(input) is not torch.Tensor
            or input.dim() != 3
            or self.proj_size
            or input.dtype != flat_weights[0].dtype
            or input.shape[2] != self.input_size
        ):
            return super().forward(input, hx)
        n_states = self.num_layers * (2 if self.bidirectional else 1)
        batch = input.shape[0] if self.batch_first else input.shape[1]
        # the kernel only reads the initial state, so h_0 and c_0 can share it
        zeros = input.new_zeros((n_states, batch, self.hidden_size))
        output, h_n, c_n = _VF.lstm(
            input,
            (zeros, zeros),
            flat_weights,
            self.bias,
            self.num_layers,
            self.dropout,
            self.training,
            self.bidirectional,
            self.batch_first,
        )
        return output, (h_n, c_n)


def _check_lengths(lengths, batch_size, n_steps):
    """``lengths`` as a 1-D int64 CPU tensor, checked against the batch."""
    lengths = torch.as_tensor(lengths).to("cpu")
    if lengths.dim() != 1 or lengths.shape[0] != batch_size:
        raise ValueError(f"lengths must have shape ({batch_size},), one per sequence; got {tuple(lengths.shape)}.")
    if lengths.dtype.is_floating_point or lengths.dtype.is_complex or lengths.dtype == torch.bool:
        raise ValueError(f"lengths must be integers; got dtype {lengths.dtype}.")
    lengths = lengths.to(torch.int64)
    if batch_size and (int(lengths.min()) < 1 or int(lengths.max()) > n_steps):
        raise ValueError(
            f"lengths must be between 1 and the number of steps ({n_steps}); "
            f"got values from {int(lengths.min())} to {int(lengths.max())}."
        )
    return lengths
