"""Fit time against torch's intra-op thread count, to choose a thread policy.

Run ``python benchmarks/threads.py`` (``--quick`` for a smoke run). For the
seed (small) and medium workloads and each cell, the estimator is fitted with
1 and with 2 intra-op threads (``n_threads`` where the estimator has that
parameter, else ``torch.set_num_threads``), interleaved, and the medians and
the ratio 2 threads / 1 thread are printed (below 1: more threads help).
``--reference`` adds the hand-written loop at both thread counts.

It then checks reproducibility: two fits with the same ``random_state`` and
thread count must predict identically; fits with 1 and 2 threads are compared
too (the summation order of a parallel kernel may differ).
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402


def fit_with_threads(cell, n_threads, X, y, hidden, epochs, batch):
    est = C.make_estimator(cell, hidden, epochs, batch)
    if "n_threads" in est.get_params():
        est.set_params(n_threads=n_threads)
        torch.set_num_threads(max(n_threads, 2))  # the process setting must not decide it
    else:
        torch.set_num_threads(n_threads)
    with C.Timer() as t:
        C.fit_quietly(est, X, y)
    return t.wall, est


def reference_with_threads(cell, n_threads, X, y, hidden, epochs, batch):
    torch.set_num_threads(n_threads)
    with C.Timer() as t:
        C.reference_fit(X, y, cell, hidden, epochs, batch)
    return t.wall


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--cells", default=",".join(C.CELLS))
    parser.add_argument("--workloads", default="seed,medium")
    parser.add_argument("--thread-counts", default="1,2")
    parser.add_argument("--rounds", type=int, default=5, help="rounds for the seed workload")
    parser.add_argument("--medium-rounds", type=int, default=5, help="rounds for the medium workload")
    parser.add_argument("--reference", action="store_true", help="also time the hand-written loop")
    args = parser.parse_args(argv)
    workloads = C.QUICK_WORKLOADS if args.quick else C.WORKLOADS
    counts = [int(c) for c in args.thread_counts.split(",")]
    print(C.machine_line())
    rows, repro = [], []
    for workload in args.workloads.split(","):
        n, steps, features, hidden, epochs, batch = workloads[workload]
        X, y = C.make_data(n, steps, features)
        rounds = (2 if args.quick else args.rounds) if workload == "seed" else (1 if args.quick else args.medium_rounds)
        print(
            f"# {workload}: {n} x {steps} x {features}, hidden {hidden}, {epochs} epochs, {rounds} rounds", flush=True
        )
        for cell in args.cells.split(","):
            fit_with_threads(cell, 1, X[:64], y[:64], hidden, 1, batch)  # warm-up
            times = {(kind, k): [] for kind in ("ours", "ref") for k in counts}
            models = {}
            for r in range(rounds):
                for k in counts if r % 2 == 0 else counts[::-1]:
                    seconds, est = fit_with_threads(cell, k, X, y, hidden, epochs, batch)
                    times["ours", k].append(seconds)
                    models.setdefault(k, []).append(est)
                    if args.reference:
                        times["ref", k].append(reference_with_threads(cell, k, X, y, hidden, epochs, batch))
            for kind in ("ours", "ref") if args.reference else ("ours",):
                meds = {k: C.median(times[kind, k]) for k in counts}
                row = [workload, cell, "sklearn-rnn" if kind == "ours" else "hand-written"]
                row += [f"{meds[k]:.3f}" for k in counts]
                row.append(f"{meds[counts[-1]] / meds[counts[0]]:.2f}")
                rows.append(row)
                print("  " + " | ".join(row), flush=True)
            # Reproducibility on a slice of the data.
            Xs = X[:256]
            preds = {k: [m.predict(Xs) for m in models[k][:2]] for k in counts}
            same = {k: len(p) < 2 or bool(np.array_equal(p[0], p[1])) for k, p in preds.items()}
            across = float(np.max(np.abs(preds[counts[0]][0] - preds[counts[-1]][0])))
            repro.append(
                [workload, cell]
                + ["yes" if same[k] else "NO" for k in counts]
                + [f"{across:.2e}" if across else "0 (identical)"]
            )
    print()
    C.print_table(
        ["workload", "cell", "candidate"] + [f"{k} thread(s) s" for k in counts] + [f"ratio {counts[-1]}/{counts[0]}"],
        rows,
    )
    print("\nReproducibility (predictions on 256 sequences):")
    C.print_table(
        ["workload", "cell"]
        + [f"same result twice, {k} thread(s)" for k in counts]
        + [f"max |diff| {counts[0]} vs {counts[-1]} threads"],
        repro,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
