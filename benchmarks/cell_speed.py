"""Training epoch and predict time of the recurrent layers alone: torch's against ours.

Run ``python benchmarks/cell_speed.py`` (a few minutes) or add ``--quick``
for a smoke run. Each candidate is a recurrent layer with a linear head on
its last hidden state, trained by the textbook loop (``torch.randperm``
minibatches, MSE, Adam at 1e-3); predict is a batched forward pass of the
whole training set under ``torch.inference_mode()``, with the estimators'
CPU batch size rule. A round times one epoch and one predict of the medium
workload, ten of the seed workload (reported per epoch and per predict).

Candidates (``--candidates``): ``lstm``, ``gru``, ``rnn`` (``torch.nn``)
and ``gru-fast``, ``rnn-fast`` (:class:`sklearn_rnn._cells.GRULayers` and
``RNNLayers``, tanh); on request, the other options tried for a faster GRU:
``gru-loop`` (the textbook cell loop, recorded by autograd), ``gru-script``
(the same loop scripted with TorchScript) and ``gru-compile`` (the same loop
through ``torch.compile``; needs a C++ compiler, and its compile time shows
in the "warm-up s" column: first epoch and predict). All run in this one process, each after an untimed
warm-up epoch, interleaved round by round with the order rotating. The table
gives medians over the rounds of wall-clock seconds, and each candidate's
ratio to ``lstm``: the median of the per-round ratios ("paired", robust to
the load of a shared machine drifting between rounds) and the ratio of the
fastest rounds ("min": load only adds time). The load average is printed
with every block: on a loaded machine, compare the 1-thread figures.

``--short-inference`` measures instead the rule by which
:class:`~sklearn_rnn._cells.GRULayers` hands short inference calls to torch's
kernel: one forward pass under ``torch.inference_mode()`` at one thread, for
4 to 24 steps, batches of 1 to 512 and hidden sizes 10 to 64, gives torch's
GRU and Elman kernels' time over the layers' own recurrence (median of
interleaved rounds of 50 calls).
"""

import argparse
import copy
import os
import statistics
import sys
import time

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import _common as C  # noqa: E402

from sklearn_rnn import _cells  # noqa: E402
from sklearn_rnn._cells import GRULayers, RNNLayers  # noqa: E402

# name: (n_samples, n_timesteps, n_features, batch_size, epochs timed per round)
WORKLOADS = {"medium": (20_000, 24, 4, 64, 1), "seed": (100, 10, 1, 10, 10)}
QUICK_WORKLOADS = {"medium": (1_000, 24, 4, 64, 1), "seed": (100, 10, 1, 10, 10)}
HIDDEN = {"medium": (32, 128), "seed": (10,)}
CANDIDATES = ("lstm", "gru", "rnn", "gru-fast", "rnn-fast")
# Other ways to a faster GRU, measured with --candidates (not run by default):
# the textbook cell loop recorded by autograd, as is, TorchScript-scripted, or
# through torch.compile (its compile time shows in the warm-up column).
OPTIONS = ("gru-loop", "gru-script", "gru-compile")


def gru_loop(x, w_ih, w_hh, b_ih, b_hh):
    """The textbook GRU over a batch-first sequence, every operation recorded by autograd."""
    B, T = x.shape[0], x.shape[1]
    H = w_hh.shape[1]
    gi = torch.nn.functional.linear(x, w_ih, b_ih)
    h = x.new_zeros(B, H)
    outputs = []
    for t in range(T):
        gh = torch.nn.functional.linear(h, w_hh, b_hh)
        i_r, i_z, i_n = gi[:, t].chunk(3, 1)
        h_r, h_z, h_n = gh.chunk(3, 1)
        r = torch.sigmoid(i_r + h_r)
        z = torch.sigmoid(i_z + h_z)
        n = torch.tanh(i_n + r * h_n)
        h = n + z * (h - n)
        outputs.append(h)
    return torch.stack(outputs, 1)


class LoopGRU(nn.GRU):
    """``nn.GRU``'s parameters run through ``gru_loop``, as is, scripted or compiled."""

    def __init__(self, input_size, hidden_size, how):
        super().__init__(input_size, hidden_size, batch_first=True)
        if how == "script":
            self.function = torch.jit.script(gru_loop)
        elif how == "compile":
            self.function = torch.compile(gru_loop)
        else:
            self.function = gru_loop

    def forward(self, X):
        return self.function(X, *self._flat_weights)


