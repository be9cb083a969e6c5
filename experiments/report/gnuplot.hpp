#pragma once
// Drawing one plot with gnuplot, atomically: the PNG, PDF or SVG file a results folder holds is
// always a complete drawing (the previous one if a new drawing fails or is interrupted).
#include <atomic>
#include <filesystem>
#include <functional>
#include <string>

#include "experiments/spec/plot_spec.hpp"

namespace localsgd {

enum class DrawStatus {
  drawn,        // NAME.EXT replaced by the new drawing
  failed,       // gnuplot failed or wrote an incomplete file; NAME.EXT untouched, NAME.log kept
  not_found,    // gnuplot could not be started (not installed); nothing changed
  interrupted,  // the stop flag was set, or gnuplot was stopped by SIGINT/SIGTERM; nothing changed
};

struct DrawResult {
  DrawStatus status = DrawStatus::drawn;
  std::string message;  // for every status but drawn: what happened, naming the plot and the log
};

// Runs `gnuplot -e "output_file='TEMPORARY'" NAME.gp` in `folder` (the script writes NAME.EXT by
// default, EXT the format's extension, so `gnuplot NAME.gp` redraws it by hand), with gnuplot's
// output going to a temporary log. TEMPORARY is a fresh file beside NAME.EXT created with O_EXCL.
// The drawing replaces NAME.EXT only if gnuplot exits 0 and the file is complete in its format
// (is_complete_drawing); otherwise it is removed and gnuplot's output is kept as NAME.log. A
// NAME.log left by an earlier failed drawing is removed once NAME.EXT is drawn: a log exists only
// beside a plot whose last drawing failed. While gnuplot runs, `stop` is polled; once set, gnuplot
// is killed.
DrawResult draw_plot(const std::filesystem::path& folder, const std::string& stem, PlotFormat format,
                     const std::atomic<bool>* stop);

// One drawing in general (draw_plot, and the trajectory plot's GIF): gnuplot runs SCRIPT in the
// folder with output_file set to a temporary beside FILE, which replaces FILE only if gnuplot
// exits 0 and `complete` accepts it; otherwise gnuplot's output is kept as LOG.
struct Drawing {
  std::string script;  // e.g. NAME.gp
  std::string file;    // what the script draws by default, e.g. NAME.png
  std::string log;     // gnuplot's output after a failed drawing, e.g. NAME.log
  std::string kind;    // in messages: "PNG", "GIF", ...
  std::function<bool(const std::filesystem::path&)> complete;
  std::string lacks;   // what an incomplete file lacks, for the message
};
DrawResult draw_with_gnuplot(const std::filesystem::path& folder, const Drawing& drawing, const std::atomic<bool>* stop);

// draw_plot for a PNG.
DrawResult draw_png(const std::filesystem::path& folder, const std::string& stem, const std::atomic<bool>* stop);

// Whether `file` is a complete drawing: a PNG (signature, IEND chunk at the end), a PDF ("%PDF-"
// at the start, "%%EOF" in its last 1024 bytes) or an SVG ("<svg" in it, "</svg>" at the end but
// for white space).
bool is_complete_drawing(const std::filesystem::path& file, PlotFormat format);

// Whether `file` is a complete PNG file (the signature at the start, an IEND chunk at the end).
bool is_complete_png(const std::filesystem::path& file);

}  // namespace localsgd
