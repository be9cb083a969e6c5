"""The tutorial of docs/python.md as one script (the tests run it): a sweep over the averaging
period, a DataFrame groupby, a plot.

    PYTHONPATH=build/python /usr/bin/python3 python/examples/tutorial.py [PLOT.png]
"""
import sys

import matplotlib

matplotlib.use("Agg")  # no display needed; in a notebook, leave this out
import matplotlib.pyplot as plt

import localsgd

# 1. A spec is a dict with the keys of a spec file (docs/experiments.md). Four averaging periods
#    on a least-squares problem with 8 workers, three seeds each: 12 runs.
spec = {
    "name": "period_sweep",
    "problem": {"type": "least_squares", "samples": 2000, "dim": 20, "noise": 0.5},
    "workers": 8,
    "steps": 1000,
    "batch": 8,
    "step_size": {"type": "constant", "value": 0.02},
    "clock": {"compute": {"type": "constant", "seconds": 0.01}, "network": {"type": "constant", "seconds": 0.05}},
    "schedule": {"type": "fixed", "period": 1},
    "sweep": {"schedule.period": [1, 5, 25, 125]},
    "seeds": 3,
    "eval": {"points": 40, "spacing": "log"},
}

# 2. Check it, and see what it will run: validate() raises SpecError naming the JSON path of a
#    bad value; explain() gives the constants and planned syncs per configuration.
report = localsgd.validate(spec)
print(f"{len(report['runs'])} runs in {report['configurations']} configurations; memory {report['memory']['text']}")
explanation = localsgd.explain(spec)
print(f"explain: {len(explanation['configurations'])} configurations")

# 3. Run it in this process (no files are written) and look at the data.
results = localsgd.run(spec)
print(results)
metrics = results.metrics  # metrics.csv: one row per (run, evaluation point)
print(metrics.head())

# 4. A groupby: the final gap and the virtual time per period, mean over seeds (runs.csv has one
#    row per run with its final metrics).
table = results.runs.groupby("schedule.period")[["final_gap", "rounds", "virtual_time"]].mean()
print(table)

# The same from metrics.csv: the last evaluation of each run, then the mean over seeds.
last = metrics.groupby("run").last()
print(last.groupby("schedule.period").gap.agg(["mean", "std"]))

# 5. A plot: the gap against virtual time, one line per period (geometric mean over seeds).
fig, axes = plt.subplots(1, 2, figsize=(11, 4))
results.plot(x="step", y="gap", ax=axes[0])
results.plot(x="time", y="gap", ax=axes[1])
fig.tight_layout()
fig.savefig(sys.argv[1] if len(sys.argv) > 1 else "tutorial.png", dpi=80)
