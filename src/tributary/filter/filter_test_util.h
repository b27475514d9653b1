// Test helpers for the filter tests: records written as JSON objects, a
// throwaway SQLite table with the store's column layout, and the ids a filter
// selects in memory and in SQL.
#pragma once

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

#include "tributary/core/json.h"
#include "tributary/core/record.h"
#include "tributary/core/time_util.h"
#include "tributary/filter/filter.h"

namespace tributary::filter_testing {

// Appends a record written as a JSON object. Missing or null fields are NULL.
// String fields take strings, chunk_index/chunk_count numbers, timestamps
// RFC 3339 strings; "metadata" takes an object (stored compact) or a string
// (stored as is, to test text that is not an object).
inline void AppendRecord(const JsonValue& rec, RecordBatch* batch) {
  for (Field f : AllFields()) {
    const JsonValue* v = rec.Find(FieldName(f));
    const bool null = v == nullptr || v->is_null();
    switch (FieldTypeOf(f)) {
      case FieldType::kString:
        if (null) {
          batch->strings(f).AppendNull();
        } else {
          batch->strings(f).Append(v->str());
        }
        break;
      case FieldType::kJsonObject:
        if (null) {
          batch->strings(f).AppendNull();
        } else {
          batch->strings(f).Append(v->is_string() ? v->str() : v->ToString());
        }
        break;
      case FieldType::kInt64:
        if (null) {
          batch->ints(f).AppendNull();
        } else {
          batch->ints(f).Append(v->int_value());
        }
        break;
      case FieldType::kTimestamp:
        if (null) {
          batch->ints(f).AppendNull();
        } else {
          int64_t micros = 0;
          Status st = ParseTimestamp(v->str(), &micros);
          EXPECT_TRUE(st.ok()) << st.ToString();
          batch->ints(f).Append(micros);
        }
        break;
      case FieldType::kVector: batch->values.AppendNull(); break;
    }
  }
  batch->origin.push_back(RowOrigin{static_cast<int64_t>(batch->num_rows() + 1), 0});
}

inline RecordBatch BatchFromJson(const std::vector<std::string_view>& records) {
  RecordBatch batch;
  for (std::string_view text : records) {
    Result<JsonValue> rec = JsonValue::Parse(text);
    EXPECT_TRUE(rec.ok()) << text << ": " << rec.status().ToString();
    if (rec.ok()) AppendRecord(*rec, &batch);
  }
  return batch;
}

inline std::vector<std::string> MatchingIds(const Filter& filter, const RecordBatch& batch) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < batch.num_rows(); ++i) {
    if (filter.Matches(batch, i)) ids.emplace_back(batch.id.Get(i));
  }
  std::sort(ids.begin(), ids.end());
  return ids;
}

// An in-memory SQLite database with table t laid out as the SQLite store's
// records table: one row per record, columns named like the fields.
class SqliteTable {
 public:
  SqliteTable() {
    EXPECT_EQ(sqlite3_open(":memory:", &db_), SQLITE_OK);
    Exec(
        "CREATE TABLE t(id TEXT PRIMARY KEY, document_id TEXT, \"values\" BLOB, content TEXT, "
        "metadata TEXT, chunk_id TEXT, content_hash TEXT, content_type TEXT, language TEXT, "
        "chunk_index INTEGER, chunk_count INTEGER, model TEXT, created_at INTEGER, "
        "updated_at INTEGER)");
  }
  ~SqliteTable() { sqlite3_close(db_); }
  SqliteTable(const SqliteTable&) = delete;
  SqliteTable& operator=(const SqliteTable&) = delete;

  sqlite3* db() { return db_; }

  void Exec(const std::string& sql) {
    char* err = nullptr;
    int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err);
    EXPECT_EQ(rc, SQLITE_OK) << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }

  void Insert(const RecordBatch& batch) {
    sqlite3_stmt* stmt = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(db_,
                                 "INSERT INTO t(id, document_id, content, metadata, chunk_id, "
                                 "content_hash, content_type, language, chunk_index, "
                                 "chunk_count, model, created_at, updated_at) VALUES "
                                 "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 -1, &stmt, nullptr),
              SQLITE_OK);
    const Field kCols[] = {Field::kId,          Field::kDocumentId, Field::kContent,
                           Field::kMetadata,    Field::kChunkId,    Field::kContentHash,
                           Field::kContentType, Field::kLanguage,   Field::kChunkIndex,
                           Field::kChunkCount,  Field::kModel,      Field::kCreatedAt,
                           Field::kUpdatedAt};
    for (size_t row = 0; row < batch.num_rows(); ++row) {
      int idx = 1;
      for (Field f : kCols) {
        FieldType type = FieldTypeOf(f);
        if (type == FieldType::kInt64 || type == FieldType::kTimestamp) {
          const Int64Column& col = batch.ints(f);
          if (col.IsNull(row)) {
            sqlite3_bind_null(stmt, idx);
          } else {
            sqlite3_bind_int64(stmt, idx, col.Get(row));
          }
        } else {
          const StringColumn& col = batch.strings(f);
          if (col.IsNull(row)) {
            sqlite3_bind_null(stmt, idx);
          } else {
            std::string_view s = col.Get(row);
            sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
          }
        }
        ++idx;
      }
      ASSERT_EQ(sqlite3_step(stmt), SQLITE_DONE) << sqlite3_errmsg(db_);
      sqlite3_reset(stmt);
    }
    sqlite3_finalize(stmt);
  }

  // The sorted ids of SELECT id FROM t WHERE <fragment>, or an error text.
  Result<std::vector<std::string>> SelectIds(const SqlFragment& where) {
    const std::string sql = "SELECT id FROM t WHERE " + where.sql;
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(db_, sql.c_str(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK) {
      return Status::Internal(std::string("prepare: ") + sqlite3_errmsg(db_));
    }
    if (sqlite3_bind_parameter_count(stmt) != static_cast<int>(where.params.size())) {
      sqlite3_finalize(stmt);
      return Status::Internal("placeholder count " +
                              std::to_string(sqlite3_bind_parameter_count(stmt)) + " != params " +
                              std::to_string(where.params.size()));
    }
    for (size_t i = 0; i < where.params.size(); ++i) {
      int idx = static_cast<int>(i) + 1;
      const SqlValue& p = where.params[i];
      if (std::holds_alternative<std::nullptr_t>(p)) {
        sqlite3_bind_null(stmt, idx);
      } else if (const int64_t* n = std::get_if<int64_t>(&p)) {
        sqlite3_bind_int64(stmt, idx, *n);
      } else if (const double* d = std::get_if<double>(&p)) {
        sqlite3_bind_double(stmt, idx, *d);
      } else {
        const std::string& s = std::get<std::string>(p);
        sqlite3_bind_text(stmt, idx, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
      }
    }
    std::vector<std::string> ids;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      ids.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(stmt, 0)),
                       static_cast<size_t>(sqlite3_column_bytes(stmt, 0)));
    }
    std::string err = rc == SQLITE_DONE ? "" : sqlite3_errmsg(db_);
    sqlite3_finalize(stmt);
    if (!err.empty()) return Status::Internal("step: " + err);
    std::sort(ids.begin(), ids.end());
    return ids;
  }

 private:
  sqlite3* db_ = nullptr;
};

}  // namespace tributary::filter_testing
