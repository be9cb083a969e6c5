#pragma once
// Runs the `localsgd` binary in a scratch folder and captures its exit code and output; the small
// spec and the results-folder chores the command-line tests share. A test file brings them in
// with `using namespace localsgd::test;`.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

extern char** environ;

namespace localsgd::test {

using Json = nlohmann::json;

inline std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

inline std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

inline void write_file(const std::filesystem::path& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

// A fresh folder under the system temporary folder, removed at the end of the test.
class ScratchDir {
 public:
  ScratchDir() {
    std::string pattern = (std::filesystem::temp_directory_path() / "localsgd-test-XXXXXX").string();
    path_ = ::mkdtemp(pattern.data());
  }
  ~ScratchDir() {
    std::error_code ignored;
    std::filesystem::remove_all(path_, ignored);
  }
  ScratchDir(const ScratchDir&) = delete;
  ScratchDir& operator=(const ScratchDir&) = delete;
  const std::filesystem::path& path() const { return path_; }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `localsgd ARGS` inside `dir` (ARGS is passed to the shell as written).
inline CommandResult run_cli(const ScratchDir& dir, const std::string& args) {
  const auto out = dir / ".stdout";
  const auto err = dir / ".stderr";
  const std::string command = "cd '" + dir.path().string() + "' && '" LOCALSGD_BINARY "' " + args + " > '" +
                              out.string() + "' 2> '" + err.string() + "' < /dev/null";
  const int status = std::system(command.c_str());
  CommandResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  result.out = read_file(out);
  result.err = read_file(err);
  std::filesystem::remove(out);
  std::filesystem::remove(err);
  return result;
}

// Writes `spec` to DIR/FILE and runs `localsgd run FILE --out OUT --quiet FLAGS` there.
inline CommandResult run_spec(const ScratchDir& dir, const std::string& file, const std::string& spec,
                              const std::string& out, const std::string& flags = "") {
  write_file(dir / file, spec);
  return run_cli(dir, "run '" + file + "' --out '" + out + "' --quiet" + (flags.empty() ? "" : " " + flags));
}

// The small least-squares experiment the command-line tests start from (a fraction of a second):
// 400 rows of dimension 5 with noise 0.3, 3 workers, 300 steps of batch 2, step sizes
// 0.05/(1 + t/50). The top-level keys of `keys` are added, or replace the base's whole.
inline Json tiny_spec(const std::string& name, const Json& keys = Json::object()) {
  Json spec = {
      {"name", name},
      {"problem", {{"type", "least_squares"}, {"samples", 400}, {"dim", 5}, {"noise", 0.3}}},
      {"workers", 3},
      {"steps", 300},
      {"batch", 2},
      {"step_size", {{"type", "inverse_time"}, {"eta0", 0.05}, {"t0", 50}}},
  };
  for (const auto& [key, value] : keys.items()) spec[key] = value;
  return spec;
}

// The run records in FOLDER/runs (not the temporaries, whose names start with a dot), by name.
inline std::vector<std::filesystem::path> run_records(const std::filesystem::path& folder) {
  std::vector<std::filesystem::path> records;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(folder / "runs", error)) {
    const std::string name = entry.path().filename().string();
    if (entry.path().extension() == ".json" && name.front() != '.') records.push_back(entry.path());
  }
  std::sort(records.begin(), records.end());
  return records;
}

// Leaves a results folder as a sweep interrupted after all but `lost` of its runs leaves it: the
// first `lost` run records (by name) and the aggregate files metrics.csv and summary.json removed.
inline void lose_runs(const std::filesystem::path& folder, std::size_t lost) {
  const auto records = run_records(folder);
  for (std::size_t i = 0; i < lost && i < records.size(); ++i) std::filesystem::remove(records[i]);
  std::filesystem::remove(folder / "metrics.csv");
  std::filesystem::remove(folder / "summary.json");
}

// Polls `condition` every 10 ms until it holds (true) or `timeout` passes (false). For tests that
// wait for another process: no sleep assumes how fast the machine is.
inline bool eventually(const std::function<bool()>& condition, std::chrono::seconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!condition()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return true;
}

// `localsgd ARGS...` started in `dir` without waiting for it; stdout and stderr go to files there.
// Killed (SIGKILL) and reaped on destruction if still running.
class BackgroundCli {
 public:
  BackgroundCli(const ScratchDir& dir, const std::vector<std::string>& args)
      : out_(dir / ".bg-stdout"), err_(dir / ".bg-stderr") {
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addchdir_np(&actions, dir.path().c_str());
    posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_addopen(&actions, 1, out_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    posix_spawn_file_actions_addopen(&actions, 2, err_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    std::vector<std::string> strings = {LOCALSGD_BINARY};
    strings.insert(strings.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& a : strings) argv.push_back(a.data());
    argv.push_back(nullptr);
    if (posix_spawn(&pid_, LOCALSGD_BINARY, &actions, nullptr, argv.data(), environ) != 0) pid_ = -1;
    posix_spawn_file_actions_destroy(&actions);
  }
  ~BackgroundCli() {
    if (pid_ > 0 && !exited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  BackgroundCli(const BackgroundCli&) = delete;
  BackgroundCli& operator=(const BackgroundCli&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }
  bool running() {
    if (exited_) return false;
    int status = 0;
    if (::waitpid(pid_, &status, WNOHANG) == pid_) record(status);
    return !exited_;
  }
  void send(int signal) const { ::kill(pid_, signal); }
  // The exit code (128 + signal if killed by one), or -1 if still running after `timeout`.
  int wait(std::chrono::seconds timeout) {
    if (!eventually([&] { return !running(); }, timeout)) return -1;
    return code_;
  }
  std::string out() const { return read_file(out_); }
  std::string err() const { return read_file(err_); }

 private:
  void record(int status) {
    exited_ = true;
    code_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  }
  std::filesystem::path out_, err_;
  pid_t pid_ = -1;
  bool exited_ = false;
  int code_ = -1;
};

}  // namespace localsgd::test
