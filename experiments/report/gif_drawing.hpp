#pragma once
// Drawing an animated GIF with gnuplot (`set terminal gif animate`), atomically, like draw_png
// (experiments/report/gnuplot.hpp): NAME.gif is replaced only by a complete GIF.
#include <atomic>
#include <filesystem>
#include <string>

#include "experiments/report/gnuplot.hpp"

namespace localsgd {

// draw_with_gnuplot of SCRIPT drawing folder/GIF_NAME, accepted only as a complete GIF; gnuplot's
// output is kept as GIF_STEM.gif.log after a failure.
DrawResult draw_gif(const std::filesystem::path& folder, const std::string& script, const std::string& gif_name,
                    const std::atomic<bool>* stop);

// Whether `file` is a complete GIF file: the header "GIF89a" (or "GIF87a") and the trailer 0x3B.
bool is_complete_gif(const std::filesystem::path& file);

}  // namespace localsgd
