// Parquet files found in the wild (see each folder's SOURCES.md under
// shared/testdata/real), imported through the command line with the --map
// options their layouts need, then exported and checked against the values
// DuckDB reads from the same files.
#include <gtest/gtest.h>

#include <sstream>

#include "tests/test_util.h"
#include "tributary/core/json.h"

namespace tributary {
namespace {

using testing::CommandResult;
using testing::ReadFileOrDie;
using testing::RunTributary;
using testing::SharedTestData;
using testing::TempDir;

std::string Q(const std::string& s) { return "'" + s + "'"; }

class ParquetRealFilesTest : public ::testing::Test {
 protected:
  CommandResult Tributary(const std::string& args) {
    return RunTributary("--data-dir " + Q(dir_.File("store")) + " " + args);
  }

  // Imports a file into a collection and returns its records as exported.
  std::vector<JsonValue> ImportAndExport(const std::string& relative, const std::string& collection,
                                         const std::string& flags) {
    CommandResult imp = Tributary("import-data -c " + collection + " -i " + Q(SharedTestData(relative)) + " " +
                                  flags + " --quiet");
    EXPECT_EQ(imp.exit_code, 0) << imp.err;
    const std::string out = dir_.File(collection + ".jsonl");
    CommandResult exp = Tributary("export -c " + collection + " -o " + Q(out) + " --quiet");
    EXPECT_EQ(exp.exit_code, 0) << exp.err;
    std::vector<JsonValue> rows;
    std::istringstream in(ReadFileOrDie(out));
    std::string line;
    while (std::getline(in, line)) {
      auto v = JsonValue::Parse(line);
      EXPECT_TRUE(v.ok());
      if (v.ok()) rows.push_back(std::move(*v));
    }
    return rows;
  }

  TempDir dir_;
};

// Chroma 0.3's duckdb+parquet persistence: the vector under "embedding"
// (LIST<DOUBLE> of 4096), the text under "document", metadata as JSON text,
// and no document id (each record's Chroma uuid stands in).
TEST_F(ParquetRealFilesTest, ChromaEmbeddings) {
  auto rows = ImportAndExport("real/chroma-0.3-duckdb-parquet/chroma-embeddings.parquet", "chroma",
                              "--map values=embedding --map content=document --map document_id=uuid");
  ASSERT_EQ(rows.size(), 146u);
  const JsonValue* first = nullptr;
  for (const JsonValue& r : rows) {
    ASSERT_EQ(r.Find("values")->items().size(), 4096u);
    if (r.Find("id")->str() == "3c36aa90-f43c-11ed-af08-f677d84d4ec7") first = &r;
  }
  ASSERT_NE(first, nullptr);
  EXPECT_EQ(first->Find("document_id")->str(), "5deda319-1f3d-4446-b220-a84dcf877b6f");
  EXPECT_EQ(first->Find("content")->str().rfind("Madam Speaker, Madam Vice President", 0), 0u);
  EXPECT_EQ(first->Find("metadata")->ToString(),
            "{\"source\":\"source_documents/state_of_the_union.txt\",\"collection_uuid\":"
            "\"dda9b6c4-27ca-40d4-b1a6-38e618237796\"}");
}

// Chroma's collections table is not vector records (no vector; metadata
// the JSON text "null"): read, then refused row by row with the reason.
TEST_F(ParquetRealFilesTest, ChromaCollectionsAreNotRecords) {
  CommandResult r = Tributary("import-data -c coll -i " +
                              Q(SharedTestData("real/chroma-0.3-duckdb-parquet/chroma-collections.parquet")));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("chroma-collections.parquet row 1: metadata: metadata is not a JSON object (got null)"),
            std::string::npos)
      << r.err;
}

// NeuroRegistry: only "text" and "embedding" (LIST<DOUBLE> of 384); ids
// come from the content's hash.
TEST_F(ParquetRealFilesTest, NeuroRegistryEmbeddings) {
  auto rows = ImportAndExport("real/neuroregistry-parquet/embeddings.parquet", "neuro",
                              "--map values=embedding --map content=text --generate-ids content-hash");
  ASSERT_EQ(rows.size(), 295u);
  bool found = false;
  for (const JsonValue& r : rows) {
    ASSERT_EQ(r.Find("values")->items().size(), 384u);
    EXPECT_EQ(r.Find("id")->str().size(), 32u);
    if (r.Find("content")->str() == "BrainStructure") {
      found = true;
      EXPECT_EQ(static_cast<float>(r.Find("values")->items()[0].number()), -0.022598199546337128f);
    }
  }
  EXPECT_TRUE(found);
}

// pinecone-datasets: id, metadata as a STRUCT (it becomes the metadata
// object), values LIST<DOUBLE>, sparse_values a STRUCT of two lists (kept in
// metadata as JSON). There is no document id; the Pinecone id fills it and
// the record ids are row numbers.
TEST_F(ParquetRealFilesTest, PineconeDatasetDocuments) {
  auto rows = ImportAndExport("real/pinecone-datasets-testdata/two_docs.parquet", "pine",
                              "--map document_id=id --generate-ids row");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].Find("id")->str(), "1");
  EXPECT_EQ(rows[0].Find("document_id")->str(), "dPKZOiCRvY");
  EXPECT_EQ(rows[0].Find("values")->ToString(), "[1.951,-0.844,-0.046,-0.632]");
  EXPECT_EQ(rows[0].Find("metadata")->ToString(),
            "{\"color\":\"Charcoal\",\"size\":\"Large\",\"sparse_values\":"
            "{\"indecies\":[6813952,3781130],\"values\":[0.402,0.22]}}");
  EXPECT_EQ(rows[1].Find("document_id")->str(), "jwhzxqghxx");
  EXPECT_EQ(rows[1].Find("values")->ToString(), "[-1.134,-1.268,-0.892,0.309]");
  EXPECT_EQ(rows[1].Find("metadata")->ToString(),
            "{\"color\":\"Cyan\",\"size\":\"Small\",\"sparse_values\":"
            "{\"indecies\":[8653771,2935003],\"values\":[0.124,0.484]}}");
}

}  // namespace
}  // namespace tributary
