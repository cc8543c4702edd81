"""The prediction data path: batches, their order and the assembled result."""

import numpy as np
import pytest
import torch

from sklearn_rnn._base import inference_batch_size
from sklearn_rnn._data import predict_in_batches
from sklearn_rnn._module import RecurrentNetwork, parse_summary


def _network(cell, n_features=3, output_size=2):
    torch.manual_seed(0)
    return RecurrentNetwork(
        cell,
        input_size=n_features,
        output_size=output_size,
        hidden_size=8,
        num_layers=1,
        bidirectional=False,
        summary=parse_summary("last+mean+max"),
    )


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("batch_size", [1, 2, 3, 64])
@pytest.mark.parametrize("variable", [False, True])
def test_batches_are_written_back_in_input_order(cell, batch_size, variable):
    rng = np.random.RandomState(0)
    lengths = np.array([7, 1, 12, 4, 9], dtype=np.int64) if variable else np.full(5, 12, dtype=np.int64)
    X = np.zeros((5, 12, 3), dtype=np.float32)
    for i, length in enumerate(lengths):
        X[i, :length] = rng.randn(length, 3)
    net = _network(cell).eval()
    with torch.inference_mode():
        expected = torch.cat([net(torch.from_numpy(X[i : i + 1, :length]), None) for i, length in enumerate(lengths)])
    X_before = X.copy()

    out = predict_in_batches(net, X, lengths if variable else None, "cpu", batch_size)

    assert out.shape == (5, 2)
    assert out.dtype == torch.float32
    torch.testing.assert_close(out, expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_array_equal(X, X_before)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("writeable", [True, False])
def test_prediction_batches_standardize_exactly_as_training_does(dtype, writeable):
    # large batches are standardized by torch, small ones and read-only input
    # by NumPy: every path must give the float32 values training saw
    from sklearn_rnn._data import _TORCH_STANDARDIZE_VALUES, _input_batch, standardize

    rng = np.random.RandomState(0)
    n = _TORCH_STANDARDIZE_VALUES // 4 + 1  # X and X[:, :2] on the torch path
    X = (1e6 + rng.randn(n, 3, 2) * 1e-2).astype(dtype)
    X.flags.writeable = writeable
    mean = X.reshape(-1, 2).mean(axis=0, dtype=np.float64)
    scale = X.reshape(-1, 2).std(axis=0, dtype=np.float64)
    for batch in (X, X[:1], X[:, :2]):
        out = _input_batch(batch, mean, scale, "cpu")
        assert out.dtype == torch.float32
        np.testing.assert_array_equal(out.numpy(), standardize(batch, mean, scale))


@pytest.mark.parametrize("view", [lambda X: X[::-1], lambda X: X[:, ::-1], lambda X: X[:, :, ::-1], lambda X: X[::2]])
def test_prediction_batches_accept_any_strided_view(view):
    from sklearn_rnn._data import _TORCH_STANDARDIZE_VALUES, _input_batch, standardize

    rng = np.random.RandomState(0)
    batch = view(rng.randn(_TORCH_STANDARDIZE_VALUES // 3 + 1, 3, 2))  # even X[::2] on the torch path
    mean, scale = np.array([0.5, -1.0]), np.array([2.0, 0.5])
    out = _input_batch(batch, mean, scale, "cpu")
    np.testing.assert_array_equal(out.numpy(), standardize(batch.copy(), mean, scale))


@pytest.mark.parametrize(
    ("n_timesteps", "hidden_size", "bidirectional", "device", "expected"),
    [
        (24, 32, False, "cpu", 2048),  # issue 11's medium workload
        (24, 32, True, "cpu", 1024),  # two directions: twice the hidden states per sequence
        (10, 10, False, "cpu", 8192),  # at most 8192
        (100, 32, False, "cpu", 512),  # a power of two: 655 sequences would fit the bound
        (1_000, 32, False, "cpu", 256),  # at least 256 sequences
        (10_000, 32, False, "cpu", 52),  # within 64 MB of hidden states, as on a GPU
        (100, 32, False, "cuda", 5242),
        (10, 10, False, "cuda", 8192),
    ],
)
def test_prediction_batch_size_rule(n_timesteps, hidden_size, bidirectional, device, expected):
    module = RecurrentNetwork(
        "lstm",
        input_size=4,
        output_size=1,
        hidden_size=hidden_size,
        num_layers=1,
        bidirectional=bidirectional,
        summary=parse_summary("last"),
    )
    assert inference_batch_size(module, n_timesteps, device) == expected
