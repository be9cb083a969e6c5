#pragma once
// Drawing an animated GIF with gnuplot (`set terminal gif animate`), atomically, like draw_png
// (experiments/report/gnuplot.hpp): NAME.gif is replaced only by a complete GIF.
#include <atomic>
#include <filesystem>
#include <string>

#include "experiments/report/gnuplot.hpp"

namespace localsgd {

// Runs `gnuplot -e "output_file='TEMPORARY'" SCRIPT` in `folder` and renames the temporary over
// folder/GIF_NAME if gnuplot exits 0 and the file is a complete GIF; gnuplot's output goes to
// folder/LOG_NAME only on failure.
DrawResult draw_gif(const std::filesystem::path& folder, const std::string& script, const std::string& gif_name,
                    const std::atomic<bool>* stop);

// Whether `file` is a complete GIF file: the header "GIF89a" (or "GIF87a") and the trailer 0x3B.
bool is_complete_gif(const std::filesystem::path& file);

}  // namespace localsgd
