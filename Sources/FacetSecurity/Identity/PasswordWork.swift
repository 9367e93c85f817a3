import Foundation
import HummingbirdBcrypt
import Synchronization

/// Runs bcrypt where it cannot stall anything: on threads of its own, a few at a time.
///
/// A bcrypt check at cost 12 takes about a quarter of a second of CPU. On an event loop it would
/// stall every connection of that loop; on the threads Swift concurrency runs tasks on (one per
/// core) it would stall every other request's handler. And however many sign-ins arrive at once,
/// at most ``limit`` hashes run together: the rest wait their turn without holding a thread, so a
/// flood of sign-ins slows sign-ins, not the whole server.
enum PasswordWork {
    /// How many hashes may run at once: one per core, at least one.
    static let limit = max(1, ProcessInfo.processInfo.activeProcessorCount)

    private struct Gate {
        var running = 0
        var waiting: [CheckedContinuation<Void, Never>] = []
    }

    private static let gate = Mutex(Gate())

    /// Whether `password` matches `hash`.
    static func verify(_ password: String, hash: String) async -> Bool {
        await run { Bcrypt.verify(password, hash: hash) }
    }

    /// A bcrypt hash of `password` at `cost`.
    static func hash(_ password: String, cost: UInt8) async -> String {
        await run { Bcrypt.hash(password, cost: cost) }
    }

    private static func run<Value: Sendable>(_ work: @escaping @Sendable () -> Value) async -> Value {
        await enter()
        defer { leave() }
        return await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: work()) }
            thread.name = "facet-password"
            thread.start()
        }
    }

    private static func enter() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let admitted = gate.withLock { gate -> Bool in
                guard gate.running < limit else {
                    gate.waiting.append(continuation)
                    return false
                }
                gate.running += 1
                return true
            }
            if admitted { continuation.resume() }
        }
    }

    /// Hands the slot to the next waiter, if any.
    private static func leave() {
        let next = gate.withLock { gate -> CheckedContinuation<Void, Never>? in
            guard !gate.waiting.isEmpty else {
                gate.running -= 1
                return nil
            }
            return gate.waiting.removeFirst()
        }
        next?.resume()
    }
}
