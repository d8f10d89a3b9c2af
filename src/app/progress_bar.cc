#include "app/progress_bar.h"

#include <unistd.h>

#include <cstdio>

namespace depinfer::app {

ProgressBar::ProgressBar(std::string label) : ProgressBar(std::move(label), isatty(STDERR_FILENO) != 0) {}

ProgressBar::ProgressBar(std::string label, bool enabled) : label_(std::move(label)), enabled_(enabled) {}

ProgressBar::~ProgressBar() {
  if (drawn_) std::fputc('\n', stderr);
}

void ProgressBar::Update(const std::string& step, std::size_t done, std::size_t total) {
  if (!enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  const Clock::time_point now = Clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  const bool finished = total != 0 && done >= total;
  if (drawn_ && !finished && now - last_draw_ < std::chrono::milliseconds(100)) return;
  last_draw_ = now;
  constexpr std::size_t kWidth = 30;
  const double frac = total == 0 ? 0.0 : static_cast<double>(done < total ? done : total) / static_cast<double>(total);
  const auto filled = static_cast<std::size_t>(frac * kWidth);
  std::string line = label_ + ": " + step + " [" + std::string(filled, '#') + std::string(kWidth - filled, '.') + "] ";
  char tail[64];
  std::snprintf(tail, sizeof tail, "%3d%%  %.1f s", static_cast<int>(frac * 100.0 + 0.5),
                std::chrono::duration<double>(now - start_).count());
  line += tail;
  // Pad over the remains of a longer previous line.
  const std::size_t width = line.size();
  if (width < last_width_) line.append(last_width_ - width, ' ');
  last_width_ = width;
  std::fprintf(stderr, "\r%s", line.c_str());
  std::fflush(stderr);
  drawn_ = true;
}

}  // namespace depinfer::app
