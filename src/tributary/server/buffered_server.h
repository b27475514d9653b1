// BufferedHttpServer: an httplib::Server (plain HTTP) that reads each
// connection through a large buffer.
//
// httplib's own connection loop reads a request body 4 KiB at a time and
// polls the socket before every read, which holds an upload to a few hundred
// MB/s of CPU-bound syscalls. This server runs the same loop (keep-alive,
// the read/write timeouts, stop()) over a stream that fills a 512 KiB buffer
// with one recv() and hands httplib its 4 KiB pieces from memory.
//
// A handler may read a request body itself, straight into memory of its
// own: CurrentConnection() is the connection of the request being handled,
// whose read() serves what the buffer already holds and then, for reads of
// 64 KiB or more, recv()s into the caller's memory without the buffer.
//
// It also remembers why the last body read on a connection failed (the peer
// closed the connection, or stopped sending for the read timeout), so a
// handler can tell a broken-off upload from a malformed one:
// LastReadFailure() on the handler's thread.
//
// Thread-safety: as httplib::Server; each connection is served on one thread
// of the server's pool.
#pragma once

#include <httplib.h>

#include <string>

namespace tributary {

class BufferedHttpServer : public httplib::Server {
 private:
  bool process_and_close_socket(socket_t sock) override;
};

// Why the last read from the client failed on the calling thread's current
// connection ("" if none did, or the server is not a BufferedHttpServer).
const std::string& LastReadFailure();

// The connection of the request being handled on the calling thread, or
// null (the server is not a BufferedHttpServer: HTTPS). A handler of a route
// with a content reader may read a Content-Length body from it instead of
// using the reader (not both), no more than Content-Length bytes; one that
// stops early must answer with "Connection: close". read() returns the bytes
// read (at least 1), 0 when the peer closed, -1 on a failure; either way
// LastReadFailure() then says why.
httplib::Stream* CurrentConnection();

}  // namespace tributary
