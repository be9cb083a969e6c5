#!/usr/bin/python3
"""Runs the benchmark of bench/README.md and prints its tables (bench/run.sh builds first).

Every figure is measured in this one invocation: the simulator (`localsgd run SPEC --threads 1`
and `--threads 2`), the minimal C++ loop (build/bench/minimal_loop) and the NumPy script
(bench/numpy_baseline.py) on the same workloads, each repeated, medians reported, with the
spread (max/min of the repetitions) and the CPU time other processes took meanwhile, since these
machines are shared.

What is timed:
  simulator     the "wall time of the runs" that `localsgd run` prints: executing the runs, with
                setting up the workers (seeding their streams) and every evaluation point, not
                loading the spec and building the problem before (data generation, factorisations),
                nor writing metrics.csv/summary.json after; plots are off in the specs. For the
                tables over p and T, each run's own wall_seconds (summary.json).
  minimal loop  seeding the streams, the steps and averages, and the two evaluations (t = 0, T)
                every simulator run also writes; not generating the data.
  NumPy         the loop and the same two evaluations; not generating the data.
"""
import argparse
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "bench" / "specs"
LOCALSGD = ROOT / "build" / "experiments" / "localsgd"
MINIMAL = ROOT / "build" / "bench" / "minimal_loop"
PROBE = ROOT / "build" / "bench" / "read_bandwidth"
NUMPY = ROOT / "bench" / "numpy_baseline.py"
PYTHON = "/usr/bin/python3"
HZ = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024


