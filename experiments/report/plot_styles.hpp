#pragma once
// How curves look in a gnuplot script: a style per curve that stays distinct for many curves
// (colour × dash × point type), quoting text for gnuplot, and labelled tics on short log axes.
#include <cstddef>
#include <string>

#include "experiments/report/plot_data.hpp"

namespace localsgd {

struct CurveStyle {
  const char* colour;  // "#RRGGBB"
  int dash;            // gnuplot dash type, 1 = solid
  int point;           // gnuplot point type
  // "lc rgb '#…' dt D pt P", for a plot item.
  std::string gnuplot() const;
};

// The style of the i-th curve: 8 colours (Okabe-Ito, distinguishable also for colour-blind
// readers) cycle with the index, the point type with the index modulo 7 and the dash type per
// round of 8 colours, so that the first 56 curves differ in (colour, point) and the first 280 in
// (colour, point, dash). The first 8 are solid lines in the 8 colours.
CurveStyle curve_style(std::size_t i);

// The colour of the i-th curve alone (markers that belong to a curve).
const char* curve_colour(std::size_t i);

// A gnuplot double-quoted string. Control characters (a label written by an older version, or
// edited by hand) would end the script's line: a newline or tab stays one in the title, any other
// is shown as the text \xNN.
std::string gnuplot_string(const std::string& text);

// `set Xtics (...)` with labelled tics for a log axis spanning [low, high] when gnuplot's own
// tics (at powers of ten) would label fewer than two values there: at 1, 2, 5 times powers of ten,
// else at every mantissa 1..9, else at five log-spaced values. Empty when gnuplot's own suffice.
// `axis` is "x" or "y".
std::string log_axis_tics(const std::string& axis, const Span& span);

}  // namespace localsgd
