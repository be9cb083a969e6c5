#include "experiments/report/gif_drawing.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <time.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "experiments/store/temporary_file.hpp"

extern char** environ;

namespace localsgd {

bool is_complete_gif(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return false;
  const std::streamoff size = in.tellg();
  if (size < 14) return false;  // header (6) + logical screen descriptor (7) + trailer (1)
  char head[6] = {};
  char tail = 0;
  in.seekg(0);
  in.read(head, sizeof head);
  in.seekg(size - 1);
  in.read(&tail, 1);
  const bool header = std::memcmp(head, "GIF89a", 6) == 0 || std::memcmp(head, "GIF87a", 6) == 0;
  return in && header && tail == 0x3B;
}

DrawResult draw_gif(const std::filesystem::path& folder, const std::string& script, const std::string& gif_name,
                    const std::atomic<bool>* stop) {
  const std::filesystem::path gif = folder / gif_name;
  const std::filesystem::path log = folder / (std::filesystem::path(gif_name).stem().string() + ".gif.log");
  TemporaryFile drawing(gif);
  TemporaryFile output(log);
  drawing.close();

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addchdir_np(&actions, folder.c_str());
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, output.fd(), 1);
  posix_spawn_file_actions_adddup2(&actions, output.fd(), 2);
  std::string program = "gnuplot", dash_e = "-e";
  // Temporary names are ".NAME.tmp.PID.N": no quote to escape.
  std::string assignment = "output_file='" + drawing.path().filename().string() + "'";
  std::string script_arg = script;
  char* argv[] = {program.data(), dash_e.data(), assignment.data(), script_arg.data(), nullptr};
  pid_t pid = 0;
  const int spawned = posix_spawnp(&pid, "gnuplot", &actions, nullptr, argv, environ);
  posix_spawn_file_actions_destroy(&actions);
  if (spawned == ENOENT) return {DrawStatus::not_found, "could not start gnuplot: it was not found on PATH"};
  if (spawned != 0) return {DrawStatus::failed, fmt::format("{}: could not start gnuplot: {}", gif.string(), std::strerror(spawned))};

  int status = 0;
  bool killed = false;
  while (true) {
    const pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      return {DrawStatus::failed, fmt::format("{}: cannot wait for gnuplot: {}", gif.string(), std::strerror(errno))};
    }
    if (!killed && stop != nullptr && stop->load(std::memory_order_relaxed)) {
      ::kill(pid, SIGKILL);
      killed = true;
    }
    const timespec pause{0, 5'000'000};
    ::nanosleep(&pause, nullptr);
  }
  if (killed) return {DrawStatus::interrupted, fmt::format("{} was not redrawn", gif.string())};
  std::string problem;
  if (WIFSIGNALED(status)) {
    problem = fmt::format("gnuplot was killed by signal {}", WTERMSIG(status));
  } else if (WEXITSTATUS(status) != 0) {
    problem = fmt::format("gnuplot failed (exit {})", WEXITSTATUS(status));
  } else if (!is_complete_gif(drawing.path())) {
    problem = "gnuplot exited 0 but wrote an incomplete GIF (no GIF89a header or no 0x3B trailer)";
  }
  if (!problem.empty()) {
    output.commit();
    return {DrawStatus::failed, fmt::format("{}: {} on {}; see {}", gif.string(), problem, (folder / script).string(),
                                            log.string())};
  }
  drawing.commit();
  std::error_code ignored;
  std::filesystem::remove(log, ignored);
  return {};
}

}  // namespace localsgd
