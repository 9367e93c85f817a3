import Crypto
import Foundation

/// How a data key is kept at rest: named by a time-ordered id, and wrapped (AES-256-GCM) by the
/// master key, bound to its id and subject.
extension DataKeyring {
    /// A data key as stored: wrapped by the master key `masterKid`.
    struct WrappedKey: Sendable {
        var kid: String
        var wrapped: Data
        var masterKid: String
        var subject: SubjectKey
    }

    /// A new data key's id: `dk_`, the time in milliseconds (12 hex digits), then 8 random
    /// bytes. The key table is ordered by id, so ids that grow with time add each new key at
    /// its end: with random ids, every batch of new keys rewrote pages all over the table,
    /// and a seed of 50,000 clients (230,000 keys) spent more time there than on its documents.
    static func newKeyID(at time: Date = Date()) -> String {
        let milliseconds = UInt64(max(0, time.timeIntervalSince1970 * 1000))
        let stamp = String(milliseconds, radix: 16)
        return "dk_" + String(repeating: "0", count: max(0, 12 - stamp.count)) + stamp + randomHex(8)
    }

    static func randomHex(_ bytes: Int) -> String {
        SecretMaterial.hex(RandomPool.shared.bytes(bytes))
    }

    /// What a wrapped key is bound to: its id and subject, so a wrapped key copied to another
    /// row does not open.
    private static func wrappingContext(kid: String, subject: SubjectKey) -> Data {
        Data("facet data key\u{0}\(kid)\u{0}\(subject.dataset)\u{0}\(subject.subject)".utf8)
    }

    static func wrap(_ key: SymmetricKey, kid: String, subject: SubjectKey, master: MasterKey) throws -> Data {
        let box = try key.withUnsafeBytes { bytes in
            try AES.GCM.seal(Array(bytes), using: master.key, nonce: try RandomPool.shared.nonce(), authenticating: wrappingContext(kid: kid, subject: subject))
        }
        guard let combined = box.combined else { throw SecurityError(.storage, "AES-GCM produced no combined form") }
        return combined
    }

    static func unwrap(_ wrapped: WrappedKey, master: MasterKey) throws(SecurityError) -> SymmetricKey {
        do {
            let box = try AES.GCM.SealedBox(combined: wrapped.wrapped)
            return SymmetricKey(data: try AES.GCM.open(box, using: master.key, authenticating: wrappingContext(kid: wrapped.kid, subject: wrapped.subject)))
        } catch {
            throw SecurityError(.storage, "The data key \(wrapped.kid) does not open with master key \(wrapped.masterKid)",
                                advice: "The security database was altered or restored without its key file; restore both from the same backup.")
        }
    }
}
