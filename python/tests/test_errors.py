"""Refused specs raise SpecError carrying the JSON path and the rule, as the CLI names them."""
import pytest

import localsgd
from conftest import cli


def test_a_bad_value_names_its_json_path_and_rule(small_spec):
    small_spec["variants"][1]["schedule"]["period"] = 0
    for call in (localsgd.run, localsgd.validate, localsgd.explain):
        with pytest.raises(localsgd.SpecError) as raised:
            call(small_spec)
        error = raised.value
        assert error.path == "/variants/1/schedule/period"
        assert "must be" in error.rule and ">= 1" in error.rule
        assert error.source == "<dict>"
        assert str(error) == f"<dict>: {error.path}: {error.rule}"
        assert isinstance(error, ValueError)


def test_the_cli_names_the_same_path_and_rule(tmp_path, small_spec):
    small_spec["variants"][1]["schedule"]["period"] = 0
    spec_file = tmp_path / "bad.json"
    import json
    spec_file.write_text(json.dumps(small_spec))
    with pytest.raises(localsgd.SpecError) as raised:
        localsgd.validate(spec_file)
    done = cli("validate", spec_file, check=False)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {raised.value}"
    assert raised.value.source == str(spec_file)


def test_an_unknown_key_and_a_missing_one(small_spec):
    small_spec["stepz"] = 3
    with pytest.raises(localsgd.SpecError) as raised:
        localsgd.validate(small_spec)
    assert raised.value.path == "/stepz"
    del small_spec["stepz"]
    del small_spec["problem"]
    with pytest.raises(localsgd.SpecError) as raised:
        localsgd.validate(small_spec)
    assert raised.value.path == "/variants/0"  # where a run-level key may be set
    assert raised.value.rule.startswith('missing required key "problem"')


def test_a_file_that_is_not_json_has_no_path(tmp_path):
    spec_file = tmp_path / "broken.json"
    spec_file.write_text('{"steps": 3,}')
    with pytest.raises(localsgd.SpecError) as raised:
        localsgd.run(spec_file)
    assert raised.value.path is None
    assert str(raised.value).startswith(str(spec_file) + ":")
    with pytest.raises(localsgd.SpecError) as raised:
        localsgd.run(tmp_path / "missing.json")
    assert raised.value.path is None and "cannot open" in str(raised.value)


def test_nan_in_a_dict_is_refused(small_spec):
    small_spec["step_size"]["value"] = float("nan")
    with pytest.raises(localsgd.SpecError, match="JSON|NaN|nan"):
        localsgd.run(small_spec)


def test_bad_arguments(small_spec):
    for threads in (0, -1, 1025, 2.5, True):
        with pytest.raises(ValueError, match="threads: must be an integer >= 1 and <= 1024"):
            localsgd.run(small_spec, threads=threads)
    with pytest.raises(TypeError):
        localsgd.run(["not", "a", "spec"])


def test_an_out_folder_of_another_spec_is_refused(tmp_path, small_spec):
    localsgd.run(small_spec, out=tmp_path / "out")
    small_spec["steps"] = 200
    with pytest.raises(localsgd.ResultsFolderError, match="different spec"):
        localsgd.run(small_spec, out=tmp_path / "out")
    localsgd.run(small_spec, out=tmp_path / "out", force=True)
