import Foundation
import OrderedCollections

/// Runs blocking work (SQLite commits, query evaluation) off the event loops and off the threads
/// Swift concurrency runs tasks on, at most `limit` pieces at once, so that a burst of expensive
/// queries queues instead of starving the machine.
///
/// The work runs on `limit` threads of its own, started as they are first needed. On Linux,
/// Swift's task executor and Dispatch's global queues share one pool of about one thread per
/// core: a query evaluated there for seconds would take a thread that every other request's
/// handler (and every timer) needs.
///
/// Work beyond the limit waits in a queue, *without holding a thread*:
/// the waiting request is a suspended task, and a thread that finishes a piece of work takes the
/// next one straight from the queue. A caller may give a deadline: work still waiting then is
/// refused with ``WaitedPastDeadline`` (one timer watches the whole queue), so a query that waits
/// too long fails with its time limit rather than running late. A waiting caller whose task is
/// cancelled leaves the queue at once.
///
/// The queue is fair between callers. Work names who it is for (a user, a token, an address);
/// a free thread takes the oldest waiting work of the caller running the fewest pieces now, and
/// no caller ever runs more than `limit - 1` pieces at once. So one caller's flood of slow
/// queries queues behind itself: everyone else always finds a thread within one piece of work.
///
/// ```swift
/// let workers = BlockingWork(limit: 4)
/// let names = try await workers.run(for: "user:ada", until: .now + .seconds(10)) { try store.datasetNames() }
/// ```
final class BlockingWork: Sendable {
    /// Work that was still waiting for a thread when its deadline came.
    struct WaitedPastDeadline: Error {
        /// How many pieces of work may run at once.
        let limit: Int
    }

    /// How many pieces of work may run at once.
    let limit: Int
    private let pool: WorkerPool

    init(limit: Int) {
        self.limit = max(1, limit)
        pool = WorkerPool(limit: self.limit)
    }

    deinit {
        pool.close()
    }

    /// Pieces of work running now, and callers waiting for a thread (for `/metrics`).
    var load: (running: Int, waiting: Int) { pool.load }

    /// Runs `work` on one of the threads once one is free for `caller`, if that is before
    /// `deadline`.
    ///
    /// - Parameter caller: who the work is for, so that no caller takes every thread; `nil` for
    ///   the server's own work, which is not capped.
    /// - Throws: ``WaitedPastDeadline`` when no thread was free before `deadline`,
    ///   `CancellationError` when the task was cancelled while waiting, or what `work` throws.
    func run<Value: Sendable>(for caller: String? = nil, until deadline: ContinuousClock.Instant? = nil,
                              _ work: @escaping @Sendable () throws -> Value) async throws -> Value
    {
        let ticket = pool.ticket()
        let limit = self.limit
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let job = WorkerPool.Job(
                    caller: caller, deadline: deadline,
                    run: { continuation.resume(with: Swift.Result { try work() }) },
                    fail: { continuation.resume(throwing: $0) })
                // Checked here as well as in the handler: a handler that ran before the job was
                // queued found nothing to remove.
                if Task.isCancelled { return job.fail(CancellationError()) }
                pool.enqueue(job, ticket: ticket, limit: limit)
            }
        } onCancel: {
            pool.withdraw(ticket, with: CancellationError())
        }
    }
}

/// Up to `limit` threads taking jobs from one first-in-first-out queue, and the timer that
/// refuses jobs whose deadline passes while they wait.
///
/// `@unchecked Sendable`: every member is read and written under `condition`.
private final class WorkerPool: @unchecked Sendable {
    struct Job: Sendable {
        let caller: String?
        let deadline: ContinuousClock.Instant?
        /// Runs the work and answers the caller.
        let run: @Sendable () -> Void
        /// Answers the caller with an error instead.
        let fail: @Sendable (any Error) -> Void
    }

    private let limit: Int
    private let condition = NSCondition()
    private var queue: OrderedDictionary<UInt64, Job> = [:]
    private var nextTicket: UInt64 = 0
    private var started = 0
    private var idle = 0
    private var running = 0
    /// Pieces of work running now, by caller.
    private var runningFor: [String: Int] = [:]
    private var watching = false
    private var closed = false

    init(limit: Int) {
        self.limit = limit
    }

