// The layering of the source folders (docs/design.md §9): every `#include "…"` of a file under
// core/, problems/, algorithms/, sim/ and experiments/ must point to its own folder or to one
// ranked below it; experiments/run and experiments/report are siblings, neither including the
// other; every file of experiments/ lives in a room; and no include cycle runs across rooms
// (a file-level cycle, foo.hpp and foo.cpp counting as one unit). The checker is tested on small
// trees written to a temporary folder; the real tree's check is tagged [layering]:
//   ./build/tests/localsgd_tests "[layering]"
#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <optional>
#include <regex>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "support/cli.hpp"

namespace fs = std::filesystem;

namespace {

// The rank table: a folder may include its own files and those of a folder of a lower rank.
// Folders of equal rank are siblings and may not include each other. A file belongs to the
// longest folder that contains it (algorithms/schedules/x.hpp belongs to algorithms).
struct Room {
  std::string folder;
  int rank;
};
const std::vector<Room> kRooms = {
    {"core", 1},
    {"problems", 2},
    {"algorithms", 3},
    {"sim", 4},
    {"experiments/language", 5},  // JSON reading, parameter declarations, registries, errors
    {"experiments/catalog", 6},
    {"experiments/spec", 7},
    {"experiments/store", 8},
    {"experiments/run", 9},     // runner, progress
    {"experiments/report", 9},  // plots, expectations, explain
    {"experiments/mpi", 10},  // a sweep's runs divided among MPI ranks
    {"experiments/cli", 11},
};
// The folders scanned: every .hpp and .cpp below them. A file here that is in no room (e.g.
// directly in experiments/) is reported.
const std::vector<std::string> kScanned = {"core", "problems", "algorithms", "sim", "experiments"};

// Includes that still point the wrong way on the real tree, each to be removed here once the
// code no longer has it (the real-tree check fails while a listed include is gone, so this list
// only shrinks). Each is (including file, included file), relative to the source folder.
const std::set<std::pair<std::string, std::string>> kKnownViolations = {};

struct Include {
  std::string file;    // the including file, relative to the source folder
  int line = 0;        // 1-based
  std::string target;  // the included file, relative to the source folder
};

bool is_source(const fs::path& path) { return path.extension() == ".hpp" || path.extension() == ".cpp"; }

bool under(const std::string& path, const std::string& folder) {
  return path.size() > folder.size() && path.compare(0, folder.size(), folder) == 0 && path[folder.size()] == '/';
}

const Room* room_of(const std::string& path) {
  const Room* best = nullptr;
  for (const Room& room : kRooms) {
    if (under(path, room.folder) && (best == nullptr || room.folder.size() > best->folder.size())) best = &room;
  }
  return best;
}

bool scanned(const std::string& path) {
  return std::any_of(kScanned.begin(), kScanned.end(), [&](const std::string& f) { return under(path, f); });
}

// Every .hpp and .cpp under the scanned folders of `root` (sorted), and their quoted includes. An
// include is taken relative to the source folder (the project's convention), or else relative to
// the including file's folder if such a file exists; includes that name no scanned file (third
// party headers, <…>) are not layering's business.
struct Tree {
  std::vector<std::string> files;
  std::vector<Include> includes;
};

Tree scan(const fs::path& root) {
  Tree tree;
  for (const std::string& top : kScanned) {
    if (!fs::exists(root / top)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(root / top)) {
      if (entry.is_regular_file() && is_source(entry.path())) {
        tree.files.push_back(entry.path().lexically_relative(root).generic_string());
      }
    }
  }
  std::sort(tree.files.begin(), tree.files.end());
  const std::regex include_line(R"(^\s*#\s*include\s*"([^"]+)\")");
  for (const std::string& file : tree.files) {
    std::ifstream in(root / file);
    int number = 0;
    for (std::string line; std::getline(in, line);) {
      ++number;
      std::smatch match;
      if (!std::regex_search(line, match, include_line)) continue;
      std::string target = fs::path(match[1].str()).lexically_normal().generic_string();
      if (!scanned(target)) {
        const fs::path beside = (fs::path(file).parent_path() / match[1].str()).lexically_normal();
        if (!fs::exists(root / beside)) continue;
        target = beside.generic_string();
      }
      if (scanned(target)) tree.includes.push_back({file, number, target});
    }
  }
  return tree;
}

bool ignored(const Include& include, const std::set<std::pair<std::string, std::string>>& known) {
  return known.count({include.file, include.target}) > 0;
}

// "file:line: …" for every file outside a room and every include that does not point down.
std::vector<std::string> rank_findings(const Tree& tree, const std::set<std::pair<std::string, std::string>>& known) {
  std::vector<std::string> out;
  for (const std::string& file : tree.files) {
    if (room_of(file) == nullptr) out.push_back(file + ": is in no room (docs/design.md §9); move it into one");
  }
  for (const Include& include : tree.includes) {
    if (ignored(include, known)) continue;
    const std::string where = include.file + ":" + std::to_string(include.line) + ": includes " + include.target + ": ";
    const Room* from = room_of(include.file);
    const Room* to = room_of(include.target);
    if (from == nullptr) continue;  // the file itself is reported above
    if (to == nullptr) {
      out.push_back(where + "a file in no room");
    } else if (to->folder == from->folder || to->rank < from->rank) {
      continue;
    } else if (to->rank == from->rank) {
      out.push_back(where + from->folder + " and " + to->folder + " are siblings (rank " + std::to_string(to->rank) +
                    "); neither may include the other");
    } else {
      out.push_back(where + from->folder + " (rank " + std::to_string(from->rank) + ") may not include " + to->folder +
                    " (rank " + std::to_string(to->rank) + "), which is above it");
    }
  }
  return out;
}

// A unit is a file without its extension: foo.hpp and foo.cpp together.
std::string unit_of(const std::string& file) { return fs::path(file).replace_extension().generic_string(); }
std::string folder_of(const std::string& unit) {
  const Room* room = room_of(unit);
  return room != nullptr ? room->folder : fs::path(unit).parent_path().generic_string();
}

// One finding per include cycle among units that spans more than one room, listing the includes
// that close it ("a:3 -> b, b:7 -> a"). Cycles inside one room are that room's own business.
std::vector<std::string> cycle_findings(const Tree& tree, const std::set<std::pair<std::string, std::string>>& known) {
  std::map<std::string, std::vector<const Include*>> edges;  // unit -> includes made by its files
  std::set<std::string> units;
  for (const std::string& file : tree.files) units.insert(unit_of(file));
  for (const Include& include : tree.includes) {
    if (!ignored(include, known) && unit_of(include.file) != unit_of(include.target)) {
      edges[unit_of(include.file)].push_back(&include);
    }
  }
  // Tarjan's strongly connected components.
  std::map<std::string, int> index, low;
  std::set<std::string> on_stack;
  std::vector<std::string> stack;
  std::vector<std::vector<std::string>> components;
  int counter = 0;
  std::function<void(const std::string&)> visit = [&](const std::string& u) {
    index[u] = low[u] = counter++;
    stack.push_back(u);
    on_stack.insert(u);
    for (const Include* e : edges[u]) {
      const std::string v = unit_of(e->target);
      if (index.count(v) == 0) {
        visit(v);
        low[u] = std::min(low[u], low[v]);
      } else if (on_stack.count(v) > 0) {
        low[u] = std::min(low[u], index[v]);
      }
    }
    if (low[u] == index[u]) {
      std::vector<std::string> component;
      std::string v;
      do {
        v = stack.back();
        stack.pop_back();
        on_stack.erase(v);
        component.push_back(v);
      } while (v != u);
      if (component.size() > 1) components.push_back(component);
    }
  };
  for (const std::string& u : units) {
    if (index.count(u) == 0) visit(u);
  }
  std::vector<std::string> out;
  for (auto& component : components) {
    std::sort(component.begin(), component.end());
    const std::set<std::string> members(component.begin(), component.end());
    std::set<std::string> folders;
    for (const std::string& u : component) folders.insert(folder_of(u));
    if (folders.size() < 2) continue;
    std::string text = "include cycle across rooms:";
    for (const std::string& u : component) {
      for (const Include* e : edges[u]) {
        if (members.count(unit_of(e->target)) > 0) {
          text += " " + e->file + ":" + std::to_string(e->line) + " -> " + e->target + ";";
        }
      }
    }
    out.push_back(text);
  }
  std::sort(out.begin(), out.end());
  return out;
}

// A tree of files written under a scratch folder: path -> content.
void write_tree(const localsgd::test::ScratchDir& dir, const std::map<std::string, std::string>& files) {
  for (const auto& [path, content] : files) {
    fs::create_directories((dir / path).parent_path());
    localsgd::test::write_file(dir / path, content);
  }
}

// A tree that follows every rule: each folder includes its own files and lower ones only.
const std::map<std::string, std::string> kCleanTree = {
    {"core/types.hpp", "#pragma once\n#include <vector>\n"},
    {"problems/problem.hpp", "#pragma once\n#include \"core/types.hpp\"\n"},
    {"algorithms/schedules/fixed.hpp", "#include \"algorithms/sync_schedule.hpp\"\n#include \"core/types.hpp\"\n"},
    {"algorithms/sync_schedule.hpp", "#pragma once\n"},
    {"sim/engine.hpp", "#include \"problems/problem.hpp\"\n#include \"algorithms/sync_schedule.hpp\"\n"},
    {"sim/engine.cpp", "#include \"sim/engine.hpp\"\n#include \"averaging.hpp\"\n"},
    {"sim/averaging.hpp", "#pragma once\n"},
    {"experiments/language/params.hpp", "#include <nlohmann/json.hpp>\n#include \"core/types.hpp\"\n"},
    {"experiments/catalog/catalog.hpp", "#include \"experiments/language/params.hpp\"\n#include \"sim/engine.hpp\"\n"},
    {"experiments/spec/spec.hpp", "#include \"experiments/catalog/catalog.hpp\"\n"},
    {"experiments/store/run_record.hpp", "#include \"experiments/spec/spec.hpp\"\n"},
    {"experiments/run/runner.cpp", "#include \"experiments/store/run_record.hpp\"\n"},
    {"experiments/report/plots.cpp", "#include \"experiments/store/run_record.hpp\"\n"},
    {"experiments/cli/main.cpp",
     "#include \"experiments/run/runner.hpp\"\n#include \"experiments/report/plots.hpp\"\n"},
    {"experiments/paper/README.md", "#include \"experiments/cli/main.cpp\"\n"},  // not a source file
};

// The clean tree with `changes` applied (files added, or appended to when `append` is true),
// written under `dir` and scanned.
Tree changed_tree(const localsgd::test::ScratchDir& dir, const std::map<std::string, std::string>& changes,
                  bool append = false) {
  auto files = kCleanTree;
  for (const auto& [path, content] : changes) files[path] = (append ? files[path] : std::string()) + content;
  write_tree(dir, files);
  return scan(dir.path());
}

std::vector<std::string> all_findings(const fs::path& root, const std::set<std::pair<std::string, std::string>>& known = {}) {
  const Tree tree = scan(root);
  std::vector<std::string> out = rank_findings(tree, known);
  const std::vector<std::string> cycles = cycle_findings(tree, known);
  out.insert(out.end(), cycles.begin(), cycles.end());
  return out;
}

}  // namespace

TEST_CASE("layering checker: a tree that follows the rank table has no finding") {
  localsgd::test::ScratchDir dir;
  write_tree(dir, kCleanTree);
  const Tree tree = scan(dir.path());
  CHECK(tree.files.size() == 14);
  // Quoted includes of scanned files only; "averaging.hpp" resolved beside its includer.
  CHECK(tree.includes.size() == 16);
  CHECK(all_findings(dir.path()).empty());
}

TEST_CASE("layering checker: an include of a folder ranked above names the file, the line and both ranks") {
  localsgd::test::ScratchDir dir;
  const auto findings = rank_findings(
      changed_tree(dir, {{"core/types.hpp", "\n  #  include \"sim/engine.hpp\"  // up\n"},
                         {"problems/problem.hpp", "// #include \"sim/engine.hpp\" (a comment, not an include)\n"}},
                   true),
      {});
  REQUIRE(findings.size() == 1);
  CHECK(findings[0] ==
        "core/types.hpp:4: includes sim/engine.hpp: core (rank 1) may not include sim (rank 4), which is above it");
}

TEST_CASE("layering checker: run and report are siblings; a file of a room's subfolder belongs to the room") {
  localsgd::test::ScratchDir dir;
  const auto findings =
      rank_findings(changed_tree(dir, {{"experiments/run/runner.cpp", "#include \"experiments/report/plots.hpp\"\n"},
                                       {"experiments/report/tables/table.hpp", "#include \"experiments/cli/main.hpp\"\n"}},
                                 true),
                    {});
  REQUIRE(findings.size() == 2);
  CHECK(findings[0] ==
        "experiments/report/tables/table.hpp:1: includes experiments/cli/main.hpp: experiments/report (rank 9) may not "
        "include experiments/cli (rank 11), which is above it");
  CHECK(findings[1] ==
        "experiments/run/runner.cpp:2: includes experiments/report/plots.hpp: experiments/run and experiments/report "
        "are siblings (rank 9); neither may include the other");
}

TEST_CASE("layering checker: a file directly in experiments/, and an include of one, are reported") {
  localsgd::test::ScratchDir dir;
  const auto findings = rank_findings(changed_tree(dir,
                                                   {{"experiments/loose.hpp", "#pragma once\n"},
                                                    {"experiments/cli/main.cpp", "#include \"experiments/loose.hpp\"\n"}},
                                                   true),
                                      {});
  REQUIRE(findings.size() == 2);
  CHECK(findings[0] == "experiments/loose.hpp: is in no room (docs/design.md §9); move it into one");
  CHECK(findings[1] == "experiments/cli/main.cpp:3: includes experiments/loose.hpp: a file in no room");
}

TEST_CASE("layering checker: a header-source cycle across rooms is one finding naming its includes") {
  localsgd::test::ScratchDir dir;
  // spec.hpp -> report/expectations.hpp, and report/expectations.cpp -> spec.hpp: the units
  // spec and expectations include each other, though no single file includes itself. A cycle
  // inside one room (sim/engine <-> sim/averaging) is not layering's business.
  const Tree tree = changed_tree(
      dir, {{"experiments/spec/spec.hpp", "#include \"experiments/report/expectations.hpp\"\n"},
            {"experiments/report/expectations.hpp", ""},
            {"experiments/report/expectations.cpp",
             "#include \"experiments/report/expectations.hpp\"\n#include \"experiments/spec/spec.hpp\"\n"},
            {"sim/averaging.hpp", "#include \"sim/engine.hpp\"\n"}},
      true);
  const auto cycles = cycle_findings(tree, {});
  REQUIRE(cycles.size() == 1);
  CHECK(cycles[0] ==
        "include cycle across rooms: experiments/report/expectations.cpp:2 -> experiments/spec/spec.hpp; "
        "experiments/spec/spec.hpp:2 -> experiments/report/expectations.hpp;");
  CHECK(rank_findings(tree, {}).size() == 1);  // the upward include
  // Listed as known, the include is skipped by both checks.
  const std::set<std::pair<std::string, std::string>> known = {
      {"experiments/spec/spec.hpp", "experiments/report/expectations.hpp"}};
  CHECK(all_findings(dir.path(), known).empty());
}

TEST_CASE("the source tree follows the layering of docs/design.md §9", "[layering]") {
  const fs::path root = LOCALSGD_SOURCE_DIR;
  const Tree tree = scan(root);
  REQUIRE(tree.files.size() > 100);
  for (const std::string& finding : all_findings(root, kKnownViolations)) FAIL_CHECK(finding);
  // A known violation that is gone must leave the list, so that it cannot come back unnoticed.
  for (const auto& known : kKnownViolations) {
    // (Not a structured binding: clang 14 cannot capture one in a lambda.)
    const bool present = std::any_of(tree.includes.begin(), tree.includes.end(), [&](const Include& i) {
      return i.file == known.first && i.target == known.second;
    });
    if (!present) FAIL_CHECK(known.first + " no longer includes " + known.second + ": remove it from kKnownViolations");
  }
}
