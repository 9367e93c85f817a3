import Dispatch
import Foundation
import Synchronization

/// A gate opened once (by a task or a thread) that a test awaits with a time limit, holding no
/// thread meanwhile: what a `DispatchSemaphore` signalled once would be, without blocking one of
/// the few threads Swift's tasks share for as long as the wait lasts. A task's own `value` has no
/// time limit, and a wait for it cannot be abandoned.
///
/// ```swift
/// let stopped = Latch()
/// Task { await writeUntilTheServerDies(); stopped.open() }
/// #expect(await stopped.opened(within: 60), "the writer did not notice the kill")
/// ```
public final class Latch: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [Int: CheckedContinuation<Bool, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// Opens the latch: every waiter goes on, and so does every later one at once.
    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume(returning: true) }
    }

    /// Waits until the latch is open, at most `timeout` seconds: whether it opened.
    public func opened(within timeout: TimeInterval) async -> Bool {
        await withCheckedContinuation { continuation in
            let waiter: Int? = state.withLock { state in
                guard !state.isOpen else { return nil }
                state.nextWaiter += 1
                state.waiters[state.nextWaiter] = continuation
                return state.nextWaiter
            }
            guard let waiter else { return continuation.resume(returning: true) }
            DispatchQueue.global().asyncAfter(deadline: .now() + timeout) { [self] in
                state.withLock { $0.waiters.removeValue(forKey: waiter) }?.resume(returning: false)
            }
        }
    }
}
