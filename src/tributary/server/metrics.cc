#include "tributary/server/metrics.h"

#include <cstdio>

#include "tributary/core/numbers.h"

namespace tributary {
namespace {

const std::vector<double>& JobBounds() {
  static const std::vector<double> b = {0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600};
  return b;
}
const std::vector<double>& RequestBounds() {
  static const std::vector<double> b = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  return b;
}

std::string Num(double v) {
  char buf[64];
  if (v == static_cast<double>(static_cast<int64_t>(v)) && v < 1e15 && v > -1e15) {
    std::snprintf(buf, sizeof(buf), "%lld", static_cast<long long>(v));
  } else {
    std::snprintf(buf, sizeof(buf), "%.9g", v);
  }
  return buf;
}

void Header(std::string* out, const char* name, const char* type, const char* help) {
  *out += "# HELP ";
  *out += name;
  *out += ' ';
  *out += help;
  *out += "\n# TYPE ";
  *out += name;
  *out += ' ';
  *out += type;
  *out += '\n';
}

void Series(std::string* out, const char* name, const std::map<std::string, double>& m) {
  for (const auto& [labels, v] : m) {
    *out += name;
    *out += '{';
    *out += labels;
    *out += "} ";
    *out += Num(v);
    *out += '\n';
  }
}

}  // namespace

std::string PromLabel(std::string_view value) {
  std::string s;
  for (char c : value) {
    if (c == '\\') s += "\\\\";
    else if (c == '"') s += "\\\"";
    else if (c == '\n') s += "\\n";
    else s += c;
  }
  return s;
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  ++counts_[i];
  sum_ += v;
  ++count_;
}

void Histogram::Render(const std::string& name, const std::string& labels, std::string* out) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i <= bounds_.size(); ++i) {
    cumulative += counts_[i];
    *out += name + "_bucket{" + labels + (labels.empty() ? "" : ",") + "le=\"" +
            (i < bounds_.size() ? Num(bounds_[i]) : std::string("+Inf")) + "\"} " + std::to_string(cumulative) + "\n";
  }
  *out += name + "_sum{" + labels + "} " + Num(sum_) + "\n";
  *out += name + "_count{" + labels + "} " + std::to_string(count_) + "\n";
}

void Metrics::OnJobFinished(const JobState& j) {
  std::string kind(JobKindName(j.kind));
  std::string format(FormatName(j.format));
  std::string tenant = PromLabel(j.tenant);
  std::lock_guard<std::mutex> lock(mu_);
  finished_["kind=\"" + kind + "\",format=\"" + format + "\",tenant=\"" + tenant + "\",status=\"" +
            std::string(JobStatusName(j.status)) + "\""] += 1;
  if (j.kind == JobKind::kImport) {
    rows_["kind=\"import\",tenant=\"" + tenant + "\",outcome=\"successful\""] += static_cast<double>(j.successful_rows);
    rows_["kind=\"import\",tenant=\"" + tenant + "\",outcome=\"failed\""] += static_cast<double>(j.failed_rows);
  } else {
    rows_["kind=\"export\",tenant=\"" + tenant + "\",outcome=\"exported\""] += static_cast<double>(j.exported_vectors);
    if (j.status == JobStatus::kCompleted) {
      bytes_["kind=\"export\",tenant=\"" + tenant + "\",what=\"written\""] += static_cast<double>(j.file_size);
    }
  }
  if (j.started_at > 0 && j.completed_at >= j.started_at) {
    std::string labels = "kind=\"" + kind + "\",format=\"" + format + "\"";
    auto it = job_durations_.try_emplace(labels, JobBounds()).first;
    it->second.Observe(static_cast<double>(j.completed_at - j.started_at) / 1e6);
  }
}

void Metrics::CountBytes(JobKind kind, const std::string& tenant, const char* what, uint64_t bytes) {
  std::lock_guard<std::mutex> lock(mu_);
  bytes_["kind=\"" + std::string(JobKindName(kind)) + "\",tenant=\"" + PromLabel(tenant) + "\",what=\"" + what + "\""] +=
      static_cast<double>(bytes);
}

void Metrics::CountRequest(const std::string& method, const std::string& route, int code, double seconds) {
  std::string r = PromLabel(route);
  std::lock_guard<std::mutex> lock(mu_);
  requests_["method=\"" + method + "\",route=\"" + r + "\",code=\"" + std::to_string(code) + "\""] += 1;
  auto it = request_durations_.try_emplace("route=\"" + r + "\"", RequestBounds()).first;
  it->second.Observe(seconds);
}

std::string Metrics::Render(const std::vector<JobState>& jobs) {
  std::map<std::string, double> current, running, queued;
  for (const char* kind : {"import", "export"}) {
    running[std::string("kind=\"") + kind + "\""] = 0;
    queued[std::string("kind=\"") + kind + "\""] = 0;
  }
  for (const JobState& j : jobs) {
    std::string kind(JobKindName(j.kind));
    current["kind=\"" + kind + "\",format=\"" + std::string(FormatName(j.format)) + "\",tenant=\"" +
            PromLabel(j.tenant) + "\",status=\"" + std::string(JobStatusName(j.status)) + "\""] += 1;
    if (j.status == JobStatus::kRunning) running["kind=\"" + kind + "\""] += 1;
    if (j.status == JobStatus::kQueued) queued["kind=\"" + kind + "\""] += 1;
  }
  std::string out;
  Header(&out, "tributary_jobs", "gauge", "Jobs the service holds now, by kind, format, tenant and status.");
  Series(&out, "tributary_jobs", current);
  Header(&out, "tributary_jobs_running", "gauge", "Jobs running now.");
  Series(&out, "tributary_jobs_running", running);
  Header(&out, "tributary_jobs_queued", "gauge", "Jobs waiting for a worker.");
  Series(&out, "tributary_jobs_queued", queued);
  std::lock_guard<std::mutex> lock(mu_);
  Header(&out, "tributary_jobs_finished_total", "counter", "Jobs finished since the start, by kind, format, tenant and status.");
  Series(&out, "tributary_jobs_finished_total", finished_);
  Header(&out, "tributary_job_duration_seconds", "histogram", "Run time of finished jobs.");
  for (const auto& [labels, h] : job_durations_) h.Render("tributary_job_duration_seconds", labels, &out);
  Header(&out, "tributary_rows_total", "counter", "Rows imported (successful, failed) and exported.");
  Series(&out, "tributary_rows_total", rows_);
  Header(&out, "tributary_bytes_total", "counter", "Bytes uploaded, exported and downloaded.");
  Series(&out, "tributary_bytes_total", bytes_);
  Header(&out, "tributary_http_requests_total", "counter", "HTTP requests by method, route and status code.");
  Series(&out, "tributary_http_requests_total", requests_);
  Header(&out, "tributary_http_request_duration_seconds", "histogram", "HTTP request handling time by route.");
  for (const auto& [labels, h] : request_durations_) h.Render("tributary_http_request_duration_seconds", labels, &out);
  return out;
}

}  // namespace tributary
