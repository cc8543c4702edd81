"""Fit and predict time with 1 thread against all cores, over a grid of sizes, to calibrate a thread policy.

Run ``python benchmarks/threads.py`` (``--quick`` for a smoke run). For each
cell, hidden size, batch size and sequence length of the grid, the estimator
(its defaults otherwise) is fitted for one epoch of ``--batches`` minibatches
and predicts the same sequences, with ``n_threads=1``, with ``n_threads=N``
(every available CPU) and with its default ``n_threads``, interleaved over
``--rounds`` rounds, idle and beside a CPU load (``--conditions``). The table
says which of 1 and N was faster for fit and for predict, by how much, and how
the default compares with the faster one (issue 11: within 10%).

``--reference`` adds the hand-written textbook loop at 1 and N threads (does
the loop prefer the same?); ``--reproducibility`` checks that two fits with
the same seed and thread count predict identically, and how far 1-thread and
N-thread fits differ.
"""

import itertools
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import _load  # noqa: E402
import numpy as np  # noqa: E402

GATES = {"rnn": 1, "lstm": 4, "gru": 3}
N_FEATURES = 1


def forward_mflop(cell, hidden, batch, steps, features=N_FEATURES):
    """Approximate forward multiply-add work of one minibatch, in MFLOP."""
    return 2 * GATES[cell] * hidden * (hidden + features + 2) * batch * steps / 1e6


def settings(all_threads):
    """Thread settings measured: label -> n_threads (ESTIMATOR_DEFAULT: the default).

    The default is measured on its own only when it is not one of 1 and N
    already (then its figures are those of that setting).
    """
    default = C.default_n_threads()
    chosen = {"1": 1, "N": all_threads}
    alias = next((label for label, k in chosen.items() if default == k and isinstance(default, int)), None)
    if alias is None:
        chosen["default"] = C.ESTIMATOR_DEFAULT
    return chosen, alias


def fit_predict(cell, n_threads, X, y, hidden, batch):
    """One fit (one epoch) and one predict of X; (fit seconds, predict seconds, estimator)."""
    est = C.make_estimator(cell, hidden, 1, batch, n_threads=n_threads)
    with C.torch_threads(C.DEFAULT_THREADS):
        with C.Timer() as fit_t:
            C.fit_quietly(est, X, y)
        with C.Timer() as pred_t:
            est.predict(X)
    return fit_t.wall, pred_t.wall, est


def reference_fit_predict(cell, n_threads, X, y, hidden, batch):
    with C.torch_threads(n_threads):
        with C.Timer() as fit_t:
            model = C.reference_fit(X, y, cell, hidden, 1, batch, flavour="plain")
        with C.Timer() as pred_t:
            model.predict(X, batch_size=C.inference_batch_size(X.shape[1], hidden))
    return fit_t.wall, pred_t.wall


def measure(args, cell, hidden, batch, steps, labels_to_threads, reference):
    """Median fit and predict seconds per setting (and per loop setting).

    After each round, a setting of 1 or N whose fit and predict medians are
    both more than ``args.give_up`` times those of the other is not run
    again: which one is faster is settled (the default is always run).
    """
    n = batch * args.batches
    X, y = C.make_data(n, steps, N_FEATURES)
    jobs = [("ours", label, k) for label, k in labels_to_threads.items()]
    if reference:
        jobs += [("loop", label, k) for label, k in (("1", 1), ("N", args.all_threads))]
    fit_predict(cell, 1, X[: 2 * batch], y[: 2 * batch], hidden, batch)  # warm-up
    times = {(kind, label): {"fit": [], "pred": []} for kind, label, _ in jobs}
    active = list(jobs)
    for r in range(args.rounds):
        shift = r % len(active)
        for kind, label, k in active[shift:] + active[:shift]:
            if kind == "ours":
                fit, pred, _ = fit_predict(cell, k, X, y, hidden, batch)
            else:
                fit, pred = reference_fit_predict(cell, k, X, y, hidden, batch)
            times[kind, label]["fit"].append(fit)
            times[kind, label]["pred"].append(pred)
        if args.give_up:
            for kind, label, k in list(active):
                other = {"1": "N", "N": "1"}.get(label)
                if other is None:
                    continue
                mine, theirs = times[kind, label], times[kind, other]
                if all(C.median(mine[m]) > args.give_up * C.median(theirs[m]) for m in ("fit", "pred")):
                    active.remove((kind, label, k))
    return {key: {m: C.median(v) for m, v in value.items()} for key, value in times.items()}


def faster(one, many):
    """ "1" or "N" and how many times slower the other is."""
    return f"1 ({many / one:.2f}x)" if one <= many else f"N ({one / many:.2f}x)"


