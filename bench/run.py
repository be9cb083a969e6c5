#!/usr/bin/python3
"""Runs the benchmark of bench/README.md and prints its tables (bench/run.sh builds first).

Every figure is measured in this one invocation: the simulator (`localsgd run SPEC --threads 1`
and `--threads 2`), the minimal C++ loop (build/bench/minimal_loop) and the NumPy script
(bench/numpy_baseline.py) on the same workloads, each repeated, medians reported, with the
spread (max/min of the repetitions) and the CPU time other processes took meanwhile, since these
machines are shared.

What is timed:
  simulator     runs: the "wall time of the runs" that `localsgd run` prints: executing the runs,
                with setting up the workers and every evaluation point, not loading the spec and
                building the problem before (data generation, factorisations), nor writing
                metrics.csv/summary.json after; plots are off in the specs. For the tables over p
                and T, each run's own wall_seconds (summary.json).
                set-up: the wall time of the whole process minus its runs, i.e. loading the spec,
                generating the data, building the problem (x*, constants) and writing the results
                (the last is small: one row per evaluation point). Nothing else is printed by
                `localsgd run` that separates them (progress goes to stderr, per run).
                whole process: the wall time of `localsgd run` as a user times it.
  minimal loop  setting up the workers, the steps and averages, and the two evaluations (t = 0, T)
                every simulator run also writes; not generating the data.
  NumPy         the loop and the same two evaluations; not generating the data. For the whole
                process comparison: the python process from start to exit (importing NumPy,
                generating the data, the loop).
  draws         build/bench/draw_cost: nanoseconds per mini-batch index, version 1's mt19937_64
                streams against version 2's addressed Philox draws, in the same process.
"""
import argparse
import collections
import json
import os
import re
import shutil
import signal
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
DRAWS = ROOT / "build" / "bench" / "draw_cost"
NUMPY = ROOT / "bench" / "numpy_baseline.py"
PYTHON = "/usr/bin/python3"
HZ = os.sysconf("SC_CLK_TCK")
MIB = 1024 * 1024
GIB = 1024 * MIB
# NumPy is skipped on a workload it would need more memory or time than this for (noted in the output).
NUMPY_MEMORY_LIMIT = 4 * GIB
NUMPY_SECONDS_LIMIT = 120
# The whole-process comparison: W1 with this many steps, target ratio NumPy / localsgd.
WHOLE_STEPS = 50_000
WHOLE_TARGET = 8.0
# Cost per sample-gradient over p must stay within this factor (max / min).
FLAT_TARGET = 2.0

ALL = "W1,W1c,W2,W3,W4,W5,W6,eval,p,p6,p6n,T,draws,whole"
# Left out by --quick unless named in --only (each takes minutes on its own).
NOT_QUICK = {"p6n"}

Timed = collections.namedtuple("Timed", "stdout wall cpu rss others")


def busy_seconds():
    """CPU seconds spent by everything on the machine so far (all cores, not idle or iowait)."""
    with open("/proc/stat") as f:
        fields = [int(v) for v in f.readline().split()[1:]]
    idle = fields[3] + fields[4]
    return (sum(fields[:8]) - idle) / HZ


