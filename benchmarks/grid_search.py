"""GridSearchCV over 4 candidates x 2 folds on the medium workload: n_jobs=1 vs n_jobs=2.

Run ``python benchmarks/grid_search.py`` (``--quick``: 2,000 sequences, one
round). The grid is ``hidden_size`` in (16, 32) x ``learning_rate_init`` in
(1e-3, 3e-3) around an estimator of the medium workload (3 epochs, batch 64),
``cv=2``, ``refit=False`` (the refit is serial whatever ``n_jobs`` is, so it
would only dilute the comparison). The two settings alternate; the first
``n_jobs=2`` search also pays joblib's worker start-up, so the table shows the
cold first run and the median of the warm ones. The target of issue 4:
``n_jobs=2`` at least 1.6x faster than ``n_jobs=1``.

The cold run is slower for reasons outside the estimators: each fresh worker
starts Python and imports torch and scikit-learn (about 2.3 s on the 2-core
development machine), and the first torch optimizer built in a process
imports ``torch._dynamo`` (about 1.5 s there; a hand-written loop pays it
too). The ``n_jobs=1`` runs happen in this process, which has paid both.

It also reports the torch intra-op thread count that a joblib worker sees,
and the estimator's ``n_threads`` default, because threads of two workers
fighting over the same cores are the usual cause of a poor speedup.
"""

import os
import sys
import warnings

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402

GRID = {"hidden_size": [16, 32], "learning_rate_init": [1e-3, 3e-3]}


def _worker_threads():
    import os
    import time

    import torch

    time.sleep(0.5)  # keep this worker busy so that the next task goes to the other one
    return os.getpid(), torch.get_num_threads(), os.environ.get("OMP_NUM_THREADS")


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0], quick_help="2,000 sequences, one round")
    parser.add_argument("--cell", default="lstm", choices=C.CELLS)
    parser.add_argument("--rounds", type=int, default=5, help="warm rounds of each setting")
    args = parser.parse_args(argv)
    from joblib import Parallel, delayed
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.model_selection import GridSearchCV

    warnings.simplefilter("ignore", ConvergenceWarning)
    C.set_threads(args.threads)
    print(C.machine_line())
    n, steps, features, hidden, epochs, batch = C.WORKLOADS["medium"]
    if args.quick:
        n = 2_000
    rounds = 1 if args.quick else args.rounds
    X, y = C.make_data(n, steps, features)
    estimator = C.make_estimator(args.cell, hidden, epochs, batch)
    # make_estimator pins n_threads to this process's thread count; let the
    # grid search run with the estimator's own default instead.
    defaults = C.estimator_class(args.cell)().get_params()
    if "n_threads" in defaults:
        estimator.set_params(n_threads=defaults["n_threads"])
    print(
        f"# {type(estimator).__name__}, {n} x {steps} x {features}, {epochs} epochs, batch {batch}, "
        f"grid {GRID}, cv=2, refit=False; estimator n_threads={defaults.get('n_threads', 'n/a (no parameter)')}"
    )

    def search(n_jobs):
        gs = GridSearchCV(estimator, GRID, cv=2, n_jobs=n_jobs, refit=False)
        with C.Timer() as t:
            gs.fit(X, y)
        return t.wall, gs

    times = {1: [], 2: []}
    cold, _ = search(2)
    print(f"  n_jobs=2 cold (includes worker start-up): {cold:.2f} s", flush=True)
    workers = Parallel(n_jobs=2)(delayed(_worker_threads)() for _ in range(4))
    for r in range(rounds):
        for n_jobs in (1, 2) if r % 2 == 0 else (2, 1):
            seconds, gs = search(n_jobs)
            times[n_jobs].append(seconds)
            print(f"  round {r} n_jobs={n_jobs}: {seconds:.2f} s", flush=True)
    one, two = C.median(times[1]), C.median(times[2])
    print()
    C.print_table(
        ["setting", "seconds (median)", "speedup vs n_jobs=1", "runs"],
        [
            ["n_jobs=1", f"{one:.2f}", "1.00", ", ".join(f"{t:.2f}" for t in times[1])],
            ["n_jobs=2 (warm workers)", f"{two:.2f}", f"{one / two:.2f}", ", ".join(f"{t:.2f}" for t in times[2])],
            ["n_jobs=2 (cold, first)", f"{cold:.2f}", f"{one / cold:.2f}", f"{cold:.2f}"],
        ],
    )
    seen = sorted(set(workers))
    print(
        "\njoblib workers (pid, torch.get_num_threads(), OMP_NUM_THREADS): "
        + "; ".join(f"{pid}: {threads}, {omp}" for pid, threads, omp in seen)
    )
    print(f"best params: {gs.best_params_}, best score {gs.best_score_:.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
