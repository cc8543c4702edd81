"""The fast GRU, Elman and LSTM layers against torch.nn.GRU / torch.nn.RNN / torch.nn.LSTM."""

import pickle

import pytest
import torch
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence

from sklearn_rnn import _cells as cells
from sklearn_rnn._cells import GRULayers, LSTMLayers, RNNLayers

# (our class, torch's class, extra constructor arguments)
CELLS = {
    "gru": (GRULayers, torch.nn.GRU, {}),
    "rnn-tanh": (RNNLayers, torch.nn.RNN, {"nonlinearity": "tanh"}),
    "rnn-relu": (RNNLayers, torch.nn.RNN, {"nonlinearity": "relu"}),
}


def make_pair(cell, input_size, hidden_size, dtype=torch.float32, **kwargs):
    """Our layers and torch's, with identical parameters."""
    ours_class, torch_class, extra = CELLS[cell]
    ours = ours_class(input_size, hidden_size, dtype=dtype, **extra, **kwargs)
    reference = torch_class(input_size, hidden_size, batch_first=True, dtype=dtype, **extra, **kwargs)
    reference.load_state_dict(ours.state_dict())
    return ours, reference


def reference_output(reference, X, lengths):
    """torch's output for the padded batch, run as a packed sequence when lengths are given."""
    if lengths is None:
        return reference(X)[0]
    packed = pack_padded_sequence(X, lengths, batch_first=True, enforce_sorted=False)
    output, _ = reference(packed)
    return pad_packed_sequence(output, batch_first=True, total_length=X.shape[1])[0]


def assert_same_forward_and_gradients(ours, reference, X, lengths):
    X_ours = X.clone().requires_grad_()
    X_reference = X.clone().requires_grad_()
    output = ours(X_ours, lengths)
    expected = reference_output(reference, X_reference, lengths)
    torch.testing.assert_close(output, expected)
    grad_output = torch.randn_like(output)
    output.backward(grad_output)
    expected.backward(grad_output)
    torch.testing.assert_close(X_ours.grad, X_reference.grad)
    ours_grads = {name: p.grad for name, p in ours.named_parameters()}
    reference_grads = {name: p.grad for name, p in reference.named_parameters()}
    assert ours_grads.keys() == reference_grads.keys()
    for name, grad in reference_grads.items():
        torch.testing.assert_close(ours_grads[name], grad, msg=lambda m, name=name: f"{name}: {m}")


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("variable_lengths", [False, True])
def test_matches_torch(cell, num_layers, bidirectional, variable_lengths):
    torch.manual_seed(0)
    ours, reference = make_pair(cell, 3, 6, num_layers=num_layers, bidirectional=bidirectional)
    X = torch.randn(5, 7, 3)
    lengths = torch.tensor([7, 3, 5, 1, 7]) if variable_lengths else None
    assert_same_forward_and_gradients(ours, reference, X, lengths)


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize(("batch", "steps"), [(1, 6), (4, 1), (1, 1)])
def test_matches_torch_on_edge_shapes(cell, batch, steps):
    torch.manual_seed(1)
    ours, reference = make_pair(cell, 2, 4, bidirectional=True)
    X = torch.randn(batch, steps, 2)
    assert_same_forward_and_gradients(ours, reference, X, None)
    assert_same_forward_and_gradients(ours, reference, X, torch.full((batch,), steps))


@pytest.mark.parametrize("cell", CELLS)
def test_matches_torch_at_larger_sizes(cell):
    # Large enough for the matrix products to take their blocked paths.
    torch.manual_seed(2)
    ours, reference = make_pair(cell, 5, 40, num_layers=2)
    X = torch.randn(33, 12, 5)
    assert_same_forward_and_gradients(ours, reference, X, torch.randint(1, 13, (33,)))


@pytest.mark.parametrize("cell", CELLS)
def test_matches_torch_without_bias_and_time_major(cell):
    torch.manual_seed(3)
    ours, reference = make_pair(cell, 3, 5, bias=False)
    assert "bias_ih_l0" not in dict(ours.named_parameters())
    X = torch.randn(4, 6, 3)
    assert_same_forward_and_gradients(ours, reference, X, torch.tensor([2, 6, 1, 4]))
    ours.batch_first = False
    torch.testing.assert_close(ours(X.transpose(0, 1)).transpose(0, 1), reference(X)[0])


