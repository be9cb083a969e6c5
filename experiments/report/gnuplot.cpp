#include "experiments/report/gnuplot.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include <array>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iterator>
#include <string_view>

#include "experiments/store/temporary_file.hpp"

extern char** environ;

namespace localsgd {

bool is_complete_png(const std::filesystem::path& file) {
  static constexpr std::array<unsigned char, 8> signature = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
  // The last chunk: length 0, type IEND, its CRC.
  static constexpr std::array<unsigned char, 12> iend = {0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xae, 0x42, 0x60, 0x82};
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const std::streamoff size = in.tellg();
  if (size < static_cast<std::streamoff>(signature.size() + iend.size())) return false;
  std::array<char, 8> head{};
  std::array<char, 12> tail{};
  in.seekg(0);
  in.read(head.data(), head.size());
  in.seekg(size - static_cast<std::streamoff>(tail.size()));
  in.read(tail.data(), tail.size());
  return in && std::memcmp(head.data(), signature.data(), head.size()) == 0 &&
         std::memcmp(tail.data(), iend.data(), tail.size()) == 0;
}

namespace {

// The whole file, or nothing if it cannot be read (a drawing is at most a few megabytes).
std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return {};
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

bool is_complete_pdf(const std::filesystem::path& file) {
  const std::string bytes = file_bytes(file);
  if (bytes.rfind("%PDF-", 0) != 0) return false;
  const std::size_t tail = bytes.size() > 1024 ? bytes.size() - 1024 : 0;
  return bytes.find("%%EOF", tail) != std::string::npos;
}

bool is_complete_svg(const std::filesystem::path& file) {
  const std::string bytes = file_bytes(file);
  const std::size_t end = bytes.find_last_not_of(" \t\r\n");
  static constexpr std::string_view kClose = "</svg>";
  return bytes.find("<svg") != std::string::npos && end != std::string::npos && end + 1 >= kClose.size() &&
         std::string_view(bytes).substr(end + 1 - kClose.size(), kClose.size()) == kClose;
}

// What an incomplete drawing lacks, for the message.
std::string incomplete_what(PlotFormat format) {
  switch (format) {
    case PlotFormat::pdf:
      return "no %PDF- header or no %%EOF trailer";
    case PlotFormat::svg:
      return "no </svg> at the end";
    case PlotFormat::png:
      break;
  }
  return "no IEND chunk at the end";
}

std::string to_upper(std::string text) {
  for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return text;
}

// A gnuplot single-quoted string: no escapes but '' for a quote.
std::string single_quoted(const std::string& text) {
  std::string out = "'";
  for (char c : text) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string signal_name(int signal) {
  const char* abbreviation = sigabbrev_np(signal);
  return abbreviation ? fmt::format("SIG{} ({})", abbreviation, strsignal(signal)) : fmt::format("signal {}", signal);
}

bool stop_set(const std::atomic<bool>* stop) { return stop != nullptr && stop->load(std::memory_order_relaxed); }

}  // namespace

bool is_complete_drawing(const std::filesystem::path& file, PlotFormat format) {
  switch (format) {
    case PlotFormat::pdf:
      return is_complete_pdf(file);
    case PlotFormat::svg:
      return is_complete_svg(file);
    case PlotFormat::png:
      break;
  }
  return is_complete_png(file);
}

DrawResult draw_png(const std::filesystem::path& folder, const std::string& stem, const std::atomic<bool>* stop) {
  return draw_plot(folder, stem, PlotFormat::png, stop);
}

DrawResult draw_plot(const std::filesystem::path& folder, const std::string& stem, PlotFormat format,
                     const std::atomic<bool>* stop) {
  return draw_with_gnuplot(folder,
                           Drawing{stem + ".gp", stem + "." + kPlotFormatNames.name(format), stem + ".log",
                                   to_upper(kPlotFormatNames.name(format)),
                                   [format](const std::filesystem::path& file) { return is_complete_drawing(file, format); },
                                   incomplete_what(format)},
                           stop);
}

DrawResult draw_with_gnuplot(const std::filesystem::path& folder, const Drawing& target, const std::atomic<bool>* stop) {
  const std::filesystem::path drawn_file = folder / target.file;
  const std::filesystem::path log = folder / target.log;
  const std::string& script = target.script;
  TemporaryFile drawing(drawn_file);  // both removed at the end unless renamed
  TemporaryFile output(log);
  drawing.close();  // gnuplot opens it by name

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, folder.c_str());  // the script names its files relative to it
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output.fd(), 1);
  posix_spawn_file_actions_adddup2(&actions, output.fd(), 2);
  std::string program = "gnuplot", dash_e = "-e";
  std::string assignment = "output_file=" + single_quoted(drawing.path().filename().string());
  std::string script_arg = script;
  char* argv[] = {program.data(), dash_e.data(), assignment.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == ENOENT) {
    return {DrawStatus::not_found, fmt::format("could not start gnuplot: it was not found on PATH, so no {} was drawn "
                                               "(install it: apt-get install gnuplot-nox); the data and scripts are "
                                               "in {}",
                                               target.kind, folder.string())};
  }
  if (spawned != 0) {
    return {DrawStatus::failed, fmt::format("{}: could not start gnuplot: {}", drawn_file.string(), std::strerror(spawned))};
  }

