#include "experiments/report/gif_drawing.hpp"

#include <cstring>
#include <fstream>

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
  return draw_with_gnuplot(folder,
                           Drawing{script, gif_name, std::filesystem::path(gif_name).stem().string() + ".gif.log", "GIF",
                                   is_complete_gif, "no GIF89a header or no 0x3B trailer"},
                           stop);
}

}  // namespace localsgd
