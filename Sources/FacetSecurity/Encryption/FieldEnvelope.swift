import Crypto
import Foundation
import GROQ
import Synchronization

/// One sealed field value as it is stored: AES-256-GCM over the value's JSON text, under a data
/// key named by `kid`.
///
/// ```json
/// {"_type": "facet.encrypted", "v": 1, "kid": "dk_…", "nonce": "…", "ciphertext": "…", "tag": "…"}
/// ```
///
/// The additional authenticated data binds the envelope to where it sits (dataset, document id
/// and field path, see ``FieldEnvelope/Site``), so an envelope copied into another document,
/// field or dataset no longer opens.
public struct FieldEnvelope: Sendable, Equatable {
    /// The `_type` that marks an envelope.
    public static let type = "facet.encrypted"
    /// The format version this code writes and reads.
    public static let version = 1

    /// The data key's id.
    public var kid: String
    public var nonce: Data
    public var ciphertext: Data
    public var tag: Data

    /// Where an envelope belongs: what its additional authenticated data names.
    public struct Site: Sendable, Hashable, CustomStringConvertible {
        public var dataset: String
        public var documentID: String
        /// The top-level field name for a document's field; `mutation:` and the patch path for a
        /// value inside a patch that history keeps.
        public var path: String

        public init(dataset: String, documentID: String, path: String) {
            self.dataset = dataset
            self.documentID = documentID
            self.path = path
        }

        /// dataset NUL document id NUL path: NUL cannot occur in any of the three, so two
        /// different sites never produce the same bytes. Made in one allocation of its exact
        /// size: it is made for every envelope sealed or opened, a few hundred thousand times
        /// when a dataset is read.
        var authenticatedData: [UInt8] {
            var bytes: [UInt8] = []
            bytes.reserveCapacity(dataset.utf8.count + documentID.utf8.count + path.utf8.count + 2)
            bytes.append(contentsOf: dataset.utf8)
            bytes.append(0)
            bytes.append(contentsOf: documentID.utf8)
            bytes.append(0)
            bytes.append(contentsOf: path.utf8)
            return bytes
        }

        /// The subject whose data key seals values here: the published id, so a draft and its
        /// published document share one key.
        var subject: String { SubjectKey.subject(of: documentID) }

        public var description: String { "document \"\(documentID)\", field \(path) (dataset \(dataset))" }
    }

    /// Reads an envelope; `nil` when `json` is not one (any other value, or an object of another type).
    public init?(json: JSONValue) {
        guard case .object(let object) = json, object["_type"]?.stringValue == Self.type else { return nil }
        guard object["v"]?.numberValue == Double(Self.version), let kid = object["kid"]?.stringValue,
              let nonce = object["nonce"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
              let ciphertext = object["ciphertext"]?.stringValue.flatMap({ Data(base64Encoded: $0) }),
              let tag = object["tag"]?.stringValue.flatMap({ Data(base64Encoded: $0) })
        else { return nil }
        self.kid = kid
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    /// Whether `json` claims to be an envelope (its `_type` says so), well formed or not.
    static func isMarked(_ json: JSONValue) -> Bool {
        guard case .object(let object) = json else { return false }
        return object["_type"]?.stringValue == type
    }

    /// Seals `value` (its JSON text) for `site` under the data key `key` named `kid`.
    static func seal(_ value: JSONValue, at site: Site, kid: String, key: SymmetricKey) throws(SecurityError) -> FieldEnvelope {
        do {
            var plaintext: [UInt8] = []
            value.write(to: &plaintext)
            let box = try AES.GCM.seal(plaintext, using: key, nonce: try RandomPool.shared.nonce(),
                                       authenticating: site.authenticatedData)
            return FieldEnvelope(kid: kid, nonce: Data(box.nonce), ciphertext: box.ciphertext, tag: box.tag)
        } catch {
            throw SecurityError(.storage, "Cannot encrypt \(site): \(error)")
        }
    }

    private init(kid: String, nonce: Data, ciphertext: Data, tag: Data) {
        self.kid = kid
        self.nonce = nonce
        self.ciphertext = ciphertext
        self.tag = tag
    }

    /// The value sealed in this envelope, or `nil` when it does not authenticate for `site`
    /// under `key` (altered, or moved from elsewhere).
    func open(at site: Site, key: SymmetricKey) -> JSONValue? {
        guard let nonce = try? AES.GCM.Nonce(data: nonce),
              let box = try? AES.GCM.SealedBox(nonce: nonce, ciphertext: ciphertext, tag: tag),
              let plaintext = try? AES.GCM.open(box, using: key, authenticating: site.authenticatedData)
        else { return nil }
        return try? JSONValue(parsing: plaintext)
    }

    /// The stored form.
    public var json: JSONValue {
        [
            "_type": .string(Self.type), "v": .number(Double(Self.version)), "kid": .string(kid),
            "nonce": .string(nonce.base64EncodedString()), "ciphertext": .string(ciphertext.base64EncodedString()),
            "tag": .string(tag.base64EncodedString()),
        ]
    }
}

/// Whose data key seals a value: one key per document subject in a dataset.
struct SubjectKey: Hashable, Sendable {
    var dataset: String
    var subject: String

    /// The subject of a dataset's image key: no document id can be it (`#` is not allowed in
    /// one).
    static let image = "#image"

    /// The published id of `documentID` (`drafts.c-1` and `versions.spring.c-1` → `c-1`).
    static func subject(of documentID: String) -> String {
        if documentID.hasPrefix("drafts.") { return String(documentID.dropFirst("drafts.".count)) }
        if documentID.hasPrefix("versions.") {
            let rest = documentID.dropFirst("versions.".count)
            if let dot = rest.firstIndex(of: ".") { return String(rest[rest.index(after: dot)...]) }
        }
        return documentID
    }
}
