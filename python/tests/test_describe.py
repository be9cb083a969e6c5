"""validate(), explain() and catalog(): the CLI's checks, JSON and listing, as data."""
import json

import localsgd
from conftest import cli


def test_catalog_is_what_localsgd_list_prints():
    listing = localsgd.catalog()
    keys = [r["key"] for r in listing["registries"]]
    assert keys[:3] == ["problem.type", "schedule.type", "step_size.type"]
    problems = {t["name"]: t for t in listing["registries"][0]["types"]}
    assert "least_squares" in problems
    dim = {p["name"]: p for p in problems["least_squares"]["params"]}["dim"]
    assert set(dim) == {"name", "rule", "default", "optional", "condition", "help"}
    assert listing["targets"]
    assert localsgd.catalog(as_text=True) == cli("list").stdout


def test_explain_is_the_cli_json(tmp_path, small_spec):
    spec_file = tmp_path / "small.json"
    spec_file.write_text(json.dumps(small_spec))
    assert localsgd.explain(spec_file) == json.loads(cli("explain", "--json", spec_file).stdout)
    assert localsgd.explain(spec_file, as_text=True) == cli("explain", spec_file).stdout


def test_validate_counts_the_runs(small_spec):
    report = localsgd.validate(small_spec)
    assert report["name"] == "python_small"
    assert report["variants"] == ["Sync-SGD", "local"]
    assert report["seeds"] == [0, 1] or len(report["seeds"]) == 2
    assert report["configurations"] == 4
    assert len(report["runs"]) == 8
    assert report["runs"][0]["schedule"] == "sync" and report["runs"][0]["workers"] == 2
    assert report["memory"]["bytes"] > 0 and report["memory"]["text"].startswith("about")
