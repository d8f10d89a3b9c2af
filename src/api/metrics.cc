#include "api/metrics.h"

#include <cmath>
#include <cstdio>

namespace depinfer::api {

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) counts_[i] = 0;
}

void Histogram::Observe(double v) {
  std::size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  counts_[i].fetch_add(1, std::memory_order_relaxed);
  double s = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(s, s + v, std::memory_order_relaxed)) {
  }
  count_.fetch_add(1, std::memory_order_relaxed);
}

std::vector<std::uint64_t> Histogram::Cumulative() const {
  std::vector<std::uint64_t> out(bounds_.size() + 1);
  std::uint64_t acc = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    acc += counts_[i].load(std::memory_order_relaxed);
    out[i] = acc;
  }
  return out;
}

double Histogram::Quantile(double q) const {
  const auto cum = Cumulative();
  const std::uint64_t total = cum.back();
  if (total == 0) return 0;
  const double target = q * static_cast<double>(total);
  for (std::size_t i = 0; i < bounds_.size(); ++i) {
    if (static_cast<double>(cum[i]) >= target) return bounds_[i];
  }
  return INFINITY;
}

Counter* MetricsRegistry::AddCounter(std::string name, std::string help) {
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = "counter";
  e->counter = std::make_unique<Counter>();
  Counter* c = e->counter.get();
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(std::move(e));
  return c;
}

Gauge* MetricsRegistry::AddGauge(std::string name, std::string help) {
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = "gauge";
  e->gauge = std::make_unique<Gauge>();
  Gauge* g = e->gauge.get();
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(std::move(e));
  return g;
}

Histogram* MetricsRegistry::AddHistogram(std::string name, std::string help, std::vector<double> bounds) {
  auto e = std::make_unique<Entry>();
  e->name = std::move(name);
  e->help = std::move(help);
  e->type = "histogram";
  e->histogram = std::make_unique<Histogram>(std::move(bounds));
  Histogram* h = e->histogram.get();
  std::lock_guard<std::mutex> lock(mu_);
  entries_.push_back(std::move(e));
  return h;
}

namespace {
std::string Num(double v) {
  if (std::isinf(v)) return "+Inf";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}
}  // namespace

std::string MetricsRegistry::RenderText() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::string out;
  for (const auto& e : entries_) {
    out += "# HELP " + e->name + " " + e->help + "\n# TYPE " + e->name + " " + e->type + "\n";
    if (e->counter) out += e->name + " " + std::to_string(e->counter->value()) + "\n";
    if (e->gauge) out += e->name + " " + Num(e->gauge->value()) + "\n";
    if (e->histogram) {
      const auto cum = e->histogram->Cumulative();
      const auto& b = e->histogram->bounds();
      for (std::size_t i = 0; i < b.size(); ++i) {
        out += e->name + "_bucket{le=\"" + Num(b[i]) + "\"} " + std::to_string(cum[i]) + "\n";
      }
      out += e->name + "_bucket{le=\"+Inf\"} " + std::to_string(cum.back()) + "\n";
      out += e->name + "_sum " + Num(e->histogram->sum()) + "\n";
      out += e->name + "_count " + std::to_string(e->histogram->count()) + "\n";
    }
  }
  return out;
}

std::vector<double> LatencyBuckets() {
  return {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
          0.1,    0.25,    0.5,    1,     2.5,    5,     10};
}

}  // namespace depinfer::api
