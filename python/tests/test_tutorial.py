"""python/examples/tutorial.py (docs/python.md's tutorial) runs and draws its plot."""
import os
import subprocess
import sys
from pathlib import Path

import localsgd

ROOT = Path(__file__).resolve().parents[2]


def package_root():
    # The folder holding the package this test imported (PYTHONPATH may be relative to another folder).
    return str(Path(localsgd.__file__).resolve().parents[1])


def test_the_tutorial_runs(tmp_path):
    picture = tmp_path / "tutorial.png"
    done = subprocess.run([sys.executable, str(ROOT / "python" / "examples" / "tutorial.py"), str(picture)],
                          cwd=tmp_path, capture_output=True, text=True, env=dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=package_root()))
    assert done.returncode == 0, done.stderr
    assert "12 runs in 4 configurations" in done.stdout
    assert picture.stat().st_size > 10000
    assert sorted(p.name for p in tmp_path.iterdir()) == ["tutorial.png"]  # nothing else written
