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

/// Turns for test bodies that start child processes and wait for them: at most one per two
/// cores runs at once, each on a thread of its own (``offThePool(_:)``), and the others wait
/// without holding any thread. Waiting on a child on one of the few threads every test shares
/// would starve the rest of the suite on a loaded machine; running every such body at once
/// would start more processes than the machine can finish within their time limits, and a
/// child (`facet` opens its data on every core) beside each core leaves the servers of the
/// other tests too little to meet their own.
public actor ProcessTurns {
    /// The turns the whole test process shares.
    public static let shared = ProcessTurns(limit: max(1, ProcessInfo.processInfo.activeProcessorCount / 2))

    private var free: Int
    private var waiting: [CheckedContinuation<Void, Never>] = []

    init(limit: Int) { free = limit }

    func take() async {
        if free > 0 {
            free -= 1
            return
        }
        await withCheckedContinuation { waiting.append($0) }
    }

    func give() {
        if waiting.isEmpty { free += 1 } else { waiting.removeFirst().resume() }
    }
}

/// Runs `body`, which starts child processes and waits for them, on a thread of its own once a
/// turn is free (see ``ProcessTurns``).
public func withProcessTurn<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    await ProcessTurns.shared.take()
    do {
        let value = try await offThePool(body)
        await ProcessTurns.shared.give()
        return value
    } catch {
        await ProcessTurns.shared.give()
        throw error
    }
}
