"""Fit and predict time of the estimators against a hand-written PyTorch loop.

Run ``python benchmarks/speed.py`` (full sizes of issue 4) or add ``--quick``
for a smoke run. Every candidate runs in this one process, interleaved round
by round (the order rotates each round), with the same torch thread count,
data, batch size, epochs, Adam learning rate and shuffling. The table gives
medians over the rounds and two ratios to the matching hand-written loop:
the ratio of the medians, the median of the per-round ratios ("paired",
robust to the load of a shared machine drifting between rounds) and the ratio
of the fastest rounds ("min": load only ever adds time).

Candidates (``--candidates``):

* ``ref-full``: hand-written loop doing what the estimators do by default;
* ``ours``: the package's estimator with its defaults (vs ``ref-full``);
* ``ref-plain``: textbook loop, last state through a linear head;
* ``ours-plain``: the estimator set to the same arithmetic (vs ``ref-plain``);
* ``skorch``: skorch ``NeuralNetRegressor`` with its default data path (vs ``ref-plain``);
* ``keras``: Keras 3 on the torch backend, when installed (vs ``ref-plain``).

``--profile`` instead runs cProfile over one fit and one predict of the
estimator and of the hand-written loop, for the seed and medium workloads,
and prints where the estimator's extra time goes.
"""

import cProfile
import io
import os
import pstats
import sys
import warnings

os.environ.setdefault("KERAS_BACKEND", "torch")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402

ALL_CANDIDATES = ("ref-full", "ours", "ref-plain", "ours-plain", "skorch", "keras")
DEFAULT_CANDIDATES = ("ref-full", "ours", "ref-plain", "skorch", "keras")
BASELINE = {"ours": "ref-full", "ours-plain": "ref-plain", "skorch": "ref-plain", "keras": "ref-plain"}


def run_candidate(name, cell, X, y, hidden, epochs, batch):
    """Fit and predict once; returns (fit Timer, predict Timer, final training loss)."""
    n_timesteps, n_features = X.shape[1], X.shape[2]
    if name.startswith("ref-"):
        flavour = name[4:]
        with C.Timer() as fit_t:
            model = C.reference_fit(X, y, cell, hidden, epochs, batch, flavour=flavour)
        with C.Timer() as pred_t:
            model.predict(X, batch_size=C.inference_batch_size(n_timesteps, hidden))
        return fit_t, pred_t, model.final_loss
    if name in ("ours", "ours-plain"):
        est = C.make_estimator(cell, hidden, epochs, batch, flavour="plain" if name == "ours-plain" else "full")
        with C.Timer() as fit_t:
            C.fit_quietly(est, X, y)
        with C.Timer() as pred_t:
            est.predict(X)
        return fit_t, pred_t, est.loss_curve_[-1]
    if name == "skorch":
        net = C.skorch_regressor(cell, n_features, hidden, epochs, batch)
        y2 = y.reshape(-1, 1)
        C.torch.manual_seed(0)
        with C.Timer() as fit_t:
            net.fit(X, y2)
        with C.Timer() as pred_t:
            net.predict(X)
        return fit_t, pred_t, net.history[-1, "train_loss"]
    if name == "keras":
        model = C.keras_regressor(cell, n_timesteps, n_features, hidden)
        with C.Timer() as fit_t:
            hist = model.fit(X, y, epochs=epochs, batch_size=batch, shuffle=True, verbose=0)
        with C.Timer() as pred_t:
            model.predict(X, verbose=0)
        return fit_t, pred_t, hist.history["loss"][-1]
    raise ValueError(name)