LAYERS = {
    "lstm": lambda f, h: nn.LSTM(f, h, batch_first=True),
    "gru": lambda f, h: nn.GRU(f, h, batch_first=True),
    "rnn": lambda f, h: nn.RNN(f, h, batch_first=True),
    "gru-fast": GRULayers,
    "rnn-fast": RNNLayers,
    "gru-loop": lambda f, h: LoopGRU(f, h, "eager"),
    "gru-script": lambda f, h: LoopGRU(f, h, "script"),
    "gru-compile": lambda f, h: LoopGRU(f, h, "compile"),
}


class Network(nn.Module):
    """A recurrent layer and a linear head on the last hidden state."""

    def __init__(self, candidate, n_features, hidden_size):
        super().__init__()
        self.recurrent = LAYERS[candidate](n_features, hidden_size)
        self.head = nn.Linear(hidden_size, 1)

    def forward(self, X):
        output = self.recurrent(X)
        if isinstance(output, tuple):
            output = output[0]
        return self.head(output[:, -1])


def train_epoch(network, optimizer, X, y, batch_size):
    network.train()
    criterion = nn.MSELoss()
    for index in torch.randperm(len(X)).split(batch_size):
        optimizer.zero_grad(set_to_none=True)
        loss = criterion(network(X[index]), y[index])
        loss.backward()
        optimizer.step()


def predict(network, X, batch_size):
    network.eval()
    with torch.inference_mode():
        return torch.cat([network(X[start : start + batch_size]) for start in range(0, len(X), batch_size)])


HEADER = ["layer", "epoch s", "/lstm paired", "/lstm min", "predict ms", "/lstm paired", "/lstm min", "warm-up s"]


def run_block(workload, sizes, hidden_size, candidates, rounds):
    """Time every candidate ``rounds`` times, interleaved.

    Returns ``{name: (train seconds, predict seconds, warm-up seconds)}``, the
    first two lists over the rounds; the warm-up is the first epoch and predict
    (compilation included).
    """
    n_samples, n_timesteps, n_features, batch_size, epochs = sizes
    X_np, y_np = C.make_data(n_samples, n_timesteps, n_features)
    X, y = torch.from_numpy(X_np), torch.from_numpy(y_np).reshape(-1, 1)
    predict_batch = C.inference_batch_size(n_timesteps, hidden_size)
    models = {}
    for name in candidates:
        torch.manual_seed(0)
        network = Network(name, n_features, hidden_size)
        optimizer = torch.optim.Adam(network.parameters(), lr=C.LEARNING_RATE)
        start = time.perf_counter()
        train_epoch(network, optimizer, X, y, batch_size)
        predict(network, X, predict_batch)
        models[name] = (network, optimizer, time.perf_counter() - start)
    times = {name: ([], [], models[name][2]) for name in candidates}
    for round_ in range(rounds):
        order = list(candidates[round_ % len(candidates) :]) + list(candidates[: round_ % len(candidates)])
        for name in order:
            network, optimizer, _ = models[name]
            start = time.perf_counter()
            for _ in range(epochs):
                train_epoch(network, optimizer, X, y, batch_size)
            middle = time.perf_counter()
            for _ in range(epochs):
                predict(network, X, predict_batch)
            times[name][0].append((middle - start) / epochs)
            times[name][1].append((time.perf_counter() - middle) / epochs)
    return times


SHORT_STEPS = (4, 8, 12, 16, 24)
SHORT_BATCHES = (1, 64, 512)
SHORT_HIDDEN = ((10, 1), (32, 4), (64, 8))  # (hidden size, features)


def short_inference(rounds):
    """Print torch's kernel time over the layers' own recurrence for short inference calls."""
    torch.set_num_threads(1)
    print(f"## short inference, 1 thread: torch's kernel / the layers' recurrence; load {os.getloadavg()[0]:.2f}")
    rows = []
    for layer_class in (GRULayers, RNNLayers):
        for hidden_size, n_features in SHORT_HIDDEN:
            layer = layer_class(n_features, hidden_size)
            for batch in SHORT_BATCHES:
                ratios = [kernel_ratio(layer, torch.randn(batch, steps, n_features), rounds) for steps in SHORT_STEPS]
                rows.append([layer_class.__name__, str(hidden_size), str(batch), *(f"{r:.2f}" for r in ratios)])
    C.print_table(["layers", "hidden", "batch", *(f"{t} steps" for t in SHORT_STEPS)], rows)
    print(
        f"GRULayers runs the kernel at up to {_cells._KERNEL_STEPS} steps and "
        f"{_cells._KERNEL_WIDTH} values per step (batch x hidden x directions)."
    )


