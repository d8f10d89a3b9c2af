// Helpers shared by the real-process consensus tests: polling with a deadline, a temporary
// folder (kept with DEPINFER_KEEP_TMP=1), and the tail of a process's log on failure.
#pragma once

#include <stdlib.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <string>
#include <thread>
#include <vector>

namespace depinfer::consensus::testing {

inline bool WaitFor(const std::function<bool()>& done, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(static_cast<std::int64_t>(seconds * 1000));
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return done();
}

class TempDir {
 public:
  explicit TempDir(const char* prefix = "depinfer-test") {
    std::string tmpl = (std::filesystem::temp_directory_path() / (std::string(prefix) + "-XXXXXX")).string();
    path_ = ::mkdtemp(tmpl.data());
  }
  ~TempDir() {
    if (std::getenv("DEPINFER_KEEP_TMP") == nullptr) {
      std::error_code ec;
      std::filesystem::remove_all(path_, ec);
    } else {
      std::fprintf(stderr, "kept %s\n", path_.c_str());
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

inline void DumpLogTail(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  std::fprintf(stderr, "---- last lines of %s ----\n", path.c_str());
  for (std::size_t i = lines.size() > 25 ? lines.size() - 25 : 0; i < lines.size(); ++i) {
    std::fprintf(stderr, "%s\n", lines[i].c_str());
  }
}

}  // namespace depinfer::consensus::testing
