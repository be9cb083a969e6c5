// The numbers and styles plots are drawn with: geometric means with the interval of the logs,
// thinning long curves, labelled tics on short log axes, distinct curve styles, complete PDF and
// SVG files, and the plot keys of a spec (facet, where, format, size, mean) with their errors.
#include <catch2/catch.hpp>
#include <cmath>
#include <set>
#include <tuple>

#include "experiments/language/spec_error.hpp"
#include "experiments/report/gnuplot.hpp"
#include "experiments/report/plot_data.hpp"
#include "experiments/report/plot_styles.hpp"
#include "experiments/spec/plot_spec.hpp"
#include "support/cli.hpp"

using namespace localsgd;
using namespace localsgd::test;

TEST_CASE("plots: the geometric mean and its interval are those of the logs, mapped back") {
  const Summary s = summarize({1e-3, 1e-1, 1e1}, PlotMean::geometric);
  CHECK(s.n == 3);
  CHECK(s.mean == Approx(1e-1).epsilon(1e-12));
  // Symmetric in log space: lower * upper = mean^2, and the half-width is t_2 s/sqrt(3) with
  // s = ln(100) (the logs are ln(0.1) + {-1, 0, 1} ln 100).
  CHECK(s.lower * s.upper == Approx(s.mean * s.mean).epsilon(1e-9));
  CHECK(std::log(s.upper / s.mean) == Approx(student_t95(2) * std::log(100.0) / std::sqrt(3.0)).epsilon(1e-9));
  CHECK(s.lower > 0);  // never below zero, however wide
  // A value <= 0 has no log: that point falls back to the arithmetic mean and its interval.
  const Summary fallback = summarize({0.0, 1.0}, PlotMean::geometric);
  CHECK(fallback.mean == 0.5);
  CHECK(fallback.upper == Approx(0.5 + student_t95(1) * 0.5));
  // More than 31 seeds: the computed t quantile (t_0.975 at 40 dof is 2.0211).
  CHECK(student_t95(40) == Approx(2.0211).margin(1e-4));
  // The arithmetic mean is as before: mean ± t s/sqrt(n).
  const Summary a = summarize({1, 2, 3}, PlotMean::arithmetic);
  CHECK(a.mean == 2);
  CHECK(a.upper - a.mean == Approx(student_t95(2) * 1.0 / std::sqrt(3.0)));
}

TEST_CASE("plots: long curves are thinned to at most the limit, keeping the first and last points") {
  std::vector<std::pair<double, Summary>> points;
  for (int i = 0; i < 100000; ++i) points.emplace_back(1.0 + i, Summary{1.0 * i, 0, 0, 1});
  for (bool log_x : {false, true}) {
    const auto thinned = thin_points(points, kMaxCurvePoints, log_x);
    CHECK(thinned.size() <= kMaxCurvePoints);
    CHECK(thinned.size() > kMaxCurvePoints / 2);
    CHECK(thinned.front().first == 1.0);
    CHECK(thinned.back().first == 100000.0);
    for (std::size_t i = 1; i < thinned.size(); ++i) REQUIRE(thinned[i].first > thinned[i - 1].first);
    // On a log axis the early points are dense (log-spaced): the first 20 are kept as they are.
    if (log_x) CHECK(thinned[19].first == 20.0);
    if (!log_x) CHECK(thinned[1].first > 40.0);  // evenly spaced: about every 50th point
  }
  const std::vector<std::pair<double, Summary>> few(10, {1.0, Summary{}});
  CHECK(thin_points(few, kMaxCurvePoints, false).size() == 10);
}

