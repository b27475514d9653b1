#include "tributary/server/http_server.h"

#include <gtest/gtest.h>
#include <httplib.h>

#include <chrono>
#include <future>
#include <thread>

#include "tests/test_util.h"

namespace tributary {
namespace {

using namespace std::chrono_literals;

std::unique_ptr<ApiServer> StartServer(const testing::TempDir& dir, int* port) {
  ServeOptions o;
  o.host = "127.0.0.1";
  o.port = 0;
  o.data_dir = dir.File("data");
  auto server = ApiServer::Create(o);
  EXPECT_TRUE(server.ok()) << server.status().ToString();
  if (!server.ok()) return nullptr;
  auto bound = (*server)->Bind();
  EXPECT_TRUE(bound.ok()) << bound.status().ToString();
  *port = bound.ok() ? *bound : 0;
  return std::move(*server);
}

// A stop that comes before the server listens (a SIGTERM right after
// start-up) must still end Run(), never leave it serving forever.
TEST(ApiServerTest, StopBeforeRunEndsRun) {
  testing::TempDir dir;
  int port = 0;
  std::unique_ptr<ApiServer> server = StartServer(dir, &port);
  ASSERT_NE(server, nullptr);
  EXPECT_FALSE(server->Stop());  // not listening yet
  auto run = std::async(std::launch::async, [&] { return server->Run(); });
  if (run.wait_for(10s) != std::future_status::ready) {
    while (!server->Stop()) std::this_thread::sleep_for(10ms);  // unblock, then fail
    FAIL() << "Run() kept serving after Stop()";
  }
  EXPECT_TRUE(run.get().ok());
}

TEST(ApiServerTest, StopWhileServingEndsRun) {
  testing::TempDir dir;
  int port = 0;
  std::unique_ptr<ApiServer> server = StartServer(dir, &port);
  ASSERT_NE(server, nullptr);
  auto run = std::async(std::launch::async, [&] { return server->Run(); });
  httplib::Client client("127.0.0.1", port);
  int status = 0;
  for (int i = 0; i < 500 && status == 0; ++i) {
    if (auto health = client.Get("/health")) {
      status = health->status;
    } else {
      std::this_thread::sleep_for(10ms);
    }
  }
  EXPECT_EQ(status, 200) << "the server never answered";
  // Stopping from another thread, retried as the serve command does.
  while (!server->Stop()) std::this_thread::sleep_for(10ms);
  ASSERT_EQ(run.wait_for(10s), std::future_status::ready);
  EXPECT_TRUE(run.get().ok());
  EXPECT_FALSE(client.Get("/health"));  // nothing listens any more
}

}  // namespace
}  // namespace tributary
