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

/// Turns for test bodies that would otherwise crowd the machine: at most `limit` run at once,
/// and the others wait without holding any thread.
///
/// - ``processes``: bodies that start child processes and wait for them, one per two cores.
///   Running every such body at once would start more processes than the machine can finish
///   within their time limits, and a child (`facet` opens its data on every core) beside each
///   core leaves the servers of the other tests too little to meet their own.
/// - ``computation``: test bodies that compute for seconds (fits, conformance suites, demo
///   data), one per core, each on a thread of its own (see ``OwnThreadTrait``): more would
///   leave the child processes of the command-line tests, and the servers other tests talk
///   to, too little of the machine to meet their time limits.
public actor Turns {
    public static let processes = Turns(limit: max(1, ProcessInfo.processInfo.activeProcessorCount / 2))
    public static let computation = Turns(limit: max(1, ProcessInfo.processInfo.activeProcessorCount))

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

    /// Runs `body` once a turn is free, and gives the turn back however it ends.
    public func during<Value: Sendable>(_ body: () async throws -> Value) async throws -> Value {
        await take()
        do {
            let value = try await body()
            give()
            return value
        } catch {
            give()
            throw error
        }
    }
}

/// Runs `body`, which starts child processes and awaits them, once a turn is free (see
/// ``Turns/processes``).
///
/// The body awaits its children (``ChildProcess/ended(timeout:)``) rather than blocking for them,
/// so it needs no thread of its own: while it waits, the threads Swift's tasks share stay free
/// for the servers the other tests talk to.
public func withProcessTurn<Value: Sendable>(_ body: @Sendable () async throws -> Value) async throws -> Value {
    try await Turns.processes.during { try await body() }
}