    var load: (running: Int, waiting: Int) {
        condition.lock()
        defer { condition.unlock() }
        return (running, queue.count)
    }

    func ticket() -> UInt64 {
        condition.lock()
        defer { condition.unlock() }
        nextTicket &+= 1
        return nextTicket
    }

    func enqueue(_ job: Job, ticket: UInt64, limit: Int) {
        condition.lock()
        queue[ticket] = job
        // Threads about to take a job: the idle ones (one is woken), or the one started now.
        var taking = idle
        if idle > 0 {
            condition.signal()
        } else if started < limit {
            taking = 1
            started += 1
            let thread = Thread { [self] in work() }
            thread.name = "facet-worker-\(started)"
            // Deeply nested queries recurse deeply: the stack of a main thread.
            thread.stackSize = 8 << 20
            thread.start()
        }
        // A job that has to wait, with a deadline: make sure the timer runs.
        let watch = job.deadline != nil && !watching && queue.count > taking
        if watch { watching = true }
        condition.unlock()
        if watch { Task { await self.watchDeadlines() } }
    }

    /// Takes a job out of the queue, if it is still there, and fails it.
    func withdraw(_ ticket: UInt64, with error: any Error) {
        condition.lock()
        let job = queue.removeValue(forKey: ticket)
        condition.unlock()
        job?.fail(error)
    }

    /// Lets idle threads end; a thread busy with a job ends after it.
    func close() {
        condition.lock()
        closed = true
        condition.broadcast()
        condition.unlock()
    }

    private func work() {
        condition.lock()
        while true {
            var next = nextTicket(closing: closed)
            while next == nil && !closed {
                idle += 1
                condition.wait()
                idle -= 1
                next = nextTicket(closing: closed)
            }
            guard let ticket = next ?? nextTicket(closing: true), let job = queue.removeValue(forKey: ticket) else { break }
            running += 1
            if let caller = job.caller { runningFor[caller, default: 0] += 1 }
            condition.unlock()
            if let deadline = job.deadline, deadline <= .now {
                job.fail(BlockingWork.WaitedPastDeadline(limit: limit))
            } else {
                job.run()
            }
            condition.lock()
            running -= 1
            if let caller = job.caller {
                runningFor[caller, default: 1] -= 1
                if runningFor[caller] == 0 { runningFor[caller] = nil }
            }
        }
        started -= 1
        condition.unlock()
    }

    /// The waiting work to run next (called under the lock): the oldest of the caller running
    /// the fewest pieces, if that caller is under its cap; the server's own work first come
    /// first served. When closing, any waiting work.
    private func nextTicket(closing: Bool) -> UInt64? {
        let cap = max(1, limit - 1)
        var best: (ticket: UInt64, running: Int)?
        for (ticket, job) in queue {
            guard let caller = job.caller else { return ticket }
            let count = runningFor[caller] ?? 0
            if count == 0 { return ticket }
            if best.map({ count < $0.running }) ?? true { best = (ticket, count) }
        }
        guard let best else { return nil }
        return closing || best.running < cap ? best.ticket : nil
    }

    /// While jobs with deadlines wait, sleeps until the earliest deadline and refuses the jobs
    /// past theirs. One timer for the whole queue, not one per waiting request.
    private func watchDeadlines() async {
        while true {
            let (refused, earliest) = takeOverdue()
            for job in refused { job.fail(BlockingWork.WaitedPastDeadline(limit: limit)) }
            guard let earliest else { return }
            try? await Task.sleep(until: earliest, clock: .continuous)
        }
    }

    /// The jobs past their deadline, out of the queue, and the earliest deadline still waiting
    /// (`nil`, and the timer stops, when none is).
    private func takeOverdue() -> (refused: [Job], earliest: ContinuousClock.Instant?) {
        condition.lock()
        defer { condition.unlock() }
        let now = ContinuousClock.now
        var overdue: [UInt64] = []
        var earliest: ContinuousClock.Instant?
        for (ticket, job) in queue {
            guard let deadline = job.deadline else { continue }
            if deadline <= now {
                overdue.append(ticket)
            } else if earliest.map({ deadline < $0 }) ?? true {
                earliest = deadline
            }
        }
        if earliest == nil { watching = false }
        return (overdue.compactMap { queue.removeValue(forKey: $0) }, earliest)
    }
}