def benchmark(args, workloads):
    candidates = [c for c in args.candidates.split(",") if c]
    if "keras" in candidates and not C.keras_available():
        print("# Keras (torch backend) not installed: skipping the keras candidate")
        candidates.remove("keras")
    for name, base in BASELINE.items():
        if name in candidates and base not in candidates:
            candidates.insert(0, base)
    rows = []
    for workload in args.workloads.split(","):
        n, steps, features, hidden, epochs, batch = workloads[workload]
        X, y = C.make_data(n, steps, features)
        rounds = {"seed": args.seed_rounds, "medium": args.rounds, "long": args.long_rounds}[workload]
        keras_rounds = min(rounds, args.keras_rounds if workload != "long" else max(1, args.keras_rounds // 2))
        if workload == "long" and not args.keras_long:
            keras_rounds = 0  # Keras's Python-level recurrence: minutes per fit on 1,000 steps
        print(
            f"# {workload}: {n} x {steps} x {features}, hidden {hidden}, {epochs} epochs, batch {batch}, "
            f"{rounds} rounds" + (f" ({keras_rounds} for keras)" if "keras" in candidates else ""),
            flush=True,
        )
        for cell in args.cells.split(","):
            # Warm-up: one untimed run of each candidate (imports, lazy initialization).
            for name in candidates:
                if name != "keras" or keras_rounds:
                    run_candidate(name, cell, X[: 2 * batch], y[: 2 * batch], hidden, 1, batch)
            times = {name: {"fit": [], "fit_cpu": [], "pred": [], "loss": []} for name in candidates}
            for r in range(rounds):
                order = candidates[r % len(candidates) :] + candidates[: r % len(candidates)]
                for name in order:
                    if name == "keras" and r >= keras_rounds:
                        continue
                    fit_t, pred_t, loss = run_candidate(name, cell, X, y, hidden, epochs, batch)
                    t = times[name]
                    t["fit"].append(fit_t.wall)
                    t["fit_cpu"].append(fit_t.cpu)
                    t["pred"].append(pred_t.wall)
                    t["loss"].append(loss)
                    if args.verbose:
                        print(f"  round {r} {cell} {name}: fit {fit_t.wall:.3f} s, predict {pred_t.wall:.3f} s")
            for name in candidates:
                t = times[name]
                if not t["fit"]:
                    continue
                base = BASELINE.get(name)
                row = [workload, cell, name, f"{C.median(t['fit']):.3f}", f"{min(t['fit']):.3f}"]
                if base is None:
                    row += ["1.00", "1.00", "1.00", "1.00", f"{C.median(t['pred']):.4f}", "1.00"]
                else:
                    b = times[base]
                    paired = [a / c for a, c in zip(t["fit"], b["fit"], strict=False)]
                    row += [
                        f"{C.median(t['fit']) / C.median(b['fit']):.2f}",
                        f"{C.median(paired):.2f}",
                        f"{min(t['fit']) / min(b['fit']):.2f}",
                        f"{C.median(t['fit_cpu']) / C.median(b['fit_cpu']):.2f}",
                        f"{C.median(t['pred']):.4f}",
                        f"{C.median(t['pred']) / C.median(b['pred']):.2f}",
                    ]
                row.append(f"{t['loss'][-1]:.4f}")
                rows.append(row)
                print("  " + " | ".join(row), flush=True)
    print()
    C.print_table(
        [
            "workload",
            "cell",
            "candidate",
            "fit s (median)",
            "fit s (min)",
            "fit ratio",
            "fit ratio (paired)",
            "fit ratio (min)",
            "fit CPU ratio",
            "predict s (median)",
            "predict ratio",
            "final train loss",
        ],
        rows,
    )
    print(
        "\nratio: median of the candidate / median of its hand-written loop "
        "(ours -> ref-full; ours-plain, skorch, keras -> ref-plain). "
        "paired: median of per-round ratios. min: ratio of the fastest rounds (noise on a shared "
        "machine only adds time). CPU: process CPU time, medians."
    )


# -- profiling -------------------------------------------------------------------------------

GROUPS = (
    ("sklearn_rnn", f"{os.sep}sklearn_rnn{os.sep}"),
    ("skorch", f"{os.sep}skorch{os.sep}"),
    ("sklearn", f"{os.sep}sklearn{os.sep}"),
    ("torch (python)", f"{os.sep}torch{os.sep}"),
    ("numpy (python)", f"{os.sep}numpy{os.sep}"),
    ("benchmarks", f"{os.sep}benchmarks{os.sep}"),
)


def _group(filename, funcname):
    for group, marker in GROUPS:
        if marker in filename:
            return group
    if filename == "~":
        if "torch" in funcname or "Tensor" in funcname or "_VariableFunctions" in funcname:
            return "torch C ops"
        if "numpy" in funcname:
            return "numpy C"
        return "builtins (other)"
    return "stdlib/other python"


def profile_one(label, fn):
    profiler = cProfile.Profile()
    profiler.enable()
    fn()
    profiler.disable()
    stats = pstats.Stats(profiler)
    total = stats.total_tt
    by_group = {}
    for (filename, _, funcname), (_, _, tottime, _, _) in stats.stats.items():
        group = _group(filename, funcname)
        by_group[group] = by_group.get(group, 0.0) + tottime
    print(f"\n### {label}: {total:.3f} s under cProfile")
    print("self time by origin: " + ", ".join(f"{g} {t:.3f}" for g, t in sorted(by_group.items(), key=lambda x: -x[1])))
    return stats, total


def print_top(stats, pattern, limit, sort="cumulative"):
    buffer = io.StringIO()
    stats.stream = buffer
    stats.sort_stats(sort).print_stats(pattern, limit)
    lines = buffer.getvalue().splitlines()
    start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
    print("\n".join(line for line in lines[start:] if line.strip()))


def profile(args, workloads):
    cell = args.cells.split(",")[0] if args.cells != ",".join(C.CELLS) else "lstm"
    for workload in ("seed", "medium"):
        profile_workload(args, workload, cell, *workloads[workload])


def profile_workload(args, workload, cell, n, steps, features, hidden, epochs, batch):
    X, y = C.make_data(n, steps, features)
    n_batches = epochs * -(-n // batch)
    print(f"\n## profile {workload} ({cell}): {n} x {steps} x {features}, {epochs} epochs, {n_batches} steps")
    # Warm up both paths once.
    C.reference_fit(X[:64], y[:64], cell, hidden, 1, batch)
    C.fit_quietly(C.make_estimator(cell, hidden, 1, batch), X[:64], y[:64])

    holder = {}

    def reference():
        holder["ref"] = C.reference_fit(X, y, cell, hidden, epochs, batch)

    ref_stats, ref_total = profile_one("hand-written fit (full)", reference)
    est = C.make_estimator(cell, hidden, epochs, batch)
    est_stats, est_total = profile_one("sklearn-rnn fit (defaults)", lambda: C.fit_quietly(est, X, y))
    print(
        f"extra under the profiler: {est_total - ref_total:.3f} s in total, "
        f"{1e6 * (est_total - ref_total) / n_batches:.0f} us per step"
    )
    print("\nsklearn-rnn fit, package/skorch/sklearn functions by cumulative time:")
    print_top(est_stats, r"sklearn_rnn|skorch|sklearn[/\\]", args.top)
    print("\nsklearn-rnn fit, by self time (all):")
    print_top(est_stats, "", args.top, sort="tottime")
    print("\nhand-written fit, by self time (all):")
    print_top(ref_stats, "", args.top // 2, sort="tottime")

    bs = C.inference_batch_size(steps, hidden)
    _, ref_pred = profile_one("hand-written predict", lambda: holder["ref"].predict(X, batch_size=bs))
    est_pred_stats, est_pred = profile_one("sklearn-rnn predict", lambda: est.predict(X))
    print(f"predict extra under the profiler: {est_pred - ref_pred:.4f} s")
    print_top(est_pred_stats, r"sklearn_rnn|skorch|sklearn[/\\]", args.top // 2)

    step_split(X, y, cell, hidden, epochs, batch, n_batches, rounds=args.split_rounds)
    # Unprofiled breakdown of the estimator's fixed per-fit costs.
    fixed_costs(est, X, y, cell, hidden, epochs, batch)


def step_split(X, y, cell, hidden, epochs, batch, n_batches, rounds):
    """Fit time inside the optimizer steps vs outside them, without a profiler.

    For the estimator, skorch's ``train_step`` (forward, loss, backward,
    clipping, Adam) is wrapped with a timer; for the hand-written loop the same
    span is timed. Whatever is left of the fit is the data path, bookkeeping
    and per-fit set-up.
    """
    import time

    import torch
    from torch import nn

    from sklearn_rnn import _base

    original = _base._SequenceNet.train_step
    spent = {"step": 0.0}

    def timed_train_step(self, batch_, **fit_params):
        tic = time.perf_counter()
        try:
            return original(self, batch_, **fit_params)
        finally:
            spent["step"] += time.perf_counter() - tic

    def reference_loop():
        torch.manual_seed(C.estimator_seed(0))
        n, _, f = X.shape
        net = C.ReferenceNetwork(cell, f, hidden, summary=("last", "mean", "max"), standardize=True)
        mean, std = X.reshape(-1, f).mean(axis=0), X.reshape(-1, f).std(axis=0)
        net.input_mean.copy_(torch.from_numpy(mean))
        net.input_scale.copy_(torch.from_numpy(std))
        X_t = torch.from_numpy(X)
        y_t = torch.from_numpy(((y - y.mean()) / y.std()).astype("float32").reshape(-1, 1))
        opt = torch.optim.Adam(net.parameters(), lr=C.LEARNING_RATE, weight_decay=C.ALPHA / n)
        criterion = nn.MSELoss()
        net.train()
        for _ in range(epochs):
            for index in torch.randperm(n).split(batch):
                xb, yb = X_t[index], y_t[index]
                tic = time.perf_counter()
                opt.zero_grad(set_to_none=True)
                loss = criterion(net(xb), yb)
                loss.backward()
                nn.utils.clip_grad_norm_(net.parameters(), C.CLIP)
                opt.step()
                spent["step"] += time.perf_counter() - tic
                loss.item()

    results = {"ours": [], "ref": []}
    try:
        _base._SequenceNet.train_step = timed_train_step
        for r in range(rounds):
            for name in ("ref", "ours") if r % 2 == 0 else ("ours", "ref"):
                spent["step"] = 0.0
                with C.Timer() as t:
                    if name == "ours":
                        C.fit_quietly(C.make_estimator(cell, hidden, epochs, batch), X, y)
                    else:
                        reference_loop()
                results[name].append((t.wall, spent["step"]))
    finally:
        _base._SequenceNet.train_step = original
    print(f"\ninside vs outside the optimizer steps (no profiler, median of {rounds}, order alternating):")
    for name, label in (("ref", "hand-written"), ("ours", "sklearn-rnn")):
        total = C.median([a for a, _ in results[name]])
        inside = C.median([b for _, b in results[name]])
        outside = C.median([a - b for a, b in results[name]])
        print(
            f"  {label}: fit {total:.3f} s, in steps {inside:.3f} s, outside {outside:.3f} s "
            f"({1e6 * outside / n_batches:.0f} us per step)"
        )


def fixed_costs(est, X, y, cell, hidden, epochs, batch):
    """Time the estimator's per-fit steps one by one (no profiler overhead)."""
    import torch

    from sklearn_rnn import _base
    from sklearn_rnn._module import parse_summary
    from sklearn_rnn._validation import check_sequences

    reps = 20
    timings = {}

    def measure(label, fn):
        values = []
        for _ in range(reps):
            with C.Timer() as t:
                fn()
            values.append(t.wall)
        timings[label] = C.median(values)

    fresh = C.make_estimator(cell, hidden, epochs, batch)
    measure("_validate_params (sklearn constraints)", fresh._validate_params)
    measure("check_sequences (validate_data)", lambda: check_sequences(fresh, X, reset=True))
    measure("_validate_target", lambda: fresh._validate_target(y, reset=True))
    measure("_input_statistics", lambda: _base._input_statistics(X, None))
    measure(
        "_build_net (NeuralNet + initialize)",
        lambda: fresh._build_net(X.shape[2], len(X), parse_summary(fresh.summary), "cpu", None),
    )
    measure("torch.random.fork_rng + manual_seed", lambda: _fork(torch))
    net = fresh._build_net(X.shape[2], len(X), parse_summary(fresh.summary), "cpu", None)
    measure("copy.deepcopy(callbacks=None)", lambda: _base.copy.deepcopy([]))
    measure("net.get_iterator (per epoch)", lambda: net.get_iterator(None, training=True))
    measure("predict: check_sequences(reset=False)", lambda: check_sequences(est, X, reset=False))
    print("\nunprofiled per-fit / per-epoch steps (median of 20):")
    for label, value in timings.items():
        print(f"  {label}: {1e3 * value:.3f} ms")
    # Per-step costs of skorch's bookkeeping, measured directly.
    n_steps = 2000
    batch_data = (torch.zeros(batch, 1), torch.zeros(batch))
    net.history.new_epoch()
    with C.Timer() as t:
        for _ in range(n_steps):
            net.notify("on_batch_begin", batch=batch_data, training=True)
            net.history.record_batch("train_loss", 0.5)
            net.history.record_batch("train_batch_size", batch)
            net.notify("on_batch_end", batch=batch_data, training=True, loss=None, y_pred=None)
    per_step = 1e6 * t.wall / n_steps
    with C.Timer() as t:
        for _ in range(n_steps):
            net._set_training(True)
    set_training = 1e6 * t.wall / n_steps
    with C.Timer() as t:
        for _ in range(n_steps):
            net.history.new_batch()
    print(
        f"  skorch per-step bookkeeping (2 notify + 2 record_batch): {per_step:.1f} us; "
        f"_set_training(True) per step: {set_training:.1f} us; new_batch: {1e6 * t.wall / n_steps:.1f} us"
    )


def _fork(torch):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0])
    parser.add_argument("--workloads", default="seed,medium,long", help="comma-separated: seed, medium, long")
    parser.add_argument("--cells", default=",".join(C.CELLS), help="comma-separated: rnn, lstm, gru")
    parser.add_argument(
        "--candidates",
        default=",".join(DEFAULT_CANDIDATES),
        help=f"comma-separated, from {', '.join(ALL_CANDIDATES)} (default: all but ours-plain)",
    )
    parser.add_argument("--seed-rounds", type=int, default=15, help="rounds for the seed workload")
    parser.add_argument("--rounds", type=int, default=5, help="rounds for the medium workload")
    parser.add_argument("--long-rounds", type=int, default=5, help="rounds for the long workload")
    parser.add_argument(
        "--keras-rounds", type=int, default=2, help="rounds for keras (half as many on the long workload)"
    )
    parser.add_argument(
        "--keras-long", action="store_true", help="also run keras on the long workload (minutes per fit)"
    )
    parser.add_argument(
        "--flush-denormal",
        action="store_true",
        help="torch.set_flush_denormal(True) for every candidate (see README: long sequences, summary='last')",
    )
    parser.add_argument("--profile", action="store_true", help="profile the seed and medium workloads instead")
    parser.add_argument("--top", type=int, default=25, help="functions listed per profile")
    parser.add_argument("--split-rounds", type=int, default=5, help="rounds of the in-step/outside-step split")
    parser.add_argument("--verbose", action="store_true", help="print every timing")
    args = parser.parse_args(argv)
    workloads = C.QUICK_WORKLOADS if args.quick else C.WORKLOADS
    if args.quick:
        args.seed_rounds = min(args.seed_rounds, 3)
        args.rounds = min(args.rounds, 2)
        args.long_rounds = min(args.long_rounds, 1)
        args.keras_rounds = 1
        args.top = min(args.top, 12)
        args.split_rounds = 1
    C.set_threads(args.threads)
    if args.flush_denormal:
        C.torch.set_flush_denormal(True)
    print(C.machine_line() + (", flush_denormal" if args.flush_denormal else ""))
    warnings.filterwarnings("ignore", category=UserWarning, module="keras")
    if args.profile:
        profile(args, workloads)
    else:
        benchmark(args, workloads)
    return 0


if __name__ == "__main__":
    sys.exit(main())
