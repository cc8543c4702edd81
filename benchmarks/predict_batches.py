"""Prediction time of the estimators' batch-size rule against fixed batch sizes on the CPU.

Run ``python benchmarks/predict_batches.py`` (``--quick``: two shapes, the
LSTM, 3 rounds). For each cell and shape (steps x hidden size), an estimator
with its defaults (``n_threads="auto"``) is fitted on a few sequences for one
epoch, then ``predict`` runs over the same standard-normal float32 input
with the estimator's own batch size (``rule``) and with each size of
``--sizes``, which replace the rule for that call. The settings are timed in
interleaved blocks (``_common.time_interleaved``: a shuffled order every
sweep, one untimed call before each block). Figures are median milliseconds
and each fixed size's time over the rule's. ``--n-threads 1`` pins the
estimator to one thread, what ``"auto"`` takes on a busy machine.
"""

import sys
from functools import partial

import _common as C

# (steps, hidden size, sequences)
SHAPES = [
    (24, 32, 20_000),
    (24, 64, 20_000),
    (24, 128, 10_000),
    (10, 10, 20_000),
    (48, 16, 20_000),
    (100, 32, 10_000),
    (1_000, 32, 2_000),
]
QUICK_SHAPES = [(24, 32, 4_000), (100, 32, 1_000)]


def measure(cell, steps, hidden, n_samples, sizes, rounds, n_threads=C.ESTIMATOR_DEFAULT, seed=0):
    """Median seconds of ``predict`` per batch setting (``"rule"`` or a fixed size) and the rule's size."""
    import sklearn_rnn._base as base

    rule = base.inference_batch_size
    X, y = C.make_data(n_samples, steps, 4, seed=seed)
    model = C.fit_quietly(C.make_estimator(cell, hidden, 1, 64, n_threads=n_threads), X[:300], y[:300])

    def predict(setting):
        base.inference_batch_size = rule if setting == "rule" else (lambda *_, size=setting: size)
        model.predict(X)

    try:
        times = C.time_interleaved(
            {setting: (partial(predict, setting), C.DEFAULT_THREADS, rounds) for setting in ["rule", *sizes]},
            warmup=1,
        )
    finally:
        base.inference_batch_size = rule
    return times, rule(model.net_.module_, steps, "cpu")


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0], threads=False)
    parser.add_argument("--cells", default="lstm,gru,rnn", help="comma-separated: rnn, lstm, gru")
    parser.add_argument("--sizes", default="512", help="comma-separated fixed batch sizes to compare")
    parser.add_argument("--rounds", type=int, default=7, help="timed calls per setting (medians)")
    parser.add_argument("--n-threads", type=int, default=None, help="the estimator's n_threads (default: its own)")
    parser.add_argument("--shapes", default=None, help="comma-separated steps x hidden, e.g. 24x32 (default: all)")
    args = parser.parse_args(argv)
    n_threads = C.ESTIMATOR_DEFAULT if args.n_threads is None else args.n_threads
    cells = ["lstm"] if args.quick else C.comma_list(args.cells)
    shapes = QUICK_SHAPES if args.quick else SHAPES
    if args.shapes:
        wanted = {tuple(int(v) for v in shape.split("x")) for shape in C.comma_list(args.shapes)}
        shapes = [shape for shape in shapes if shape[:2] in wanted]
    rounds = 3 if args.quick else args.rounds
    sizes = C.comma_list(args.sizes, int)
    print(C.machine_line())
    print(
        f"# predict time (ms, median of {rounds} timed calls per setting): the estimators' rule and fixed batch sizes"
        f"; n_threads: {'the default' if args.n_threads is None else args.n_threads}"
    )
    rows = []
    for cell in cells:
        for steps, hidden, n_samples in shapes:
            times, rule_size = measure(cell, steps, hidden, n_samples, sizes, rounds, n_threads)
            row = [cell, steps, hidden, f"{n_samples:,}", rule_size, f"{times['rule'] * 1e3:.1f}"]
            row += [f"{times[size] * 1e3:.1f} ({times[size] / times['rule']:.2f})" for size in sizes]
            rows.append(row)
            print("  " + " | ".join(str(c) for c in row), flush=True)
    print()
    header = ["cell", "steps", "hidden", "sequences", "rule's batch", "rule ms"]
    header += [f"batch {size} ms (/ rule)" for size in sizes]
    C.print_table(header, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
