#include "tributary/core/schema.h"

#include <cmath>
#include <regex>
#include <vector>

#include "tributary/core/json.h"

namespace tributary {
namespace {

constexpr int kMaxSchemaDepth = 32;
constexpr size_t kMaxPatternBytes = 1000;

enum TypeBit : uint8_t {
  kObject = 1, kArray = 2, kString = 4, kNumber = 8, kInteger = 16, kBoolean = 32, kNull = 64,
};

std::optional<uint8_t> TypeBitOf(std::string_view name) {
  if (name == "object") return kObject;
  if (name == "array") return kArray;
  if (name == "string") return kString;
  if (name == "number") return kNumber;
  if (name == "integer") return kInteger;
  if (name == "boolean") return kBoolean;
  if (name == "null") return kNull;
  return std::nullopt;
}

std::string TypeNames(uint8_t bits) {
  static const char* kNames[] = {"an object", "an array", "a string", "a number", "an integer", "a boolean", "null"};
  std::string s;
  for (int i = 0; i < 7; ++i) {
    if (!(bits & (1 << i))) continue;
    if (!s.empty()) s += " or ";
    s += kNames[i];
  }
  return s;
}

// The value as shown in messages, cut short.
std::string Shown(const JsonValue& v) {
  std::string s = v.ToString();
  if (s.size() > 60) s = s.substr(0, 57) + "...";
  return s;
}

size_t Utf8Length(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

struct Node {
  uint8_t types = 0;  // 0 = any
  std::vector<std::string> required;
  std::vector<std::pair<std::string, std::unique_ptr<Node>>> properties;
  std::vector<JsonValue> enum_values;
  bool has_enum = false;
  std::optional<double> minimum, maximum;
  std::optional<int64_t> min_length, max_length;
  std::optional<std::regex> pattern;
  std::string pattern_text;
  std::unique_ptr<Node> items;
};

Status ParseNode(const JsonValue& v, const std::string& where, int depth, Node* node) {
  auto bad = [&](const std::string& what) { return Status::InvalidArgument("schema " + where + ": " + what); };
  if (depth > kMaxSchemaDepth) return bad("nested deeper than " + std::to_string(kMaxSchemaDepth) + " levels");
  if (!v.is_object()) return bad("a schema must be a JSON object");
  for (const auto& [key, val] : v.members()) {
    if (key == "type") {
      std::vector<const JsonValue*> names;
      if (val.is_string()) {
        names.push_back(&val);
      } else if (val.is_array()) {
        for (const JsonValue& n : val.items()) names.push_back(&n);
      } else {
        return bad("\"type\" must be a type name or a list of them");
      }
      for (const JsonValue* n : names) {
        std::optional<uint8_t> bit = n->is_string() ? TypeBitOf(n->str()) : std::nullopt;
        if (!bit) return bad("unknown type " + Shown(*n));
        node->types |= *bit;
      }
    } else if (key == "required") {
      if (!val.is_array()) return bad("\"required\" must be a list of names");
      for (const JsonValue& n : val.items()) {
        if (!n.is_string()) return bad("\"required\" must be a list of names");
        node->required.push_back(n.str());
      }
    } else if (key == "properties") {
      if (!val.is_object()) return bad("\"properties\" must be an object");
      for (const auto& [name, sub] : val.members()) {
        auto child = std::make_unique<Node>();
        TRIB_RETURN_NOT_OK(ParseNode(sub, where + "." + name, depth + 1, child.get()));
        node->properties.emplace_back(name, std::move(child));
      }
    } else if (key == "items") {
      node->items = std::make_unique<Node>();
      TRIB_RETURN_NOT_OK(ParseNode(val, where + "[]", depth + 1, node->items.get()));
    } else if (key == "enum") {
      if (!val.is_array() || val.items().empty()) return bad("\"enum\" must be a non-empty list");
      node->enum_values = val.items();
      node->has_enum = true;
    } else if (key == "minimum" || key == "maximum") {
      if (!val.is_number()) return bad("\"" + key + "\" must be a number");
      (key == "minimum" ? node->minimum : node->maximum) = val.number();
    } else if (key == "minLength" || key == "maxLength") {
      if (!val.is_integer() || val.int_value() < 0) return bad("\"" + key + "\" must be a non-negative integer");
      (key == "minLength" ? node->min_length : node->max_length) = val.int_value();
    } else if (key == "pattern") {
      if (!val.is_string()) return bad("\"pattern\" must be a string");
      if (val.str().size() > kMaxPatternBytes) return bad("\"pattern\" is longer than 1000 bytes");
      try {
        node->pattern.emplace(val.str(), std::regex::ECMAScript);
      } catch (const std::regex_error& e) {
        return bad("\"pattern\" is not a valid regular expression: " + std::string(e.what()));
      }
      node->pattern_text = val.str();
    } else if (key == "$schema" || key == "title" || key == "description" || key == "$comment" ||
               key == "x-document-kind") {
      // Annotations.
    } else {
      return bad("keyword \"" + key + "\" is not supported (supported: type, required, properties, enum, "
                 "minimum, maximum, minLength, maxLength, pattern, items)");
    }
  }
  return Status::OK();
}

bool IsType(const JsonValue& v, uint8_t types) {
  switch (v.type()) {
    case JsonValue::Type::kObject: return types & kObject;
    case JsonValue::Type::kArray: return types & kArray;
    case JsonValue::Type::kString: return types & kString;
    case JsonValue::Type::kNumber:
      return (types & kNumber) || ((types & kInteger) && std::isfinite(v.number()) && v.number() == std::floor(v.number()));
    case JsonValue::Type::kBool: return types & kBoolean;
    case JsonValue::Type::kNull: return types & kNull;
  }
  return false;
}

Status CheckNode(const Node& n, const JsonValue& v, const std::string& path) {
  auto fail = [&](const std::string& what, const char* rule) {
    return Status::InvalidData(path + ": " + what + " (" + rule + ")");
  };
  if (n.types && !IsType(v, n.types)) return fail("expected " + TypeNames(n.types) + ", got " + Shown(v), "type");
  if (n.has_enum) {
    bool found = false;
    for (const JsonValue& e : n.enum_values) {
      if (e == v && e.type() == v.type()) {
        found = true;
        break;
      }
    }
    if (!found) return fail(Shown(v) + " is not one of the allowed values", "enum");
  }
  if (v.is_number()) {
    if (n.minimum && v.number() < *n.minimum) {
      return fail(Shown(v) + " is less than the minimum " + JsonValue::Number(*n.minimum).ToString(), "minimum");
    }
    if (n.maximum && v.number() > *n.maximum) {
      return fail(Shown(v) + " is greater than the maximum " + JsonValue::Number(*n.maximum).ToString(), "maximum");
    }
  }
  if (v.is_string()) {
    const int64_t len = static_cast<int64_t>(Utf8Length(v.str()));
    if (n.min_length && len < *n.min_length) {
      return fail("is " + std::to_string(len) + " characters long, shorter than " + std::to_string(*n.min_length),
                  "minLength");
    }
    if (n.max_length && len > *n.max_length) {
      return fail("is " + std::to_string(len) + " characters long, longer than " + std::to_string(*n.max_length),
                  "maxLength");
    }
    if (n.pattern) {
      bool match = false;
      try {
        match = std::regex_search(v.str(), *n.pattern);
      } catch (const std::regex_error&) {
        return fail("could not be matched against the pattern (too complex)", "pattern");
      }
      if (!match) return fail(Shown(v) + " does not match " + n.pattern_text, "pattern");
    }
  }
  if (v.is_object()) {
    for (const std::string& r : n.required) {
      if (v.Find(r) == nullptr) return Status::InvalidData(path + "." + r + ": missing (required)");
    }
    for (const auto& [name, child] : n.properties) {
      if (const JsonValue* c = v.Find(name)) TRIB_RETURN_NOT_OK(CheckNode(*child, *c, path + "." + name));
    }
  }
  if (v.is_array() && n.items) {
    for (size_t i = 0; i < v.items().size(); ++i) {
      TRIB_RETURN_NOT_OK(CheckNode(*n.items, v.items()[i], path + "[" + std::to_string(i) + "]"));
    }
  }
  return Status::OK();
}

}  // namespace

std::string_view DocumentKindName(DocumentKind k) {
  switch (k) {
    case DocumentKind::kRaw: return "raw";
    case DocumentKind::kCleaned: return "cleaned";
    case DocumentKind::kChunk: return "chunk";
    case DocumentKind::kEmbeddedChunk: return "embedded_chunk";
  }
  return "unknown";
}

Result<DocumentKind> ParseDocumentKind(std::string_view name) {
  if (name == "raw") return DocumentKind::kRaw;
  if (name == "cleaned") return DocumentKind::kCleaned;
  if (name == "chunk") return DocumentKind::kChunk;
  if (name == "embedded_chunk" || name == "embedded-chunk") return DocumentKind::kEmbeddedChunk;
  return Status::InvalidArgument("unknown document kind '" + std::string(name) +
                                 "' (expected raw, cleaned, chunk or embedded_chunk)");
}

struct MetadataSchema::Impl {
  Node root;
  std::optional<DocumentKind> kind;
  std::string text;
};

MetadataSchema::MetadataSchema() : impl_(std::make_unique<Impl>()) {}
MetadataSchema::~MetadataSchema() = default;
MetadataSchema::MetadataSchema(MetadataSchema&&) noexcept = default;
MetadataSchema& MetadataSchema::operator=(MetadataSchema&&) noexcept = default;

Result<MetadataSchema> MetadataSchema::Parse(std::string_view json) {
  Result<JsonValue> doc = JsonValue::Parse(json);
  if (!doc.ok()) return Status::InvalidArgument("schema is not valid JSON: " + doc.status().message());
  MetadataSchema s;
  TRIB_RETURN_NOT_OK(ParseNode(*doc, "metadata", 0, &s.impl_->root));
  if (const JsonValue* k = doc->Find("x-document-kind")) {
    if (!k->is_string()) return Status::InvalidArgument("schema: \"x-document-kind\" must be a string");
    TRIB_ASSIGN_OR_RETURN(DocumentKind kind, ParseDocumentKind(k->str()));
    s.impl_->kind = kind;
  }
  s.impl_->text = doc->ToString();
  return s;
}

Status MetadataSchema::Check(std::string_view metadata_json) const {
  Result<JsonValue> v = JsonValue::Parse(metadata_json.empty() ? std::string_view("{}") : metadata_json);
  if (!v.ok()) return Status::InvalidData("metadata: " + v.status().message());
  return CheckNode(impl_->root, *v, "metadata");
}

std::optional<DocumentKind> MetadataSchema::kind() const { return impl_->kind; }
const std::string& MetadataSchema::text() const { return impl_->text; }

}  // namespace tributary