  // Polled rather than blocking, so that a stop request is seen however the signal and the wait
  // interleave; EINTR (the handler ran) just means look again.
  int status = 0;
  bool killed = false;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return {DrawStatus::failed, fmt::format("{}: cannot wait for gnuplot: {}", drawn_file.string(), std::strerror(errno))};
    }
    if (!killed && stop_set(stop)) {
      ::kill(pid, SIGKILL);  // its output is a temporary that is removed anyway
      killed = true;
    }
    const timespec pause{0, 5'000'000};
    ::nanosleep(&pause, nullptr);
  }

  const bool stopped_by_signal =
      WIFSIGNALED(status) && (WTERMSIG(status) == SIGINT || WTERMSIG(status) == SIGTERM || WTERMSIG(status) == SIGHUP);
  if (killed || stop_set(stop) || stopped_by_signal) {
    // Ctrl-C in a terminal reaches gnuplot too (same process group): that is an interruption,
    // not a failure of the plot.
    return {DrawStatus::interrupted, fmt::format("{} was not redrawn", drawn_file.string())};
  }
  std::string problem;
  if (WIFSIGNALED(status)) {
    problem = fmt::format("gnuplot was killed by {}", signal_name(WTERMSIG(status)));
  } else if (WEXITSTATUS(status) != 0) {
    problem = fmt::format("gnuplot failed (exit {})", WEXITSTATUS(status));
  } else if (!target.complete(drawing.path())) {
    std::error_code error;
    const auto size = std::filesystem::file_size(drawing.path(), error);
    problem = fmt::format("gnuplot exited 0 but wrote an incomplete {} ({} bytes, {}; is the disk full?)", target.kind,
                          error ? 0 : size, target.lacks);
  }
  if (!problem.empty()) {
    std::string where = log.string();
    try {
      output.commit();
    } catch (const std::exception& e) {
      where = fmt::format("(the log could not be kept: {})", e.what());
    }
    std::error_code error;
    const std::string kept = std::filesystem::exists(drawn_file, error) ? "the previous " + drawn_file.filename().string() + " is kept"
                                                                 : "no " + drawn_file.filename().string() + " was written";
    return {DrawStatus::failed,
            fmt::format("{}: {} on {}; {}; see {}", drawn_file.string(), problem, (folder / script).string(), kept, where)};
  }
  drawing.commit();
  std::error_code ignored;
  std::filesystem::remove(log, ignored);  // a log left by an earlier failed drawing is stale now
  return {};
}

}  // namespace localsgd
