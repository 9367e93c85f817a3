import FacetStore
import Foundation
import GROQ
import Synchronization
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The append-only file of signed ``AuditCheckpoint``s beside the security database
/// (``fileName`` in the data directory), one JSON line each.
///
/// A checkpoint is written after ``Cadence/every`` entries, or with the first entry once
/// ``Cadence/interval`` has passed since the last one, and whenever ``checkpoint(of:)`` is called
/// (the server does every interval and when it stops; `facet audit checkpoint` on demand). Each
/// is one `O_APPEND` write followed by `fsync`, so several processes append to the same file
/// safely, and the hot path pays one `fsync` per ``Cadence/every`` entries at most, where SQLite
/// already pays one per entry.
///
/// The file is safe from a truncated log, not from someone who can rewrite the data directory
/// and read the master key: copy the checkpoints elsewhere (`GET /v1/security/audit/checkpoints`)
/// and verify against that copy (`facet audit verify --checkpoints FILE`).
///
/// ```swift
/// let checkpoints = AuditCheckpoints(directory: "./facet-data", encryption: encryption)
/// let audit = AuditLog(database: database, checkpoints: checkpoints)
/// try audit.checkpoint()                                          // anchor the head now
/// let outcome = try audit.verify(against: try checkpoints.read())  // .broken(… truncated …) after a truncation
/// ```
public final class AuditCheckpoints: Sendable {
    /// How often checkpoints are written while entries are recorded.
    public struct Cadence: Sendable, Equatable {
        /// A checkpoint at the latest after this many entries.
        public var every: Int64
        /// A checkpoint with the first entry recorded this many seconds after the last checkpoint.
        public var interval: TimeInterval

        public init(every: Int64 = 256, interval: TimeInterval = 60) {
            self.every = every
            self.interval = interval
        }
    }

    /// The file's name in the data directory.
    public static let fileName = "audit-checkpoints.ndjson"

    public let path: String
    public let cadence: Cadence
    let directory: String
    let encryption: FieldEncryption
    let environment: [String: String]

    /// What this process last anchored, so that each entry costs one comparison.
    private struct State {
        var sequence: Int64 = 0
        var writtenAt = Date.distantPast
    }

    private let state: Mutex<State>

    /// The checkpoints of `directory`, signed with a key derived from `encryption`'s master key.
    /// The newest checkpoint already in the file counts as this process's last, so that a
    /// short-lived command does not write one for every entry.
    public init(directory: String, encryption: FieldEncryption, cadence: Cadence = Cadence(),
                environment: [String: String] = ProcessInfo.processInfo.environment)
    {
        self.directory = directory
        path = (directory as NSString).appendingPathComponent(Self.fileName)
        self.encryption = encryption
        self.cadence = cadence
        self.environment = environment
        var start = State()
        if let line = Self.lastLine(of: path), let json = try? JSONValue(parsing: line), let last = AuditCheckpoint(json: json),
           let master = try? encryption.keyring.master, AuditCheckpointKey(master: master).signed(last)
        {
            start = State(sequence: last.sequence, writtenAt: Timestamp.date(last.time) ?? .distantPast)
        }
        state = Mutex(start)
    }

    /// Called by the log after `entry` is committed: writes a checkpoint of it when one is due.
    /// A failed write is left to the next one that is due (``checkpoint(of:)`` reports it).
    func recorded(_ entry: AuditEntry) {
        let now = Date()
        let previous: Int64? = state.withLock { state in
            guard entry.sequence > state.sequence,
                  entry.sequence - state.sequence >= cadence.every || now.timeIntervalSince(state.writtenAt) >= cadence.interval
            else { return nil }
            defer { state = State(sequence: entry.sequence, writtenAt: now) }
            return state.sequence
        }
        guard let previous else { return }
        do { _ = try append(sequence: entry.sequence, hash: entry.hash, at: now) } catch {
            state.withLock { if $0.sequence == entry.sequence { $0.sequence = previous } }
        }
    }