@pytest.mark.parametrize("cell", ["gru", "rnn-tanh"])
@pytest.mark.parametrize("lengths", [None, [3, 1, 2]])
def test_gradcheck_double(cell, lengths):
    torch.manual_seed(4)
    ours, _ = make_pair(cell, 2, 3, dtype=torch.float64, num_layers=2, bidirectional=True)
    X = torch.randn(3, 3, 2, dtype=torch.float64, requires_grad=True)
    lengths = None if lengths is None else torch.tensor(lengths)
    # gradcheck perturbs its inputs in place, the parameters included.
    assert torch.autograd.gradcheck(lambda X, *weights: ours(X, lengths), (X, *ours.parameters()), fast_mode=True)


@pytest.mark.parametrize("cell", CELLS)
def test_same_parameters_and_initialization_as_torch(cell):
    ours_class, torch_class, extra = CELLS[cell]
    torch.manual_seed(5)
    ours = ours_class(3, 4, num_layers=2, bidirectional=True, **extra)
    torch.manual_seed(5)
    reference = torch_class(3, 4, num_layers=2, bidirectional=True, **extra)
    assert list(ours.state_dict()) == list(reference.state_dict())
    for name, value in reference.state_dict().items():
        assert torch.equal(ours.state_dict()[name], value), name
    ours.load_state_dict(reference.state_dict())
    reference.load_state_dict(ours.state_dict())


@pytest.mark.parametrize("cell", CELLS)
def test_padding_is_ignored_and_zero(cell):
    torch.manual_seed(6)
    ours, _ = make_pair(cell, 2, 4, bidirectional=True)
    X = torch.randn(3, 5, 2)
    lengths = torch.tensor([5, 2, 3])
    padded = X.clone()
    for row, length in enumerate(lengths):
        padded[row, length:] = float("nan")
    padded.requires_grad_()
    output = ours(padded, lengths)
    torch.testing.assert_close(output, ours(X, lengths))
    for row, length in enumerate(lengths):
        assert torch.all(output[row, length:] == 0)
    output.sum().backward()
    assert all(torch.isfinite(p.grad).all() for p in ours.parameters())
    assert torch.all(padded.grad[0, :] != 0) and torch.all(padded.grad[1, 2:] == 0)


@pytest.mark.parametrize("cell", CELLS)
def test_shorter_batch_than_padding_and_order(cell):
    # No sequence uses the last steps, and the batch is unsorted.
    torch.manual_seed(7)
    ours, reference = make_pair(cell, 2, 4, bidirectional=True)
    X = torch.randn(4, 9, 2)
    assert_same_forward_and_gradients(ours, reference, X, torch.tensor([1, 3, 2, 3]))
    assert_same_forward_and_gradients(ours, reference, X, [4, 3, 3, 1])


