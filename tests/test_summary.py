"""The summary of complete sequences: values and gradients equal to autograd's plain operations,
and the head folded for inference equal to the plain head within round-off."""

import contextlib
import copy
import itertools
import pickle
import warnings

import numpy as np
import pytest
import torch

from sklearn_rnn import GRUClassifier, LSTMRegressor
from sklearn_rnn._module import RecurrentNetwork, parse_summary
from sklearn_rnn._summary import FoldedHead, _Summary, summarize

KINDS = [parse_summary(spec) for spec in ("last+mean+max", "mean", "max", "last+mean", "last+max", "mean+max")]


def _plain(output, kinds, hidden_size, bidirectional):
    """The summary by autograd's own operations, on the batch-first tensor."""
    parts = []
    for kind in kinds:
        if kind == "last":
            last = output[:, -1, :hidden_size]
            parts.append(torch.cat([last, output[:, 0, hidden_size:]], 1) if bidirectional else last)
        elif kind == "mean":
            parts.append(output.mean(1))
        else:
            parts.append(output.amax(1))
    return torch.cat(parts, 1) if len(parts) > 1 else parts[0]


@pytest.mark.parametrize("kinds", KINDS)
@pytest.mark.parametrize("bidirectional, ties", list(itertools.product([False, True], [False, True])))
def test_values_and_gradients_are_bitwise_those_of_autograd(kinds, bidirectional, ties):
    """Time-major storage (as the recurrent layers return it) and ties in the
    maximum (a ReLU's zeros), where amax's backward shares the gradient."""
    torch.manual_seed(0)
    hidden_size, width = 5, 10 if bidirectional else 5
    storage = torch.randn(7, 4, width)
    if ties:
        storage = storage.clamp(min=0.0)
        storage[:, 0] = 0.0  # a sequence whose every step ties
    grad = torch.randn(4, len(kinds) * width)
    results = []
    for function in (_plain, summarize):
        leaf = storage.clone().requires_grad_()
        value = function(leaf.transpose(0, 1), kinds, hidden_size, bidirectional)
        (value * grad).sum().backward()
        results.append((value.detach(), leaf.grad))
    assert torch.equal(results[0][0], results[1][0])
    assert torch.equal(results[0][1], results[1][1])


@pytest.mark.parametrize("kinds", KINDS)
def test_nan_and_infinite_hidden_states_get_autograd_gradients(kinds):
    """A column holding a NaN (amax is NaN: no step equals it), a column of
    -inf (every step ties), and +inf maxima."""
    torch.manual_seed(0)
    storage = torch.randn(6, 3, 4)
    storage[2, 0, 1] = float("nan")
    storage[:, 1, 2] = float("-inf")
    storage[4, 2, 0] = storage[1, 2, 0] = float("inf")
    grad = torch.randn(3, len(kinds) * 4)
    results = []
    for function in (_plain, summarize):
        leaf = storage.clone().requires_grad_()
        (function(leaf.transpose(0, 1), kinds, 4, False) * grad).sum().backward()
        results.append(leaf.grad)
    torch.testing.assert_close(results[1], results[0], rtol=0, atol=0, equal_nan=True)


def test_other_orders_of_the_parts_go_through_autograd():
    output = torch.randn(2, 5, 3, requires_grad=True)
    assert summarize(output, ("max", "last"), 3, False).grad_fn.name() == "CatBackward0"
    assert summarize(output, ("last", "max"), 3, False).grad_fn.name() == "_SummaryBackward"


