"""Shared specs and the localsgd binary the in-process results are compared with."""
import copy
import os
import re
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Two schedules x two worker counts x two seeds on a small least-squares problem, with a target
# and an expectation: every file of a results folder has rows. Runs in milliseconds.
SMALL_SPEC = {
    "name": "python_small",
    "problem": {"type": "least_squares", "samples": 400, "dim": 5, "noise": 0.5},
    "workers": 4,
    "steps": 300,
    "batch": 4,
    "step_size": {"type": "constant", "value": 0.05},
    "clock": {"compute": {"type": "constant", "seconds": 0.01}, "network": {"type": "constant", "seconds": 0.02}},
    "variants": [
        {"label": "Sync-SGD", "schedule": {"type": "sync"}},
        {"label": "local", "schedule": {"type": "fixed", "period": 10}},
    ],
    "sweep": {"workers": [2, 4]},
    "seeds": 2,
    "eval": {"points": 12, "spacing": "log"},
    "targets": [{"metric": "gap", "value": 0.05}],
    "expect": [{"type": "rounds", "variant": "local", "at_most": 30}],
    "plots": [],
}

# The 2-D teaching example's shape, shorter: a trace of every worker (trace.csv, rounds.csv).
TRACED_SPEC = {
    "name": "python_traced",
    "problem": {"type": "quadratic", "dim": 2, "mu": 0.2, "L": 1.0, "sigma2": 0.1, "heterogeneity": 1.5,
                "hessian_heterogeneity": 1.5, "data_seed": 3},
    "workers": 3,
    "steps": 40,
    "step_size": {"type": "constant", "value": 0.25},
    "clock": {"compute": {"type": "constant", "seconds": 0.01}, "network": {"type": "constant", "seconds": 0.02}},
    "trace": {"workers": "all", "every": 1},
    "eval": {"every": 4},
    "variants": [{"label": "tau=5", "schedule": {"type": "fixed", "period": 5}}],
    "plots": [],
}


def binary():
    path = os.environ.get("LOCALSGD_BINARY") or str(ROOT / "build" / "experiments" / "localsgd")
    if not Path(path).is_file():
        pytest.skip(f"no localsgd binary at {path} (set LOCALSGD_BINARY)")
    return path


def cli(*args, check=True):
    """Runs the localsgd binary; returns the CompletedProcess (text)."""
    done = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True)
    if check and done.returncode != 0:
        raise AssertionError(f"localsgd {' '.join(map(str, args))}: exit {done.returncode}\n{done.stderr}")
    return done


@pytest.fixture
def small_spec():
    return copy.deepcopy(SMALL_SPEC)


@pytest.fixture
def traced_spec():
    return copy.deepcopy(TRACED_SPEC)


def comparable(name, text):
    """A file's text without what differs between any two invocations: summary.json's
    wall_seconds per run (the simulator's own time, docs/experiments.md). Everything else must
    be equal byte for byte."""
    if name != "summary.json":
        return text
    return re.sub(r'\n *"wall_seconds": [^,\n]*,?', "", text)


def comparable_summary(summary):
    """summary.json as a dict, without each run's wall_seconds."""
    return {**summary, "runs": [{k: v for k, v in run.items() if k != "wall_seconds"} for run in summary["runs"]]}
