"""run() in process gives the CLI's results folder, bit for bit."""
import json
import math

import pytest

import localsgd
from conftest import cli, comparable, comparable_summary

FILES = ["metrics.csv", "runs.csv", "summary.json", "time_to_target.csv"]


def write_spec(tmp_path, spec):
    path = tmp_path / f"{spec['name']}.json"
    path.write_text(json.dumps(spec, indent=2))
    return path


def cli_folder(tmp_path, spec_file, threads=2):
    out = tmp_path / "cli"
    cli("run", spec_file, "--out", out, "--quiet", "--threads", threads)
    return out


def assert_frame_holds_file_numbers(frame, text):
    """Every number of the CSV text is the DataFrame's, compared as strings of shortest
    round-trip form (Python's repr: equal strings are equal doubles)."""
    rows = [line.split(",") for line in text.splitlines()]
    header, rows = rows[0], rows[1:]
    assert list(frame.columns) == header
    assert len(frame) == len(rows)
    for j, column in enumerate(header):
        if column == "variant":
            assert list(frame[column]) == [r[j] for r in rows]
            continue
        cells = [r[j] for r in rows]
        expected = [repr(float(c)) for c in cells]
        got = [repr(float(v)) for v in frame[column]]
        assert got == expected, column


def test_in_process_files_equal_the_cli_files(tmp_path, small_spec):
    spec_file = write_spec(tmp_path, small_spec)
    folder = cli_folder(tmp_path, spec_file)
    results = localsgd.run(small_spec, threads=1)  # another thread count: the same bits
    for name in FILES + ["checks.json"]:
        assert comparable(name, results.texts[name]) == comparable(name, (folder / name).read_text()), name
    assert_frame_holds_file_numbers(results.metrics, (folder / "metrics.csv").read_text())
    assert comparable_summary(results.summary) == comparable_summary(json.loads((folder / "summary.json").read_text()))
    assert results.trace is None and results.rounds is None
    assert results.checks[0]["passed"] is True
    assert results.folder is None


def test_the_dataframes_have_the_files_columns(small_spec):
    results = localsgd.run(small_spec)
    assert list(results.metrics.columns) == ["run", "variant", "seed", "workers", "step", "round", "samples", "time",
                                             "loss", "gap", "grad_norm_sq", "consensus"]
    assert len(results.runs) == 8 and list(results.runs.run) == list(range(8))
    assert {"final_gap", "rounds", "virtual_time", "termination"} <= set(results.runs.columns)
    assert results.swept == ["workers"]
    assert results.metrics.gap.dtype == float and results.metrics.step.dtype.kind == "i"
    assert len(results.summary["runs"]) == 8


def test_a_spec_file_and_its_dict_give_the_same_results(tmp_path, small_spec):
    spec_file = write_spec(tmp_path, small_spec)
    from_file = localsgd.run(spec_file)
    from_dict = localsgd.run(small_spec)
    assert from_file.texts.keys() == from_dict.texts.keys()
    for name, text in from_file.texts.items():
        assert comparable(name, text) == comparable(name, from_dict.texts[name]), name


def test_traced_runs_give_the_cli_trace_files(tmp_path, traced_spec):
    spec_file = write_spec(tmp_path, traced_spec)
    folder = cli_folder(tmp_path, spec_file)
    results = localsgd.run(traced_spec)
    for name in FILES + ["trace.csv", "rounds.csv"]:
        assert comparable(name, results.texts[name]) == comparable(name, (folder / name).read_text()), name
    assert_frame_holds_file_numbers(results.trace, (folder / "trace.csv").read_text())
    assert list(results.trace.columns[:4]) == ["run", "step", "round", "worker"]


def test_non_finite_numbers_are_read_as_written(small_spec):
    # A step size far beyond 2/L: the runs diverge, their last rows hold inf or nan.
    small_spec["step_size"] = {"type": "constant", "value": 50.0}
    small_spec.pop("expect")
    with pytest.warns(localsgd.LocalsgdWarning, match="DIVERGED"):
        results = localsgd.run(small_spec)
    assert set(results.runs.termination) == {"diverged"}
    assert_frame_holds_file_numbers(results.metrics, results.texts["metrics.csv"])
    last = results.metrics.groupby("run").gap.last()
    assert all(math.isinf(v) or math.isnan(v) or v > 1e6 for v in last)


def test_nothing_is_written_without_out(tmp_path, small_spec, monkeypatch):
    monkeypatch.chdir(tmp_path)
    localsgd.run(small_spec)
    assert list(tmp_path.iterdir()) == []


def test_labels_stay_labels(small_spec):
    # pandas would read these as missing values; a variant's label is text.
    small_spec["variants"][0]["label"] = "NA"
    small_spec["variants"][1]["label"] = "nan"
    small_spec.pop("expect")
    results = localsgd.run(small_spec)
    assert list(results.metrics.variant.unique()) == ["NA", "nan"]
    assert list(results.runs.variant.unique()) == ["NA", "nan"]
