"""What a spec's runs produced: the results folder's files as DataFrames and dicts."""
import json
import math
import os
from pathlib import Path

from . import _frames

# metrics.csv's metric columns whose curves are drawn on a log axis by default (as the CLI's plots).
_LOG_METRICS = ("loss", "gap", "grad_norm_sq", "consensus")


class Results:
    """The outputs of ``localsgd.run`` or of a results folder (``localsgd.load``).

    Attributes (each the file of the same name in a results folder, docs/experiments.md):

    - ``metrics``: DataFrame of metrics.csv, one row per (run, evaluation point);
    - ``runs``: DataFrame of runs.csv, one row per run (resolved parameters, final metrics, times);
    - ``summary``: dict of summary.json;
    - ``time_to_target``: DataFrame of time_to_target.csv;
    - ``trace``, ``rounds``: DataFrames of trace.csv and rounds.csv, None without a trace;
    - ``checks``: the list of checks.json (the spec's ``expect``), None without one;
    - ``spec``: dict of spec.resolved.json (every default filled in);
    - ``texts``: each file's text by name, byte for byte what ``localsgd run`` writes;
    - ``folder``: the results folder, None for a run that wrote no files.
    """

    def __init__(self, texts, resolved, folder=None):
        self.texts = dict(texts)
        self.spec = resolved
        self.name = resolved.get("name") if isinstance(resolved, dict) else None
        self.folder = Path(folder) if folder is not None else None
        self.metrics = _frames.frame(texts["metrics.csv"])
        self.runs = _frames.frame(texts["runs.csv"])
        self.summary = json.loads(texts["summary.json"])
        self.time_to_target = _frames.frame(texts["time_to_target.csv"])
        self.trace = _frames.frame(texts["trace.csv"]) if "trace.csv" in texts else None
        self.rounds = _frames.frame(texts["rounds.csv"]) if "rounds.csv" in texts else None
        self.checks = json.loads(texts["checks.json"]) if "checks.json" in texts else None

    @property
    def swept(self):
        """The swept paths (metrics.csv's columns between "seed" and "step")."""
        return _frames.swept_columns(self.metrics)

    def __repr__(self):
        where = f", folder={str(self.folder)!r}" if self.folder else ""
        return (f"Results({self.name!r}: {len(self.runs)} runs, {len(self.metrics)} metric rows"
                f"{', traced' if self.trace is not None else ''}{where})")

    def plot(self, y="gap", x="step", by=None, logy=None, ax=None, where=None):
        """Draws ``y`` against ``x`` (metrics.csv's columns), one line per group of runs that
        differ only in their seed: at each evaluation step the mean over seeds of x and of y
        (of y the geometric mean on a log axis, as the CLI's plots). ``by`` lists the columns that form the groups (default: the variant
        and every swept path); ``where`` keeps rows whose column equals a value or lies in a
        list, e.g. ``where={"workers": [4, 16]}``. Returns the matplotlib Axes.
        """
        import matplotlib.pyplot as plt
        import numpy as np

        data = self.metrics
        for column, wanted in (where or {}).items():
            values = wanted if isinstance(wanted, (list, tuple, set)) else [wanted]
            data = data[data[column].isin(values)]
        by = list(by) if by is not None else ["variant"] + self.swept
        if logy is None:
            logy = y in _LOG_METRICS
        if ax is None:
            _, ax = plt.subplots()
        # One column is grouped by its name: pandas warns about a list of one.
        for key, group in data.groupby(by if len(by) > 1 else by[0], sort=False, dropna=False):
            key = key if len(by) > 1 else (key,)
            # The runs of a group share their evaluation steps: average x and y over the seeds
            # at each step (with a random clock, each seed reaches a step at its own time).
            if logy:
                # The geometric mean; a value at 0 or below has no logarithm and is left out.
                group = group[group[y] > 0]
                points = group.groupby("step").agg(x=(x, "mean"), y=(y, lambda v: float(np.exp(np.log(v).mean()))))
            else:
                points = group.groupby("step").agg(x=(x, "mean"), y=(y, "mean"))
            label = ", ".join(_label(column, value) for column, value in zip(by, key))
            ax.plot(points.x, points.y, label=label)
        ax.set_xlabel(x)
        ax.set_ylabel(y)
        if logy:
            ax.set_yscale("log")
            if x in ("step", "samples", "time", "bytes"):
                # Log-log as the CLI's plots; step 0 (and time 0) on a linear stretch below the
                # first positive value.
                positive = data[x][data[x] > 0]
                if len(positive) and (data[x] <= 0).any():
                    ax.set_xscale("symlog", linthresh=float(positive.min()))
                    ax.set_xlim(left=0)
                elif len(positive):
                    ax.set_xscale("log")
        ax.legend(fontsize="small")
        ax.set_title(self.name or "")
        return ax


def _label(column, value):
    if column == "variant":
        return str(value)
    if isinstance(value, float) and math.isnan(value):
        value = "-"
    return f"{column}={value}"


# The files of a results folder that Results reads; the first four are always written.
_REQUIRED = ("metrics.csv", "runs.csv", "summary.json", "time_to_target.csv")
_OPTIONAL = ("trace.csv", "rounds.csv", "checks.json")


def load(folder):
    """The Results of a results folder written by ``localsgd run`` (or ``localsgd.run(out=...)``)."""
    folder = Path(os.fspath(folder))
    if not folder.is_dir():
        raise FileNotFoundError(f"{folder}: no such results folder")
    texts = {}
    for name in _REQUIRED:
        path = folder / name
        if not path.is_file():
            raise FileNotFoundError(f"{path}: missing; is {folder} a results folder of a finished `localsgd run`?")
        texts[name] = _read(path)
    for name in _OPTIONAL:
        if (folder / name).is_file():
            texts[name] = _read(folder / name)
    resolved_file = folder / "spec.resolved.json"
    resolved = json.loads(_read(resolved_file)) if resolved_file.is_file() else {}
    return Results(texts, resolved, folder)


def _read(path):
    # newline="": the text exactly as written (a quoted field may hold a CR).
    with open(path, encoding="utf-8", newline="") as f:
        return f.read()