def kernel_ratio(layer, x, rounds):
    """Median time of torch's kernel over that of the layers' own recurrence, one call on ``x``.

    Both go through the layers' ``forward``, on two copies of ``layer`` whose
    choice of the kernel is fixed: always and never.
    """
    always, never = copy.deepcopy(layer), copy.deepcopy(layer)
    always._kernel_is_faster = lambda n_steps, width: True
    never._kernel_is_faster = lambda n_steps, width: False
    own_times, kernel_times = [], []
    with torch.inference_mode():
        for _ in range(rounds):
            own_times.append(C.time_calls(lambda: never(x), 50))
            kernel_times.append(C.time_calls(lambda: always(x), 50))
    return statistics.median(kernel_times) / statistics.median(own_times)


def ratio_columns(values, baseline):
    paired = statistics.median(v / b for v, b in zip(values, baseline, strict=True))
    return f"{paired:.2f}", f"{min(values) / min(baseline):.2f}"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 medium sequences and 3 rounds, for a smoke run")
    parser.add_argument("--rounds", type=int, default=None, help="interleaved rounds (default 5; 3 with --quick)")
    parser.add_argument(
        "--threads", default="1,all", help="comma-separated torch thread counts; 'all' = torch's default"
    )
    parser.add_argument("--workloads", default="medium,seed", help=f"comma-separated, of {list(WORKLOADS)}")
    parser.add_argument("--hidden", default=None, help="comma-separated hidden sizes (default 32,128 medium; 10 seed)")
    parser.add_argument(
        "--candidates", default=",".join(CANDIDATES), help=f"comma-separated, of {list(CANDIDATES + OPTIONS)}"
    )
    parser.add_argument(
        "--short-inference", action="store_true", help="torch's kernels against the layers on short inference calls"
    )
    args = parser.parse_args(argv)
    rounds = args.rounds or (3 if args.quick else 5)
    if args.short_inference:
        print(C.machine_line())
        short_inference(rounds)
        return 0
    all_threads = torch.get_num_threads()
    thread_counts = [all_threads if t == "all" else int(t) for t in args.threads.split(",")]
    candidates = tuple(args.candidates.split(","))
    if "lstm" not in candidates:
        candidates = ("lstm", *candidates)
    workloads = QUICK_WORKLOADS if args.quick else WORKLOADS
    print(C.machine_line())
    print(
        f"# {rounds} interleaved rounds; medians of wall-clock time per epoch (s) "
        "and per predict of the training set (ms)\n"
    )
    for workload in args.workloads.split(","):
        hidden_sizes = [int(h) for h in args.hidden.split(",")] if args.hidden else HIDDEN[workload]
        for hidden_size in hidden_sizes:
            for threads in thread_counts:
                torch.set_num_threads(threads)
                load_before = os.getloadavg()[0]
                times = run_block(workload, workloads[workload], hidden_size, candidates, rounds)
                n_samples, n_timesteps, n_features, batch_size, epochs = workloads[workload]
                print(
                    f"## {workload} ({n_samples} x {n_timesteps} x {n_features}, batch {batch_size}, "
                    f"{epochs} epoch(s) and predict(s) per round), "
                    f"hidden {hidden_size}, {threads} thread(s); load average {load_before:.2f} -> "
                    f"{os.getloadavg()[0]:.2f}"
                )
                train_lstm, predict_lstm, _ = times["lstm"]
                rows = []
                for name in candidates:
                    train, pred, warm_up = times[name]
                    rows.append(
                        [
                            name,
                            f"{statistics.median(train):.4g}",
                            *ratio_columns(train, train_lstm),
                            f"{statistics.median(pred) * 1e3:.4g}",
                            *ratio_columns(pred, predict_lstm),
                            f"{warm_up:.3g}",
                        ]
                    )
                C.print_table(HEADER, rows)
                print()
    return 0


if __name__ == "__main__":
    np.seterr(all="ignore")
    sys.exit(main())