def busy_seconds():
    """CPU seconds spent by everything on the machine so far (all cores, not idle or iowait)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / HZ


def timed(cmd, env=None):
    """Runs cmd under /usr/bin/time; returns (stdout, wall, own cpu seconds, peak RSS bytes, others' cpu)."""
    before = busy_seconds()
    started = time.perf_counter()
    proc = subprocess.run(["/usr/bin/time", "-f", "%U %S %M", *map(str, cmd)], capture_output=True, text=True,
                          env=env)
    wall = time.perf_counter() - started
    after = busy_seconds()
    if proc.returncode not in (0, 3, 4):
        sys.exit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{proc.stderr}")
    user, system, rss_kb = proc.stderr.strip().splitlines()[-1].split()
    own = float(user) + float(system)
    return proc.stdout, wall, own, int(rss_kb) * 1024, max(0.0, (after - before) - own)


class Load:
    """Other processes' CPU use during the measurements, in cores."""

    def __init__(self):
        self.cpu = 0.0
        self.wall = 0.0

    def add(self, others, wall):
        self.cpu += others
        self.wall += wall

    def cores(self):
        return self.cpu / self.wall if self.wall > 0 else 0.0


def spec_params(spec):
    p = spec["problem"]
    return {"workers": spec["workers"], "dim": p["dim"], "samples": p["samples"], "batch": spec.get("batch", 1),
            "period": spec["schedule"]["period"], "steps": spec["steps"], "eta": spec["step_size"]["value"],
            "noise": p.get("noise", 0.1), "data_seed": p.get("data_seed", 0)}


def run_simulator(spec_path, threads, load):
    out = Path(tempfile.mkdtemp(prefix="localsgd_bench_"))
    try:
        stdout, wall, _, rss, others = timed([LOCALSGD, "run", spec_path, "--out", out / "r", "--threads", threads,
                                              "--quiet"])
        load.add(others, wall)
        seconds = float(re.search(r"wall time of the runs: ([0-9.]+) s", stdout).group(1))
        summary = json.loads((out / "r" / "summary.json").read_text())
        return seconds, rss, summary
    finally:
        shutil.rmtree(out, ignore_errors=True)


def minimal_args(c, seeds="0"):
    return ["--workers", c["workers"], "--dim", c["dim"], "--samples-per-worker", c["samples"] // c["workers"],
            "--batch", c["batch"], "--period", c["period"], "--steps", c["steps"], "--eta", c["eta"], "--noise",
            c["noise"], "--data-seed", c["data_seed"], "--seeds", seeds]


def run_minimal(c, threads, reps, load, seeds="0"):
    stdout, wall, _, rss, others = timed([MINIMAL, *minimal_args(c, seeds), "--threads", threads,
                                          "--repeat", reps])
    load.add(others, wall)
    return [json.loads(line) for line in stdout.splitlines()], rss


def run_numpy(c, reps, load, seeds="0"):
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    stdout, wall, _, rss, others = timed([PYTHON, NUMPY, *minimal_args(c, seeds), "--repeat", reps], env=env)
    load.add(others, wall)
    return [json.loads(line) for line in stdout.splitlines()], rss


def run_probe(c, reps, load):
    """In-order reads of a matrix of the workload's shape (bench/read_bandwidth.cpp): the memory
    system's limit in rows per second on 1 and 2 threads (medians)."""
    reads = min(c["workers"] * c["steps"] * c["batch"], 4_000_000)
    stdout, wall, _, _, others = timed([PROBE, "--rows", c["samples"], "--dim", c["dim"], "--reads", reads,
                                        "--threads", "1,2", "--repeat", reps])
    load.add(others, wall)
    rows = [json.loads(line) for line in stdout.splitlines()]
    return {t: median([r["rows_per_second"] for r in rows if r["threads"] == t]) for t in (1, 2)}


def median(xs):
    return statistics.median(xs)


def spread(xs):
    return max(xs) / min(xs) if xs and min(xs) > 0 else float("nan")


def mega(samples, seconds):
    return samples / seconds / 1e6


def time_simulator(name, spec_path, reps, load):
    """The simulator on 1 and 2 threads, interleaved, `reps` times: seconds per thread count, the
    peak RSS, and the last summary.json."""
    sim = {1: [], 2: []}
    rss = 0
    summary = None
    print(f"  {name}: simulator", end="", flush=True)
    for _ in range(reps):
        for threads in (1, 2):
            seconds, r, summary = run_simulator(spec_path, threads, load)
            sim[threads].append(seconds)
            rss = max(rss, r)
            print(".", end="", flush=True)
    return sim, rss, summary


def single_workload(name, spec_file, reps, with_numpy, notes):
    spec_path = SPECS / spec_file
    spec = json.loads(spec_path.read_text())
    c = spec_params(spec)
    work = c["workers"] * c["steps"] * c["batch"]
    load = Load()
    sim, rss, summary = time_simulator(name, spec_path, reps, load)
    print(" minimal loop", end="", flush=True)
    rows, minimal_rss = run_minimal(c, "1,2", reps, load)
    minimal = {t: [r["seconds"] for r in rows if r["threads"] == t] for t in (1, 2)}
    print(" NumPy" if with_numpy else "", end="", flush=True)
    numpy_rows, numpy_rss = run_numpy(c, max(1, reps), load) if with_numpy else ([], 0)
    print(" read limit", end="", flush=True)
    limit = run_probe(c, reps, load)
    print()

    final = summary["runs"][0]["final"]
    m_end = rows[-1]
    loss_diff = abs(m_end["final_loss"] - final["loss"]) / abs(final["loss"])
    same_consensus = m_end["final_consensus"] == final["consensus"]
    notes.append(f"{name}: minimal loop vs simulator: final loss rel. diff {loss_diff:.1e} (H-form vs direct sum), "
                 f"final consensus {'bit-identical' if same_consensus else 'DIFFERENT'}"
                 + (f"; NumPy final loss / simulator's = {numpy_rows[-1]['final_loss'] / final['loss']:.3f} "
                    f"(own random data and samples)" if numpy_rows else ""))
    if loss_diff > 1e-9 or not same_consensus:
        notes.append(f"{name}: WARNING: the minimal loop did not reproduce the simulator's run")
    model_bytes = c["workers"] * c["dim"] * 8
    data_bytes = c["samples"] * (c["dim"] + 1) * 8
    return {
        "name": name, "work": work, "sim": sim, "minimal": minimal,
        "numpy": [r["seconds"] for r in numpy_rows], "rss": rss, "minimal_rss": minimal_rss, "numpy_rss": numpy_rss,
        "budget": 2 * (model_bytes + data_bytes) + 50 * MIB, "load": load.cores(), "limit": limit,
    }


def sweep_configs(spec):
    """The runs of a spec whose sweep is workers x schedule.period (W4), as minimal-loop configs."""
    base = spec_params(spec)
    out = []
    for p in spec["sweep"]["workers"]:
        for tau in spec["sweep"]["schedule.period"]:
            out.append(dict(base, workers=p, period=tau))
    return out


def sweep_workload(name, spec_file, reps, with_numpy, notes):
    spec_path = SPECS / spec_file
    spec = json.loads(spec_path.read_text())
    configs = sweep_configs(spec)
    seeds = spec.get("seeds", 1)
    seed_list = ",".join(str(s) for s in range(seeds))
    work = sum(c["workers"] * c["steps"] * c["batch"] for c in configs) * seeds
    load = Load()
    sim, rss, _ = time_simulator(name, spec_path, reps, load)
    print(" minimal loop", end="", flush=True)
    minimal = {1: [0.0] * reps, 2: []}
    numpy_times = [0.0] * max(1, reps)
    minimal_rss = numpy_rss = 0
    for c in configs:
        rows, r = run_minimal(c, "1", reps, load, seed_list)
        minimal_rss = max(minimal_rss, r)
        for row in rows:
            minimal[1][row["repetition"]] += row["seconds"]
        if with_numpy:
            rows, r = run_numpy(c, max(1, reps), load, seed_list)
            numpy_rss = max(numpy_rss, r)
            for row in rows:
                numpy_times[row["repetition"]] += row["seconds"]
    print(" NumPy" if with_numpy else "")
    notes.append(f"{name}: {len(configs) * seeds} runs; the minimal loop and NumPy run them one after the other on "
                 "one thread (their times summed); the simulator runs them in parallel (--threads 2)")
    return {"name": name, "work": work, "sim": sim, "minimal": minimal, "numpy": numpy_times if with_numpy else [],
            "rss": rss, "minimal_rss": minimal_rss, "numpy_rss": numpy_rss, "budget": None, "load": load.cores(),
            "limit": None}


def instructions_in_engine(spec_path):
    """Instructions executed inside Engine::run (callgrind; repeatable whatever the machine's load)."""
    out = Path(tempfile.mkdtemp(prefix="localsgd_bench_"))
    try:
        proc = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                               "--toggle-collect=localsgd::Engine::run*", LOCALSGD, "run", spec_path, "--out",
                               out / "r", "--threads", "1", "--quiet"], capture_output=True, text=True)
        found = re.search(r"Collected : (\d+)", proc.stderr)
        if proc.returncode != 0 or not found:
            sys.exit(f"callgrind failed on {spec_path}:\n{proc.stderr[-2000:]}")
        return int(found.group(1))
    finally:
        shutil.rmtree(out, ignore_errors=True)


