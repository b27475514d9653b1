#include "tributary/warehouse/manifest.h"

#include <algorithm>

#include <fcntl.h>
#include <unistd.h>

#include <filesystem>

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"
#include "tributary/formats/format.h"
#include "tributary/io/stream.h"
#include "tributary/warehouse/fs_util.h"

namespace tributary {
namespace {

bool IsHex64(std::string_view s) {
  if (s.size() != 64) return false;
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

// A plain file name: no directory part, not "." or "..", no NUL.
bool IsPlainFileName(std::string_view f) {
  if (f.empty() || f == "." || f == "..") return false;
  for (char c : f) {
    if (c == '/' || c == '\\' || c == '\0') return false;
  }
  return true;
}

}  // namespace

std::string SafeFileStem(std::string_view name) {
  static const char* kHex = "0123456789ABCDEF";
  std::string out;
  for (size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '_' || c == '-' || (c == '.' && i > 0);
    if (keep) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::vector<Format> AvailableFormats() {
  std::vector<Format> out;
  // Formats are numbered densely from 0; FormatName names every one the
  // build has, so this list grows with the enum and needs no edit.
  for (int v = 0; v < 64; ++v) {
    Format f = static_cast<Format>(v);
    if (FormatName(f) == "unknown") break;
    out.push_back(f);
  }
  return out;
}

std::string ManifestToJson(const Manifest& m) {
  std::string o = "{\n  \"tool\": \"tributary\",\n  \"version\": ";
  AppendJsonString(m.tool_version, &o);
  o += ",\n  \"manifest_version\": ";
  AppendInt(kManifestVersion, &o);
  o += ",\n  \"created_at\": ";
  AppendJsonString(FormatTimestamp(m.created_at), &o);
  o += ",\n  \"format\": ";
  AppendJsonString(FormatName(m.format), &o);
  o += ",\n  \"all_tenants\": ";
  o += m.all_tenants ? "true" : "false";
  o += ",\n  \"tenants\": [";
  for (size_t i = 0; i < m.tenants.size(); ++i) {
    if (i) o += ", ";
    AppendJsonString(m.tenants[i], &o);
  }
  o += "]";
  o += ",\n  \"collections\": [";
  for (size_t i = 0; i < m.collections.size(); ++i) {
    const ManifestEntry& e = m.collections[i];
    o += i ? ",\n    {" : "\n    {";
    o += "\"name\": ";
    AppendJsonString(e.name, &o);
    o += ", \"tenant\": ";
    AppendJsonString(e.tenant, &o);
    o += ", \"dimension\": ";
    AppendInt(e.dimension, &o);
    o += ", \"count\": ";
    AppendInt(e.count, &o);
    o += ", \"format\": ";
    AppendJsonString(FormatName(e.format), &o);
    o += ", \"file\": ";
    AppendJsonString(e.file, &o);
    o += ", \"bytes\": ";
    AppendInt(static_cast<int64_t>(e.bytes), &o);
    o += ", \"sha256\": ";
    AppendJsonString(e.sha256, &o);
    o += ", \"metadata_schema\": ";
    o += e.metadata_schema.empty() ? "null" : e.metadata_schema;
    o += '}';
  }
  o += m.collections.empty() ? "]\n}\n" : "\n  ]\n}\n";
  return o;
}

Result<Manifest> ParseManifest(std::string_view json, const std::string& source) {
  auto fail = [&](const std::string& what) {
    return Status::InvalidData(source + ": " + what);
  };
  Result<JsonValue> doc = JsonValue::Parse(json);
  if (!doc.ok()) return fail("not valid JSON: " + doc.status().message());
  if (!doc->is_object()) return fail("expected a JSON object");
  Manifest m;
  const JsonValue* tool = doc->Find("tool");
  if (tool == nullptr || !tool->is_string() || tool->str() != "tributary") {
    return fail("not a tributary manifest (\"tool\" is not \"tributary\")");
  }
  const JsonValue* mv = doc->Find("manifest_version");
  if (mv == nullptr || !mv->is_integer()) return fail("\"manifest_version\" is missing");
  if (mv->int_value() > kManifestVersion) {
    return fail("manifest version " + std::to_string(mv->int_value()) +
                " is newer than this build supports (" + std::to_string(kManifestVersion) + ")");
  }
  if (const JsonValue* v = doc->Find("version"); v != nullptr && v->is_string()) m.tool_version = v->str();
  const JsonValue* created = doc->Find("created_at");
  if (created == nullptr || !created->is_string()) return fail("\"created_at\" is missing");
  Status ts = ParseTimestamp(created->str(), &m.created_at);
  if (!ts.ok()) return fail("created_at: " + ts.message());
  if (const JsonValue* f = doc->Find("format"); f != nullptr && f->is_string()) {
    Result<Format> fmt = ParseFormatName(f->str());
    if (!fmt.ok()) return fail(fmt.status().message());
    m.format = *fmt;
  }
  const JsonValue* cols = doc->Find("collections");
  if (cols == nullptr || !cols->is_array()) return fail("\"collections\" is not an array");
  for (size_t i = 0; i < cols->items().size(); ++i) {
    const JsonValue& c = cols->items()[i];
    const std::string where = "collections[" + std::to_string(i) + "]";
    if (!c.is_object()) return fail(where + " is not an object");
    ManifestEntry e;
    auto str = [&](const char* key, std::string* out) -> Status {
      const JsonValue* v = c.Find(key);
      if (v == nullptr || !v->is_string()) return fail(where + "." + key + " is not a string");
      *out = v->str();
      return Status::OK();
    };
    auto num = [&](const char* key, int64_t* out) -> Status {
      const JsonValue* v = c.Find(key);
      if (v == nullptr || !v->is_integer() || v->int_value() < 0) {
        return fail(where + "." + key + " is not a non-negative integer");
      }
      *out = v->int_value();
      return Status::OK();
    };
    TRIB_RETURN_NOT_OK(str("name", &e.name));
    TRIB_RETURN_NOT_OK(str("tenant", &e.tenant));
    if (e.name.empty() || e.tenant.empty()) return fail(where + " has an empty name or tenant");
    int64_t n = 0;
    TRIB_RETURN_NOT_OK(num("dimension", &n));
    if (n > 65536) return fail(where + ".dimension " + std::to_string(n) + " is too large");
    e.dimension = static_cast<int32_t>(n);
    TRIB_RETURN_NOT_OK(num("count", &e.count));
    TRIB_RETURN_NOT_OK(num("bytes", &n));
    e.bytes = static_cast<uint64_t>(n);
    std::string format;
    TRIB_RETURN_NOT_OK(str("format", &format));
    Result<Format> fmt = ParseFormatName(format);
    if (!fmt.ok()) return fail(where + ".format: " + fmt.status().message());
    e.format = *fmt;
    TRIB_RETURN_NOT_OK(str("file", &e.file));
    if (!IsPlainFileName(e.file)) {
      return fail(where + ".file '" + e.file + "' is not a plain file name inside the backup");
    }
    TRIB_RETURN_NOT_OK(str("sha256", &e.sha256));
    if (!IsHex64(e.sha256)) return fail(where + ".sha256 is not 64 lower-case hex digits");
    if (const JsonValue* s = c.Find("metadata_schema"); s != nullptr && !s->is_null()) {
      if (!s->is_object()) return fail(where + ".metadata_schema is not an object");
      e.metadata_schema = s->ToString();
    }
    for (const ManifestEntry& other : m.collections) {
      if (other.file == e.file) return fail(where + ".file '" + e.file + "' is listed twice");
      if (other.name == e.name && other.tenant == e.tenant) {
        return fail(where + ": collection '" + e.name + "' is listed twice");
      }
    }
    m.collections.push_back(std::move(e));
  }
  if (const JsonValue* a = doc->Find("all_tenants"); a != nullptr) {
    if (!a->is_bool()) return fail("\"all_tenants\" is not true or false");
    m.all_tenants = a->bool_value();
  }
  if (const JsonValue* t = doc->Find("tenants"); t != nullptr) {
    if (!t->is_array()) return fail("\"tenants\" is not an array");
    for (const JsonValue& name : t->items()) {
      if (!name.is_string() || name.str().empty()) return fail("\"tenants\" holds a value that is not a tenant name");
      m.tenants.push_back(name.str());
    }
    for (const ManifestEntry& e : m.collections) {
      if (std::find(m.tenants.begin(), m.tenants.end(), e.tenant) == m.tenants.end()) {
        return fail("collection '" + e.name + "' is of tenant '" + e.tenant + "', which \"tenants\" does not list");
      }
    }
  } else {
    for (const ManifestEntry& e : m.collections) m.tenants.push_back(e.tenant);
  }
  std::sort(m.tenants.begin(), m.tenants.end());
  m.tenants.erase(std::unique(m.tenants.begin(), m.tenants.end()), m.tenants.end());
  return m;
}

Result<Manifest> ReadManifest(const std::string& dir) {
  const std::string path = (std::filesystem::path(dir) / kManifestFileName).string();
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) {
    return Status::NotFound("no " + std::string(kManifestFileName) + " in " + dir);
  }
  TRIB_ASSIGN_OR_RETURN(std::string text, ReadSmallFile(path, 64 << 20));
  return ParseManifest(text, path);
}

Status WriteManifest(const std::string& dir, const Manifest& m) {
  const std::string path = (std::filesystem::path(dir) / kManifestFileName).string();
  TRIB_ASSIGN_OR_RETURN(std::unique_ptr<OutputStream> out, OpenOutput(path, Compression::kNone));
  TRIB_RETURN_NOT_OK(out->Write(ManifestToJson(m)));
  TRIB_RETURN_NOT_OK(out->Close());
  return SyncPath(path);
}

}  // namespace tributary
