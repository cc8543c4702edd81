"""The PyTorch network behind every estimator.

This module knows nothing about scikit-learn: it is a plain
:class:`torch.nn.Module` that reads a (padded) batch of sequences, runs an
Elman RNN, LSTM or GRU over it, summarizes the sequence of hidden states and
maps the summary through a linear head.
"""

import torch
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from ._cells import GRULayers, LSTMLayers, RNNLayers
from ._summary import FoldedHead, summarize

# The LSTM runs on PyTorch's fused oneDNN kernel (called without nn.LSTM's
# per-call checks); the GRU and the Elman RNN on layers with a hand-written
# backward pass (same function and parameters as nn.GRU / nn.RNN), which
# PyTorch's step-by-step CPU kernels train about twice as slowly.
CELLS = {"rnn": RNNLayers, "lstm": LSTMLayers, "gru": GRULayers}
_TORCH_FORWARD = {"rnn": nn.RNN.forward, "lstm": nn.LSTM.forward, "gru": nn.GRU.forward}
SUMMARIES = ("last", "mean", "max")


def parse_summary(summary):
    """Split a summary specification such as ``"last+mean+max"`` into parts.

    Returns a tuple of unique parts in the canonical order ``last, mean, max``.
    Raises ``ValueError`` for unknown or empty parts.
    """
    parts = [part.strip() for part in str(summary).split("+")]
    unknown = [part for part in parts if part not in SUMMARIES]
    if unknown or not parts:
        raise ValueError(
            f"summary={summary!r} is not valid: use 'last', 'mean', 'max' or a "
            "'+'-joined combination of them such as 'last+mean+max'."
        )
    return tuple(part for part in SUMMARIES if part in parts)


