#!/usr/bin/env python3
"""Writes the seed corpus of the spec_run fuzz target, fuzz/corpus/spec_run/: every spec of the
spec_loader corpus and of experiments/, shrunk to tiny sizes so that the target runs them (it only
validates specs over its work cap: fuzz/spec_run_fuzzer.cpp). Inputs that are not JSON objects
(the loader's bad inputs) are copied as they are. Hand-written seeds (label_*.json,
subnormal_target.json) sit beside them. Rerun after adding specs:
    python3 fuzz/make_spec_run_corpus.py
"""
import json
import pathlib

root = pathlib.Path(__file__).resolve().parent.parent
out = root / "fuzz" / "corpus" / "spec_run"

# Upper bounds of the sizes that drive the work, wherever they appear (top level, variants, sweeps).
LIMITS = {"samples": 64, "dim": 6, "workers": 3, "steps": 40, "batch": 2, "points": 8, "period": 8,
          "tau0": 4, "every": 5, "before": 40}


# Network models whose bytes_per_value defaults to the integer 8: a spec that leaves it out gets
# other run keys when read back from its spec.resolved.json (8.0), a finding of this target that
# is not fixed yet (docs/reliability.md, Fuzzing). The seeds state it, so that they pass.
SIZED_NETWORKS = {"ring", "tree", "recursive_doubling", "parameter_server"}


def shrink(value, key=None):
    if isinstance(value, dict):
        if key == "network" and value.get("type") in SIZED_NETWORKS:
            value = {**value, "bytes_per_value": value.get("bytes_per_value", 8)}
        return {k: shrink(v, k) for k, v in value.items()}
    if isinstance(value, list):
        items = value[:2] if key != "variants" else value[:3]
        return [shrink(v, key) for v in items]
    if key == "file":  # the LIBSVM file the target writes into its data folder
        return "heart.svm"
    if key in LIMITS and isinstance(value, int) and not isinstance(value, bool):
        return min(value, LIMITS[key])
    return value


def shrink_spec(spec):
    spec = shrink(spec)
    if isinstance(spec.get("seeds"), int):
        spec["seeds"] = min(spec["seeds"], 2)
    # Sweep values shrunk to the same bound collapse: keep them distinct.
    for path, values in spec.get("sweep", {}).items():
        if isinstance(values, list):
            spec["sweep"][path] = list(dict.fromkeys(json.dumps(v) for v in values))
            spec["sweep"][path] = [json.loads(v) for v in spec["sweep"][path]]
    return spec


def main():
    out.mkdir(parents=True, exist_ok=True)
    sources = sorted((root / "fuzz" / "corpus" / "spec_loader").iterdir())
    sources += sorted((root / "experiments").rglob("*.json"))
    for source in sources:
        text = source.read_text()
        name = source.name if source.parent.name == "spec_loader" else "experiment_" + source.name
        try:
            spec = json.loads(text)
        except ValueError:
            spec = None
        if isinstance(spec, dict):
            text = json.dumps(shrink_spec(spec), separators=(",", ":")) + "\n"
        (out / name).write_text(text)


if __name__ == "__main__":
    main()
