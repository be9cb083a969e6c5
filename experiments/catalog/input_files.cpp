#include "experiments/catalog/input_files.hpp"

#include <algorithm>

namespace localsgd {

namespace {

// Per thread: runs are built on oneTBB worker threads, each with its own (usually empty) stack.
thread_local InputRecording* innermost = nullptr;

}  // namespace

InputRecording::InputRecording() : outer_(innermost) { innermost = this; }

InputRecording::~InputRecording() { innermost = outer_; }

void report_input(const InputFile& file) {
  if (innermost == nullptr) return;
  auto& files = innermost->files_;
  if (std::find(files.begin(), files.end(), file) == files.end()) files.push_back(file);
}

}  // namespace localsgd