class RecurrentNetwork(nn.Module):
    """Recurrent layers, a sequence summary and a linear head.

    Parameters
    ----------
    cell : {"rnn", "lstm", "gru"}
        Recurrent cell.
    input_size : int
        Features per time step.
    output_size : int
        Width of the linear head (outputs per sequence).
    hidden_size, num_layers, bidirectional, dropout :
        As in :class:`torch.nn.LSTM`; ``dropout`` is also applied to the
        summary before the head.
    summary : tuple of str
        Which summaries of the hidden states feed the head: any of ``"last"``
        (the last valid step, and for bidirectional models the backward
        direction's state at the first step), ``"mean"`` and ``"max"`` over
        the valid steps. They are concatenated.
    nonlinearity : str
        Elman RNN nonlinearity (``"tanh"`` or ``"relu"``); ignored otherwise.
    input_mean, input_scale : array-like of shape (input_size,) or None
        Per-feature statistics of the training inputs, kept as float64
        buffers so that the network and its preprocessing travel together
        (``state_dict``, pickling). ``forward`` expects inputs already
        standardized with them: the data layer does it in float64 before
        the float32 cast (see :func:`sklearn_rnn._data.standardize`), since
        a float32 cast first would erase small variations on a large offset.
        None means zero mean and unit scale.
    downsample : int
        Average every ``downsample`` consecutive steps into one before the
        recurrent layers (non-overlapping windows; the last window of a
        sequence may be shorter), so that a long sequence becomes
        ``ceil(n_timesteps / downsample)`` steps. 1 keeps every step.
    truncated_bptt_steps : int or None
        In training, backpropagate through the last ``truncated_bptt_steps``
        steps only: the steps before them run without a computation graph,
        and their final state starts the last steps. Memory for the backward
        pass then grows with this number instead of the sequence length.
        Applies to batches of complete (equal-length) sequences of a
        unidirectional network; None backpropagates through every step.
    future_steps : int
        The last ``future_steps`` steps of every sequence hold inputs known
        for the periods being forecast (known-future covariates), one step
        per output group: output ``o`` belongs to future step ``o %
        future_steps`` (``output_size`` is a multiple of ``future_steps``).
        The recurrent layers then read the steps before them only, and a
        small decoder shared by the future steps (the "local MLP" of MQ-RNN,
        Wen et al. 2017) adds to each output of the linear head a term
        computed from the sequence summary and the inputs of its own future
        step. Needs complete (equal-length) sequences. 0: no such steps.
    """

    def __init__(
        self,
        cell,
        input_size,
        output_size,
        hidden_size=64,
        num_layers=1,
        bidirectional=False,
        dropout=0.0,
        summary=("last",),
        nonlinearity="tanh",
        input_mean=None,
        input_scale=None,
        downsample=1,
        truncated_bptt_steps=None,
        future_steps=0,
    ):
        super().__init__()
        self.cell = cell
        self.downsample = int(downsample)
        self.truncated_bptt_steps = truncated_bptt_steps
        kwargs = {"nonlinearity": nonlinearity} if cell == "rnn" else {}
        self.rnn = CELLS[cell](
            input_size=input_size,
            hidden_size=hidden_size,
            num_layers=num_layers,
            batch_first=True,
            bidirectional=bidirectional,
            dropout=dropout if num_layers > 1 else 0.0,
            **kwargs,
        )
        self.summary = tuple(summary)
        self.bidirectional = bidirectional
        self.hidden_size = hidden_size
        n_directions = 2 if bidirectional else 1
        self.dropout = nn.Dropout(dropout) if dropout > 0 else nn.Identity()
        self.head = nn.Linear(hidden_size * n_directions * len(self.summary), output_size)
        mean = torch.zeros(input_size, dtype=torch.float64) if input_mean is None else torch.as_tensor(input_mean)
        scale = torch.ones(input_size, dtype=torch.float64) if input_scale is None else torch.as_tensor(input_scale)
        self.register_buffer("input_mean", mean.to(torch.float64).reshape(input_size).clone())
        self.register_buffer("input_scale", scale.to(torch.float64).reshape(input_size).clone())
        self.future_steps = int(future_steps)
        if self.future_steps:
            self.decoder = _LocalDecoder(
                summary_size=hidden_size * n_directions * len(self.summary),
                input_size=input_size,
                n_groups=output_size // self.future_steps,
                hidden_size=hidden_size,
            )

    def forward(self, X, lengths=None):
        """Map a batch ``(batch, time, features)`` to ``(batch, output_size)``.

        ``X`` holds standardized inputs (see ``input_mean``); ``lengths``
        (int64, on the CPU or the device) gives each sequence's number of
        valid steps; ``None`` means every step is valid.
        """
        if self.future_steps:
            return self._forward_future(X, lengths)
        if lengths is None and not self.dropout.training and not self.training and torch.is_inference_mode_enabled():
            # predict's path: no dropout, and no gradients to keep
            if self.downsample > 1:
                X, _ = self._pool(X, None)
            return self._inference_head(self._run(X))
        return self.head(self._dropout(self._summarize(X, lengths)))

    def _inference_head(self, output):
        """The head over the summary of complete sequences' ``output``, folded
        where that pays (see :class:`FoldedHead`); the folding of the last
        sequence length is kept for the next call (not pickled:
        :meth:`__getstate__`; dropped by :meth:`_apply`)."""
        head = self._modules["head"]
        if not FoldedHead.pays(head, self.summary, output):
            return head(summarize(output, self.summary, self.hidden_size, self.bidirectional))
        folded = self.__dict__.get("_folded_head")
        n_steps = output.shape[1]
        if folded is None or not folded.current(head, n_steps):
            folded = FoldedHead(head, self.summary, n_steps, self.hidden_size, self.bidirectional)
            self.__dict__["_folded_head"] = folded
        return folded(output)

    def __getstate__(self):
        # the inference caches (the folded head, the copy for raw inputs) are rebuilt on demand
        state = super().__getstate__()
        state.pop("_folded_head", None)
        state.pop("_input_fold", None)
        return state

    def _apply(self, fn, *args, **kwargs):
        # Module.to, .double(), .cuda(): the foldings' copies belong to the old
        # device or dtype; not kept alive until the next prediction notices
        self.__dict__.pop("_folded_head", None)
        self.__dict__.pop("_input_fold", None)
        return super()._apply(fn, *args, **kwargs)

    def _dropout(self, summary):
        """``self.dropout`` in training; nothing to call in eval mode, where dropout is the identity."""
        return self.dropout(summary) if self.dropout.training else summary

    def _forward_future(self, X, lengths):
        """``forward`` for complete sequences whose last ``future_steps`` steps are future inputs."""
        if lengths is not None or X.shape[1] <= self.future_steps:
            raise ValueError(
                f"This network reads the last future_steps={self.future_steps} steps of each sequence as future "
                f"inputs: it needs sequences of one length, longer than that; got {X.shape[1]} steps"
                + (" of different lengths." if lengths is not None else ".")
            )
        past, future = X[:, : -self.future_steps], X[:, -self.future_steps :]
        summary = self._dropout(self._summarize(past))
        return self.head(summary) + self.decoder(summary, future)

    def _summarize(self, X, lengths=None):
        """The summary ``(batch, summary_size)`` of the hidden states over each sequence's valid steps."""
        if self.downsample > 1:
            X, lengths = self._pool(X, lengths)
        if lengths is None:
            return summarize(self._run(X), self.summary, self.hidden_size, self.bidirectional)
        cpu_lengths = lengths.to("cpu")
        if self.cell == "lstm":
            packed = pack_padded_sequence(X, cpu_lengths, batch_first=True, enforce_sorted=False)
            output, _ = self.rnn(packed)
            output, _ = pad_packed_sequence(output, batch_first=True, total_length=X.shape[1])
        else:
            output = self.rnn(X, cpu_lengths)
        lengths = lengths.to(output.device)
        steps = torch.arange(X.shape[1], device=output.device)
        mask = (steps[None, :] < lengths[:, None]).unsqueeze(-1)
        parts = []
        for kind in self.summary:
            if kind == "last":
                parts.append(self._last(output, lengths))
            elif kind == "mean":
                total = output.masked_fill(~mask, 0.0).sum(dim=1)
                parts.append(total / lengths[:, None].to(output.dtype))
            else:
                parts.append(output.masked_fill(~mask, float("-inf")).amax(dim=1))
        return parts[0] if len(parts) == 1 else torch.cat(parts, dim=1)

    def _run(self, X):
        """The recurrent layers over complete sequences, truncating
        backpropagation in training when asked to."""
        k = self.truncated_bptt_steps
        if k is None or not (self.training and torch.is_grad_enabled()) or X.shape[1] <= k:
            return self.rnn(X) if self.cell != "lstm" else self.rnn(X)[0]
        # PyTorch's own kernels carry the state across the cut.
        forward = _TORCH_FORWARD[self.cell]
        cut = X.shape[1] - k
        with torch.no_grad():
            head, state = forward(self.rnn, X[:, :cut])
        tail, _ = forward(self.rnn, X[:, cut:], state)
        return torch.cat([head, tail], dim=1)

    def _pool(self, X, lengths):
        """Mean of each window of ``downsample`` steps (valid steps only)."""
        k = self.downsample
        n, steps, features = X.shape
        windows = -(-steps // k)
        pad = windows * k - steps
        valid = torch.ones(n, steps, 1, dtype=X.dtype, device=X.device)
        if lengths is not None:
            positions = torch.arange(steps, device=X.device)
            valid = (positions[None, :] < lengths.to(X.device)[:, None]).unsqueeze(-1).to(X.dtype)
        if pad:
            X = torch.nn.functional.pad(X, (0, 0, 0, pad))
            valid = torch.nn.functional.pad(valid, (0, 0, 0, pad))
        total = (X * valid).view(n, windows, k, features).sum(dim=2)
        count = valid.view(n, windows, k, 1).sum(dim=2).clamp_min(1.0)
        if lengths is not None:
            lengths = torch.div(lengths + (k - 1), k, rounding_mode="floor")
        return total / count, lengths

    @property
    def standardizes(self):
        """Whether the input statistics differ from zero mean and unit scale."""
        return bool((self.input_mean != 0).any() or (self.input_scale != 1).any())

    def _last(self, output, lengths):
        """The last valid forward state (and first backward state) of sequences of ``lengths`` steps."""
        h = self.hidden_size
        index = (lengths - 1).view(-1, 1, 1).expand(-1, 1, h)
        forward = output[:, :, :h].gather(1, index).squeeze(1)
        if not self.bidirectional:
            return forward
        return torch.cat([forward, output[:, 0, h:]], dim=1)


class _LocalDecoder(nn.Module):
    """One term per output from the sequence summary and the inputs of the output's future step.

    A two-layer perceptron shared by the future steps (MQ-RNN's local MLP,
    Wen et al. 2017, arXiv:1711.11053) reads, for future step ``k``, a
    projection of the summary (the context) and the step's inputs, and
    gives the ``n_groups`` outputs of that step. Its last layer starts at
    zero, so that training starts from the linear head alone.
    """

    def __init__(self, summary_size, input_size, n_groups, hidden_size):
        super().__init__()
        self.context = nn.Linear(summary_size, hidden_size)
        self.inputs = nn.Linear(input_size, hidden_size, bias=False)
        self.out = nn.Linear(hidden_size, n_groups)
        nn.init.zeros_(self.out.weight)
        nn.init.zeros_(self.out.bias)

    def forward(self, summary, future):
        """``summary`` ``(batch, summary_size)``, ``future`` ``(batch, steps, input_size)``
        to ``(batch, n_groups * steps)``, group by group."""
        hidden = torch.relu(self.context(summary)[:, None, :] + self.inputs(future))
        return self.out(hidden).transpose(1, 2).reshape(len(summary), -1)