    /// Writes a checkpoint of `log`'s newest entry, unless this process anchored it already.
    /// Returns the checkpoint written, or `nil` (nothing new, or an empty log).
    @discardableResult
    public func checkpoint(of log: AuditLog) throws(SecurityError) -> AuditCheckpoint? {
        guard let head = try log.head() else { return nil }
        let now = Date()
        let previous: Int64? = state.withLock { state in
            guard head.sequence > state.sequence else { return nil }
            defer { state = State(sequence: head.sequence, writtenAt: now) }
            return state.sequence
        }
        guard let previous else { return nil }
        do { return try append(sequence: head.sequence, hash: head.hash, at: now) } catch {
            state.withLock { if $0.sequence == head.sequence { $0.sequence = previous } }
            throw error
        }
    }

    /// The file as it stands, each checkpoint checked with the master keys at hand.
    public func read() throws(SecurityError) -> AuditCheckpointReading {
        var keys = try AuditCheckpointKey.available(directory: directory, environment: environment)
        if let master = try? encryption.keyring.master { keys[master.kid] = AuditCheckpointKey(master: master) }
        return try Self.read(path: path, keys: keys)
    }

    /// The checkpoints in `path` (this file, a copy kept elsewhere, or a saved answer of
    /// `GET /v1/security/audit/checkpoints`), checked with the master keys of `directory`:
    /// those of `FACET_MASTER_KEY` in `environment` and of its key files. A file that does not
    /// exist reads as empty (``AuditCheckpointReading/exists`` is `false`).
    public static func read(path: String, directory: String,
                            environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecurityError) -> AuditCheckpointReading
    {
        try read(path: path, keys: AuditCheckpointKey.available(directory: directory, environment: environment))
    }

    static func read(path: String, keys: [String: AuditCheckpointKey]) throws(SecurityError) -> AuditCheckpointReading {
        guard FileManager.default.fileExists(atPath: path) else {
            return AuditCheckpointReading(path: path, exists: false, checkpoints: [], verified: [], problems: [])
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw SecurityError(.storage, "Cannot read the audit checkpoint file \(path)", advice: "Check its owner and mode (0600).")
        }
        return AuditCheckpointReading(path: path, bytes: Array(data), keys: keys)
    }

    /// Signs and appends a checkpoint.
    private func append(sequence: Int64, hash: String, at time: Date) throws(SecurityError) -> AuditCheckpoint {
        let checkpoint = AuditCheckpoint(sequence: sequence, hash: hash, time: time, key: AuditCheckpointKey(master: try encryption.keyring.master))
        try Self.appendLine(checkpoint.json.serialized(), to: path)
        return checkpoint
    }

    /// Appends `line` in one write and waits until it is on the disk.
    static func appendLine(_ line: String, to path: String) throws(SecurityError) {
        func failure(_ doing: String) -> SecurityError {
            SecurityError(.storage, "Cannot \(doing) the audit checkpoint file \(path): \(String(cString: strerror(errno)))",
                          advice: "Check the free space and permissions of the data directory; until a checkpoint is written, "
                              + "removing the newest audit entries goes unnoticed.")
        }
        let existed = access(path, F_OK) == 0
        let descriptor = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw failure("open") }
        defer { close(descriptor) }
        var bytes = Array((line + "\n").utf8)
        // A line cut short by a crash is ended first, so that it stays a line of its own rather
        // than swallowing this one.
        var info = stat()
        var last: UInt8 = 0x0A
        if fstat(descriptor, &info) == 0, info.st_size > 0, pread(descriptor, &last, 1, info.st_size - 1) == 1, last != 0x0A {
            bytes.insert(0x0A, at: 0)
        }
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw failure("append to") }
        guard fsync(descriptor) == 0 else { throw failure("flush") }
        if !existed {
            // The new file's name must reach the disk too.
            let folder = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_CLOEXEC)
            if folder >= 0 {
                _ = fsync(folder)
                close(folder)
            }
        }
    }

    /// The file's last complete line, read from its end.
    static func lastLine(of path: String) -> String? {
        guard let handle = FileHandle(forReadingAtPath: path) else { return nil }
        defer { try? handle.close() }
        guard let size = try? handle.seekToEnd(), size > 0 else { return nil }
        let start = size > 4096 ? size - 4096 : 0
        guard (try? handle.seek(toOffset: start)) != nil, let data = try? handle.readToEnd() else { return nil }
        let lines = data.split(separator: 0x0A, omittingEmptySubsequences: true)
        guard data.last == 0x0A, let last = lines.last else { return nil }
        return String(decoding: last, as: UTF8.self)
    }
}
