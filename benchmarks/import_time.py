"""Import time of ``sklearn_rnn`` against its floor, ``import torch, sklearn``.

Run ``python benchmarks/import_time.py`` (``--quick`` for fewer rounds). Each
measurement is a fresh interpreter (``python -c``) timing its own import with
``time.perf_counter``; the two statements alternate, and the medians and their
difference are printed. Then one ``python -X importtime -c "import
sklearn_rnn"`` run lists the top-level packages that ``sklearn_rnn`` pulls in
beyond torch and scikit-learn, by cumulative import time.
"""

import os
import statistics
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import _common as C  # noqa: E402

STATEMENTS = {
    "import torch, sklearn": "import torch, sklearn",
    "import sklearn_rnn": "import sklearn_rnn",
    "import torch, sklearn, skorch": "import torch, sklearn, skorch",
}
PROBE = "import time; t = time.perf_counter(); {stmt}; print(time.perf_counter() - t)"


def time_import(stmt):
    out = subprocess.run(
        [sys.executable, "-c", PROBE.format(stmt=stmt)], check=True, capture_output=True, text=True
    ).stdout
    return float(out.strip().splitlines()[-1])


def import_breakdown(limit=15):
    """Top-level packages by cumulative import time in one ``-X importtime`` run.

    A package's line is printed when its import completes, indented two spaces
    per level of nesting; a package is listed once, where it was first imported.
    """
    err = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", "import sklearn_rnn"], check=True, capture_output=True, text=True
    ).stderr
    rows = []
    for line in err.splitlines():
        if not line.startswith("import time:") or "cumulative" in line:
            continue
        fields = line.split(":", 1)[1].split("|")
        cumulative, name = int(fields[1]), fields[2]
        module = name.strip()
        if "." not in module and not module.startswith("_"):
            depth = (len(name) - len(name.lstrip()) - 1) // 2
            rows.append((module, depth, cumulative / 1e6))
    rows.sort(key=lambda row: -row[2])
    return rows[:limit]


def main(argv=None):
    parser = C.base_parser(__doc__.splitlines()[0], quick_help="3 rounds instead of 9")
    parser.add_argument("--rounds", type=int, default=9)
    args = parser.parse_args(argv)
    rounds = 3 if args.quick else args.rounds
    print(C.machine_line())
    times = {label: [] for label in STATEMENTS}
    for stmt in STATEMENTS.values():  # warm the file cache
        time_import(stmt)
    for r in range(rounds):
        labels = list(STATEMENTS)
        labels = labels[r % len(labels) :] + labels[: r % len(labels)]
        for label in labels:
            times[label].append(time_import(STATEMENTS[label]))
    floor = statistics.median(times["import torch, sklearn"])
    rows = []
    for label, values in times.items():
        med = statistics.median(values)
        rows.append([label, f"{med:.3f}", f"{med - floor:+.3f}", f"{min(values):.3f}", f"{max(values):.3f}"])
    print()
    C.print_table(["statement", "median s", "delta vs torch+sklearn s", "min s", "max s"], rows)
    print(f"\n{rounds} fresh interpreters per statement, interleaved.")
    print("\nTop-level packages imported by `import sklearn_rnn` (one -X importtime run, cumulative s):")
    C.print_table(
        ["package", "nesting depth", "cumulative s"],
        [[name, str(depth), f"{sec:.3f}"] for name, depth, sec in import_breakdown()],
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