def test_batch_first_storage_and_the_plain_path_without_gradients():
    torch.manual_seed(0)
    output = torch.randn(3, 6, 4)
    kinds = parse_summary("last+mean+max")
    expected = _plain(output, kinds, 4, False)
    with torch.no_grad():
        assert torch.equal(summarize(output, kinds, 4, False), expected)
    leaf = output.clone().requires_grad_()
    summary = summarize(leaf, kinds, 4, False)
    assert summary.grad_fn.name() == _Summary.__name__ + "Backward"
    reference = output.clone().requires_grad_()
    summary.sum().backward()
    _plain(reference, kinds, 4, False).sum().backward()
    assert torch.equal(leaf.grad, reference.grad)


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
def test_network_parameter_gradients_are_unchanged(cell):
    """The whole network's gradients, with the summary through autograd's
    plain operations or through :class:`_Summary`."""
    torch.manual_seed(0)
    network = RecurrentNetwork(cell, 3, 2, hidden_size=8, summary=parse_summary("last+mean+max"))
    X = torch.randn(5, 9, 3)
    network(X).square().sum().backward()
    ours = {name: p.grad.clone() for name, p in network.named_parameters()}
    network.zero_grad()
    output = network.rnn(X)[0] if cell == "lstm" else network.rnn(X)
    network.head(_plain(output, network.summary, 8, False)).square().sum().backward()
    for name, p in network.named_parameters():
        assert torch.equal(ours[name], p.grad), name


# -- the folded head of inference ------------------------------------------------------------------


def _eval_outputs(network, X):
    """The network's output in predict's modes (eval, inference) and by the plain operations."""
    network.eval()
    with torch.inference_mode():
        folded = network(X)
        output = network._run(network._pool(X, None)[0] if network.downsample > 1 else X)
        plain = network.head(_plain(output, network.summary, network.hidden_size, network.bidirectional))
    return folded, plain


@pytest.mark.parametrize("cell", ["rnn", "lstm", "gru"])
@pytest.mark.parametrize("spec", ["last+mean+max", "mean", "last+mean", "mean+max"])
@pytest.mark.parametrize("bidirectional", [False, True])
def test_folded_head_equals_the_plain_head_within_round_off(cell, spec, bidirectional):
    torch.manual_seed(0)
    network = RecurrentNetwork(cell, 3, 4, hidden_size=6, summary=parse_summary(spec), bidirectional=bidirectional)
    X = torch.randn(5, 9, 3)
    folded, plain = _eval_outputs(network, X)
    assert isinstance(network.__dict__.get("_folded_head"), FoldedHead)
    torch.testing.assert_close(folded, plain, rtol=1e-5, atol=1e-6)
    # a batch of one sequence reads the same folding
    with torch.inference_mode():
        torch.testing.assert_close(network(X[2:3]), folded[2:3], rtol=1e-5, atol=1e-6)


def test_folded_head_after_downsampling_and_without_a_mean():
    torch.manual_seed(0)
    X = torch.randn(4, 10, 2)
    pooled = RecurrentNetwork("gru", 2, 1, hidden_size=5, summary=parse_summary("last+mean+max"), downsample=3)
    folded, plain = _eval_outputs(pooled, X)
    torch.testing.assert_close(folded, plain, rtol=1e-5, atol=1e-6)
    # nothing to fold without a mean: the plain operations, bitwise
    no_mean = RecurrentNetwork("lstm", 2, 1, hidden_size=5, summary=parse_summary("last+max"))
    folded, plain = _eval_outputs(no_mean, X)
    assert torch.equal(folded, plain)
    assert "_folded_head" not in no_mean.__dict__


def test_folded_head_is_skipped_beyond_its_size_limit(monkeypatch):
    monkeypatch.setattr("sklearn_rnn._summary._MAX_FOLDED_VALUES", 9 * 6 * 4 - 1)
    torch.manual_seed(0)
    network = RecurrentNetwork("lstm", 3, 4, hidden_size=6, summary=parse_summary("mean"))
    folded, plain = _eval_outputs(network, torch.randn(2, 9, 3))
    assert torch.equal(folded, plain)
    assert "_folded_head" not in network.__dict__


