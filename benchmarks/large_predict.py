"""Predict 1,000,000 x 24 x 4 float32 sequences (about 384 MB) through a fitted model.

Run ``python benchmarks/large_predict.py`` (``--quick``: 50,000 sequences).
Each measurement runs in a fresh subprocess, so that peak memory belongs to
that one prediction: the child fits a small model (2,000 sequences, one
epoch), allocates the input, resets the kernel's peak-RSS counter
(``/proc/self/clear_refs``; where that is not possible the lifetime peak of
``getrusage`` is used, which the input allocation dominates), predicts, and
reports the wall time and the peak resident memory above the memory held just
before ``predict`` (which includes the input). The hand-written floor is a
batched ``torch.inference_mode()`` pass in batches of
``_common.inference_batch_size`` (512 sequences here).
The target of issue 4: peak at most the input plus 200 MB.
"""

import json
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
from _memory import MB, peak_rss, reset_peak  # noqa: E402


def child(candidate, cell, n_samples, threads, ref_batch=0):
    """One measurement; prints a JSON line."""
    import numpy as np

    C.set_threads(threads)
    hidden, steps, features = 32, 24, 4
    X_train, y_train = C.make_data(2_000, steps, features, seed=1)
    if candidate == "ours":
        model = C.fit_quietly(C.make_estimator(cell, hidden, 1, 64), X_train, y_train)
        predict = model.predict
    else:
        ref = C.reference_fit(X_train, y_train, cell, hidden, 1, 64)
        batch = ref_batch or C.inference_batch_size(steps, hidden)

        def predict(X):
            return ref.predict(X, batch_size=batch)

    predict(X_train[:10])  # warm-up
    rss_before_input = C.rss_bytes()
    X = np.random.default_rng(0).standard_normal((n_samples, steps, features), dtype=np.float32)
    rss_before = C.rss_bytes()
    reset = reset_peak()
    tic = time.perf_counter()
    y = predict(X)
    wall = time.perf_counter() - tic
    peak = peak_rss()
    print(
        json.dumps(
            {
                "seconds": wall,
                "input_mb": X.nbytes / MB,
                "rss_before_input_mb": rss_before_input / MB,
                "rss_before_mb": rss_before / MB,
                "peak_mb": peak / MB,
                "extra_mb": (peak - rss_before) / MB,
                "peak_reset": reset,
                "output_shape": list(np.shape(y)),
            }
        )
    )


def run_child(candidate, cell, n_samples, threads, ref_batch=0):
    cmd = [sys.executable, os.path.abspath(__file__), "--child", candidate, cell, str(n_samples), str(threads)]
    cmd += ["--ref-batch-size", str(ref_batch)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0], quick_help="50,000 sequences, one round")
    parser.add_argument("--cells", default="rnn,lstm,gru", help="comma-separated: rnn, lstm, gru")
    parser.add_argument("--n-samples", type=int, default=1_000_000)
    parser.add_argument("--rounds", type=int, default=5, help="subprocess runs per candidate (medians)")
    parser.add_argument(
        "--ref-batch-size", type=int, default=0, help="hand-written pass batch size (default: 512 or fewer)"
    )
    parser.add_argument("--child", nargs=4, help=argparse_suppress())
    args = parser.parse_args(argv)
    if args.child:
        candidate, cell, n_samples, threads = args.child
        child(candidate, cell, int(n_samples), int(threads), args.ref_batch_size)
        return 0
    n_samples = 50_000 if args.quick else args.n_samples
    rounds = 1 if args.quick else args.rounds
    C.set_threads(args.threads)
    print(C.machine_line())
    print(f"# predict {n_samples:,} x 24 x 4 float32, hidden 32, {rounds} subprocess run(s) per candidate")
    rows = []
    for cell in args.cells.split(","):
        results = {"ref": [], "ours": []}
        for _ in range(rounds):
            for candidate in ("ref", "ours"):
                results[candidate].append(run_child(candidate, cell, n_samples, args.threads, args.ref_batch_size))
        base = C.median([r["seconds"] for r in results["ref"]])
        for candidate, label in (("ref", "hand-written inference_mode"), ("ours", "sklearn-rnn predict")):
            rs = results[candidate]
            seconds = C.median([r["seconds"] for r in rs])
            extra = max(r["extra_mb"] for r in rs)
            rows.append(
                [
                    cell,
                    label,
                    f"{seconds:.2f}",
                    f"{seconds / base:.2f}",
                    f"{rs[0]['input_mb']:.0f}",
                    f"{max(r['rss_before_mb'] for r in rs):.0f}",
                    f"{max(r['peak_mb'] for r in rs):.0f}",
                    f"{extra:.0f}",
                    "yes" if extra <= 200 else "NO",
                    "VmHWM reset" if all(r["peak_reset"] for r in rs) else "lifetime peak",
                ]
            )
            print("  " + " | ".join(rows[-1]), flush=True)
    print()
    C.print_table(
        [
            "cell",
            "candidate",
            "seconds (median)",
            "ratio",
            "input MB",
            "RSS before predict MB",
            "peak RSS MB",
            "peak - before MB (max)",
            "<= input + 200 MB",
            "peak measured by",
        ],
        rows,
    )
    return 0


def argparse_suppress():
    import argparse

    return argparse.SUPPRESS


if __name__ == "__main__":
    sys.exit(main())