def eval_cost(reps):
    """W1 with the default evaluation points vs only t = 0 and T, 1 thread: wall time (interleaved
    repetitions) and instructions inside the engine (callgrind, if valgrind is installed)."""
    spec = json.loads((SPECS / "w1.json").read_text())
    spec["eval"] = {"points": 2}
    tmp = Path(tempfile.mkdtemp(prefix="localsgd_bench_"))
    try:
        bare = tmp / "w1_two_points.json"
        bare.write_text(json.dumps(spec))
        load = Load()
        default, two = [], []
        for _ in range(max(3, reps)):
            default.append(run_simulator(SPECS / "w1.json", 1, load)[0])
            two.append(run_simulator(bare, 1, load)[0])
        counts = None
        if shutil.which("valgrind"):
            print("  eval: callgrind", flush=True)
            counts = (instructions_in_engine(SPECS / "w1.json"), instructions_in_engine(bare))
        return median(default), median(two), load.cores(), counts
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scaling_table(spec_file, key, reps):
    """Per-run wall_seconds of a zipped sweep on 1 thread, with the minimal loop for each run."""
    spec_path = SPECS / spec_file
    spec = json.loads(spec_path.read_text())
    load = Load()
    sims = {}
    for _ in range(reps):
        _, _, summary = run_simulator(spec_path, 1, load)
        for run in summary["runs"]:
            sims.setdefault(json.dumps(run["swept"], sort_keys=True), []).append(run["wall_seconds"])
    table = []
    base = spec_params(spec)
    for run in summary["runs"]:
        swept = run["swept"]
        c = dict(base)
        c["workers"] = swept.get("workers", c["workers"])
        c["steps"] = swept.get("steps", c["steps"])
        c["samples"] = swept.get("problem.samples", c["samples"])
        work = c["workers"] * c["steps"] * c["batch"]
        rows, _ = run_minimal(c, "1", reps, load)
        sim = median(sims[json.dumps(swept, sort_keys=True)])
        mini = median([r["seconds"] for r in rows])
        table.append((c[key], c["workers"], c["steps"], work, sim / work * 1e9, mini / work * 1e9, mini / sim,
                      spread(sims[json.dumps(swept, sort_keys=True)])))
    return table, load.cores()


