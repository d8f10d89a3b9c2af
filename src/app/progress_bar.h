// A one-line progress bar on stderr for long command-line work (setup, proving, syncing).
//
// It stays silent for the first second, so quick runs print nothing, and when stderr is not a
// terminal, so logs and pipes are not filled with carriage returns. Update() may be called from
// any thread; redraws are limited to ten a second.
#pragma once

#include <chrono>
#include <cstddef>
#include <mutex>
#include <string>

namespace depinfer::app {

class ProgressBar {
 public:
  // `label` starts the line ("setup"). `enabled` defaults to whether stderr is a terminal.
  explicit ProgressBar(std::string label);
  ProgressBar(std::string label, bool enabled);
  ~ProgressBar();  // ends the line if anything was drawn

  ProgressBar(const ProgressBar&) = delete;
  ProgressBar& operator=(const ProgressBar&) = delete;

  // `step` names the current part ("B query (G2)"); done <= total.
  void Update(const std::string& step, std::size_t done, std::size_t total);

 private:
  using Clock = std::chrono::steady_clock;
  std::string label_;
  bool enabled_;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_draw_{};
  bool drawn_ = false;
  std::size_t last_width_ = 0;
  std::mutex mu_;
};

}  // namespace depinfer::app
