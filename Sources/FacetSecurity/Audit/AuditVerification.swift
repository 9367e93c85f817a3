import Foundation
import FacetStore
import GROQ

/// The outcome of walking the audit chain: intact with its length, or the first entry that breaks it.
///
/// ```swift
/// switch try audit.verify() {
/// case .intact(let count): print("\(count) entries verified")
/// case .broken(let fault): print("broken at \(fault.sequence): \(fault.reason.rawValue)")
/// }
/// ```
public enum AuditVerification: Sendable, Equatable {
    /// Every entry from 1 to `count` is present, in order, and hashes to what the next one records.
    case intact(count: Int)
    /// The first entry that does not fit the chain.
    case broken(AuditFault)

    public var isIntact: Bool {
        if case .intact = self { true } else { false }
    }
}

/// Where and why the audit chain breaks.
public struct AuditFault: Sendable, Equatable, CustomStringConvertible {
    /// How an entry fails the chain.
    public enum Reason: String, Sendable, Equatable {
        /// The entry's content no longer hashes to its stored hash: it was changed after it was written.
        case hashMismatch = "hash-mismatch"
        /// The entry names a different predecessor hash than the entry before it has: an entry
        /// before it was removed, replaced or moved.
        case previousHashMismatch = "previous-hash-mismatch"
        /// A sequence number is absent: an entry was deleted.
        case missingSequence = "missing-sequence"
        /// The sequence written inside the entry differs from its row: entries were renumbered or moved.
        case sequenceMismatch = "sequence-mismatch"
        /// The entry is not the JSON Facet writes.
        case unreadable
        /// The log ends before the newest entry a signed checkpoint anchors: its newest entries
        /// were removed. The sequence is the first one missing.
        case truncated
        /// The entry a signed checkpoint anchors has another hash than the checkpoint records:
        /// the chain was rewritten (and its hashes recomputed) at or before it.
        case checkpointMismatch = "checkpoint-mismatch"
        /// A line of the checkpoint file is not what Facet signed: the checkpoints were tampered
        /// with. The sequence is the one the line names (0 when it names none).
        case forgedCheckpoint = "forged-checkpoint"
    }

    /// The sequence number of the first broken entry (for a missing one, the number that is absent).
    public var sequence: Int64
    public var reason: Reason
    /// What was found, in a sentence.
    public var detail: String

    public init(sequence: Int64, reason: Reason, detail: String) {
        self.sequence = sequence
        self.reason = reason
        self.detail = detail
    }

    public var description: String {
        "Audit log broken at entry \(sequence) (\(reason.rawValue)): \(detail)"
    }
}

extension AuditLog {
    /// Walks the whole chain in sequence order and returns the first entry that breaks it.
    ///
    /// Every entry is checked for: its sequence following the previous one, the sequence inside
    /// its JSON matching its row, its recorded predecessor hash matching the previous entry's
    /// hash, and its own hash matching SHA-256 of that predecessor hash and its JSON. Removing the
    /// newest entries leaves a shorter chain that is still intact; ``verify(against:)`` notices
    /// that too.
    public func verify() throws(SecurityError) -> AuditVerification {
        var expected: Int64 = 1
        var previous: String?
        var fault: AuditFault?
        try eachPage { row in
            let sequence: Int64 = row["seq"]
            let text: String = row["entry"]
            let recordedPrevious: String? = row["previous_hash"]
            let hash: String = row["hash"]
            if sequence != expected {
                let detail = sequence > expected
                    ? (sequence == expected + 1 ? "entry \(expected) is missing" : "entries \(expected) to \(sequence - 1) are missing")
                    : "entry \(sequence) appears out of order"
                fault = AuditFault(sequence: expected, reason: .missingSequence, detail: detail)
                return false
            }
            guard let json = try? JSONValue(parsing: text), case .object = json else {
                fault = AuditFault(sequence: sequence, reason: .unreadable, detail: "the stored entry is not a JSON object")
                return false
            }
            if json["sequence"]?.numberValue != Double(sequence) {
                let inner = json["sequence"].map { $0.serialized() } ?? "nothing"
                fault = AuditFault(sequence: sequence, reason: .sequenceMismatch,
                                   detail: "the entry in row \(sequence) says it is entry \(inner)")
                return false
            }
            if recordedPrevious != previous {
                fault = AuditFault(sequence: sequence, reason: .previousHashMismatch,
                                   detail: "it follows \(previous.map { "hash \($0.prefix(12))…" } ?? "nothing") but records "
                                       + "\(recordedPrevious.map { "\($0.prefix(12))…" } ?? "none"); an entry before it was changed or removed")
                return false
            }
            if Self.chainHash(previous: previous, canonical: text) != hash {
                fault = AuditFault(sequence: sequence, reason: .hashMismatch,
                                   detail: "its content does not match its hash; the entry was altered after it was written")
                return false
            }
            previous = hash
            expected += 1
            return true
        }
        if let fault { return .broken(fault) }
        return .intact(count: Int(expected - 1))
    }

    /// ``verify()``, then the log against the signed checkpoints of `reading`: the first fault
    /// in sequence order, whether an entry breaks the chain, a checkpoint was forged, an anchored
    /// entry has another hash than its checkpoint records, or the log ends before the newest
    /// anchored entry (the newest entries were removed: the fault names the first one missing).
    ///
    /// Read the checkpoints first (``AuditCheckpoints/read()``): every checkpoint read then names
    /// an entry committed before the walk begins.
    public func verify(against reading: AuditCheckpointReading) throws(SecurityError) -> AuditVerification {
        let chain = try verify()
        guard case .intact(let count) = chain else { return chain }
        if let forged = reading.problems.first(where: \.isTampering) {
            return .broken(AuditFault(sequence: forged.sequence ?? 0, reason: .forgedCheckpoint, detail: forged.detail))
        }
        let head = Int64(count)
        let anchored = reading.verified.filter { $0.sequence <= head }.sorted { $0.sequence < $1.sequence }
        let hashes = try database.read { db in
            try anchored.map { try db.value("SELECT hash FROM audit_log WHERE seq = ?", [$0.sequence], as: String.self) }
        }
        var matched: AuditCheckpoint?
        for (checkpoint, hash) in zip(anchored, hashes) {
            guard hash == checkpoint.hash else {
                let since = matched.map { "after entry \($0.sequence), the last one a checkpoint confirms" } ?? "from the first entry on"
                return .broken(AuditFault(sequence: checkpoint.sequence, reason: .checkpointMismatch,
                                          detail: "entry \(checkpoint.sequence) has hash \((hash ?? "").prefix(12))… but the checkpoint written "
                                              + "\(checkpoint.time) records \(checkpoint.hash.prefix(12))…: the log was rewritten at or before "
                                              + "entry \(checkpoint.sequence), \(since)"))
            }
            matched = checkpoint
        }
        if let latest = reading.latest, latest.sequence > head {
            let missing = latest.sequence == head + 1 ? "entry \(head + 1) was" : "entries \(head + 1) to \(latest.sequence) were"
            return .broken(AuditFault(sequence: head + 1, reason: .truncated,
                                      detail: "the log ends at entry \(head), but the checkpoint written \(latest.time) anchors entry "
                                          + "\(latest.sequence): \(missing) removed, and any written after"))
        }
        return chain
    }
}
