// Metrics of the REST service, rendered in the Prometheus text format
// (version 0.0.4) for GET /api/v1/metrics/prometheus.
//
//   tributary_jobs{kind,format,tenant,status}           gauge: jobs known now
//   tributary_jobs_running{kind} / tributary_jobs_queued{kind}   gauges
//   tributary_jobs_finished_total{kind,format,tenant,status}     counter
//   tributary_job_duration_seconds{kind,format}          histogram (finished jobs)
//   tributary_rows_total{kind,tenant,outcome}            counter (imported ok/failed, exported)
//   tributary_bytes_total{kind,tenant}                   counter (uploaded, exported, downloaded)
//   tributary_http_requests_total{method,route,code}     counter
//   tributary_http_request_duration_seconds{route}       histogram
//
// Counters count since the process started, as Prometheus expects; the job
// gauges are computed from the job manager at scrape time.
//
// Thread-safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "tributary/jobs/job.h"
#include "tributary/jobs/job_manager.h"

namespace tributary {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds) : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}
  void Observe(double v);
  // Appends name_bucket{labels,le=...}, name_sum, name_count lines.
  void Render(const std::string& name, const std::string& labels, std::string* out) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics : public JobObserver {
 public:
  void OnJobFinished(const JobState& job) override;
  void CountBytes(JobKind kind, const std::string& tenant, const char* what, uint64_t bytes);
  void CountRequest(const std::string& method, const std::string& route, int code, double seconds);

  // The whole exposition, with the job gauges taken from jobs.
  std::string Render(const std::vector<JobState>& jobs);

 private:
  std::mutex mu_;
  std::map<std::string, double> finished_;  // label set -> count
  std::map<std::string, double> rows_;
  std::map<std::string, double> bytes_;
  std::map<std::string, double> requests_;
  std::map<std::string, Histogram> job_durations_;
  std::map<std::string, Histogram> request_durations_;
};

// Escapes a label value ('\\', '"', newline).
std::string PromLabel(std::string_view value);

}  // namespace tributary