def reproducibility(args, cells):
    rows = []
    for cell in cells:
        X, y = C.make_data(256, 20, N_FEATURES)
        preds = {}
        for k in (1, args.all_threads):
            preds[k] = [fit_predict(cell, k, X, y, 16, 32)[2].predict(X) for _ in range(2)]
        same = ["yes" if np.array_equal(*preds[k]) else "NO" for k in (1, args.all_threads)]
        across = float(np.max(np.abs(preds[1][0] - preds[args.all_threads][0])))
        rows.append([cell, *same, f"{across:.2e}" if across else "0 (identical)"])
    print(f"\n## reproducibility (256 x 20 x 1, hidden 16, batch 32; predictions, 1 and {args.all_threads} threads)")
    C.print_table(
        ["cell", "same twice, 1 thread", f"same twice, {args.all_threads} threads", "max |diff| 1 vs N"], rows
    )


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0], threads=False)
    parser.add_argument("--cells", default=",".join(C.CELLS), help="comma-separated: rnn, lstm, gru")
    parser.add_argument("--hidden", default="8,32,128,256", help="hidden sizes (default: %(default)s)")
    parser.add_argument("--batch", default="16,128,512", help="batch sizes (default: %(default)s)")
    parser.add_argument("--steps", default="10,100", help="sequence lengths (default: %(default)s)")
    parser.add_argument("--batches", type=int, default=4, help="minibatches per fit (one epoch; default 4)")
    parser.add_argument("--rounds", type=int, default=5, help="interleaved rounds per grid point (medians)")
    parser.add_argument(
        "--give-up",
        type=float,
        default=3.0,
        help="stop timing 1 or N once both its fit and predict exceed this many times the other's (0: never)",
    )
    parser.add_argument("--conditions", default="idle,loaded", help="comma-separated: idle, loaded")
    parser.add_argument("--load", type=int, default=_load.default_load(), help="busy processes when loaded")
    parser.add_argument("--load-max-seconds", type=float, default=3600.0, help="bound on each load process's life")
    parser.add_argument("--all-threads", type=int, default=C.ALL_THREADS, help="N (default: %(default)s CPUs)")
    parser.add_argument("--reference", action="store_true", help="also time the textbook loop at 1 and N threads")
    parser.add_argument("--reproducibility", action="store_true", help="check same-seed fits predict identically")
    args = parser.parse_args(argv)
    if args.quick:
        args.hidden, args.batch, args.steps = "8,64", "16,128", "10"
        args.batches, args.rounds = 2, 1
    cells = C.comma_list(args.cells)
    grid = list(
        itertools.product(C.comma_list(args.hidden, int), C.comma_list(args.batch, int), C.comma_list(args.steps, int))
    )
    labels_to_threads, alias = settings(args.all_threads)
    default_label = alias or "default"
    print(C.machine_line())
    print(
        f"# estimator default n_threads={C.default_n_threads()!r}"
        + (f" (= the {alias!r} setting, not measured twice)" if alias else "")
        + f"; N = {args.all_threads}; {args.batches} minibatches per fit, 1 epoch; predict on the same sequences; "
        f"{args.rounds} rounds; {len(grid)} sizes x {len(cells)} cells"
    )
    rows, misses, total = [], {}, {}
    for condition in C.comma_list(args.conditions):
        with _load.condition(condition, args.load, args.load_max_seconds):
            print(f"# {condition}: load average {C.load_average():.2f}", flush=True)
            for cell, (hidden, batch, steps) in itertools.product(cells, grid):
                m = measure(args, cell, hidden, batch, steps, labels_to_threads, args.reference)
                row = [condition, cell, str(hidden), str(batch), str(steps)]
                row.append(f"{forward_mflop(cell, hidden, batch, steps):.1f}")
                for metric in ("fit", "pred"):
                    one, many = m["ours", "1"][metric], m["ours", "N"][metric]
                    default = m["ours", default_label][metric] / min(one, many)
                    row += [f"{one:.3f} / {many:.3f}", faster(one, many), f"{default:.2f}"]
                    total[condition, metric] = total.get((condition, metric), 0) + 1
                    if default > 1.10:
                        misses.setdefault((condition, metric), []).append(f"{cell} h{hidden} b{batch} t{steps}")
                if args.reference:
                    row += [faster(m["loop", "1"][metric], m["loop", "N"][metric]) for metric in ("fit", "pred")]
                rows.append(row)
                print("  " + " | ".join(row), flush=True)
    print()
    header = ["condition", "cell", "hidden", "batch", "steps", "MFLOP/batch"]
    header += ["fit s: 1 / N", "fit faster", "fit default/best"]
    header += ["predict s: 1 / N", "predict faster", "predict default/best"]
    if args.reference:
        header += ["loop fit faster", "loop predict faster"]
    C.print_table(header, rows)
    print(
        f"N = {args.all_threads} threads. faster: the faster setting, and the other's time over it. "
        "default/best: the estimator's default over the faster of 1 and N (issue 11: <= 1.10). "
        "MFLOP/batch: forward multiply-adds of one minibatch, x2. s: medians of the rounds."
    )
    print("\n## default within 10% of the faster setting")
    for (condition, metric), count in total.items():
        missed = misses.get((condition, metric), [])
        over = f"; over: {', '.join(missed)}" if missed else ""
        print(f"  {condition} {'predict' if metric == 'pred' else metric}: {count - len(missed)}/{count}{over}")
    if args.reproducibility:
        reproducibility(args, cells)
    return 0


if __name__ == "__main__":
    sys.exit(main())
