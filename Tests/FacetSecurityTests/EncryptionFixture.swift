@testable import FacetSecurity
import FacetSchema
import FacetStore
import Foundation
import GRDB
import GROQ
import SchemaTypes
import StudioConfig
import Testing

/// A data directory opened through its security, with the CRM's schema, as the server and the
/// command line open it: sealed fields, the card screen and the audit log all apply.
struct EncryptionFixture {
    let directory: String
    let schema: Schema
    let security: SecuritySystem
    let store: DocumentStore
    let environment: [String: String]

    static let email = "known.plaintext@example.com"
    static let phone = "+33 1 42 60 00 00"

    init(directory: String? = nil, environment: [String: String] = [:]) throws {
        self.directory = directory ?? NSTemporaryDirectory() + "facet-encryption-test-" + UUID().uuidString
        self.environment = environment
        schema = try CRMSchema.compile()
        security = try SecuritySystem(directory: self.directory, policy: CRMRoles.policy(schema: schema), schema: schema,
                                      environment: environment.merging(["FACET_ADMIN_PASSWORD": "a long enough test password 1"]) { $1 })
        store = try security.documentStore(validator: try CRMSchema.validator())
    }

    /// The same directory opened again, as by another process or after a restart.
    func reopened() throws -> EncryptionFixture {
        try EncryptionFixture(directory: directory, environment: environment)
    }

    func close() {
        store.close()
    }

    func remove() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
        try? FileManager.default.removeItem(atPath: exports)
    }

    /// Where exports go: beside the data directory, not in it.
    var exports: String { directory + ".exports" }

    var production: Dataset { get throws { try store.dataset("production", create: true) } }

    /// A valid customer document.
    static func customer(_ id: String, name: String = "Ada Lovelace", email: String = EncryptionFixture.email,
                         phone: String = EncryptionFixture.phone) -> JSONObject
    {
        [
            "_id": .string(id), "_type": "customer", "name": .string(name), "email": .string(email), "phone": .string(phone),
            "segment": "vip", "birthday": "1815-12-10",
            "address": ["_type": "address", "street": "12 St James's Square", "city": "London", "country": "GB"],
        ]
    }

    static func interaction(_ id: String, customer: String) -> JSONObject {
        [
            "_id": .string(id), "_type": "interaction", "customer": ["_type": "reference", "_ref": .string(customer)],
            "channel": "phone", "direction": "outbound", "date": "2026-01-15T10:00:00.000Z", "outcome": "interested",
            "summary": "Talked about the spring collection",
        ]
    }

    /// Every regular file under the data directory (and `extra`), with its bytes.
    func files(including extra: [String] = []) throws -> [(path: String, bytes: Data)] {
        var result: [(String, Data)] = []
        let enumerator = FileManager.default.enumerator(atPath: directory)
        while let relative = enumerator?.nextObject() as? String {
            let path = directory + "/" + relative
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else { continue }
            result.append((path, try Data(contentsOf: URL(fileURLWithPath: path))))
        }
        for path in extra { result.append((path, try Data(contentsOf: URL(fileURLWithPath: path)))) }
        return result
    }

    /// The files whose raw bytes contain `text`.
    func filesContaining(_ text: String, including extra: [String] = []) throws -> [String] {
        let needle = Data(text.utf8)
        return try files(including: extra).filter { $0.bytes.range(of: needle) != nil }.map(\.path)
    }

    /// The dataset file, opened directly (what someone with the disk sees).
    func datasetFile(_ name: String = "production") throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        return try DatabaseQueue(path: directory + "/datasets/\(name).sqlite", configuration: configuration)
    }

    /// The stored body of a current document, parsed.
    func storedBody(_ id: String, dataset: String = "production") throws -> JSONValue {
        let queue = try datasetFile(dataset)
        defer { try? queue.close() }
        let text = try #require(try queue.read { db in try String.fetchOne(db, sql: "SELECT body FROM documents WHERE id = ?", arguments: [id]) })
        return try JSONValue(parsing: text)
    }

    /// Every envelope key id found in the dataset file's documents, revisions and mutations.
    func keyIDsInRows(dataset: String = "production") throws -> Set<String> {
        let queue = try datasetFile(dataset)
        defer { try? queue.close() }
        let texts = try queue.read { db in
            try String.fetchAll(db, sql: "SELECT body FROM documents UNION ALL SELECT body FROM revisions WHERE body IS NOT NULL UNION ALL SELECT mutations FROM transactions")
        }
        var kids: Set<String> = []
        func collect(_ value: JSONValue) {
            switch value {
            case .object(let object):
                if object["_type"]?.stringValue == FieldEnvelope.type, let kid = object["kid"]?.stringValue { kids.insert(kid) }
                for member in object.values { collect(member) }
            case .array(let items):
                for item in items { collect(item) }
            default:
                break
            }
        }
        for text in texts { collect(try JSONValue(parsing: text)) }
        return kids
    }

    /// The envelope `value` is, if it is one.
    static func envelope(_ value: JSONValue?) -> FieldEnvelope? {
        value.flatMap { FieldEnvelope(json: $0) }
    }

    /// The audit log's actions, oldest first.
    func auditActions() throws -> [String] {
        try security.database.read { db in try db.values("SELECT entry FROM audit_log ORDER BY seq", as: String.self) }
            .compactMap { try JSONValue(parsing: $0)["action"]?.stringValue }
    }

    /// Exports the dataset to a file beside the data directory and returns its path.
    func export(_ dataset: Dataset, to name: String = "export.ndjson") throws -> String {
        try FileManager.default.createDirectory(atPath: exports, withIntermediateDirectories: true)
        let path = exports + "/" + name
        _ = FileManager.default.createFile(atPath: path, contents: nil)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        try dataset.exportNDJSON { chunk in try handle.write(contentsOf: chunk) }
        return path
    }
}