def timed(cmd, env=None, timeout=None):
    """Runs cmd under /usr/bin/time: Timed(stdout, wall seconds of the process, its own CPU
    seconds, its peak RSS in bytes, other processes' CPU seconds meanwhile), or None if it ran
    longer than `timeout` seconds (then its whole process group is ended)."""
    before = busy_seconds()
    started = time.perf_counter()
    proc = subprocess.Popen(["/usr/bin/time", "-f", "%U %S %M", *map(str, cmd)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env=env, start_new_session=True)
    try:
        stdout, stderr = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        return None
    wall = time.perf_counter() - started
    after = busy_seconds()
    if proc.returncode not in (0, 3, 4):
        sys.exit(f"failed ({proc.returncode}): {' '.join(map(str, cmd))}\n{stderr}")
    user, system, rss_kb = stderr.strip().splitlines()[-1].split()
    own = float(user) + float(system)
    return Timed(stdout, wall, own, int(rss_kb) * 1024, max(0.0, (after - before) - own))


class Load:
    """Other processes' CPU use during the measurements, in cores."""

    def __init__(self):
        self.cpu = 0.0
        self.wall = 0.0

    def add(self, t):
        self.cpu += t.others
        self.wall += t.wall

    def cores(self):
        return self.cpu / self.wall if self.wall > 0 else 0.0


def spec_params(spec):
    p = spec["problem"]
    return {"workers": spec["workers"], "dim": p["dim"], "samples": p["samples"], "batch": spec.get("batch", 1),
            "period": spec["schedule"]["period"], "steps": spec["steps"], "eta": spec["step_size"]["value"],
            "noise": p.get("noise", 0.1), "data_seed": p.get("data_seed", 0)}


def work_of(c):
    """Sample-gradients of one run: p·T·B."""
    return c["workers"] * c["steps"] * c["batch"]


def budget_of(c):
    """The issue's memory budget: 2 × (models + data) + 50 MiB."""
    return 2 * (c["workers"] * c["dim"] * 8 + c["samples"] * (c["dim"] + 1) * 8) + 50 * MIB


SimRun = collections.namedtuple("SimRun", "runs wall rss summary")


def run_simulator(spec_path, threads, load):
    """`localsgd run SPEC --quiet` (with --threads unless threads is None, which is what a user
    types): SimRun(the printed wall time of the runs, the whole process's wall time, its peak
    RSS, summary.json). Set-up = wall - runs."""
    out = Path(tempfile.mkdtemp(prefix="localsgd_bench_"))
    try:
        cmd = [LOCALSGD, "run", spec_path, "--out", out / "r", "--quiet"]
        if threads is not None:
            cmd += ["--threads", threads]
        t = timed(cmd)
        load.add(t)
        runs = float(re.search(r"wall time of the runs: ([0-9.]+) s", t.stdout).group(1))
        summary = json.loads((out / "r" / "summary.json").read_text())
        return SimRun(runs, t.wall, t.rss, summary)
    finally:
        shutil.rmtree(out, ignore_errors=True)


def minimal_args(c, seeds="0"):
    return ["--workers", c["workers"], "--dim", c["dim"], "--samples-per-worker", c["samples"] // c["workers"],
            "--batch", c["batch"], "--period", c["period"], "--steps", c["steps"], "--eta", c["eta"], "--noise",
            c["noise"], "--data-seed", c["data_seed"], "--seeds", seeds]


def run_minimal(c, threads, reps, load, seeds="0"):
    """The minimal loop on threads ("1" or "1,2"), reps times each: its JSON rows and peak RSS."""
    t = timed([MINIMAL, *minimal_args(c, seeds), "--threads", threads, "--repeat", reps])
    load.add(t)
    return [json.loads(line) for line in t.stdout.splitlines()], t.rss


def numpy_bytes(c):
    """About what numpy_baseline.py holds at its peak: the data and its shuffled copy during the
    generation, plus the per-step gathers and the models."""
    data = c["samples"] * (c["dim"] + 1) * 8
    return 2 * data + 4 * c["workers"] * c["batch"] * c["dim"] * 8 + 3 * c["workers"] * c["dim"] * 8


def run_numpy(c, reps, load, seeds="0", timeout=None):
    """numpy_baseline.py (one thread), reps times in one process: (JSON rows, peak RSS, the
    process's wall time), or None past `timeout` seconds."""
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1")
    t = timed([PYTHON, NUMPY, *minimal_args(c, seeds), "--repeat", reps], env=env, timeout=timeout)
    if t is None:
        return None
    load.add(t)
    return [json.loads(line) for line in t.stdout.splitlines()], t.rss, t.wall


def numpy_feasible(name, c, notes):
    """Whether NumPy fits in NUMPY_MEMORY_LIMIT on this workload (noted when not)."""
    need = numpy_bytes(c)
    if need > NUMPY_MEMORY_LIMIT:
        notes.append(f"{name}: NumPy skipped: it would need about {need / GIB:.1f} GiB "
                     f"(limit {NUMPY_MEMORY_LIMIT / GIB:.0f} GiB)")
        return False
    return True


def run_probe(c, reps, load):
    """In-order reads of a matrix of the workload's shape (bench/read_bandwidth.cpp): the memory
    system's limit in rows per second on 1 and 2 threads (medians)."""
    reads = min(work_of(c), 4_000_000)
    t = timed([PROBE, "--rows", c["samples"], "--dim", c["dim"], "--reads", reads, "--threads", "1,2",
               "--repeat", reps])
    load.add(t)
    rows = [json.loads(line) for line in t.stdout.splitlines()]
    return {n: median([r["rows_per_second"] for r in rows if r["threads"] == n]) for n in (1, 2)}


def median(xs):
    return statistics.median(xs) if xs else float("nan")


def spread(xs):
    return max(xs) / min(xs) if xs and min(xs) > 0 else float("nan")


def mega(samples, seconds):
    return samples / seconds / 1e6


def time_simulator(name, spec_path, reps, load):
    """The simulator on 1 and 2 threads, interleaved, `reps` times: {threads: [SimRun]}."""
    sim = {1: [], 2: []}
    print(f"  {name}: simulator", end="", flush=True)
    for _ in range(reps):
        for threads in (1, 2):
            sim[threads].append(run_simulator(spec_path, threads, load))
            print(".", end="", flush=True)
    return sim


def workload_result(name, work, sim, minimal, numpy_times, budget, load, limit):
    """One row of the workload tables (speed, then set-up and memory)."""
    return {"name": name, "work": work, "sim": {n: [s.runs for s in sim[n]] for n in sim},
            "setup": {n: [s.wall - s.runs for s in sim[n]] for n in sim},
            "whole": {n: [s.wall for s in sim[n]] for n in sim},
            "rss": max(s.rss for n in sim for s in sim[n]), "minimal": minimal, "numpy": numpy_times,
            "budget": budget, "load": load.cores(), "limit": limit}


def single_workload(name, spec_file, reps, with_numpy, notes):
    """A spec with one run: simulator (1T, 2T), minimal loop (1T, 2T), NumPy, read limit."""
    spec_path = SPECS / spec_file
    c = spec_params(json.loads(spec_path.read_text()))
    load = Load()
    sim = time_simulator(name, spec_path, reps, load)
    print(" minimal loop", end="", flush=True)
    rows, _ = run_minimal(c, "1,2", reps, load)
    minimal = {n: [r["seconds"] for r in rows if r["threads"] == n] for n in (1, 2)}
    numpy_rows = []
    if with_numpy and numpy_feasible(name, c, notes):
        print(" NumPy", end="", flush=True)
        found = run_numpy(c, max(1, reps), load, timeout=NUMPY_SECONDS_LIMIT * max(1, reps))
        if found is None:
            notes.append(f"{name}: NumPy skipped: it took more than {NUMPY_SECONDS_LIMIT} s per run")
        else:
            numpy_rows = found[0]
    print(" read limit", end="", flush=True)
    limit = run_probe(c, reps, load)
    print()

    final = sim[1][-1].summary["runs"][0]["final"]
    m_end = rows[-1]
    loss_diff = abs(m_end["final_loss"] - final["loss"]) / abs(final["loss"])
    same_consensus = m_end["final_consensus"] == final["consensus"]
    notes.append(f"{name}: minimal loop vs simulator: final loss rel. diff {loss_diff:.1e} (H-form vs direct sum), "
                 f"final consensus {'bit-identical' if same_consensus else 'DIFFERENT'}"
                 + (f"; NumPy final loss / simulator's = {numpy_rows[-1]['final_loss'] / final['loss']:.3f} "
                    f"(own random data and samples)" if numpy_rows else ""))
    if loss_diff > 1e-9 or not same_consensus:
        notes.append(f"{name}: WARNING: the minimal loop did not reproduce the simulator's run")
    return workload_result(name, work_of(c), sim, minimal, [r["seconds"] for r in numpy_rows], budget_of(c), load,
                           limit)


def sweep_configs(spec):
    """The runs of a spec whose sweep is workers x schedule.period (W4), as minimal-loop configs."""
    base = spec_params(spec)
    out = []
    for p in spec["sweep"]["workers"]:
        for tau in spec["sweep"]["schedule.period"]:
            out.append(dict(base, workers=p, period=tau))
    return out


def sweep_workload(name, spec_file, reps, with_numpy, notes):
    """W4: every run of the sweep; the baselines run them one after the other (times summed)."""
    spec_path = SPECS / spec_file
    spec = json.loads(spec_path.read_text())
    configs = sweep_configs(spec)
    seeds = spec.get("seeds", 1)
    seed_list = ",".join(str(s) for s in range(seeds))
    work = sum(work_of(c) for c in configs) * seeds
    load = Load()
    sim = time_simulator(name, spec_path, reps, load)
    print(" minimal loop", end="", flush=True)
    minimal = {1: [0.0] * reps, 2: []}
    numpy_times = [0.0] * max(1, reps)
    for c in configs:
        rows, _ = run_minimal(c, "1", reps, load, seed_list)
        for row in rows:
            minimal[1][row["repetition"]] += row["seconds"]
        if with_numpy:
            for row in run_numpy(c, max(1, reps), load, seed_list)[0]:
                numpy_times[row["repetition"]] += row["seconds"]
    print(" NumPy" if with_numpy else "")
    notes.append(f"{name}: {len(configs) * seeds} runs; the minimal loop and NumPy run them one after the other on "
                 "one thread (their times summed); the simulator runs them in parallel (--threads 2)")
    return workload_result(name, work, sim, minimal, numpy_times if with_numpy else [], None, load, None)


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


def derived_spec(tmp, spec_file, **changes):
    """A copy of a bench spec with some top-level keys changed, written to tmp."""
    spec = json.loads((SPECS / spec_file).read_text())
    spec.update(changes)
    path = Path(tmp) / f"{spec['name']}.json"
    path.write_text(json.dumps(spec))
    return path


def eval_cost(reps):
    """W1 with the default evaluation points vs only t = 0 and T, 1 thread: the runs' wall time
    (interleaved repetitions) and instructions inside the engine (callgrind, if installed)."""
    tmp = Path(tempfile.mkdtemp(prefix="localsgd_bench_"))
    try:
        bare = derived_spec(tmp, "w1.json", name="bench_w1_two_points", eval={"points": 2})
        load = Load()
        default, two = [], []
        for _ in range(max(3, reps)):
            default.append(run_simulator(SPECS / "w1.json", 1, load).runs)
            two.append(run_simulator(bare, 1, load).runs)
        counts = None
        if shutil.which("valgrind"):
            print("  eval: callgrind", flush=True)
            counts = (instructions_in_engine(SPECS / "w1.json"), instructions_in_engine(bare))
        return median(default), median(two), load.cores(), counts
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def scaling_table(spec_file, key, reps):
    """A zipped sweep on 1 thread: each run's own wall_seconds (summary.json; seeding the workers,
    the steps, syncs and its evaluations), with the minimal loop for each run."""
    spec_path = SPECS / spec_file
    spec = json.loads(spec_path.read_text())
    load = Load()
    sims = {}
    print(f"  {spec_file}: simulator", end="", flush=True)
    for _ in range(reps):
        summary = run_simulator(spec_path, 1, load).summary
        for run in summary["runs"]:
            sims.setdefault(json.dumps(run["swept"], sort_keys=True), []).append(run["wall_seconds"])
        print(".", end="", flush=True)
    print(" minimal loop", flush=True)
    table = []
    base = spec_params(spec)
    for run in summary["runs"]:
        swept = run["swept"]
        c = dict(base)
        c["workers"] = swept.get("workers", c["workers"])
        c["steps"] = swept.get("steps", c["steps"])
        c["samples"] = swept.get("problem.samples", c["samples"])
        work = work_of(c)
        rows, _ = run_minimal(c, "1", reps, load)
        times = sims[json.dumps(swept, sort_keys=True)]
        sim, mini = median(times), median([r["seconds"] for r in rows])
        table.append({"x": c[key], "p": c["workers"], "T": c["steps"], "n": c["samples"], "work": work,
                      "sim_ns": sim / work * 1e9, "min_ns": mini / work * 1e9, "ratio": mini / sim,
                      "spread": spread(times)})
    return {"spec": base, "rows": table, "load": load.cores()}


def draw_cost(reps):
    """build/bench/draw_cost: ns per mini-batch index, version 1 vs version 2, per B (medians)."""
    t = timed([DRAWS, "--batch", "1,8,16", "--repeat", max(5, reps)])
    rows = [json.loads(line) for line in t.stdout.splitlines()]
    table = []
    for batch in sorted({r["batch"] for r in rows}):
        mine = [r for r in rows if r["batch"] == batch]
        table.append({"batch": batch, "v1": median([r["v1_ns_per_index"] for r in mine]),
                      "v2": median([r["v2_ns_per_index"] for r in mine]),
                      "ratio": median([r["v2_over_v1"] for r in mine]),
                      "spread": max(spread([r["v1_ns_per_index"] for r in mine]),
                                    spread([r["v2_ns_per_index"] for r in mine])),
                      "reps": len(mine)})
    return {"rows": table, "load": t.others / t.wall if t.wall > 0 else 0.0}


def whole_process(reps):
    """W1 with T = WHOLE_STEPS, whole processes as a user times them, interleaved: `localsgd run`
    (default threads, and --threads 1) from start to exit, against numpy_baseline.py from start
    to exit (importing NumPy, generating the data, the loop). Wall seconds per repetition."""
    tmp = Path(tempfile.mkdtemp(prefix="localsgd_bench_"))
    try:
        spec_path = derived_spec(tmp, "w1.json", name="bench_w1_whole", steps=WHOLE_STEPS)
        c = spec_params(json.loads(spec_path.read_text()))
        load = Load()
        out = {"default": [], "one": [], "numpy": [], "default_runs": [], "one_runs": [], "numpy_loop": [],
               "numpy_data": []}
        print("  whole: ", end="", flush=True)
        for _ in range(max(3, reps)):
            default = run_simulator(spec_path, None, load)
            one = run_simulator(spec_path, 1, load)
            rows, _, wall = run_numpy(c, 1, load)
            out["default"].append(default.wall)
            out["one"].append(one.wall)
            out["default_runs"].append(default.runs)
            out["one_runs"].append(one.runs)
            out["numpy"].append(wall)
            out["numpy_loop"].append(rows[0]["seconds"])
            out["numpy_data"].append(rows[0]["data_seconds"])
            print(".", end="", flush=True)
        print()
        out["work"] = work_of(c)
        out["load"] = load.cores()
        return out
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def fmt_ratio(x):
    return f"{x:.2f}" if x == x else "-"


def print_speed_table(results):
    print("| workload | p·T·B | simulator 1T / 2T | 2T speedup | simulator M/s (1T / 2T) "
          "| minimal loop M/s (1T / 2T) | read limit M/s (1T / 2T) | NumPy M/s | sim / minimal (1T / 2T) "
          "| sim / limit (1T / 2T) | sim / NumPy (1T / 2T) | spread | other load |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in results:
        s1, s2 = median(r["sim"][1]), median(r["sim"][2])
        m1, m2 = median(r["minimal"][1]), median(r["minimal"][2])
        npy = median(r["numpy"])
        w = r["work"]
        spreads = [spread(r["sim"][1]), spread(r["sim"][2])]
        limit = r["limit"] or {1: float("nan"), 2: float("nan")}
        print(f"| {r['name']} | {w:.3g} | {s1:.3f} s / {s2:.3f} s | {s1 / s2:.2f}× "
              f"| {mega(w, s1):.1f} / {mega(w, s2):.1f} | {mega(w, m1):.1f} / {mega(w, m2):.1f} "
              f"| {limit[1] / 1e6:.1f} / {limit[2] / 1e6:.1f} "
              f"| {mega(w, npy):.2f} | {fmt_ratio(m1 / s1)} / {fmt_ratio(m2 / s2)} "
              f"| {fmt_ratio(w / s1 / limit[1])} / {fmt_ratio(w / s2 / limit[2])} "
              f"| {fmt_ratio(npy / s1)} / {fmt_ratio(npy / s2)} | {max(spreads):.2f} | {r['load']:.2f} |")
    print()
    print("M/s: million sample-gradients per second (p·T·B / seconds of the runs), medians of the repetitions. "
          "read limit: million rows per second that bench/read_bandwidth reads in order from a matrix of the "
          "workload's shape, doing only a dot product per row: a bound on sample-gradients per second, since each "
          "reads one row (at a random place) and does more with it. "
          "sim / X: speed of the simulator relative to X (higher is better; NumPy runs on one thread). "
          "spread: largest max/min ratio of the simulator's repetitions. other load: cores used by other "
          "processes during the measurements.")


def print_setup_table(results):
    print("| workload | set-up s (1T / 2T) | runs s (1T / 2T) | whole process s (1T / 2T) | set-up spread "
          "| peak RSS MiB | budget MiB | within budget |")
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for r in results:
        budget = r["budget"]
        within = "-" if budget is None else ("yes" if r["rss"] <= budget else "**NO**")
        print(f"| {r['name']} | {median(r['setup'][1]):.2f} / {median(r['setup'][2]):.2f} "
              f"| {median(r['sim'][1]):.2f} / {median(r['sim'][2]):.2f} "
              f"| {median(r['whole'][1]):.2f} / {median(r['whole'][2]):.2f} "
              f"| {max(spread(r['setup'][1]), spread(r['setup'][2])):.2f} | {r['rss'] / MIB:.0f} "
              f"| {'-' if budget is None else f'{budget / MIB:.0f}'} | {within} |")
    print()
    print("set-up: wall time of the whole `localsgd run` process minus the wall time of its runs: loading the "
          "spec, generating the data, building the problem (x*, constants) and writing the results. "
          "Peak RSS: the largest of the simulator's processes (GNU time); budget: 2 × (models + data) + 50 MiB "
          "(none for W4, a sweep).")


def print_eval(evaluation):
    d, t, load, counts = evaluation
    print(f"\nW1 evaluation cost (1 thread): default evaluation points {d:.3f} s, only t = 0 and T {t:.3f} s: "
          f"evaluations take {100 * (1 - t / d):.1f}% of the run by wall time (other load {load:.2f} cores)")
    if counts:
        print(f"W1 evaluation cost by instructions inside the engine (callgrind): default {counts[0]:,}, "
              f"t = 0 and T only {counts[1]:,}: evaluations take {100 * (1 - counts[1] / counts[0]):.2f}%")


def print_scaling(title, table, flat_check):
    s = table["spec"]
    print(f"\nCost per sample-gradient as {title} grows (1 thread, d = {s['dim']}, B = {s['batch']}, "
          f"tau = {s['period']}; other load {table['load']:.2f}):")
    print("| p | T | n | p·T·B | simulator ns | minimal loop ns | sim / minimal | spread |")
    print("|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in table["rows"]:
        print(f"| {r['p']} | {r['T']} | {r['n']} | {r['work']:.3g} | {r['sim_ns']:.1f} | {r['min_ns']:.1f} "
              f"| {r['ratio']:.2f} | {r['spread']:.2f} |")
    if flat_check:
        sim = [r["sim_ns"] for r in table["rows"]]
        mini = [r["min_ns"] for r in table["rows"]]
        verdict = "within" if max(sim) / min(sim) <= FLAT_TARGET else "NOT within"
        print(f"\nsimulator ns per sample-gradient, max / min over p: {max(sim) / min(sim):.2f} "
              f"({verdict} the target {FLAT_TARGET:.0f}); minimal loop: {max(mini) / min(mini):.2f}")


def print_draws(draws):
    print(f"\nSampling cost per mini-batch index (build/bench/draw_cost, 1 thread, 1000 workers in turn, "
          f"shard of 1000 rows; other load {draws['load']:.2f}):")
    print("| B | version 1: mt19937_64 stream per worker, ns | version 2: addressed Philox4x64-10, ns "
          "| v2 / v1 | spread | repetitions |")
    print("|---:|---:|---:|---:|---:|---:|")
    for r in draws["rows"]:
        print(f"| {r['batch']} | {r['v1']:.2f} | {r['v2']:.2f} | {r['ratio']:.2f} | {r['spread']:.2f} "
              f"| {r['reps']} |")
    print("medians of the repetitions; v2 / v1 is the median of the per-repetition ratios. Version 1 keeps "
          "2.5 KB of stream state per worker, version 2 none (the draws are addressed by seed, worker, step).")


def print_whole(whole):
    d, one, npy = median(whole["default"]), median(whole["one"]), median(whole["numpy"])
    verdict = "meets" if npy / d >= WHOLE_TARGET else "does NOT meet"
    print(f"\nWhole process on W1 with T = {WHOLE_STEPS:,} ({whole['work']:.3g} sample-gradients), as a user times "
          f"it, {len(whole['default'])} interleaved repetitions (other load {whole['load']:.2f}):")
    print("| process | wall s (median) | min | max | of which |")
    print("|---|---:|---:|---:|---|")
    print(f"| localsgd run (default threads) | {d:.2f} | {min(whole['default']):.2f} | {max(whole['default']):.2f} "
          f"| runs {median(whole['default_runs']):.2f} s |")
    print(f"| localsgd run --threads 1 | {one:.2f} | {min(whole['one']):.2f} | {max(whole['one']):.2f} "
          f"| runs {median(whole['one_runs']):.2f} s |")
    print(f"| NumPy (python3 numpy_baseline.py, 1 thread) | {npy:.2f} | {min(whole['numpy']):.2f} "
          f"| {max(whole['numpy']):.2f} | data {median(whole['numpy_data']):.2f} s, "
          f"loop {median(whole['numpy_loop']):.2f} s |")
    print(f"NumPy / localsgd, whole process: {npy / d:.1f}× (default threads), {npy / one:.1f}× (1 thread): "
          f"{verdict} the target {WHOLE_TARGET:.0f}×. localsgd evaluates at W1's default points, NumPy only at "
          "t = 0 and T.")


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="one repetition, no NumPy on W3 and W6, no p6n (about 9 minutes)")
    ap.add_argument("--reps", type=int, default=None, help="repetitions (default 3; 1 with --quick)")
    ap.add_argument("--only", default=ALL, help=f"comma-separated subset of {ALL}")
    args = ap.parse_args()
    reps = args.reps or (1 if args.quick else 3)
    only = set(args.only.split(","))
    if args.quick and args.only == ALL:
        only -= NOT_QUICK
    unknown = only - set(ALL.split(","))
    if unknown:
        sys.exit(f"--only: unknown {', '.join(sorted(unknown))} (known: {ALL})")
    notes = []
    started = time.perf_counter()
    model = next((line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo") if line.startswith("model name")),
                 "unknown CPU")
    print(f"benchmark: {reps} repetition(s); machine: {os.cpu_count()} cores, {model}")
    results = []
    # W1c: W1 with 100 samples per worker (2.6 MB of data, in cache): what W1 would run at if its
    # data did not have to come from memory.
    workloads = [("W1", "w1.json", True), ("W1c", "w1_in_cache.json", True), ("W2", "w2.json", True),
                 ("W3", "w3.json", not args.quick), ("W5", "w5.json", True), ("W6", "w6.json", not args.quick)]
    for name, spec, numpy in workloads:
        if name in only:
            results.append(single_workload(name, spec, reps, numpy, notes))
            if not numpy:
                notes.append(f"{name}: NumPy not run (--quick)")
        if name == "W3" and "W4" in only:
            results.append(sweep_workload("W4", "w4.json", reps, True, notes))
    evaluation = eval_cost(reps) if "eval" in only else None
    p_table = scaling_table("scaling_p.json", "workers", reps) if "p" in only else None
    p6_table = scaling_table("scaling_p6.json", "workers", reps) if "p6" in only else None
    p6n_table = scaling_table("scaling_p6_fixed_n.json", "workers", reps) if "p6n" in only else None
    t_table = scaling_table("scaling_t.json", "steps", reps) if "T" in only else None
    draws = draw_cost(reps) if "draws" in only else None
    whole = whole_process(reps) if "whole" in only else None

    if results:
        print()
        print_speed_table(results)
        print()
        print_setup_table(results)
    if evaluation:
        print_eval(evaluation)
    for title, table, flat in (("p", p_table, False), ("p (to 10^6, 10 rows per worker)", p6_table, True),
                               ("p (to 10^6, 10^7 rows in all)", p6n_table, True), ("T", t_table, False)):
        if table:
            print_scaling(title, table, flat)
    if draws:
        print_draws(draws)
    if whole:
        print_whole(whole)
    print()
    for n in notes:
        print(f"- {n}")
    print(f"\nbenchmark took {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