def fmt_ratio(x):
    return f"{x:.2f}" if x == x else "-"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one repetition, no NumPy on W3 (about a minute)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 3; 1 with --quick)")
    ap.add_argument("--only", default="W1,W1c,W2,W3,W4,W5,eval,p,T", help="comma-separated subset")
    args = ap.parse_args()
    reps = args.reps or (1 if args.quick else 3)
    only = set(args.only.split(","))
    notes = []
    started = time.perf_counter()
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 "unknown CPU")
    print(f"benchmark: {reps} repetition(s); machine: {os.cpu_count()} cores, {model}")
    results = []
    # W1c: W1 with 100 samples per worker (2.6 MB of data, in cache): what W1 would run at if its
    # data did not have to come from memory.
    workloads = [("W1", "w1.json", True), ("W1c", "w1_in_cache.json", True), ("W2", "w2.json", True),
                 ("W3", "w3.json", not args.quick), ("W5", "w5.json", True)]
    for name, spec, numpy in workloads:
        if name in only:
            results.append(single_workload(name, spec, reps, numpy, notes))
        if name == "W3" and "W4" in only:
            results.append(sweep_workload("W4", "w4.json", reps, True, notes))
    evaluation = eval_cost(reps) if "eval" in only else None
    p_table = scaling_table("scaling_p.json", "workers", reps) if "p" in only else None
    t_table = scaling_table("scaling_t.json", "steps", reps) if "T" in only else None

    print()
    print("| workload | p·T·B | simulator 1T / 2T | 2T speedup | simulator M/s (1T / 2T) "
          "| minimal loop M/s (1T / 2T) | read limit M/s (1T / 2T) | NumPy M/s | sim / minimal (1T / 2T) "
          "| sim / limit (1T / 2T) | sim / NumPy (1T / 2T) | peak RSS MiB (budget) | spread | other load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        s1, s2 = median(r["sim"][1]), median(r["sim"][2])
        m1 = median(r["minimal"][1]) if r["minimal"][1] else float("nan")
        m2 = median(r["minimal"][2]) if r["minimal"][2] else float("nan")
        npy = median(r["numpy"]) if r["numpy"] else float("nan")
        w = r["work"]
        budget = f" ({r['budget'] / MIB:.0f})" if r["budget"] else ""
        spreads = [spread(r["sim"][1]), spread(r["sim"][2])]
        limit = r["limit"] or {1: float("nan"), 2: float("nan")}
        print(f"| {r['name']} | {w:.3g} | {s1:.3f} s / {s2:.3f} s | {s1 / s2:.2f}× "
              f"| {mega(w, s1):.1f} / {mega(w, s2):.1f} "
              f"| {mega(w, m1):.1f} / {mega(w, m2) if m2 == m2 else float('nan'):.1f} "
              f"| {limit[1] / 1e6:.1f} / {limit[2] / 1e6:.1f} "
              f"| {mega(w, npy):.2f} | {fmt_ratio(m1 / s1)} / {fmt_ratio(m2 / s2)} "
              f"| {fmt_ratio(w / s1 / limit[1])} / {fmt_ratio(w / s2 / limit[2])} "
              f"| {fmt_ratio(npy / s1)} / {fmt_ratio(npy / s2)} | {r['rss'] / MIB:.0f}{budget} "
              f"| {max(spreads):.2f} | {r['load']:.2f} |")
    print()
    print("M/s: million sample-gradients per second (p·T·B / seconds), medians of the repetitions. "
          "read limit: million rows per second that bench/read_bandwidth reads in order from a matrix of the "
          "workload's shape, doing only a dot product per row: a bound on sample-gradients per second, since each "
          "reads one row (at a random place) and does more with it. "
          "sim / X: speed of the simulator relative to X (higher is better; NumPy runs on one thread). "
          "spread: largest max/min ratio of the simulator's repetitions. other load: cores used by other "
          "processes during the measurements. Peak RSS of the simulator process, with the budget "
          "2 × (models + data) + 50 MiB.")
    if evaluation:
        d, t, load, counts = evaluation
        print(f"\nW1 evaluation cost (1 thread): default evaluation points {d:.3f} s, only t = 0 and T {t:.3f} s: "
              f"evaluations take {100 * (1 - t / d):.1f}% of the run by wall time (other load {load:.2f} cores)")
        if counts:
            print(f"W1 evaluation cost by instructions inside the engine (callgrind): default {counts[0]:,}, "
                  f"t = 0 and T only {counts[1]:,}: evaluations take {100 * (1 - counts[1] / counts[0]):.2f}%")
    for title, table in (("p", p_table), ("T", t_table)):
        if not table:
            continue
        rows, load = table
        print(f"\nCost per sample-gradient as {title} grows (1 thread, d = 50, B = 8, tau = 16; other load {load:.2f}):")
        print("| p | T | p·T·B | simulator ns | minimal loop ns | sim / minimal | spread |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for _, p, steps, work, sim_ns, min_ns, ratio, spr in rows:
            print(f"| {p} | {steps} | {work:.3g} | {sim_ns:.1f} | {min_ns:.1f} | {ratio:.2f} | {spr:.2f} |")
    print()
    for n in notes:
        print(f"- {n}")
    print(f"\nbenchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
