"""Time per epoch and peak memory on long sequences (1,000 to 10,000 steps), and denormal floats.

Run ``python benchmarks/long_sequences.py`` (``--quick`` for a smoke run).
For each length T (``--lengths``, default 1,000, 2,000, 5,000 and 10,000
steps) the data are 64 x T x 1 float32 sequences, ``hidden_size=32``, batch
32 (two minibatches per epoch). Every measurement runs in a fresh
subprocess, so that its peak memory is its own: the child builds the data,
warms up on a short slice, records its resident memory, resets the kernel's
peak counter (``/proc/self/clear_refs``; where that is impossible, the
lifetime peak of ``getrusage`` is used), trains for ``--epochs`` epochs and
reports the seconds per epoch and the peak resident memory above the memory
held before training. Linear growth shows as constant "per 1,000 steps"
columns down a cell's rows.

Candidates (``--candidates``), for each cell (``--cells``, default LSTM, GRU):

* ``ours``: the estimator with its defaults (``n_threads`` included);
* ``ours-last``: the estimator with ``summary="last"`` (the setting where
  denormal floats appear: only the last state feeds the loss, so the
  gradient reaching early steps decays through thousands of steps) and
  ``n_threads`` equal to the loop's threads;
* ``loop``: the textbook loop (last state, linear head, Adam, MSE) with
  denormal flushing off, PyTorch's default;
* ``loop+flush``: the same loop with ``torch.set_flush_denormal(True)``.

``ours-last`` near ``loop+flush``, with ``loop`` slower, means that the
estimator does not suffer the denormal slowdown that a plain loop does.
``--params key=value,...`` passes extra estimator parameters to ``ours`` and
``ours-last`` (e.g. an option for truncated backpropagation through time).
"""

import ast
import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
from _memory import MB, peak_rss, reset_peak, ru_maxrss  # noqa: E402

N_SEQUENCES, HIDDEN, BATCH = 64, 32, 32
CANDIDATES = ("ours", "ours-last", "loop", "loop+flush")


def child(spec):
    """One measurement in this fresh process; prints one JSON line."""
    candidate, cell, steps, epochs = spec["candidate"], spec["cell"], spec["steps"], spec["epochs"]
    X, y = C.make_data(N_SEQUENCES, steps, 1)
    if candidate.startswith("ours"):
        extra = dict(spec["params"])
        if candidate == "ours-last":
            extra.update(summary="last", n_threads=spec["loop_threads"])
        n_threads = extra.pop("n_threads", C.ESTIMATOR_DEFAULT)

        def train(X_, y_, epochs_):
            est = C.make_estimator(cell, HIDDEN, epochs_, BATCH, n_threads=n_threads, **extra)
            C.fit_quietly(est, X_, y_)
            return est.loss_curve_[-1]

    else:
        C.set_threads(spec["loop_threads"])
        C.torch.set_flush_denormal(candidate == "loop+flush")

        def train(X_, y_, epochs_):
            return C.reference_fit(X_, y_, cell, HIDDEN, epochs_, BATCH, flavour="plain").final_loss

    train(X[:BATCH, :50], y[:BATCH], 1)  # warm-up: lazy initialization, on a short slice
    rss_before = C.rss_bytes()
    reset = reset_peak()
    tic = time.perf_counter()
    loss = train(X, y, epochs)
    seconds = time.perf_counter() - tic
    peak = peak_rss()
    print(
        json.dumps(
            {
                "epoch_s": seconds / epochs,
                "rss_before_mb": rss_before / MB,
                "peak_mb": peak / MB,
                "extra_mb": (peak - rss_before) / MB,
                "ru_maxrss_mb": ru_maxrss() / MB,
                "peak_reset": reset,
                "flush_after": C.flush_denormal_enabled(),
                "loss": float(loss),
            }
        )
    )


