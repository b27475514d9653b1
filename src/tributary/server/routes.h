// The routes of the REST service, in one table: the server registers its
// handlers from it and the OpenAPI document (GET /api/v1/openapi.json) is
// generated from it, so the two cannot drift apart.
//
// Thread-safety: immutable data and pure functions.
#pragma once

#include <string>
#include <vector>

namespace tributary {

enum class RouteBody : unsigned char { kNone, kMultipartUpload, kJson };

struct RouteSpec {
  const char* method;        // "GET", "POST", "DELETE"
  const char* path;          // OpenAPI template, e.g. "/api/v1/import/{job_id}"
  const char* operation_id;  // also the handler's name in the server
  const char* summary;
  bool auth;                 // needs an API key
  bool admin;                // needs an admin key
  RouteBody body;
  const char* response;      // "ImportJob", "ExportJob", "file", "jsonl", "text", ... (a schema name)
};

const std::vector<RouteSpec>& Routes();

// The httplib pattern of a template: each {param} becomes ([^/]+).
std::string RoutePattern(const char* path);

// The OpenAPI 3.0 document of Routes().
std::string OpenApiJson();

}  // namespace tributary