def test_large_batches_take_the_plain_head(monkeypatch):
    """Batches above the limit of hidden-state values go through the plain
    operations (bitwise); smaller ones through the folding."""
    monkeypatch.setattr("sklearn_rnn._summary._MAX_FOLDED_BATCH_VALUES", 3 * 9 * 6)
    torch.manual_seed(0)
    network = RecurrentNetwork("gru", 3, 1, hidden_size=6, summary=parse_summary("last+mean+max"))
    folded, plain = _eval_outputs(network, torch.randn(4, 9, 3))
    assert torch.equal(folded, plain)
    assert "_folded_head" not in network.__dict__
    folded, plain = _eval_outputs(network, torch.randn(3, 9, 3))
    assert isinstance(network.__dict__.get("_folded_head"), FoldedHead)
    torch.testing.assert_close(folded, plain, rtol=1e-5, atol=1e-6)


def _fresh_prediction(network, X):
    """What a network that never folded its head predicts."""
    network.__dict__.pop("_folded_head", None)
    network.eval()
    with torch.inference_mode():
        return network(X)


@pytest.mark.parametrize("fused", [False, True])
def test_folded_head_follows_training_steps(fused):
    """Adam's fused step changes the weights without moving their version
    counters: a forward pass with gradients drops the folding."""
    torch.manual_seed(0)
    network = RecurrentNetwork("lstm", 3, 1, hidden_size=6, summary=parse_summary("last+mean+max"))
    X = torch.randn(8, 5, 3)
    optimizer = torch.optim.Adam(network.parameters(), lr=0.1, fused=fused)
    for _ in range(3):
        network.eval()
        with torch.inference_mode():
            before = network(X)
        network.train()
        optimizer.zero_grad()
        network(X).square().sum().backward()
        optimizer.step()
        network.eval()
        with torch.inference_mode():
            after = network(X)
        assert not torch.equal(after, before)
        assert torch.equal(after, _fresh_prediction(network, X))


def test_folded_head_follows_parameter_changes():
    torch.manual_seed(0)
    network = RecurrentNetwork("gru", 3, 2, hidden_size=6, summary=parse_summary("last+mean+max"))
    other = RecurrentNetwork("gru", 3, 2, hidden_size=6, summary=parse_summary("last+mean+max"))
    X = torch.randn(4, 7, 3)
    vector = torch.nn.utils.parameters_to_vector(network.parameters()).detach().clone()

    def reuse_vector():
        # the same buffer, refilled: storage and version counters stay as they were
        with torch.no_grad():
            vector.add_(0.5)
        torch.nn.utils.vector_to_parameters(vector, network.parameters())

    changes = [
        lambda: network.load_state_dict(other.state_dict()),
        lambda: network.head.bias.data.add_(1.0),
        lambda: network.head.weight.data.mul_(2.0),
        reuse_vector,
        reuse_vector,
        lambda: setattr(network.head, "weight", torch.nn.Parameter(torch.randn(2, 18))),
        lambda: setattr(network, "head", torch.nn.Linear(18, 2)),
    ]
    for change in changes:
        network.eval()
        with torch.inference_mode():
            before = network(X)
        change()
        with torch.inference_mode():
            after = network(X)
        assert not torch.equal(after, before)
        assert torch.equal(after, _fresh_prediction(network, X))
        # another sequence length builds another folding
        with torch.inference_mode():
            assert torch.equal(network(X[:, 2:]), _fresh_prediction(network, X[:, 2:]))


def test_folded_head_is_not_pickled():
    network = RecurrentNetwork("rnn", 2, 1, hidden_size=4, summary=parse_summary("last+mean+max"))
    _eval_outputs(network, torch.randn(2, 5, 2))
    assert "_folded_head" in network.__dict__
    copy = pickle.loads(pickle.dumps(network))
    assert "_folded_head" not in copy.__dict__
    assert "_folded_head" not in network.state_dict()