def run_child(spec):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", json.dumps(spec)]
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"child {spec} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def parse_params(text):
    """``"a=1,b='x'"`` -> ``{"a": 1, "b": "x"}`` (values as Python literals, else strings)."""
    params = {}
    for item in C.comma_list(text):
        key, _, value = item.partition("=")
        try:
            params[key.strip()] = ast.literal_eval(value.strip())
        except (ValueError, SyntaxError):
            params[key.strip()] = value.strip()
    return params


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0], threads=False)
    parser.add_argument("--lengths", default="1000,2000,5000,10000", help="sequence lengths (default: %(default)s)")
    parser.add_argument("--cells", default=None, help="comma-separated: rnn, lstm, gru (default: lstm,gru)")
    parser.add_argument("--candidates", default=",".join(CANDIDATES), help="from: " + ", ".join(CANDIDATES))
    parser.add_argument("--epochs", type=int, default=2, help="epochs per measurement (time is per epoch)")
    parser.add_argument("--rounds", type=int, default=1, help="fresh subprocesses per measurement (medians)")
    parser.add_argument("--loop-threads", type=int, default=1, help="torch threads of the loop and of ours-last")
    parser.add_argument("--params", default="", help="extra estimator parameters for ours, ours-last: k=v,...")
    parser.add_argument("--child", help=C.argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        child(json.loads(args.child))
        return 0
    if args.quick:
        args.lengths, args.epochs, args.rounds = "200,400", 1, 1
        args.cells = args.cells or "lstm"
    args.cells = args.cells or "lstm,gru"
    lengths = C.comma_list(args.lengths, int)
    candidates = C.comma_list(args.candidates)
    unknown = set(candidates) - set(CANDIDATES)
    if unknown:
        parser.error(f"unknown candidates {sorted(unknown)}; use {', '.join(CANDIDATES)}")
    params = parse_params(args.params)
    print(C.machine_line())
    print(
        f"# {N_SEQUENCES} x T x 1, hidden {HIDDEN}, batch {BATCH}, {args.epochs} epoch(s) per run, "
        f"{args.rounds} fresh process(es) per measurement; estimator default n_threads={C.default_n_threads()!r}, "
        f"loop threads {args.loop_threads}" + (f"; extra estimator parameters {params}" if params else "")
    )
    rows = []
    for cell in C.comma_list(args.cells):
        first = {}
        for steps in lengths:
            results = {name: [] for name in candidates}
            for r in range(args.rounds):
                shift = r % len(candidates)
                for name in candidates[shift:] + candidates[:shift]:
                    spec = {
                        "candidate": name,
                        "cell": cell,
                        "steps": steps,
                        "epochs": args.epochs,
                        "loop_threads": args.loop_threads,
                        "params": params,
                    }
                    results[name].append(run_child(spec))
            for name in candidates:
                rs = results[name]
                epoch = C.median([r["epoch_s"] for r in rs])
                extra = max(r["extra_mb"] for r in rs)
                per_k = 1000 * epoch / steps
                mb_per_k = 1000 * extra / steps
                first.setdefault(name, (per_k, mb_per_k))
                rows.append(
                    [
                        cell,
                        str(steps),
                        name,
                        f"{epoch:.3f}",
                        f"{per_k:.4f}",
                        f"{per_k / first[name][0]:.2f}",
                        f"{extra:.1f}",
                        f"{mb_per_k:.2f}",
                        f"{max(r['peak_mb'] for r in rs):.0f}",
                        f"{max(r['ru_maxrss_mb'] for r in rs):.0f}",
                        "on" if name == "loop+flush" else ("off" if name == "loop" else "(estimator's)"),
                        f"{rs[-1]['loss']:.4f}",
                    ]
                )
                print("  " + " | ".join(rows[-1]), flush=True)
    print()
    C.print_table(
        [
            "cell",
            "steps T",
            "candidate",
            "s / epoch",
            "s / epoch per 1k steps",
            "vs shortest",
            "peak - before MB",
            "MB per 1k steps",
            "peak RSS MB",
            "ru_maxrss MB",
            "flush denormal",
            "final loss",
        ],
        rows,
    )
    print(
        "vs shortest: seconds per step over those at the shortest length (1.00 down the rows: linear time). "
        "peak - before: peak resident memory during training above the memory held before it (max over runs); "
        "MB per 1k steps constant down the rows: linear memory. ru_maxrss: getrusage's peak at the end "
        "(on Linux the reset above lowers it too; without the reset it is the child's lifetime peak)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