@pytest.mark.parametrize("cell", CELLS)
@pytest.mark.parametrize("chunk_steps", [None, 1, 2])
def test_inference_matches_training_path(cell, chunk_steps, monkeypatch):
    # Inference runs the GRU over chunks of steps; force chunks of 1 and 2 steps,
    # and the layers' own recurrence where torch's kernel would run.
    monkeypatch.setattr(cells, "_KERNEL_STEPS", 0)
    if chunk_steps is not None:
        monkeypatch.setattr(cells, "_INFERENCE_CHUNK_ELEMENTS", chunk_steps * 3 * 4 * 4)
    torch.manual_seed(8)
    ours, _ = make_pair(cell, 2, 4, num_layers=2, bidirectional=True)
    X = torch.randn(3, 5, 2)
    for lengths in (None, torch.tensor([5, 2, 4])):
        with torch.inference_mode():
            inferred = ours(X, lengths)
        torch.testing.assert_close(inferred, ours(X, lengths).detach())


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [True, False])
def test_short_gru_inference_runs_torch_kernel(num_layers, bidirectional, batch_first):
    # Up to 12 steps of up to 1,024 values per step, inference runs torch's GRU kernel.
    torch.manual_seed(14)
    ours, reference = make_pair("gru", 3, 8, num_layers=num_layers, bidirectional=bidirectional)
    kernel_calls = []
    kernel_forward = ours._kernel_forward
    ours._kernel_forward = lambda *args: kernel_calls.append(args[2]) or kernel_forward(*args)
    ours.batch_first = batch_first
    width = 8 * (2 if bidirectional else 1)
    kernel_batch = cells._KERNEL_WIDTH // width
    assert kernel_batch > 1 and cells._KERNEL_STEPS == 12
    for batch, steps, lengths, kernel in [
        (5, 12, None, True),
        (kernel_batch, 3, None, True),
        (5, 13, None, False),
        (kernel_batch + 1, 3, None, False),
        (5, 6, torch.tensor([6, 2, 6, 1, 4]), False),
    ]:
        kernel_calls.clear()
        X = torch.randn(batch, steps, 3)
        with torch.inference_mode():
            output = ours(X if batch_first else X.transpose(0, 1), lengths)
        assert kernel_calls == ([batch] if kernel else []), (batch, steps, lengths)
        expected = reference_output(reference, X, lengths)
        torch.testing.assert_close(output, expected if batch_first else expected.transpose(0, 1))
    # a recorded call (training) runs the layers' own recurrence and backward pass
    kernel_calls.clear()
    ours.batch_first = True
    assert_same_forward_and_gradients(ours, reference, torch.randn(5, 4, 3), None)
    assert not kernel_calls


@pytest.mark.parametrize("cell", CELLS)
def test_kernel_forward_is_the_same_function(cell):
    # torch's kernel as the layers call it (the Elman layers only in benchmarks/cell_speed.py)
    torch.manual_seed(15)
    ours, _ = make_pair(cell, 2, 4, num_layers=2, bidirectional=True)
    X = torch.randn(3, 5, 2)
    with torch.inference_mode():
        kernel = ours._kernel_forward(X, cells.current_flat_weights(ours), 3)
    ours._kernel_is_faster = lambda n_steps, width: False
    with torch.inference_mode():
        torch.testing.assert_close(kernel, ours(X))


@pytest.mark.parametrize("cell", CELLS)
def test_dropout_between_layers_only_in_training(cell):
    torch.manual_seed(9)
    ours, reference = make_pair(cell, 2, 4, num_layers=2, dropout=0.5)
    X = torch.randn(3, 5, 2)
    ours.eval()
    reference.eval()
    torch.testing.assert_close(ours(X), reference(X)[0])
    ours.train()
    assert not torch.allclose(ours(X), reference(X)[0])


@pytest.mark.parametrize("cell", CELLS)
def test_torch_kernels_for_other_devices(cell):
    # Off the CPU the layers run torch's own kernels (cuDNN on CUDA); checked here on the CPU.
    torch.manual_seed(10)
    ours, _ = make_pair(cell, 2, 4, num_layers=2, bidirectional=True)
    X = torch.randn(3, 5, 2)
    for lengths in (None, torch.tensor([5, 2, 4])):
        torch.testing.assert_close(ours._torch_forward(X, lengths), ours(X, lengths))


@pytest.mark.parametrize("cell", CELLS)
def test_to_torch_is_the_same_function(cell):
    torch.manual_seed(11)
    ours, _ = make_pair(cell, 2, 4, num_layers=2, bidirectional=True, dtype=torch.float64)
    reference = ours.to_torch()
    assert type(reference) is CELLS[cell][1] and reference.batch_first
    assert reference.weight_ih_l0.dtype == torch.float64
    X = torch.randn(3, 5, 2, dtype=torch.float64)
    torch.testing.assert_close(ours(X), reference(X)[0])
    with torch.no_grad():
        reference.weight_hh_l0.add_(1.0)
    assert not torch.allclose(ours(X), reference(X)[0])  # a copy, not shared


