import Foundation

/// Runs `body`, which blocks for a long while (child processes, sockets, large commits and
/// loads), on a thread of its own, and awaits it.
///
/// A synchronous test runs on one of the few threads Swift's tasks share (one per core): two
/// long ones at once would leave none for every asynchronous test beside them, whose servers
/// would then answer nothing for as long.
public func offThePool<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
