import Dispatch
import Foundation
import GRDB
import Synchronization

/// Copies a dataset file's write-ahead log into the file on a thread of its own, so that the
/// commit that fills the log does not do it.
///
/// SQLite's own automatic checkpoint runs inside the commit that crosses its threshold: the
/// writer then copies every page of the log into the file and syncs it before it returns. On a
/// long run of large commits (an import, a seed) that was a fifth of the writing thread's time.
/// Here the writer only counts what it wrote; past ``threshold`` bytes a passive checkpoint,
/// which never holds up a commit, runs on a connection of its own while the writer goes on.
/// SQLite starts the log again from its beginning only once a checkpoint has copied all of it,
/// which one running beside commits never quite does: after ``limit`` bytes the writer
/// checkpoints itself, copying only what the background ones left, so that the log restarts
/// and its file stays bounded.
///
/// ```swift
/// let checkpoints = BackgroundCheckpoints(path: path)
/// try pool.writeWithoutTransaction { db in
///     try db.inTransaction { … }
///     checkpoints.wrote(bytes: body.utf8.count, writer: db)
/// }
/// ```
final class BackgroundCheckpoints: Sendable {
    /// Bytes committed after which a checkpoint is started.
    let threshold: Int
    /// Bytes committed after which the writer checkpoints itself.
    let limit: Int
    private let path: String
    private let queue = DispatchQueue(label: "facet.dataset.checkpoint", qos: .utility)
    private let state = Mutex(State())

    private struct State {
        var sinceStarted = 0
        var sinceWriterCheckpoint = 0
        var running = false
        var closed = false
        var connection: DatabaseQueue?
    }

    init(path: String, threshold: Int = 16 << 20, limit: Int = 256 << 20) {
        self.path = path
        self.threshold = threshold
        self.limit = limit
    }

    /// Tells of a commit of about `bytes` bytes; starts a checkpoint when enough has been
    /// written since the last one. `writer`, the connection that committed, outside any
    /// transaction, checkpoints itself past ``limit``.
    func wrote(bytes: Int, writer: Database) {
        let (start, inline) = state.withLock { state -> (Bool, Bool) in
            state.sinceStarted += bytes
            state.sinceWriterCheckpoint += bytes
            if state.sinceWriterCheckpoint >= limit {
                state.sinceStarted = 0
                state.sinceWriterCheckpoint = 0
                return (false, true)
            }
            guard !state.closed, !state.running, state.sinceStarted >= threshold else { return (false, false) }
            state.running = true
            state.sinceStarted = 0
            return (true, false)
        }
        if inline { _ = try? writer.checkpoint(.passive) }
        guard start else { return }
        queue.async { [self] in run() }
    }

    private func run() {
        let connection = state.withLock { state -> DatabaseQueue? in
            guard !state.closed else { return nil }
            if state.connection == nil {
                var configuration = Configuration()
                configuration.busyMode = .timeout(10)
                configuration.label = "checkpoint"
                configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
                state.connection = try? DatabaseQueue(path: path, configuration: configuration)
            }
            return state.connection
        }
        // A passive checkpoint copies what the log holds when it starts, waiting for no one;
        // a failed one (the file busy for a moment) is tried again at the next threshold.
        _ = try? connection?.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        state.withLock { $0.running = false }
    }

    /// Waits for a running checkpoint and closes the connection; later commits start none.
    func close() {
        state.withLock { $0.closed = true }
        queue.sync {}
        let connection = state.withLock { state -> DatabaseQueue? in
            defer { state.connection = nil }
            return state.connection
        }
        try? connection?.close()
    }
}
