import Dispatch
import Foundation
import Testing

/// Runs each test of a suite on a thread of its own instead of on the few threads (one per
/// core) that Swift's tasks share.
///
/// A test that computes for seconds (a model fit, the GROQ conformance suite, a demo CRM) or
/// waits synchronously (a PostgreSQL round trip, a lock) holds the shared thread it runs on;
/// two such tests at once leave none for the servers that other tests talk to, which then
/// answer nothing for as long. With this trait the test's body, and the structured tasks it
/// starts, run on a serial dispatch queue that has a thread of its own; the shared threads stay
/// free. Computing suites (`.ownThread(computing: true)`) also take a turn of
/// ``Turns/computation`` so that no more of them run at once than there are cores.
///
/// ```swift
/// @Suite("Fits", .ownThread(computing: true))
/// struct FitTests { … }
/// ```
public struct OwnThreadTrait: SuiteTrait, TestTrait, TestScoping {
    /// Whether the suite's tests compute for long, rather than mostly wait.
    public let computing: Bool

    public var isRecursive: Bool { true }

    public func provideScope(for test: Test, testCase: Test.Case?,
                             performing function: @Sendable () async throws -> Void) async throws {
        // The suite's own scope, and a parameterised test as a whole, need no thread: its cases do.
        guard testCase != nil, !test.isSuite else { return try await function() }
        let executor = QueueExecutor(label: "test." + test.name)
        if computing {
            try await Turns.computation.during { try await withTaskExecutorPreference(executor) { try await function() } }
        } else {
            try await withTaskExecutorPreference(executor) { try await function() }
        }
    }
}

extension OwnThreadTrait {
    /// The label of the test queue the caller runs on (`test.<name>`), or nil on any other thread.
    public static var currentQueue: String? { DispatchQueue.getSpecific(key: QueueExecutor.label) }
}

extension Trait where Self == OwnThreadTrait {
    /// Each test on a thread of its own; `computing` tests also take a turn of the cores.
    public static func ownThread(computing: Bool = false) -> Self { OwnThreadTrait(computing: computing) }
}

/// A task executor that runs its jobs in order on a serial dispatch queue, which libdispatch
/// gives a thread of its own whenever it has work (an "overcommit" queue).
final class QueueExecutor: TaskExecutor {
    private let queue: DispatchQueue
    /// Marks the queue, so that a test can tell where it runs.
    static let label = DispatchSpecificKey<String>()

    init(label: String) {
        queue = DispatchQueue(label: label)
        queue.setSpecific(key: Self.label, value: label)
    }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        queue.async { job.runSynchronously(on: executor) }
    }
}
