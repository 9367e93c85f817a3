import Crypto
import FacetStore
import Foundation
import GROQ

/// A signed statement that the audit log had reached entry ``sequence``, whose hash was
/// ``hash``, at ``time``: an anchor for the chain kept outside the security database.
///
/// The chain alone shows an entry changed, removed or moved, but not the newest entries removed
/// (a shorter chain is still a chain), nor a chain recomputed from some entry on by someone who
/// can write the database. A checkpoint shows both: the log must still reach its sequence, with
/// the same hash there. Checkpoints are one JSON line each in ``AuditCheckpoints/fileName``;
/// copied off the machine (`GET /v1/security/audit/checkpoints`), they keep anchoring the log
/// even against someone who can rewrite the whole data directory.
///
/// ```swift
/// let reading = try AuditCheckpoints.read(path: "./facet-data/audit-checkpoints.ndjson", directory: "./facet-data")
/// print(reading.latest?.sequence ?? 0)   // the newest entry the log must still have
/// ```
public struct AuditCheckpoint: Sendable, Equatable {
    /// The sequence number of the newest entry when the checkpoint was written.
    public var sequence: Int64
    /// That entry's chain hash (SHA-256, hex).
    public var hash: String
    /// When the checkpoint was written (ISO 8601).
    public var time: String
    /// The id of the master key the signing key was derived from (``MasterKey/kid``).
    public var kid: String
    /// HMAC-SHA256 (hex) of the fields above.
    public var signature: String

    /// A checkpoint of `sequence` and `hash`, signed with `key`.
    init(sequence: Int64, hash: String, time: Date, key: AuditCheckpointKey) {
        self.sequence = sequence
        self.hash = hash
        self.time = Timestamp.string(time)
        kid = key.kid
        signature = ""
        signature = key.signature(of: self)
    }

    /// The checkpoint in `json`, the shape ``json`` writes; `nil` for anything else.
    public init?(json: JSONValue) {
        guard case .object(let object) = json, object.count == 5,
              let number = object["sequence"]?.numberValue, number >= 1, number == number.rounded(), number < 9e15,
              let hash = object["hash"]?.stringValue, let time = object["time"]?.stringValue,
              let kid = object["kid"]?.stringValue, let signature = object["signature"]?.stringValue
        else { return nil }
        self.sequence = Int64(number)
        self.hash = hash
        self.time = time
        self.kid = kid
        self.signature = signature
    }

    /// The checkpoint as written to the file, keys in sorted order.
    public var json: JSONValue {
        ["hash": .string(hash), "kid": .string(kid), "sequence": .number(Double(sequence)), "signature": .string(signature),
         "time": .string(time)]
    }

    /// What the signature covers: every field, in a fixed order, each on its own line.
    var signedText: String {
        "facet audit checkpoint\n\(sequence)\n\(hash)\n\(time)\n\(kid)"
    }
}

/// The key that signs checkpoints: HMAC-SHA256 under a key derived (HKDF) from the master key.
///
/// Why the master key rather than the token signing keys: those live in the security database,
/// which is what a checkpoint must be able to testify against, and they are rotated and dropped
/// within hours, while a checkpoint must verify for as long as the log is kept. The master key
/// is kept outside the database (the key file, or `FACET_MASTER_KEY` for a key that is not on
/// the disk at all), is at hand in every process that writes the log, and its id travels in each
/// checkpoint, so that one signed before a master key rotation is recognised as such rather
/// than taken for a forgery.
struct AuditCheckpointKey: Sendable {
    let kid: String
    let key: SymmetricKey

    init(master: MasterKey) {
        kid = master.kid
        key = master.derivedKey(purpose: "audit checkpoints")
    }

    func signature(of checkpoint: AuditCheckpoint) -> String {
        SecretMaterial.hex(HMAC<SHA256>.authenticationCode(for: Array(checkpoint.signedText.utf8), using: key))
    }

    /// Whether `checkpoint`'s signature is this key's, compared in constant time.
    func signed(_ checkpoint: AuditCheckpoint) -> Bool {
        let expected = Array(signature(of: checkpoint).utf8), given = Array(checkpoint.signature.utf8)
        guard expected.count == given.count else { return false }
        return zip(expected, given).reduce(UInt8(0)) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// The keys at hand for checking checkpoints: those of `FACET_MASTER_KEY` (and the previous
    /// one while it is replaced) and of the key files of `directory` (the current one, and those
    /// a rotation keeps for a while). None is created: a directory without a master key has
    /// none.
    static func available(directory: String, environment: [String: String]) throws(SecurityError) -> [String: AuditCheckpointKey] {
        let masters = [try MasterKey.fromEnvironment(environment), try MasterKey.previousFromEnvironment(environment)].compactMap { $0 }
            + (try MasterKey.keyFiles(in: directory))
        var keys: [String: AuditCheckpointKey] = [:]
        for master in masters where keys[master.kid] == nil { keys[master.kid] = AuditCheckpointKey(master: master) }
        return keys
    }
}
