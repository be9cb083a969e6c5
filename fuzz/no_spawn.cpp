// The spec_run fuzz target starts no process: a fuzzer must stay one fast, deterministic process,
// and the plots would otherwise spawn gnuplot for every input. These definitions take precedence
// over the C library's (the executable's symbols are searched first, and the sanitizers' own
// interceptors of these functions are weak), so the plots' code sees a machine without gnuplot:
// everything up to the spawn (reading metrics.csv, summary.json and time_to_target.csv, the
// means, confidence bands and .dat/.gp files) runs for real, then the documented "gnuplot was not
// found" path. Linked into spec_run_fuzzer only.
#include <cerrno>
#include <spawn.h>

extern "C" int posix_spawn(pid_t*, const char*, const posix_spawn_file_actions_t*, const posix_spawnattr_t*,
                           char* const[], char* const[]) {
  return ENOENT;
}

extern "C" int posix_spawnp(pid_t*, const char*, const posix_spawn_file_actions_t*, const posix_spawnattr_t*,
                            char* const[], char* const[]) {
  return ENOENT;
}
