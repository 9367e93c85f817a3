import Dispatch

/// Runs blocking work (SQLite commits, query evaluation) on Dispatch's threads, at most `limit`
/// pieces at once, so that the event loops stay free to accept and answer other requests and a
/// burst of expensive queries queues instead of starving the machine.
final class BlockingWork: Sendable {
    private let slots: DispatchSemaphore
    private let queue = DispatchQueue(label: "facet.blocking", attributes: .concurrent)

    init(limit: Int) {
        slots = DispatchSemaphore(value: max(1, limit))
    }

    func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                self.slots.wait()
                defer { self.slots.signal() }
                continuation.resume(with: Swift.Result { try work() })
            }
        }
    }
}
