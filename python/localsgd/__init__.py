"""localsgd in Python: run specs in process and get pandas DataFrames (docs/python.md).

    import localsgd
    results = localsgd.run("experiments/examples/quickstart.json", threads=2)
    results.metrics.groupby("variant").gap.last()

The engine is the C++ library of the ``localsgd`` command (the extension module ``localsgd._core``):
a spec is read, checked and run by the same code, so ``run`` gives the numbers ``localsgd run``
writes, bit for bit, without writing files unless ``out`` is given.
"""
import json
import os
import warnings
from collections.abc import Mapping

from . import _core
from .errors import ResultsFolderError, SpecError
from .results import Results, load

__all__ = ["run", "load", "validate", "explain", "catalog", "Results", "SpecError", "ResultsFolderError",
           "LocalsgdWarning"]


class LocalsgdWarning(UserWarning):
    """What ``localsgd run`` prints as a warning: a questionable spec, a run that diverged, a plot
    that was not drawn."""


def run(spec, threads=None, out=None, force=False):
    """Runs every run of ``spec`` in this process and returns its Results.

    ``spec`` is a dict (the JSON of a spec file; relative data paths resolve against the current
    folder) or the path of a spec file. ``threads`` caps the worker threads (default: every
    core); the numbers do not depend on it. Nothing is written unless ``out`` names a results
    folder: then it is written (and resumed, and refused) exactly as ``localsgd run --out``
    writes it, plots included, and ``force`` is ``--force``.

    The GIL is released while the runs execute. Ctrl-C (SIGINT) stops them within a fraction of a
    second and raises KeyboardInterrupt; with ``out``, the finished runs are kept in ``out/runs``
    and a second call reuses them. Raises SpecError for a spec localsgd refuses.
    """
    file, text = _source(spec)
    out_path = os.fspath(out) if out is not None else None
    got = _core.run(file, text, _threads(threads), out_path, bool(force))
    if got["interrupted"]:  # the stop came from elsewhere than a signal of this thread
        raise KeyboardInterrupt("localsgd.run: interrupted before every run finished")
    for message in got["warnings"]:
        warnings.warn(message, LocalsgdWarning, stacklevel=2)
    if out_path is not None:
        return load(out_path)
    texts = {
        "metrics.csv": got["metrics_csv"],
        "runs.csv": got["runs_csv"],
        "summary.json": got["summary_json"],
        "time_to_target.csv": got["time_to_target_csv"],
    }
    for name, key in (("trace.csv", "trace_csv"), ("rounds.csv", "rounds_csv"), ("checks.json", "checks_json")):
        if got[key] is not None:
            texts[name] = got[key]
    return Results(texts, json.loads(got["resolved"]))


def validate(spec, threads=None):
    """Checks ``spec`` as ``localsgd validate --runs`` does and returns what it prints, as a dict:
    name, variants, seeds, configurations, runs (one dict per run), memory, warnings. Raises
    SpecError (with the JSON path and the rule) for a spec localsgd refuses."""
    file, text = _source(spec)
    return _core.validate(file, text, _threads(threads))


def explain(spec, as_text=False):
    """``localsgd explain --json`` as a dict (docs/explain.md): each configuration's constants,
    theory periods and planned syncs; with ``as_text``, the text ``localsgd explain`` prints."""
    file, text = _source(spec)
    explanation = _core.explain(file, text)
    return _core.explain_text(explanation) if as_text else json.loads(explanation)


def catalog(as_text=False):
    """What ``localsgd list`` prints, as data: {"registries": [{"key": "problem.type", "family",
    "help", "types": [{"name", "help", "params": [...]}]}, ...], "targets": [...]}; each param
    has name, rule, default (None if none), optional, condition and help. With ``as_text``, the
    text ``localsgd list`` prints."""
    return _core.catalog_text() if as_text else json.loads(_core.catalog())


def _source(spec):
    """(file, text) for _core: a path as a file, a mapping as its JSON text."""
    if isinstance(spec, (str, os.PathLike)):
        return os.fspath(spec), ""
    if isinstance(spec, Mapping):
        try:
            return None, json.dumps(spec, allow_nan=False, default=_json_scalar)
        except ValueError as e:  # NaN or infinity: not JSON
            raise SpecError(f"<dict>: {e}", None, str(e), "<dict>") from None
    raise TypeError(f"localsgd: a spec is a dict or the path of a spec file, got {type(spec).__name__}")


def _json_scalar(value):
    # NumPy scalars (a sweep written as np.arange(...).tolist() needs none, but np.int64(4) does).
    if hasattr(value, "item") and callable(value.item):
        return value.item()
    if hasattr(value, "tolist") and callable(value.tolist):
        return value.tolist()
    raise TypeError(f"{type(value).__name__} is not JSON: give numbers, strings, lists and dicts")


def _threads(threads):
    if threads is None:
        return 0
    if isinstance(threads, bool) or not isinstance(threads, int) or not 1 <= threads <= _core.max_threads:
        raise ValueError(f"threads: must be an integer >= 1 and <= {_core.max_threads}, got {threads!r}")
    return threads
