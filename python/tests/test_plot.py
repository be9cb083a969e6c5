"""Results.plot: one line per group of runs that differ only in their seed, means over seeds."""
import math

import matplotlib

matplotlib.use("Agg")

import localsgd


def test_one_line_per_variant_and_sweep_point_at_the_geometric_mean(small_spec):
    small_spec.pop("expect")
    results = localsgd.run(small_spec)
    ax = results.plot(x="step", y="gap")
    assert len(ax.lines) == 4  # 2 variants x 2 worker counts
    assert ax.get_yscale() == "log" and ax.get_xscale() == "symlog"
    line = ax.lines[0]
    first = results.metrics[(results.metrics.variant == "Sync-SGD") & (results.metrics.workers == 2)]
    final = first[first.step == first.step.max()].gap
    assert math.isclose(line.get_ydata()[-1], math.exp(sum(math.log(v) for v in final) / len(final)), rel_tol=1e-12)
    assert line.get_label() == "Sync-SGD, workers=2"


def test_by_where_and_a_linear_axis(small_spec):
    small_spec.pop("expect")
    results = localsgd.run(small_spec)
    ax = results.plot(x="time", y="round", by=["variant"], where={"workers": 4})
    assert len(ax.lines) == 2 and ax.get_yscale() == "linear"
    assert [line.get_label() for line in ax.lines] == ["Sync-SGD", "local"]
