import Dispatch

/// A queue of its own for storage work that blocks (a database round trip, a connection attempt
/// that waits out its timeout), awaited without holding one of Swift's task threads.
///
/// Swift's tasks share about one thread per core. A background loop that reads the database on
/// one of them — catching up with other servers' commits ten times a second, renewing a lease,
/// delivering hooks — holds that thread for as long as the database takes to answer; with the
/// database slow or out of reach, two such loops leave no thread for any request. A lane runs
/// its work in order on a dispatch queue that has a thread of its own whenever it has work.
///
/// ```swift
/// let lane = BlockingLane("facet.external-writes")
/// await lane.run { try? dataset.refresh() }
/// ```
public struct BlockingLane: Sendable {
    private let queue: DispatchQueue

    /// A lane named `label` (seen in thread dumps).
    public init(_ label: String) {
        queue = DispatchQueue(label: label)
    }

    /// Runs `body` on the lane, after the work queued before it, and returns what it returned.
    public func run<Value: Sendable>(_ body: @escaping @Sendable () -> Value) async -> Value {
        await withCheckedContinuation { continuation in
            queue.async { continuation.resume(returning: body()) }
        }
    }

    /// Runs `body` on the lane and returns what it returned, or throws what it threw.
    public func run<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
