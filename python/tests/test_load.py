"""load() reads a results folder into the same Results run() returns."""
import pandas.testing

import localsgd
from conftest import cli, comparable, comparable_summary


def assert_same_results(a, b):
    """Equal but for the wall-clock seconds (equal too when both come from one folder)."""
    assert a.texts.keys() == b.texts.keys()
    for name, text in a.texts.items():
        assert comparable(name, text) == comparable(name, b.texts[name]), name
    for name in ("metrics", "runs", "time_to_target"):
        pandas.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert comparable_summary(a.summary) == comparable_summary(b.summary)
    assert a.checks == b.checks
    assert a.spec == b.spec


def test_run_with_out_then_load_round_trips(tmp_path, small_spec):
    in_memory = localsgd.run(small_spec)
    written = localsgd.run(small_spec, out=tmp_path / "out")
    assert written.folder == tmp_path / "out"
    assert (tmp_path / "out" / "spec.resolved.json").is_file()
    assert (tmp_path / "out" / "checks.json").is_file()
    loaded = localsgd.load(tmp_path / "out")
    assert_same_results(in_memory, loaded)
    assert written.texts == loaded.texts and written.summary == loaded.summary
    assert loaded.spec["name"] == "python_small"


def test_load_reads_a_cli_folder_with_traces(tmp_path, traced_spec):
    import json
    spec_file = tmp_path / "traced.json"
    spec_file.write_text(json.dumps(traced_spec))
    cli("run", spec_file, "--out", tmp_path / "cli", "--quiet")
    loaded = localsgd.load(tmp_path / "cli")
    in_memory = localsgd.run(traced_spec)
    assert_same_results(in_memory, loaded)
    pandas.testing.assert_frame_equal(loaded.trace, in_memory.trace)
    pandas.testing.assert_frame_equal(loaded.rounds, in_memory.rounds)


def test_load_of_a_folder_without_results(tmp_path):
    import pytest
    with pytest.raises(FileNotFoundError, match="metrics.csv"):
        localsgd.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no such results folder"):
        localsgd.load(tmp_path / "nothing")
