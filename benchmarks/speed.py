"""Fit and predict time of the estimators' defaults against the fastest hand-written PyTorch loop.

Run ``python benchmarks/speed.py`` (seed and medium workloads of issue 11,
idle and loaded) or add ``--quick`` for a smoke run. Every candidate runs in
this one process, interleaved round by round (the order rotates each round),
on the same data, batch size, epochs, Adam learning rate and shuffling. Each
round fits every candidate and predicts the whole data set; then the round's
models are timed together on single-sequence predictions (one sequence per
call, in short blocks taken in turn; median per call, see
:func:`time_latencies`). Times in the tables are medians over the rounds.

Candidates (``--candidates``; N is the number of available CPUs):

* ``ours``: the estimator with its defaults, ``n_threads`` included (the
  estimator's own default decides; PyTorch's process setting is left at its
  startup value);
* ``ours@1``, ``ours@N``: the estimator's defaults with ``n_threads`` 1 and N;
* ``full@1``, ``full@N``: a hand-written loop doing the estimators' default
  arithmetic, at 1 and N threads;
* ``plain@1``, ``plain@N``: the textbook loop (last hidden state, linear
  head, Adam, MSE) at 1 and N threads; the faster of the two is "the fastest
  loop", the floor of every "/ loop" ratio;
* ``skorch``: skorch ``NeuralNetRegressor``, default data path;
* ``keras``: Keras 3 on the torch backend, when installed;
* ``ours-plain`` (not run by default): the estimator set to the textbook
  arithmetic.

Conditions (``--conditions idle,loaded``): "loaded" runs the same rounds
beside ``--load`` busy processes (pure-Python spin loops, see ``_load.py``).
A candidate other than ``ours`` that falls more than ``--give-up`` times
behind the fastest loop gets no further rounds (its row then shows fewer
rounds, whose medians the ratios set against the loops' medians over all
of theirs); the same-arithmetic ratios compare ``ours@k`` and ``full@k``
over the rounds both ran.

Beside the ratios of medians, the tables give the paired ratio (the median
over rounds of each round's ratio to that round's faster loop among the
loops that ran it, which a slow spell of the machine cannot put on one side
only) and the CPU ratio (the process CPU time of all its threads, busy-waiting
ones included, over that of the loop fastest in wall time; it leaves out the
time the process waited for a core).

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
from functools import partial

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402
import _load  # noqa: E402

DEFAULT_CANDIDATES = ("ours", "ours@1", "ours@N", "full@1", "full@N", "plain@1", "plain@N", "skorch", "keras")
# Issue 11's targets: the defaults over the fastest loop.
TARGETS = {
    ("seed", "fit"): 1.20,
    ("medium", "fit"): 1.10,
    ("medium", "predict"): 1.10,
    "latency": 1.5,
    ("medium", "same"): 1.05,
}


class Candidate:
    """One contender: what runs (``kind``) and with which thread setting.

    ``threads`` is an int for the candidates pinned to a thread count, and
    None for those left to their defaults (PyTorch's process setting at its
    startup value; the estimator's own ``n_threads`` default for ``ours``).
    """

    def __init__(self, name, kind, threads=None):
        self.name = name
        self.kind = kind
        self.threads = threads

    def threads_label(self):
        if self.threads is not None:
            return str(self.threads)
        if self.kind in ("ours", "ours-plain"):
            return f"default ({C.default_n_threads()!r})"
        return f"process ({C.DEFAULT_THREADS})"


def make_candidates(names, all_threads):
    """Candidates by name; ``@N`` becomes ``@<all_threads>``; duplicates dropped."""
    candidates, seen = [], set()
    for name in names:
        base, _, at = name.partition("@")
        threads = None if not at else (all_threads if at == "N" else int(at))
        if base not in ("ours", "full", "plain", "skorch", "keras", "ours-plain"):
            raise SystemExit(f"unknown candidate {name!r}")
        if base in ("full", "plain") and threads is None:
            raise SystemExit(f"candidate {name!r}: give a thread count, e.g. {base}@1 or {base}@N")
        label = base if threads is None else f"{base}@{threads}"
        if label not in seen:
            seen.add(label)
            candidates.append(Candidate(label, base, threads))
    return candidates


def run_candidate(candidate, cell, X, y, hidden, epochs, batch, latency_calls):
    """Fit and predict ``X`` once.

    Returns a dict: fit and predict Timers, the final training loss, and
    ``"one"``: ``(fn, threads, calls)``, the fitted model's single-sequence
    predict call with the thread count and number of calls to time it with
    (see :func:`time_latencies`).
    """
    n_timesteps, n_features = X.shape[1], X.shape[2]
    one = X[:1]
    kind = candidate.kind
    threads = candidate.threads if kind in ("full", "plain") else C.DEFAULT_THREADS
    calls = latency_calls
    with C.torch_threads(threads):
        if kind in ("full", "plain"):
            with C.Timer() as fit_t:
                model = C.reference_fit(X, y, cell, hidden, epochs, batch, flavour=kind)
            with C.Timer() as pred_t:
                model.predict(X, batch_size=C.inference_batch_size(n_timesteps, hidden))
            call = partial(model.predict_one, one)
            loss = model.final_loss
        elif kind in ("ours", "ours-plain"):
            n_threads = C.ESTIMATOR_DEFAULT if candidate.threads is None else candidate.threads
            flavour = "plain" if kind == "ours-plain" else "full"
            est = C.make_estimator(cell, hidden, epochs, batch, flavour=flavour, n_threads=n_threads)
            with C.Timer() as fit_t:
                C.fit_quietly(est, X, y)
            with C.Timer() as pred_t:
                est.predict(X)
            call = partial(est.predict, one)
            loss = est.loss_curve_[-1]
        elif kind == "skorch":
            net = C.skorch_regressor(cell, n_features, hidden, epochs, batch)
            C.torch.manual_seed(0)
            with C.Timer() as fit_t:
                net.fit(X, y.reshape(-1, 1))
            with C.Timer() as pred_t:
                net.predict(X)
            call = partial(net.predict, one)
            loss = net.history[-1, "train_loss"]
        elif kind == "keras":
            model = C.keras_regressor(cell, n_timesteps, n_features, hidden)
            with C.Timer() as fit_t:
                history = model.fit(X, y, epochs=epochs, batch_size=batch, shuffle=True, verbose=0)
            with C.Timer() as pred_t:
                model.predict(X, verbose=0)
            call = partial(model.predict, one, verbose=0)
            calls = max(1, latency_calls // 5)
            loss = history.history["loss"][-1]
        else:
            raise ValueError(kind)
    one_call = (call, threads, calls)
    return {
        "fit": fit_t.wall,
        "fit_cpu": fit_t.cpu,
        "pred": pred_t.wall,
        "pred_cpu": pred_t.cpu,
        "one": one_call,
        "loss": float(loss),
    }


def time_latencies(results):
    """Replace each result's ``"one"`` call by its median seconds per call.

    The round's fitted models are timed together, call by call in turn
    (:func:`_common.time_interleaved`), not each in its own block right
    after its fit: single calls take a few hundred microseconds, and a
    block of them catches whatever the shared machine is doing then (one
    round's medians ranged from 130 to 430 us for the same loop).
    """
    medians = C.time_interleaved({name: result["one"] for name, result in results.items()})
    for name, result in results.items():
        result["one"] = medians[name]


def measure_block(args, candidates, cell, X, y, sizes, rounds, keras_rounds):
    """Warm up, then ``rounds`` interleaved rounds; ``{name: {metric: [values]}}``.

    A candidate other than ``ours`` whose median fit so far exceeds
    ``args.give_up`` times the fastest plain loop's is not run in later
    rounds (its table row shows fewer rounds): more rounds of a candidate
    that far behind change no conclusion, and on a loaded machine the
    multi-threaded ones can take minutes per fit.
    """
    hidden, epochs, batch = sizes
    for candidate in candidates:  # untimed warm-up: imports, lazy initialization, allocator
        if candidate.kind != "keras" or (keras_rounds and not args.quick):
            run_candidate(candidate, cell, X[: 2 * batch], y[: 2 * batch], hidden, 1, batch, 2)
    times = {c.name: {"fit": [], "fit_cpu": [], "pred": [], "pred_cpu": [], "one": [], "loss": []} for c in candidates}
    loops = [c.name for c in candidates if c.kind == "plain"]
    active = list(candidates)
    for r in range(rounds):
        shift = r % len(active)
        results = {}
        for candidate in active[shift:] + active[:shift]:
            if candidate.kind == "keras" and r >= keras_rounds:
                continue
            if args.flush_denormal:
                C.torch.set_flush_denormal(True)
            results[candidate.name] = run_candidate(candidate, cell, X, y, hidden, epochs, batch, args.latency_calls)
            if args.flush_denormal and not C.flush_denormal_enabled():
                print(f"  warning: {candidate.name} left denormal flushing off; switched back on", flush=True)
        time_latencies(results)
        for candidate in active[shift:] + active[:shift]:
            if candidate.name not in results:
                continue
            result = results[candidate.name]
            for key, value in result.items():
                times[candidate.name][key].append(value)
            if args.verbose:
                print(
                    f"  round {r} {cell} {candidate.name}: fit {result['fit']:.3f} s, "
                    f"predict {result['pred']:.4f} s, one sequence {1e6 * result['one']:.0f} us",
                    flush=True,
                )
        if args.give_up and r + 1 < rounds:
            floor = min(C.median(times[name]["fit"]) for name in loops)
            for candidate in list(active):
                behind = C.median(times[candidate.name]["fit"]) / floor
                if candidate.kind != "ours" or candidate.threads is not None:
                    if behind > args.give_up:
                        active.remove(candidate)
                        print(
                            f"    {candidate.name}: {behind:.1f}x the fastest loop after {r + 1} round(s), "
                            f"> --give-up {args.give_up}: no more rounds",
                            flush=True,
                        )
    return times


def fastest_loop(times, loops, metric):
    """(median seconds, name) of the fastest plain loop for ``metric``."""
    best = min(loops, key=lambda name: C.median(times[name][metric]))
    return C.median(times[best][metric]), best


def paired_ratio(times, name, loops, metric="fit"):
    """Median over rounds of the candidate's ``metric`` over that round's
    fastest loop, among the loops that ran that round (``--give-up`` stops a
    loop by its fit time; rounds without any loop are left out)."""
    ratios = []
    for r, value in enumerate(times[name][metric]):
        ran = [times[loop][metric][r] for loop in loops if len(times[loop][metric]) > r]
        if ran:
            ratios.append(value / min(ran))
    return C.median(ratios)


def shared_median_ratio(a, b):
    """Median of ``a`` over median of ``b``, over the rounds both ran.

    A candidate dropped by ``--give-up`` holds only the first rounds; its
    median over one slow round against the other's median over all of them
    would compare different moments of a shared machine.
    """
    n = min(len(a), len(b))
    return C.median(a[:n]) / C.median(b[:n]) if n else float("nan")


def fmt_ratio(value):
    return "n/a" if value != value else f"{value:.2f}"  # NaN check


def benchmark(args, workloads):
    names = C.comma_list(args.candidates)
    if "keras" in names and not C.keras_available():
        print("# Keras 3 with the torch backend is not installed: the keras candidate is skipped")
        names.remove("keras")
    for loop in ("plain@1", "plain@N"):
        if loop not in names:
            names.append(loop)  # the floor of every ratio
    candidates = make_candidates(names, args.all_threads)
    loops = [c.name for c in candidates if c.kind == "plain"]
    conditions = C.comma_list(args.conditions)
    print(
        f"# candidates: {', '.join(f'{c.name} [threads: {c.threads_label()}]' for c in candidates)}; "
        f"conditions: {', '.join(conditions)}"
        + (f" (loaded: {args.load} busy processes)" if "loaded" in conditions else "")
    )
    results = {}
    for workload in C.comma_list(args.workloads):
        n, steps, features, hidden, epochs, batch = workloads[workload]
        X, y = C.make_data(n, steps, features)
        rounds = args.seed_rounds if workload == "seed" else args.rounds
        keras_rounds = min(rounds, args.keras_rounds)
        print(
            f"# {workload}: {n} x {steps} x {features}, hidden {hidden}, {epochs} epochs, batch {batch}, "
            f"{rounds} rounds" + (f" ({keras_rounds} for keras)" if any(c.kind == "keras" for c in candidates) else ""),
            flush=True,
        )
        for cell in C.comma_list(args.cells):
            for condition in conditions:
                with _load.condition(condition, args.load, args.load_max_seconds) as load:
                    print(f"  {workload} {cell} {condition}: load average {C.load_average():.2f}", flush=True)
                    times = measure_block(args, candidates, cell, X, y, (hidden, epochs, batch), rounds, keras_rounds)
                    if load and not all(p.is_alive() for p in load):
                        print("  warning: the load ended before the block (raise --load-max-seconds)", flush=True)
                results[condition, workload, cell] = times
                print_block_line(times, candidates, loops)
    print()
    for condition in conditions:
        beside = f" ({args.load} busy processes beside the benchmark)" if condition == "loaded" else ""
        print(f"\n## {condition}{beside}")
        main_table(results, condition, candidates, loops)
    same_arithmetic_table(results, conditions, candidates)
    targets_table(results, conditions, candidates, loops)


def print_block_line(times, candidates, loops):
    fit_floor, _ = fastest_loop(times, loops, "fit")
    parts = [f"{c.name} {C.median(times[c.name]['fit']) / fit_floor:.2f}" for c in candidates if times[c.name]["fit"]]
    print("    fit / fastest loop: " + ", ".join(parts), flush=True)


def main_table(results, condition, candidates, loops):
    rows = []
    for (cond, workload, cell), times in results.items():
        if cond != condition:
            continue
        floors = {metric: fastest_loop(times, loops, metric) for metric in ("fit", "pred", "one")}
        for c in candidates:
            t = times[c.name]
            if not t["fit"]:
                continue
            fit, pred, one = C.median(t["fit"]), C.median(t["pred"]), C.median(t["one"])
            rows.append(
                [
                    workload,
                    cell,
                    c.name,
                    c.threads_label(),
                    str(len(t["fit"])),
                    f"{fit:.3f}",
                    fmt_ratio(fit / floors["fit"][0]),
                    fmt_ratio(paired_ratio(times, c.name, loops)),
                    fmt_ratio(C.median(t["fit_cpu"]) / C.median(times[floors["fit"][1]]["fit_cpu"])),
                    f"{pred:.4f}",
                    fmt_ratio(pred / floors["pred"][0]),
                    fmt_ratio(paired_ratio(times, c.name, loops, "pred")),
                    fmt_ratio(C.median(t["pred_cpu"]) / C.median(times[floors["pred"][1]]["pred_cpu"])),
                    f"{1e6 * one:.0f}",
                    fmt_ratio(one / floors["one"][0]),
                    f"{t['loss'][-1]:.4f}",
                ]
            )
    C.print_table(
        [
            "workload",
            "cell",
            "candidate",
            "threads",
            "rounds",
            "fit s",
            "fit / loop",
            "paired",
            "CPU / loop",
            "predict s",
            "predict / loop",
            "paired",
            "CPU / loop",
            "1-seq us",
            "1-seq / loop",
            "final loss",
        ],
        rows,
    )
    print(
        "loop: the fastest plain loop of that row's workload and cell (the faster of plain@1 and plain@N, "
        "chosen per metric). Times are medians over the rounds; paired: median of per-round ratios to "
        "that round's faster plain loop among those that ran it; CPU: process CPU time over that of "
        "the loop fastest in wall time; 1-seq: median seconds of one predict call on one sequence, in "
        "microseconds."
    )


def same_arithmetic_table(results, conditions, candidates):
    """ours@k over full@k: the wrapper's cost at equal arithmetic and threads."""
    names = {c.name for c in candidates}
    counts = sorted({c.threads for c in candidates if c.kind == "ours" and c.threads is not None})
    counts = [k for k in counts if f"full@{k}" in names]
    if not counts:
        return
    rows = []
    for (condition, workload, cell), times in results.items():
        row = [condition, workload, cell]
        for k in counts:
            ours, full = times[f"ours@{k}"], times[f"full@{k}"]
            paired = C.median([a / b for a, b in zip(ours["fit"], full["fit"], strict=False)])
            row += [
                fmt_ratio(shared_median_ratio(ours["fit"], full["fit"])),
                fmt_ratio(paired),
                fmt_ratio(shared_median_ratio(ours["pred"], full["pred"])),
                fmt_ratio(shared_median_ratio(ours["one"], full["one"])),
            ]
        rows.append(row)
    print("\n## same arithmetic: the estimator over the loop doing its arithmetic, at equal threads")
    header = ["condition", "workload", "cell"]
    for k in counts:
        header += [f"fit @{k}", f"paired @{k}", f"predict @{k}", f"1-seq @{k}"]
    C.print_table(header, rows)


def targets_table(results, conditions, candidates, loops):
    """Issue 11's targets for the defaults, cell by cell."""
    names = {c.name for c in candidates}
    if "ours" not in names:
        return
    same_counts = [c.threads for c in candidates if c.kind == "ours" and c.threads is not None]
    same_counts = [k for k in same_counts if f"full@{k}" in names]
    rows = []
    for (condition, workload, cell), times in results.items():
        floors = {metric: fastest_loop(times, loops, metric)[0] for metric in ("fit", "pred", "one")}
        ratio = {m: C.median(times["ours"][m]) / floors[m] for m in ("fit", "pred", "one")}
        missed = []
        fit_target = TARGETS.get((workload, "fit"))
        if fit_target and ratio["fit"] > fit_target:
            missed.append(f"fit > {fit_target}")
        pred_target = TARGETS.get((workload, "predict"))
        if pred_target and ratio["pred"] > pred_target:
            missed.append(f"predict > {pred_target}")
        if ratio["one"] > TARGETS["latency"]:
            missed.append(f"1-seq > {TARGETS['latency']}")
        same = float("nan")
        if same_counts:
            same = max(shared_median_ratio(times[f"ours@{k}"]["fit"], times[f"full@{k}"]["fit"]) for k in same_counts)
            same_target = TARGETS.get((workload, "same"))
            if same_target and same > same_target:
                missed.append(f"same arithmetic > {same_target}")
        rivals = []
        for rival in ("skorch", "keras"):
            if rival in names and times[rival]["fit"]:
                r = {m: C.median(times[rival][m]) / floors[m] for m in ("fit", "pred", "one")}
                rivals.append(f"{r['fit']:.2f} / {r['pred']:.2f} / {r['one']:.1f}")
                behind = [m for m in ("fit", "pred", "one") if ratio[m] >= r[m]]
                if behind:
                    missed.append(f"not ahead of {rival} ({', '.join(behind)})")
            else:
                rivals.append("n/a")
        rows.append(
            [condition, workload, cell]
            + [fmt_ratio(ratio["fit"]), fmt_ratio(ratio["pred"]), fmt_ratio(ratio["one"]), fmt_ratio(same)]
            + rivals
            + ["yes" if not missed else "NO: " + "; ".join(missed)]
        )
    print(
        "\n## issue 11 targets: the defaults (ours) over the fastest loop; seed fit <= 1.20, medium fit and "
        "predict <= 1.10, 1-seq <= 1.5, same arithmetic (worst thread count) <= 1.05 on medium, ahead of "
        "skorch and keras"
    )
    C.print_table(
        [
            "condition",
            "workload",
            "cell",
            "fit",
            "predict",
            "1-seq",
            "same arith.",
            "skorch fit / predict / 1-seq",
            "keras fit / predict / 1-seq",
            "met",
        ],
        rows,
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
    # Both sides pinned to the same thread count (make_estimator's default
    # pins n_threads to the process setting), for a stable profile.
    C.set_threads(args.profile_threads)
    print(f"# profile at {args.profile_threads} torch thread(s) for both the estimator and the loop")
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

    For the estimator, ``SequenceNet.train_step`` (forward, loss, backward,
    clipping, Adam) is wrapped with a timer; for the hand-written loop the same
    span is timed. Whatever is left of the fit is the data path, bookkeeping
    and per-fit set-up (for both: input and target standardization).
    """
    import time

    from sklearn_rnn._training import SequenceNet

    original = SequenceNet.train_step
    spent = {"step": 0.0}

    def timed_train_step(self, batch_, **fit_params):
        tic = time.perf_counter()
        try:
            return original(self, batch_, **fit_params)
        finally:
            spent["step"] += time.perf_counter() - tic

    results = {"ours": [], "ref": []}
    try:
        SequenceNet.train_step = timed_train_step
        for r in range(rounds):
            for name in ("ref", "ours") if r % 2 == 0 else ("ours", "ref"):
                spent["step"] = 0.0
                with C.Timer() as t:
                    if name == "ours":
                        C.fit_quietly(C.make_estimator(cell, hidden, epochs, batch), X, y)
                    else:
                        C.reference_fit(X, y, cell, hidden, epochs, batch, flavour="full", step_timer=spent)
                results[name].append((t.wall, spent["step"]))
    finally:
        SequenceNet.train_step = original
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
    """Time the estimator's per-fit steps one by one (no profiler overhead).

    These call the package's private helpers, whose signatures may change:
    a step that cannot be called any more is reported as such, not fatal.
    """
    import torch

    from sklearn_rnn import _base, _data
    from sklearn_rnn._module import parse_summary
    from sklearn_rnn._validation import check_sequences

    reps = 20
    timings = {}

    def measure(label, fn):
        values = []
        try:
            for _ in range(reps):
                with C.Timer() as t:
                    fn()
                values.append(t.wall)
        except (TypeError, AttributeError) as error:  # a private signature changed
            timings[label] = f"not measured ({type(error).__name__}: {error})"
            return
        timings[label] = f"{1e3 * C.median(values):.3f} ms"

    fresh = C.make_estimator(cell, hidden, epochs, batch)
    summary = parse_summary(fresh.summary)
    mean, scale = _base._input_statistics(X, None)
    measure("_validate_params (sklearn constraints)", fresh._validate_params)
    measure("check_sequences (validate_data)", lambda: check_sequences(fresh, X, reset=True))
    measure("_validate_target (float64, standardized)", lambda: fresh._validate_target(y, reset=True))
    measure("_input_statistics (float64)", lambda: _base._input_statistics(X, None))
    measure("standardize (float64 -> float32)", lambda: _data.standardize(X, mean, scale))
    # fit resolves downsample_ before it builds the net
    fresh.downsample_ = _base._resolve_downsample(fresh.downsample, X.shape[1])
    measure(
        "_build_net + initialize",
        lambda: fresh._build_net(X.shape[2], summary, "cpu", mean, scale).initialize(),
    )
    measure("torch.random.fork_rng + manual_seed", lambda: _fork(torch))
    measure("predict: check_sequences(reset=False)", lambda: check_sequences(est, X, reset=False))
    print("\nunprofiled per-fit steps (median of 20):")
    for label, value in timings.items():
        print(f"  {label}: {value}")
    # Per-step costs of skorch's bookkeeping, measured directly.
    net = est.net_
    n_steps = 2000
    batch_data = (torch.zeros(batch, 1), torch.zeros(batch))
    net.history.new_epoch()
    with C.Timer() as lean:
        for _ in range(n_steps):
            net.history.new_batch()
            net.history.record_batch("train_loss", 0.5)
            net.history.record_batch("train_batch_size", batch)
    with C.Timer() as notify:
        for _ in range(n_steps):
            net.notify("on_batch_begin", batch=batch_data, training=True)
            net.notify("on_batch_end", batch=batch_data, training=True, loss=None, y_pred=None)
    check = getattr(net, "has_user_callbacks", None)
    user_check = float("nan")
    if check is not None:
        with C.Timer() as t:
            for _ in range(n_steps):
                check()
        user_check = 1e6 * t.wall / n_steps
    print(
        f"  per step: history (new_batch + 2 record_batch) {1e6 * lean.wall / n_steps:.1f} us; "
        f"2 notify (sent only with user callbacks) {1e6 * notify.wall / n_steps:.1f} us; "
        f"has_user_callbacks() {user_check:.1f} us"
    )


def _fork(torch):
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(0)


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0], threads=False)
    parser.add_argument("--workloads", default="seed,medium", help="comma-separated: seed, medium, long")
    parser.add_argument(
        "--cells", default=None, help="comma-separated: rnn, lstm, gru (default: all three; lstm with --quick)"
    )
    parser.add_argument(
        "--candidates",
        default=",".join(DEFAULT_CANDIDATES),
        help="comma-separated, from ours, ours@K, full@K, plain@K (K a thread count or N, all CPUs), skorch, "
        "keras, ours-plain; plain@1 and plain@N are always added (default: %(default)s)",
    )
    parser.add_argument(
        "--conditions", default="idle,loaded", help="comma-separated: idle, loaded (default: %(default)s)"
    )
    parser.add_argument(
        "--load",
        type=int,
        default=_load.default_load(),
        help="busy processes beside the benchmark in the loaded condition (default: one per CPU, %(default)s)",
    )
    parser.add_argument(
        "--load-max-seconds", type=float, default=3600.0, help="upper bound on each load process's life, per block"
    )
    parser.add_argument(
        "--all-threads", type=int, default=C.ALL_THREADS, help="N in the @N candidates (default: %(default)s CPUs)"
    )
    parser.add_argument("--seed-rounds", type=int, default=15, help="rounds for the seed workload")
    parser.add_argument("--rounds", type=int, default=5, help="rounds for the medium (and long) workload")
    parser.add_argument("--keras-rounds", type=int, default=5, help="at most this many rounds for keras")
    parser.add_argument(
        "--give-up",
        type=float,
        default=3.0,
        help="no more rounds for a candidate (not ours) slower than this many times the fastest loop (0: never)",
    )
    parser.add_argument(
        "--latency-calls", type=int, default=50, help="single-sequence predict calls per round (keras: a fifth)"
    )
    parser.add_argument(
        "--flush-denormal",
        action="store_true",
        help="torch.set_flush_denormal(True) before every candidate run (see README: long sequences)",
    )
    parser.add_argument("--profile", action="store_true", help="profile the seed and medium workloads instead")
    parser.add_argument("--profile-threads", type=int, default=1, help="torch threads of both sides in --profile")
    parser.add_argument("--top", type=int, default=25, help="functions listed per profile")
    parser.add_argument("--split-rounds", type=int, default=5, help="rounds of the in-step/outside-step split")
    parser.add_argument("--verbose", action="store_true", help="print every timing")
    args = parser.parse_args(argv)
    workloads = C.QUICK_WORKLOADS if args.quick else C.WORKLOADS
    args.cells = args.cells or ("lstm" if args.quick else ",".join(C.CELLS))
    if args.quick:
        args.seed_rounds = min(args.seed_rounds, 1)
        args.rounds = min(args.rounds, 1)
        args.keras_rounds = min(args.keras_rounds, 1)
        args.latency_calls = min(args.latency_calls, 10)
        args.top = min(args.top, 12)
        args.split_rounds = 1
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
