"""The PyTorch network on its own: summaries, packing and padding invariance."""

import warnings

import numpy as np
import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn._module import _TORCH_FORWARD, RecurrentNetwork, parse_summary

CELLS = ["rnn", "lstm", "gru"]
SUMMARIES = ["last", "mean", "max", "last+mean+max"]
# float32: the same sequence alone or in a padded batch may be summed in another order.
TOL = {"rtol": 1e-5, "atol": 1e-6}


def _network(cell, summary="last+mean+max", bidirectional=False, num_layers=1, n_features=3, seed=0):
    torch.manual_seed(seed)
    net = RecurrentNetwork(
        cell,
        input_size=n_features,
        output_size=2,
        hidden_size=8,
        num_layers=num_layers,
        bidirectional=bidirectional,
        summary=parse_summary(summary),
    )
    return net.eval()


def _sequences(n_features=3, lengths=(7, 1, 12, 4, 9), seed=0):
    rng = np.random.RandomState(seed)
    return [rng.randn(length, n_features).astype(np.float32) for length in lengths]


def _padded(sequences, fill=0.0, extra=0):
    lengths = torch.tensor([len(s) for s in sequences])
    X = torch.full((len(sequences), int(lengths.max()) + extra, sequences[0].shape[1]), fill)
    for i, s in enumerate(sequences):
        X[i, : len(s)] = torch.from_numpy(s)
    return X, lengths


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("last", ("last",)),
        ("mean", ("mean",)),
        ("max+last", ("last", "max")),
        (" mean + max ", ("mean", "max")),
        ("last+last+mean", ("last", "mean")),
        ("last+mean+max", ("last", "mean", "max")),
    ],
)
def test_parse_summary(spec, expected):
    assert parse_summary(spec) == expected


