#include "experiments/spec/compression_spec.hpp"

#include <fmt/format.h>

#include <stdexcept>

#include "algorithms/compression/compressor.hpp"

namespace localsgd {

void check_compression(const RoundSpec& round, const Configured<LocalOptimizer>& optimizer, int state_vectors,
                       Index dim, const Location& root, const BuildContext& context) {
  if (!round.compressed()) return;
  const std::string type = round.compression.type();
  // The asynchronous engine sends whole models on every push; only the barrier round compresses.
  if (round.asynchronous()) {
    root.child("coordination").child("type").fail(fmt::format(
        "must be \"barrier\" with compression (\"{}\"), got \"{}\": only the barrier round compresses what workers "
        "send; drop \"compression\" or use the barrier",
        type, round.coordination.type()));
  }
  const round::Pipeline pipeline = round.pipeline(context);
  if (pipeline.correction.kind == round::CorrectionKind::scaffold) {
    root.child("correction").child("type").fail(fmt::format(
        "must not be \"scaffold\" with compression (\"{}\"): SCAFFOLD's control variates would travel uncompressed "
        "next to the compressed model changes; use \"none\" or \"fedprox\", or drop \"compression\"",
        type));
  }
  // Momentum's and Adam's state_at_sync "average" averages the state vectors like the models: they
  // would cross the network uncompressed.
  if (state_vectors > 0 && optimizer.params.has("state_at_sync") &&
      optimizer.params.text("state_at_sync") == "average") {
    root.child("optimizer").child("state_at_sync").fail(fmt::format(
        "must be \"keep\" or \"reset\" with compression (\"{}\"), got \"average\": averaging the {} optimizer's "
        "state at syncs would send it uncompressed",
        type, optimizer.type()));
  }
  // k against d: the parameter rules know the bounds of k and ratio but not the problem.
  const compression::CompressorOptions& options = pipeline.compression.compressor;
  try {
    compression::make_compressor(options, dim);
  } catch (const std::invalid_argument& e) {
    const Location at = root.child("compression");
    (options.k != 0 ? at.child("k") : at).fail(e.what());  // the message gives k and d
  }
}

void check_bytes_plots(const std::vector<PlotSpec>& plots, bool counts_bytes) {
  if (counts_bytes) return;
  const std::string rule = "\"bytes\" is an axis only when some run sets \"compression\" or \"gossip\" (no run of "
                           "this spec sends compressed or gossip messages, so metrics.csv has no bytes column); use step, "
                           "round, samples or time";
  const Location where{"/plots", nullptr};
  for (std::size_t i = 0; i < plots.size(); ++i) {
    if (plots[i].kind == PlotKind::curve && plots[i].x == "bytes") where.child(i).child("x").fail(rule);
    if (plots[i].kind == PlotKind::time_to && plots[i].by == Axis::bytes) where.child(i).child("by").fail(rule);
  }
}

}  // namespace localsgd
