import Foundation
import GROQ

/// What a checkpoint file holds: the checkpoints, those whose signature was checked, and what
/// is wrong with the other lines.
///
/// ```swift
/// let reading = try AuditCheckpoints.read(path: copy, directory: "./facet-data")
/// for problem in reading.problems { print(problem) }   // "line 7 does not carry the signature …"
/// let outcome = try audit.verify(against: reading)
/// ```
public struct AuditCheckpointReading: Sendable, Equatable {
    public var path: String
    /// Whether the file exists (a directory whose log has never been anchored has none).
    public var exists: Bool
    /// Every line that reads as a checkpoint, in file order, whether or not its key was at hand.
    public var checkpoints: [AuditCheckpoint]
    /// The checkpoints whose signature verified with a master key at hand.
    public var verified: [AuditCheckpoint]
    /// The lines that are not verified checkpoints, in file order (one entry per master key for
    /// checkpoints whose key is not at hand).
    public var problems: [AuditCheckpointProblem]

    /// The verified checkpoint of the highest sequence: the newest entry the log must still have.
    public var latest: AuditCheckpoint? { verified.max { $0.sequence < $1.sequence } }

    /// Whether any line shows the file was tampered with.
    public var isForged: Bool { problems.contains(where: \.isTampering) }

    public init(path: String, exists: Bool, checkpoints: [AuditCheckpoint], verified: [AuditCheckpoint], problems: [AuditCheckpointProblem]) {
        self.path = path
        self.exists = exists
        self.checkpoints = checkpoints
        self.verified = verified
        self.problems = problems
    }

    /// Reads `bytes`: JSON lines as the file holds them, or the whole answer of
    /// `GET /v1/security/audit/checkpoints` (`{"checkpoints": [...]}`), as an operator saves it.
    init(path: String, bytes: [UInt8], keys: [String: AuditCheckpointKey]) {
        self.init(path: path, exists: true, checkpoints: [], verified: [], problems: [])
        var lines: [(number: Int, text: String, ended: Bool)] = []
        if let saved = try? JSONValue(parsing: bytes), let items = saved["checkpoints"]?.arrayValue {
            lines = items.enumerated().map { (number: $0.offset + 1, text: $0.element.serialized(), ended: true) }
        } else {
            let pieces = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
            for (index, piece) in pieces.enumerated() where !piece.isEmpty {
                lines.append((number: index + 1, text: String(decoding: piece, as: UTF8.self), ended: index < pieces.count - 1))
            }
        }
        var unknown: [String: (first: Int, count: Int)] = [:]
        for line in lines {
            guard let json = try? JSONValue(parsing: line.text), let checkpoint = AuditCheckpoint(json: json) else {
                problems.append(AuditCheckpointProblem.unreadable(line: line.number, text: line.text, ended: line.ended, path: path))
                continue
            }
            checkpoints.append(checkpoint)
            guard let key = keys[checkpoint.kid] else {
                unknown[checkpoint.kid, default: (line.number, 0)].count += 1
                continue
            }
            if key.signed(checkpoint) {
                verified.append(checkpoint)
            } else {
                problems.append(AuditCheckpointProblem(
                    kind: .badSignature, line: line.number, sequence: checkpoint.sequence,
                    detail: "line \(line.number) of \(path) (entry \(checkpoint.sequence), written \(checkpoint.time)) does not carry "
                        + "the signature of master key \(checkpoint.kid): it was forged or altered"))
            }
        }
        for (kid, lines) in unknown.sorted(by: { $0.value.first < $1.value.first }) {
            problems.append(AuditCheckpointProblem(
                kind: .unknownKey, line: lines.first, sequence: nil,
                detail: "\(lines.count) checkpoint\(lines.count == 1 ? "" : "s") from line \(lines.first) of \(path) on "
                    + "\(lines.count == 1 ? "is" : "are") signed with master key \(kid), which is not at hand (a key rotated out, "
                    + "or another directory's): \(lines.count == 1 ? "it was" : "they were") not checked. Give that key in "
                    + "\(MasterKey.previousVariable) beside FACET_MASTER_KEY to check \(lines.count == 1 ? "it" : "them")"))
        }
        problems.sort { $0.line < $1.line }
    }
}

/// A line of a checkpoint file that is not a verified checkpoint.
public struct AuditCheckpointProblem: Sendable, Equatable, CustomStringConvertible {
    /// What is wrong with the line.
    public enum Kind: String, Sendable, Equatable {
        /// A line cut short, as a crash in the middle of a write leaves it: not tampering by itself.
        case incomplete
        /// A line that is not a checkpoint: garbage, or a checkpoint with members added or removed.
        case unreadable
        /// A checkpoint whose signature does not match its content: forged or altered.
        case badSignature = "bad-signature"
        /// Checkpoints signed with a master key not at hand (one rotated out): they cannot be checked.
        case unknownKey = "unknown-key"
    }

    public var kind: Kind
    /// The line's number in the file, from 1 (the first such line for ``Kind/unknownKey``).
    public var line: Int
    /// The sequence the checkpoint names, when the line can be read.
    public var sequence: Int64?
    /// What was found, in a sentence.
    public var detail: String

    public init(kind: Kind, line: Int, sequence: Int64?, detail: String) {
        self.kind = kind
        self.line = line
        self.sequence = sequence
        self.detail = detail
    }

    /// Whether the line shows the file was tampered with, rather than a crash or a key rotation.
    public var isTampering: Bool { kind == .unreadable || kind == .badSignature }

    public var description: String { detail }

    /// The problem as JSON: kind, line, sequence (when known), tampering, detail.
    public var json: JSONValue {
        var object: JSONObject = ["kind": .string(kind.rawValue), "line": .number(Double(line)), "tampering": .bool(isTampering),
                                  "detail": .string(detail)]
        if let sequence { object["sequence"] = .number(Double(sequence)) }
        return .object(object)
    }

    /// The problem with a line that does not read as a checkpoint: cut short (the beginning of
    /// a JSON object that never closes) or not Facet's at all.
    static func unreadable(line: Int, text: String, ended: Bool, path: String) -> AuditCheckpointProblem {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("{"), !trimmed.hasSuffix("}") else {
            return AuditCheckpointProblem(kind: .unreadable, line: line, sequence: nil,
                                          detail: "line \(line) of \(path) is not a checkpoint Facet writes: it was altered or added by hand")
        }
        let place = ended ? "line \(line) of \(path) is cut short" : "the last line of \(path) (line \(line)) is cut short"
        return AuditCheckpointProblem(kind: .incomplete, line: line, sequence: nil,
                                      detail: place + ", as a crash in the middle of a write leaves it; it is ignored, and is no sign "
                                          + "of tampering as long as the other lines verify")
    }
}
