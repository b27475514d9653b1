#include "tributary/formats/record_text.h"

#include "tributary/core/json.h"
#include "tributary/core/numbers.h"
#include "tributary/core/time_util.h"

namespace tributary {

void AppendVectorText(std::span<const float> v, std::string* out) {
  // Formatted in place: out grows by the most the writer may touch
  // (zero-filled, into capacity the encoders reserve ahead) and is cut back
  // to the text. This zero-fills about 1.4 times the bytes the text takes,
  // but in cache, where formatting into a side buffer and appending copied
  // every byte of the text once more into memory not yet in cache (3 to 4%
  // of an export's CPU).
  const size_t worst = 2 + FormatFloatListBytes(v.size());
  const size_t old = out->size();
  out->resize(old + worst);
  char* const begin = out->data() + old;
  char* p = begin;
  *p++ = '[';
  p = FormatFloatList(v, p);
  *p++ = ']';
  out->resize(old + static_cast<size_t>(p - begin));
}

size_t EstimateRecordTextBytes(const RecordBatch& b, size_t row) {
  size_t n = 256 + b.values.Length(row) * 13;  // field names, ints, timestamps; floats
  for (Field f : AllFields()) {
    const FieldType t = FieldTypeOf(f);
    if (t == FieldType::kString || t == FieldType::kJsonObject) {
      n += b.strings(f).Get(row).size() * 2;  // quotes doubled or escaped at worst-ish
    }
  }
  return n;
}

void AppendRecordJson(const RecordBatch& b, size_t row, std::string* out) {
  static const RecordJsonDialect kPlain;
  AppendRecordJson(b, row, out, kPlain);
}

void AppendRecordJson(const RecordBatch& b, size_t row, std::string* out, const RecordJsonDialect& d) {
  out->push_back('{');
  bool first = true;
  for (Field f : AllFields()) {
    if (!first) out->push_back(',');
    first = false;
    out->push_back('"');
    out->append(f == Field::kId ? d.id_key : FieldName(f));
    out->append("\":");
    switch (FieldTypeOf(f)) {
      case FieldType::kString: {
        const StringColumn& c = b.strings(f);
        if (c.IsNull(row)) out->append("null"); else AppendJsonString(c.Get(row), out);
        break;
      }
      case FieldType::kJsonObject: {
        const StringColumn& c = b.strings(f);
        if (c.IsNull(row)) {
          out->append("null");
        } else if (d.metadata) {
          d.metadata(c.Get(row), out);
        } else {
          out->append(c.Get(row));
        }
        break;
      }
      case FieldType::kVector:
        if (b.values.IsNull(row)) {
          out->append("null");
        } else if (d.vector) {
          d.vector(b.values.Get(row), out);
        } else {
          AppendVectorText(b.values.Get(row), out);
        }
        break;
      case FieldType::kInt64: {
        const Int64Column& c = b.ints(f);
        if (c.IsNull(row)) out->append("null"); else AppendInt(c.Get(row), out);
        break;
      }
      case FieldType::kTimestamp: {
        const Int64Column& c = b.ints(f);
        if (c.IsNull(row)) {
          out->append("null");
        } else {
          out->append(d.dates_wrapped ? "{\"$date\":\"" : "\"");
          AppendTimestamp(c.Get(row), out);
          out->append(d.dates_wrapped ? "\"}" : "\"");
        }
        break;
      }
    }
  }
  out->push_back('}');
}

}  // namespace tributary