def test_pickle_round_trip():
    ours = GRULayers(2, 3)
    restored = pickle.loads(pickle.dumps(ours))
    X = torch.randn(2, 4, 2)
    torch.testing.assert_close(restored(X), ours(X))


@pytest.mark.parametrize(
    ("X", "lengths", "message"),
    [
        (torch.zeros(4, 2), None, "3-D"),
        (torch.zeros(2, 4, 3), None, "features"),
        (torch.zeros(2, 4, 2), torch.tensor([1, 2, 3]), "shape"),
        (torch.zeros(2, 4, 2), torch.tensor([0, 2]), "between 1"),
        (torch.zeros(2, 4, 2), torch.tensor([5, 2]), "between 1"),
        (torch.zeros(2, 4, 2), torch.tensor([1.0, 2.0]), "integers"),
    ],
)
def test_bad_input_raises(X, lengths, message):
    with pytest.raises(ValueError, match=message):
        GRULayers(2, 3)(X, lengths)


def test_bad_nonlinearity_raises():
    with pytest.raises(ValueError, match="nonlinearity"):
        RNNLayers(2, 3, nonlinearity="sigmoid")


@pytest.mark.parametrize("num_layers", [1, 2])
@pytest.mark.parametrize("bidirectional", [False, True])
@pytest.mark.parametrize("batch_first", [True, False])
def test_lstm_layers_are_torch_lstm(num_layers, bidirectional, batch_first):
    """The lean call returns exactly nn.LSTM's output, final state and gradients."""
    torch.manual_seed(0)
    ours = LSTMLayers(2, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    reference = torch.nn.LSTM(2, 4, num_layers=num_layers, bidirectional=bidirectional, batch_first=batch_first)
    reference.load_state_dict(ours.state_dict())
    X = torch.randn(3, 5, 2)
    output, (h_n, c_n) = ours(X)
    expected, (h_expected, c_expected) = reference(X)
    assert torch.equal(output, expected) and torch.equal(h_n, h_expected) and torch.equal(c_n, c_expected)
    (output.sum() + h_n.sum() + c_n.sum()).backward()
    (expected.sum() + h_expected.sum() + c_expected.sum()).backward()
    for (name, p), q in zip(ours.named_parameters(), reference.parameters(), strict=True):
        assert torch.equal(p.grad, q.grad), name


def test_lstm_layers_other_calls_are_torch_lstm():
    """Packed sequences, an initial state and unbatched input take nn.LSTM's own path."""
    torch.manual_seed(0)
    ours = LSTMLayers(2, 3, batch_first=True)
    reference = torch.nn.LSTM(2, 3, batch_first=True)
    reference.load_state_dict(ours.state_dict())
    X = torch.randn(3, 4, 2)
    state = (torch.randn(1, 3, 3), torch.randn(1, 3, 3))
    torch.testing.assert_close(ours(X, state)[0], reference(X, state)[0], rtol=0, atol=0)
    torch.testing.assert_close(ours(X[0])[0], reference(X[0])[0], rtol=0, atol=0)
    packed = pack_padded_sequence(X, torch.tensor([4, 2, 3]), batch_first=True, enforce_sorted=False)
    torch.testing.assert_close(ours(packed)[0].data, reference(packed)[0].data, rtol=0, atol=0)
    with pytest.raises(RuntimeError, match="input_size"):
        ours(torch.randn(3, 4, 5))


@pytest.mark.parametrize("layers_class", [GRULayers, RNNLayers, LSTMLayers])
def test_swapped_parameters_are_used(layers_class):
    """torch.func.functional_call's parameters are the ones the call computes with,
    and the module's own are used again afterwards."""
    torch.manual_seed(0)
    layers = layers_class(2, 3, batch_first=True)
    X = torch.randn(2, 4, 2)

    def first(result):  # the LSTM returns (output, (h_n, c_n))
        return result[0] if isinstance(result, tuple) else result

    before = first(layers(X))
    zeros = {name: torch.zeros_like(p) for name, p in layers.named_parameters()}
    swapped = first(torch.func.functional_call(layers, zeros, (X,)))
    assert torch.equal(swapped, torch.zeros_like(swapped))
    assert torch.equal(first(layers(X)), before)
