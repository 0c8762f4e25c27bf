#pragma once
// The outcome of one non-blocking I/O step.

namespace replay::net {

// Done: the step completed now. WouldBlock: it was queued and completes later. Failed: the
// socket is unusable and should be closed.
enum class Io { Done, WouldBlock, Failed };

}  // namespace replay::net