TEST_CASE("plots: a log axis spanning less than a decade gets labelled tics") {
  Span within;
  within.add(2.1e-3, true);
  within.add(7.9e-3, true);
  const std::string tics = log_axis_tics("y", within);
  CHECK(tics == "set ytics (\"0.003\" 0.003, \"0.004\" 0.004, \"0.005\" 0.005, \"0.006\" 0.006, \"0.007\" 0.007)\n");
  Span narrow;  // within one mantissa step: five log-spaced values
  narrow.add(10.01, true);
  narrow.add(10.05, true);
  const std::string narrow_tics = log_axis_tics("y", narrow);
  CHECK(narrow_tics ==
        "set ytics (\"10.01\" 10.01, \"10.02\" 10.02, \"10.03\" 10.03, \"10.04\" 10.04, \"10.05\" 10.05)\n");
  Span wide;  // powers of ten inside: gnuplot's own tics
  wide.add(1e-5, true);
  wide.add(1.0, true);
  CHECK(log_axis_tics("y", wide).empty());
  Span decade;  // 1 to 2 decades with one power of ten: 1, 2, 5
  decade.add(0.03, true);
  decade.add(0.9, true);
  CHECK(log_axis_tics("x", decade) == "set xtics (\"0.05\" 0.05, \"0.1\" 0.1, \"0.2\" 0.2, \"0.5\" 0.5)\n");
}

TEST_CASE("plots: curve styles differ in colour, dash or point for hundreds of curves") {
  std::set<std::tuple<std::string, int, int>> seen;
  std::set<std::pair<std::string, int>> colour_and_point;
  for (std::size_t i = 0; i < 280; ++i) {
    const CurveStyle s = curve_style(i);
    CHECK(seen.emplace(s.colour, s.dash, s.point).second);
    if (i < 56) CHECK(colour_and_point.emplace(s.colour, s.point).second);
  }
  for (std::size_t i = 0; i < 8; ++i) CHECK(curve_style(i).dash == 1);  // the first 8: solid, a colour each
}

TEST_CASE("plots: PDF and SVG drawings are complete only with their trailer") {
  ScratchDir dir;
  write_file(dir / "a.pdf", "%PDF-1.5\n...\n%%EOF\n");
  write_file(dir / "b.pdf", "%PDF-1.5\n... cut");
  write_file(dir / "c.pdf", "<html>%%EOF");
  write_file(dir / "a.svg", "<?xml?>\n<svg width='1'>\n</svg>\n\n");
  write_file(dir / "b.svg", "<?xml?>\n<svg width='1'>\n<g>");
  CHECK(is_complete_drawing(dir / "a.pdf", PlotFormat::pdf));
  CHECK_FALSE(is_complete_drawing(dir / "b.pdf", PlotFormat::pdf));
  CHECK_FALSE(is_complete_drawing(dir / "c.pdf", PlotFormat::pdf));
  CHECK(is_complete_drawing(dir / "a.svg", PlotFormat::svg));
  CHECK_FALSE(is_complete_drawing(dir / "b.svg", PlotFormat::svg));
  CHECK_FALSE(is_complete_drawing(dir / "a.svg", PlotFormat::png));
  CHECK_FALSE(is_complete_drawing(dir / "missing.svg", PlotFormat::svg));
}