def test_folded_head_after_a_cast_and_a_copy():
    torch.manual_seed(0)
    network = RecurrentNetwork("lstm", 3, 2, hidden_size=5, summary=parse_summary("last+mean+max"))
    X = torch.randn(3, 6, 3)
    folded, _ = _eval_outputs(network, X)
    copied = copy.deepcopy(network)
    assert "_folded_head" not in copied.__dict__
    with torch.inference_mode():
        assert torch.equal(copied(X), folded)
    network.double()
    assert "_folded_head" not in network.__dict__
    folded, plain = _eval_outputs(network, X.double())
    assert folded.dtype == torch.float64
    torch.testing.assert_close(folded, plain)


def test_heads_with_their_own_forward_pass_are_not_folded():
    """Hooks, other head modules and dropout left in training mode keep the
    head's own forward pass; so does an empty batch's shape."""
    torch.manual_seed(0)
    X = torch.randn(3, 6, 2)
    network = RecurrentNetwork("gru", 2, 1, hidden_size=4, summary=parse_summary("last+mean+max"))
    network.head.register_forward_hook(lambda module, inputs, output: output + 100.0)
    folded, plain = _eval_outputs(network, X)
    assert torch.equal(folded, plain) and bool((folded > 50).all())
    assert "_folded_head" not in network.__dict__

    network = RecurrentNetwork("gru", 2, 1, hidden_size=4, summary=parse_summary("last+mean+max"))
    network.head = torch.nn.Sequential(torch.nn.Linear(12, 3), torch.nn.Linear(3, 1))
    folded, plain = _eval_outputs(network, X)
    assert torch.equal(folded, plain)

    network = RecurrentNetwork("lstm", 2, 1, hidden_size=4, summary=parse_summary("last+mean+max"), dropout=0.5)
    network.eval()
    network.dropout.train()  # Monte Carlo dropout: every call draws a new mask
    with torch.inference_mode():
        assert not torch.equal(network(X), network(X))
    assert "_folded_head" not in network.__dict__

    network = RecurrentNetwork("lstm", 2, 2, hidden_size=4, summary=parse_summary("last+mean+max")).eval()
    with torch.inference_mode():
        assert network(X[:0]).shape == (0, 2)


def test_network_built_in_inference_mode_predicts():
    torch.manual_seed(0)
    with torch.inference_mode():
        network = RecurrentNetwork("lstm", 2, 1, hidden_size=4, summary=parse_summary("last+mean+max")).eval()
        X = torch.randn(2, 5, 2)
        folded = network(X)
        output = network._run(X)
        plain = network.head(_plain(output, network.summary, 4, False))
    torch.testing.assert_close(folded, plain, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("Estimator", [LSTMRegressor, GRUClassifier])
def test_estimator_predictions_follow_partial_fit(Estimator):
    """Each predict after more training equals one through the plain head."""
    rng = np.random.default_rng(0)
    X = rng.standard_normal((40, 6, 2)).astype(np.float32)
    y = X[:, -1, 0] > 0 if Estimator is GRUClassifier else X[:, -1, 0] + X[:, :, 1].mean(1)
    method = "predict_proba" if Estimator is GRUClassifier else "predict"
    model = Estimator(hidden_size=4, max_iter=2, random_state=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model.fit(X, y)
        for step in range(3):
            if step:
                model.partial_fit(X, y)
            folded = getattr(model, method)(X[:1])
            # the folded head is kept on the network that predicted: the copy that reads raw inputs
            module = model.net_.module_
            fold = module.__dict__.get("_input_fold")
            assert "_folded_head" in (module if fold is None else fold.network).__dict__
            module.__dict__.pop("_folded_head", None)
            module.__dict__.pop("_input_fold", None)
            with _plain_head():
                plain = getattr(model, method)(X[:1])
            np.testing.assert_allclose(folded, plain, rtol=1e-5, atol=1e-6)


@contextlib.contextmanager
def _plain_head():
    """Predictions through the plain head: no batch is small enough to fold."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr("sklearn_rnn._summary._MAX_FOLDED_BATCH_VALUES", 0)
        yield
