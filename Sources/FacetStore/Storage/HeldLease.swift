import Foundation
import Synchronization

/// Work that must happen once among the servers sharing a storage — the scheduler's refreshes,
/// later webhook delivery and scheduled publishing — runs only where this lease is held.
///
/// The holder renews it every third of its length; a holder that dies (or loses its database)
/// stops renewing, and another takes it over once it runs out. A holder that cannot renew
/// stops counting itself the holder at once, so two never both act while the database is
/// unreachable: at worst, nobody does for one lease's length.
///
/// ```swift
/// let lease = HeldLease(backend: store.backend, name: "scheduler")
/// Task { await lease.keep() }
/// if lease.isHeld { try await runDueWork() }
/// ```
public final class HeldLease: Sendable {
    public let name: String
    /// Who asks: unique per process.
    public let holder: String
    public let duration: Duration
    private let backend: any StorageBackend
    /// When the lease was last taken or renewed by this holder, by this process's clock.
    private let renewed = Mutex<ContinuousClock.Instant?>(nil)

    public init(backend: any StorageBackend, name: String, holder: String = HeldLease.processHolder, duration: Duration = .seconds(15)) {
        self.backend = backend
        self.name = name
        self.holder = holder
        self.duration = duration
    }

    /// A holder name for this process: its id and a random part, so that a restarted process
    /// with the same id is a new holder.
    public static let processHolder: String = {
        var random = SystemRandomNumberGenerator()
        let process = ProcessInfo.processInfo
        return "\(process.hostName)/\(process.processIdentifier)/\(String(random.next() & 0xFFFF_FFFF, radix: 16))"
    }()

    /// Whether this process holds the lease now.
    public var isHeld: Bool {
        renewed.withLock { last in last.map { ContinuousClock.now - $0 < duration } ?? false }
    }

    /// Takes or renews the lease once; `true` when this process holds it afterwards.
    @discardableResult
    public func renew() -> Bool {
        let asked = ContinuousClock.now
        let held = (try? backend.lease(name, holder: holder, for: duration)) ?? false
        renewed.withLock { $0 = held ? asked : nil }
        return held
    }

    /// Renews the lease every third of its length until the task is cancelled, then gives it
    /// up, so that another server takes over at once rather than when it runs out.
    public func keep() async {
        // The database's answer is awaited on a lane of its own, not on a task thread.
        let lane = BlockingLane("facet.lease.\(name)")
        while !Task.isCancelled {
            await lane.run { _ = self.renew() }
            try? await Task.sleep(for: duration / 3)
        }
        await lane.run { self.release() }
    }

    /// Gives the lease up, when this process holds it.
    public func release() {
        renewed.withLock { $0 = nil }
        _ = try? backend.lease(name, holder: holder, for: .zero)
    }
}