namespace {

// The error read_plots reports for `plots` with a sweep of workers and schedule.period.
std::string plot_error(const Json& plots) {
  try {
    read_plots(Json{{"plots", plots}}, {"workers", "schedule.period"});
  } catch (const SpecError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("plots: facet, where, format, size and mean are read with errors naming their path") {
  const auto plots = read_plots(Json::parse(R"({"plots": [
      {"x": "time", "y": "gap", "facet": "workers", "where": {"schedule.period": [4, 16], "variant": "a"},
       "format": "svg", "size": [800, 500]},
      {"kind": "time_to", "y": "gap", "value": 0.1},
      {"kind": "time_split", "facet": "variant"},
      {"x": "step", "y": "loss", "log_y": false}]})"),
                                {"workers", "schedule.period"});
  REQUIRE(plots.size() == 4);
  CHECK(plots[0].facet == "workers");
  CHECK(plots[0].where == Json::parse(R"({"schedule.period": [4, 16], "variant": ["a"]})"));
  CHECK(plots[0].format == PlotFormat::svg);
  CHECK(plots[0].size == std::array<int, 2>{800, 500});
  CHECK(plots[0].mean == PlotMean::geometric);
  CHECK(plots[0].file_name() == "gap_vs_time_by_workers_where_schedule.period=4+16_variant=a.svg");
  CHECK(plots[1].x.empty());
  CHECK(plots[1].file_stem() == "time_to_gap_0.1_per_variant");
  CHECK(plots[2].file_stem() == "time_split_by_variant");
  CHECK(plots[3].mean == PlotMean::arithmetic);
  // Written back and read again: the same plot; defaults are not written (resolved specs of plots
  // without the new keys are unchanged).
  for (const auto& p : plots) CHECK(PlotSpec::from_json(p.to_json()).to_json() == p.to_json());
  CHECK(plots[3].to_json() == Json::parse(R"({"kind": "curve", "x": "step", "y": "loss", "log_x": false,
                                              "log_y": false})"));

  CHECK_THAT(plot_error(Json::parse(R"([{"x": "time", "y": "gap", "facet": "seed"}])")),
             Catch::StartsWith("/plots/0/facet: "));
  CHECK_THAT(plot_error(Json::parse(R"([{"x": "time", "y": "gap", "where": {"worker": 4}}])")),
             Catch::StartsWith("/plots/0/where/worker: unknown filter \"worker\"") &&
                 Catch::Contains("did you mean \"workers\""));
  CHECK_THAT(plot_error(Json::parse(R"([{"x": "time", "y": "gap", "where": {"variant": [1]}}])")),
             Catch::StartsWith("/plots/0/where/variant/0: must be a variant label"));
  CHECK_THAT(plot_error(Json::parse(R"([{"x": "time", "y": "gap", "where": {"workers": []}}])")),
             Catch::StartsWith("/plots/0/where/workers: must list at least one value"));
  CHECK_THAT(plot_error(Json::parse(R"([{"x": "time", "y": "gap", "size": [800]}])")),
             Catch::StartsWith("/plots/0/size: must be [width, height]"));
  CHECK_THAT(plot_error(Json::parse(R"([{"x": "time", "y": "gap", "format": "jpeg"}])")),
             Catch::StartsWith("/plots/0/format: "));
  CHECK_THAT(plot_error(Json::parse(R"([{"kind": "final", "x": "workers", "y": "gap", "facet": "workers"}])")),
             Catch::StartsWith("/plots/0/facet: is the plot's x"));
  CHECK_THAT(plot_error(Json::parse(R"([{"x": "time", "y": "gap", "facet": "workers"},
                                        {"x": "time", "y": "gap", "facet": "workers", "format": "pdf"}])")),
             Catch::StartsWith("/plots/1: duplicate plot gap_vs_time_by_workers"));
  // Without a sweep, a time_to plot needs no x (bars per variant), but one with x is refused.
  CHECK_NOTHROW(read_plots(Json::parse(R"({"plots": [{"kind": "time_to", "y": "gap", "value": 1}]})"), {}));
  CHECK_THROWS_WITH(
      read_plots(Json::parse(R"({"plots": [{"kind": "time_to", "x": "workers", "y": "gap", "value": 1}]})"), {}),
      Catch::StartsWith("/plots/0/kind: a \"time_to\" plot needs a sweep"));
}

TEST_CASE("plots: plot_defaults sets the format and size of every plot that does not set its own") {
  const auto plots = read_plots(Json::parse(R"({"plot_defaults": {"format": "pdf", "size": [600, 400]},
      "plots": [{"x": "time", "y": "gap"}, {"x": "step", "y": "gap", "format": "png"}]})"),
                                {});
  REQUIRE(plots.size() == 2);
  CHECK(plots[0].file_name() == "gap_vs_time.pdf");
  CHECK(plots[1].file_name() == "gap_vs_step.png");
  CHECK(plots[1].size == std::array<int, 2>{600, 400});
  CHECK(plots[0].to_json().at("format") == "pdf");  // written per plot into spec.resolved.json
  const auto defaults = read_plots(Json::parse(R"({"plot_defaults": {"format": "svg"}})"), {});
  REQUIRE(defaults.size() == 3);
  for (const auto& p : defaults) CHECK(p.format == PlotFormat::svg);
  CHECK_THROWS_WITH(read_plots(Json::parse(R"({"plot_defaults": {"size": [1, 2]}})"), {}),
                    Catch::StartsWith("/plot_defaults/size: must be [width, height]"));
  CHECK_THROWS_WITH(read_plots(Json::parse(R"({"plot_defaults": {"colour": "red"}})"), {}),
                    Catch::StartsWith("/plot_defaults"));
}