@pytest.mark.parametrize("spec", ["", "first", "last+", "last,mean", "Mean", None])
def test_parse_summary_rejects_unknown_parts(spec):
    with pytest.raises(ValueError, match="summary=.* is not valid"):
        parse_summary(spec)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("summary", SUMMARIES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_output_shape_and_head_width(cell, summary, bidirectional):
    net = _network(cell, summary, bidirectional)
    parts = len(parse_summary(summary))
    assert net.head.in_features == 8 * (2 if bidirectional else 1) * parts
    X, lengths = _padded(_sequences())
    assert net(X, lengths).shape == (5, 2)
    assert net(X).shape == (5, 2)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("summary", SUMMARIES)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_padding_and_batch_mates_do_not_change_the_output(cell, summary, bidirectional):
    """Each sequence alone (no padding, no lengths) gives the output it gets in a
    padded batch with other sequences, whatever the padding holds."""
    net = _network(cell, summary, bidirectional, num_layers=2)
    sequences = _sequences()
    with torch.no_grad():
        alone = torch.cat([net(torch.from_numpy(s)[None]) for s in sequences]).numpy()
        X, lengths = _padded(sequences)
        batched = net(X, lengths).numpy()
        X_junk, _ = _padded(sequences, fill=1e6, extra=5)
        junk = net(X_junk, lengths).numpy()
        reordered = net(*_padded(sequences[::-1]))[torch.arange(4, -1, -1)].numpy()
    np.testing.assert_allclose(batched, alone, **TOL)
    np.testing.assert_allclose(junk, alone, **TOL)
    np.testing.assert_allclose(reordered, alone, **TOL)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_an_empty_batch_gives_an_empty_output(cell, bidirectional):
    """In training (with a backward pass), without gradients and in inference mode."""
    net = _network(cell, bidirectional=bidirectional, num_layers=2).train()
    X = torch.randn(0, 5, 3)
    out = net(X)
    out.sum().backward()
    assert out.shape == (0, 2)
    net.eval()
    with torch.no_grad():
        assert net(X).shape == (0, 2)
    with torch.inference_mode():
        assert net(X).shape == (0, 2)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
def test_last_summary_is_the_final_state_of_each_direction(cell, num_layers):
    """ "last" is the forward state at the last valid step and, for a
    bidirectional model, the backward state after it has read back to the
    first step: exactly the final hidden states ``h_n`` of the packed run."""
    net = _network(cell, "last", bidirectional=True, num_layers=num_layers)
    X, lengths = _padded(_sequences())
    with torch.no_grad():
        packed = pack_padded_sequence(X, lengths, batch_first=True, enforce_sorted=False)
        # PyTorch's own kernel (the GRU and RNN layers share nn.GRU's and nn.RNN's parameters)
        output, h_n = _TORCH_FORWARD[cell](net.rnn, packed)
        if cell == "lstm":
            h_n = h_n[0]
        expected = torch.cat([h_n[-2], h_n[-1]], dim=1)

        padded_output, _ = pad_packed_sequence(output, batch_first=True)
        got = net._last(padded_output, lengths)
    np.testing.assert_allclose(got.numpy(), expected.numpy(), **TOL)


@pytest.mark.parametrize("cell", CELLS)
def test_bidirectional_last_summary_depends_on_the_first_step(cell):
    """Changing only the first step moves the backward half of "last" even
    when the sequence sits in a padded batch."""
    net = _network(cell, "last", bidirectional=True)
    sequences = _sequences()
    changed = [s.copy() for s in sequences]
    changed[2][0] += 3.0
    with torch.no_grad():
        X, lengths = _padded(sequences)
        X2, _ = _padded(changed)
        out1, _ = _TORCH_FORWARD[cell](
            net.rnn, pack_padded_sequence(X, lengths, batch_first=True, enforce_sorted=False)
        )
        out2, _ = _TORCH_FORWARD[cell](
            net.rnn, pack_padded_sequence(X2, lengths, batch_first=True, enforce_sorted=False)
        )

        last1 = net._last(pad_packed_sequence(out1, batch_first=True)[0], lengths)
        last2 = net._last(pad_packed_sequence(out2, batch_first=True)[0], lengths)
    backward = slice(8, 16)
    assert np.abs((last1 - last2)[2, backward].numpy()).max() > 1e-3
    # the other sequences of the batch are untouched
    np.testing.assert_allclose(np.delete(last1.numpy(), 2, axis=0), np.delete(last2.numpy(), 2, axis=0), **TOL)


@pytest.mark.parametrize("cell", CELLS)
def test_mean_and_max_are_over_valid_steps_only(cell):
    net = _network(cell, "mean+max")
    sequences = _sequences()
    X, lengths = _padded(sequences, fill=-1e6)
    captured = {}
    net.head.register_forward_hook(lambda module, args, out: captured.update(summary=args[0]))
    with torch.no_grad():
        net(X, lengths)
        for i, s in enumerate(sequences):
            states, _ = _TORCH_FORWARD[cell](net.rnn, torch.from_numpy(s)[None])
            expected = torch.cat([states.mean(dim=1), states.amax(dim=1)], dim=1)[0]
            np.testing.assert_allclose(captured["summary"][i].numpy(), expected.numpy(), **TOL)


def test_input_statistics_travel_with_the_network_in_float64():
    net = RecurrentNetwork("gru", 3, 2, hidden_size=4, input_mean=[1e9, 0.0, -5.0], input_scale=[2.0, 1.0, 0.5])
    assert net.input_mean.dtype == torch.float64 and net.input_scale.dtype == torch.float64
    assert net.input_mean[0].item() == 1e9  # float32 would round it
    assert net.standardizes
    assert {"input_mean", "input_scale"} <= set(net.state_dict())
    plain = RecurrentNetwork("gru", 3, 2, hidden_size=4)
    assert not plain.standardizes
    torch.testing.assert_close(plain.input_scale, torch.ones(3, dtype=torch.float64))


def test_dropout_applies_in_training_only():
    torch.manual_seed(0)
    net = RecurrentNetwork("lstm", 2, 3, hidden_size=16, num_layers=2, dropout=0.5, summary=("last", "mean"))
    X = torch.randn(8, 5, 2)
    assert net.rnn.dropout == 0.5
    net.train()
    assert not torch.allclose(net(X), net(X))
    net.eval()
    torch.testing.assert_close(net(X), net(X))
    single = RecurrentNetwork("lstm", 2, 3, num_layers=1, dropout=0.5)
    assert single.rnn.dropout == 0.0  # PyTorch warns on dropout with one layer


def test_gradient_does_not_reach_padding():
    net = _network("gru", "last+mean+max", bidirectional=True)
    X, lengths = _padded(_sequences())
    X.requires_grad_(True)
    net(X, lengths).sum().backward()
    steps = torch.arange(X.shape[1])
    padding = steps[None, :] >= lengths[:, None]
    assert padding.any()
    assert torch.all(X.grad[padding] == 0)
    assert torch.all(X.grad[~padding].abs().sum(dim=-1) > 0)


@pytest.mark.parametrize("cell", CELLS)
def test_downsample_averages_windows_of_steps(cell):
    torch.manual_seed(0)
    pooled = RecurrentNetwork(cell, 3, 2, hidden_size=8, summary=("last", "mean"), downsample=3).eval()
    plain = RecurrentNetwork(cell, 3, 2, hidden_size=8, summary=("last", "mean")).eval()
    plain.load_state_dict(pooled.state_dict())
    X = torch.randn(4, 10, 3)  # 10 steps: windows of 3, 3, 3 and 1
    averaged = torch.stack([X[:, 0:3].mean(1), X[:, 3:6].mean(1), X[:, 6:9].mean(1), X[:, 9:10].mean(1)], dim=1)
    with torch.no_grad():
        torch.testing.assert_close(pooled(X), plain(averaged))


@pytest.mark.parametrize("cell", CELLS)
def test_downsample_of_variable_lengths_uses_valid_steps_only(cell):
    torch.manual_seed(0)
    net = RecurrentNetwork(cell, 3, 2, hidden_size=8, summary=("last", "mean", "max"), downsample=4).eval()
    sequences = _sequences()
    X, lengths = _padded(sequences, fill=123.0, extra=3)
    with torch.no_grad():
        batch = net(X, lengths)
        for i, s in enumerate(sequences):
            np.testing.assert_allclose(batch[i].numpy(), net(torch.from_numpy(s)[None]).numpy()[0], **TOL)


@pytest.mark.parametrize("cell", CELLS)
def test_truncated_bptt_keeps_the_output_and_cuts_the_gradient(cell):
    torch.manual_seed(0)
    net = RecurrentNetwork(cell, 2, 1, hidden_size=8, summary=("last", "mean", "max"), truncated_bptt_steps=4)
    full = RecurrentNetwork(cell, 2, 1, hidden_size=8, summary=("last", "mean", "max"))
    full.load_state_dict(net.state_dict())
    net.train()
    full.train()
    X = torch.randn(3, 12, 2, requires_grad=True)
    out = net(X)
    torch.testing.assert_close(out, full(X))
    out.sum().backward()
    assert torch.all(X.grad[:, :8] == 0)  # no gradient before the last 4 steps
    assert torch.all(X.grad[:, 8:].abs().sum(dim=-1) > 0)
    for parameter in net.parameters():
        assert parameter.grad is not None


def test_gradient_clipping_matches_torch():
    from sklearn_rnn._training import clip_gradient_norm

    torch.manual_seed(0)
    for scale, max_norm in ((10.0, 1.0), (0.01, 1.0), (3.0, 0.5)):
        a = RecurrentNetwork("lstm", 3, 2, hidden_size=8)
        b = RecurrentNetwork("lstm", 3, 2, hidden_size=8)
        b.load_state_dict(a.state_dict())
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            p.grad = scale * torch.randn_like(p)
            q.grad = p.grad.clone()
        clip_gradient_norm(a.parameters(), max_norm)
        torch.nn.utils.clip_grad_norm_(b.parameters(), max_norm)
        for p, q in zip(a.parameters(), b.parameters(), strict=True):
            torch.testing.assert_close(p.grad, q.grad)


@pytest.mark.parametrize("bad", [float("nan"), float("inf")])
def test_gradient_clipping_non_finite_as_torch(bad):
    # the coefficient read back to NumPy keeps torch's result for a NaN or
    # infinite norm (every gradient NaN, or scaled by 0), without warnings
    from sklearn_rnn._training import clip_gradient_norm

    torch.manual_seed(0)
    a = RecurrentNetwork("lstm", 3, 2, hidden_size=8)
    b = RecurrentNetwork("lstm", 3, 2, hidden_size=8)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        p.grad = torch.randn_like(p)
        q.grad = p.grad.clone()
    next(a.parameters()).grad[0] = bad
    next(b.parameters()).grad[0] = bad
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        clip_gradient_norm(a.parameters(), 1.0)
        clip_gradient_norm(a.parameters(), 1e38)
    torch.nn.utils.clip_grad_norm_(b.parameters(), 1.0)
    torch.nn.utils.clip_grad_norm_(b.parameters(), 1e38)
    for p, q in zip(a.parameters(), b.parameters(), strict=True):
        torch.testing.assert_close(p.grad, q.grad, equal_nan=True)


def _future_network(cell, future_steps=3, n_groups=2, bidirectional=False, downsample=1):
    torch.manual_seed(0)
    net = RecurrentNetwork(
        cell,
        input_size=3,
        output_size=n_groups * future_steps,
        hidden_size=8,
        bidirectional=bidirectional,
        summary=parse_summary("last+mean+max"),
        downsample=downsample,
        future_steps=future_steps,
    )
    torch.nn.init.normal_(net.decoder.out.weight)  # it starts at zero: make the decoder's term visible
    return net.eval()


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("bidirectional", [False, True])
def test_future_step_inputs_reach_their_own_outputs_only(cell, bidirectional):
    net = _future_network(cell, bidirectional=bidirectional)
    X = torch.randn(4, 10, 3)
    with torch.no_grad():
        base = net(X)
        assert base.shape == (4, 6)
        for k in range(3):  # future step k (sequence step 7 + k): outputs k and 3 + k (group by group)
            changed = X.clone()
            changed[:, 7 + k] += 1.0
            moved = (net(changed) - base).abs().amax(dim=0) > 1e-6
            np.testing.assert_array_equal(moved.numpy(), np.isin(np.arange(6), [k, 3 + k]))
        past = X.clone()
        past[:, 2] += 1.0  # a past step reaches every output, through the summary
        assert ((net(past) - base).abs().amax(dim=0) > 1e-6).all()


def test_future_steps_are_not_read_by_the_recurrent_layers():
    net = _future_network("lstm", downsample=2)
    X = torch.randn(4, 10, 3)
    with torch.no_grad():
        summary = net._summarize(X[:, :7])
        expected = net.head(summary) + net.decoder(summary, X[:, 7:])
        torch.testing.assert_close(net(X), expected)


def test_decoder_starts_at_zero_and_gets_gradients():
    torch.manual_seed(0)
    net = RecurrentNetwork("gru", input_size=3, output_size=4, hidden_size=8, future_steps=2)
    X = torch.randn(5, 6, 3)
    with torch.no_grad():
        summary = net._summarize(X[:, :4])
        torch.testing.assert_close(net(X), net.head(summary))
    net(X).sum().backward()
    assert net.decoder.out.weight.grad.abs().sum() > 0


@pytest.mark.parametrize("steps, lengths", [(10, torch.tensor([10, 8, 10, 10])), (3, None)])
def test_future_steps_need_complete_sequences_longer_than_them(steps, lengths):
    net = _future_network("lstm")
    with pytest.raises(ValueError, match="future_steps=3 steps of each sequence as future inputs"):
        net(torch.randn(4, steps, 3), lengths)
