import Crypto
import FacetStore
import Foundation
import GROQ

/// Seals the protected fields of documents at rest: each value becomes a ``FieldEnvelope``
/// (AES-256-GCM) under its subject's data key, which the master key wraps.
///
/// A store built with it as its sealing (``SecuritySystem/documentStore(validator:limits:)``)
/// writes only envelopes for those fields to the dataset file, its history and its exports,
/// while snapshots and queries work on the opened values.
///
/// ```swift
/// let encryption = try FieldEncryption(database: database, fields: schema.personalDataFields)
/// let store = try DocumentStore(directory: "./facet-data", sealing: encryption)
/// ```
///
/// Reading: an envelope whose data key was destroyed (``PersonalDataRequest/erase(_:actor:ipAddress:)``)
/// is left out of the document, the field disappears; any other envelope that does not open
/// (altered, or copied from another document, field or dataset) fails the read with an error
/// naming the document and field.
public final class FieldEncryption: DocumentSealing {
    let database: SecurityDatabase
    /// The keys, or why they could not be opened (reported by every use).
    private let loaded: Result<DataKeyring, SecurityError>
    var keyring: DataKeyring {
        get throws(SecurityError) { try loaded.get() }
    }
    /// The data directory (where the key file and the dataset files are).
    public let directory: String
    /// The top-level fields sealed, by document type.
    public let fields: [String: Set<String>]
    /// Every sealed field name of any type: what a patch (which does not name its document's
    /// type) seals.
    let anyTypeFields: Set<String>

    /// What stands in history for a value of a patch whose target document is not known (a
    /// patch by query): it cannot be sealed under a document's key, so it is not kept at all.
    public static let redactionMarker: JSONValue = ["_type": "facet.redacted"]

    /// Opens the keys of the data directory holding `database`.
    ///
    /// - Parameters:
    ///   - fields: the top-level fields to seal, by document type (`Schema.personalDataFields`,
    ///     or `Schema.sensitiveFields` to seal only the sensitive ones).
    ///   - environment: where `FACET_MASTER_KEY` is read; without it, the key file `master.key` in
    ///     the data directory is used, and created (mode 0600) on first start.
    public init(database: SecurityDatabase, fields: [String: [String]] = [:],
                environment: [String: String] = ProcessInfo.processInfo.environment) throws(SecurityError)
    {
        self.database = database
        directory = database.directory
        self.fields = fields.mapValues(Set.init)
        anyTypeFields = Set(fields.values.joined())
        loaded = .success(try DataKeyring(database: database, directory: directory, environment: environment))
    }

    /// Seals no field, but opens the envelopes it reads, with the master key of the process
    /// environment or the key file. A master key that cannot be opened fails each read and
    /// write that needs it, rather than this initialiser.
    public init(database: SecurityDatabase) {
        self.database = database
        directory = database.directory
        fields = [:]
        anyTypeFields = []
        do {
            loaded = .success(try DataKeyring(database: database, directory: directory, environment: ProcessInfo.processInfo.environment))
        } catch {
            loaded = .failure(error)
        }
    }


    /// The master key's id (first 16 hex digits of its SHA-256).
    public var masterKeyID: String {
        get throws(SecurityError) { try keyring.master.kid }
    }
    /// A key for `purpose` (signing asset URLs, say) derived from the master key with HKDF, so
    /// that no second secret needs keeping; it changes when the master key is rotated.
    public func derivedKey(purpose: String) throws(SecurityError) -> [UInt8] {
        try keyring.master.derivedKey(purpose: purpose).withUnsafeBytes { Array($0) }
    }

    /// Where the master key comes from.
    public var masterKeySource: MasterKey.Source {
        get throws(SecurityError) { try keyring.master.source }
    }

    // MARK: DocumentSealing

    /// Makes at once the data keys that sealing `documents` needs and that do not exist yet,
    /// rather than one write to the key table per document (on the key state last looked at).
    private func prepareKeys(toSeal documents: [JSONValue], dataset: String) throws(SecurityError) {
        var subjects = Set<SubjectKey>()
        for document in documents {
            guard let id = document["_id"]?.stringValue, let type = document["_type"]?.stringValue,
                  let sealed = fields[type], sealed.contains(where: { document[$0].map { !$0.isNull } ?? false }) else { continue }
            subjects.insert(SubjectKey(dataset: dataset, subject: SubjectKey.subject(of: id)))
        }
        guard subjects.count > 1 else { return }
        try keyring.prepareKeys(for: subjects, refreshing: false)
    }

    public func seal(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        try seal(document, dataset: dataset, refreshing: true)
    }

    /// `document` sealed; with `refreshing` false, on the key state last looked at (a
    /// transaction looks once for all its documents).
    private func seal(_ document: JSONValue, dataset: String, refreshing: Bool) throws(StoreError) -> JSONValue {
        guard case .object(var object) = document, let id = object["_id"]?.stringValue else { return document }
        let sealed = object["_type"]?.stringValue.flatMap { fields[$0] } ?? []
        guard !sealed.isEmpty || object.values.contains(where: FieldEnvelope.isMarked) else { return document }
        try storeErrors { () throws(SecurityError) in
            if refreshing { try keyring.refresh() }
            // Every field of a document is sealed under the same key: looked up once.
            var key: (kid: String, key: SymmetricKey)?
            for name in object.keys {
                guard var value = object[name] else { continue }
                let site = FieldEnvelope.Site(dataset: dataset, documentID: id, path: name)
                if FieldEnvelope.isMarked(value) {
                    // Only an envelope made for exactly this place is taken (as its value);
                    // anything else would make the document unreadable once stored.
                    guard let opened = try open(value, at: site, submitted: true) else {
                        object[name] = nil
                        continue
                    }
                    value = opened
                    object[name] = value
                }
                if sealed.contains(name), !value.isNull {
                    let found: (kid: String, key: SymmetricKey)
                    if let key { found = key } else {
                        found = try keyring.currentKey(for: SubjectKey(dataset: dataset, subject: site.subject), refreshing: false)
                        key = found
                    }
                    object[name] = try FieldEnvelope.seal(value, at: site, kid: found.kid, key: found.key).json
                }
            }
        }
        return .object(object)
    }

    /// The transaction's documents sealed on every core after one look at the key state and
    /// one write of the keys they need; its mutations then take the envelopes of the documents
    /// they wrote where the value is the same (a `create` body holds the document's own values,
    /// and sealing each twice was a third of a seed's time).
    public func sealTransaction(_ transaction: CommittedTransaction, dataset: String) throws(StoreError) -> CommittedTransaction {
        var sealed = transaction
        var documents = transaction.effects.compactMap(\.document)
        // A transaction with nothing to seal or open leaves the keys alone (they may be
        // unusable, which only fails the writes that need them).
        if documents.contains(where: needsSealing) {
            try storeErrors { () throws(SecurityError) in
                try keyring.refresh()
                try prepareKeys(toSeal: documents, dataset: dataset)
            }
        }
        try EveryCore.transform(&documents) { (_, document) throws(StoreError) in try seal(document, dataset: dataset, refreshing: false) }
        var written: [String: (plain: JSONValue, sealed: JSONValue)] = [:]
        var next = 0
        for index in sealed.effects.indices where sealed.effects[index].document != nil {
            let plain = sealed.effects[index].document!
            sealed.effects[index].document = documents[next]
            written[sealed.effects[index].documentID] = (plain, documents[next])
            next += 1
        }
        for index in sealed.mutations.indices {
            sealed.mutations[index] = try sealMutation(sealed.mutations[index], dataset: dataset, written: written)
        }
        return sealed
    }

    public func openSubmitted(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        guard case .object(var object) = document, let id = object["_id"]?.stringValue,
              object.values.contains(where: FieldEnvelope.isMarked)
        else { return document }
        try storeErrors { () throws(SecurityError) in
            try keyring.refreshForReading()
            for name in object.keys {
                guard let value = object[name], FieldEnvelope.isMarked(value) else { continue }
                // A value whose key was destroyed leaves the document, as it does when read.
                object[name] = try open(value, at: FieldEnvelope.Site(dataset: dataset, documentID: id, path: name), submitted: true)
            }
        }
        return .object(object)
    }

    /// Whether sealing `document` uses a key: it holds a value of a field its type seals, or an
    /// envelope to open.
    private func needsSealing(_ document: JSONValue) -> Bool {
        guard case .object(let object) = document else { return false }
        if let sealed = object["_type"]?.stringValue.flatMap({ fields[$0] }),
           sealed.contains(where: { object[$0].map { !$0.isNull } ?? false })
        {
            return true
        }
        return object.values.contains(where: FieldEnvelope.isMarked)
    }

    /// `body` with each sealed field's value replaced by `document`'s envelope for it, when
    /// `body` holds no envelope of its own (those are opened by sealing) and every value is
    /// the one the document was written with; otherwise `nil`.
    private func reusingEnvelopes(of document: (plain: JSONValue, sealed: JSONValue)?, in body: JSONValue) -> JSONValue? {
        guard let document, case .object(var object) = body, let type = object["_type"], document.plain["_type"] == type,
              !object.values.contains(where: FieldEnvelope.isMarked)
        else { return nil }
        for name in type.stringValue.flatMap({ fields[$0] }) ?? [] {
            guard let value = object[name], !value.isNull else { continue }
            guard value == document.plain[name], let envelope = document.sealed[name], FieldEnvelope.isMarked(envelope) else { return nil }
            object[name] = envelope
        }
        return .object(object)
    }

    public func unseal(_ document: consuming JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        try unseal(document, dataset: dataset, keys: nil)
    }

    /// Opens the documents with their keys read and unwrapped together first (see
    /// ``DataKeyring/openKeys(_:keepingOpen:)``), then on every core without asking the
    /// keyring again.
    public func unsealAll(_ documents: inout [JSONValue], dataset: String) throws(StoreError) {
        let kids = EveryCore.chunks(of: documents.count) { [documents] range in
            var kids: [String] = []
            for index in range {
                guard case .object(let object) = documents[index] else { continue }
                for value in object.values where FieldEnvelope.isMarked(value) {
                    if let kid = value["kid"]?.stringValue { kids.append(kid) }
                }
            }
            return kids
        }.joined()
        guard !kids.isEmpty else { return }
        let keys = try storeErrors { () throws(SecurityError) in
            try keyring.refreshForReading()
            return try keyring.openKeys(Set(kids))
        }
        try EveryCore.transform(&documents) { (_, document) throws(StoreError) in try unseal(document, dataset: dataset, keys: keys) }
    }

    /// `document` opened with `keys` when given (where a key absent was destroyed), or else
    /// with the keyring's.
    private func unseal(_ document: consuming JSONValue, dataset: String, keys: [String: SymmetricKey]?) throws(StoreError) -> JSONValue {
        // Taken out of the parameter: when the caller gave up its own reference (a load does),
        // `object` is then the only one, and opening its fields copies nothing.
        var object: JSONObject
        switch consume document {
        case .object(let found): object = found
        case let other: return other
        }
        guard object.values.contains(where: FieldEnvelope.isMarked) else { return .object(object) }
        let id = object["_id"]?.stringValue ?? ""
        try storeErrors { () throws(SecurityError) in
            if keys == nil { try keyring.refreshForReading() }
            // By position, from the end: the object is this function's alone, so each value is
            // replaced in place, and a value whose key was destroyed is removed without moving
            // the ones still to be read.
            for index in object.values.indices.reversed() {
                let value = object.values[index]
                guard FieldEnvelope.isMarked(value) else { continue }
                let site = FieldEnvelope.Site(dataset: dataset, documentID: id, path: object.keys[index])
                if let opened = try open(value, at: site, submitted: false, keys: keys) {
                    object.values[index] = opened
                } else {
                    object.remove(at: index)
                }
            }
        }
        return .object(object)
    }

    public func sealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        try sealMutation(mutation, dataset: dataset, written: [:])
    }

    /// `mutation` sealed, taking from `written` (documents of the same transaction by id, as
    /// written and as sealed) the envelope of each value a body shares with its document: the
    /// same value at the same site, so the same envelope opens to it.
    private func sealMutation(_ mutation: JSONValue, dataset: String,
                              written: [String: (plain: JSONValue, sealed: JSONValue)]) throws(StoreError) -> JSONValue
    {
        guard !fields.isEmpty else { return mutation }
        return try Self.mapMutation(mutation, dataset: dataset, document: { (document) throws(StoreError) in
            if let id = document["_id"]?.stringValue {
                if let reused = reusingEnvelopes(of: written[id], in: document) { return reused }
                return try seal(document, dataset: dataset, refreshing: written.isEmpty)
            }
            guard case .object(var object) = document, let type = object["_type"]?.stringValue, let sealed = fields[type] else { return document }
            for name in sealed where object[name] != nil { object[name] = Self.redactionMarker }
            return .object(object)
        }, value: { (site, path, value) throws(StoreError) in
            guard anyTypeFields.contains(Self.firstSegment(of: path)), !value.isNull else { return value }
            guard let site else { return Self.redactionMarker }
            return try storeErrors { () throws(SecurityError) in
                let key = try keyring.currentKey(for: SubjectKey(dataset: dataset, subject: site.subject))
                return try FieldEnvelope.seal(value, at: site, kid: key.kid, key: key.key).json
            }
        })
    }

    public func unsealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue {
        guard Self.holdsEnvelope(mutation) else { return mutation }
        return try Self.mapMutation(mutation, dataset: dataset, document: { (document) throws(StoreError) in
            try unseal(document, dataset: dataset)
        }, value: { (site, _, value) throws(StoreError) in
            guard let site, FieldEnvelope.isMarked(value) else { return value }
            return try storeErrors { () throws(SecurityError) in
                try keyring.refreshForReading()
                return try open(value, at: site, submitted: false)
            }
        })
    }

    /// Whether an envelope is anywhere in `value` (most mutations hold none, and are returned
    /// as they are without being taken apart).
    static func holdsEnvelope(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): FieldEnvelope.isMarked(value) || object.values.contains(where: holdsEnvelope)
        case .array(let array): array.contains(where: holdsEnvelope)
        default: false
        }
    }

    // MARK: Opening

    /// The value of an envelope at `site`, or `nil` when its key was destroyed. `submitted`
    /// says the envelope came with a write rather than from storage (only the error differs).
    func open(_ value: JSONValue, at site: FieldEnvelope.Site, submitted: Bool,
              keys: [String: SymmetricKey]? = nil) throws(SecurityError) -> JSONValue? {
        guard let envelope = FieldEnvelope(json: value) else {
            throw SecurityError(submitted ? .invalid : .storage, "\(site.description.capitalizedFirst) holds a malformed encrypted value",
                                advice: submitted ? "Write the plain value; Facet encrypts protected fields itself."
                                    : "The stored document was altered; restore it from history or a backup.")
        }
        let key: SymmetricKey?
        if let keys { key = keys[envelope.kid] } else { key = try keyring.key(kid: envelope.kid) }
        guard let key else { return nil }
        guard let opened = envelope.open(at: site, key: key) else {
            throw SecurityError(submitted ? .invalid : .storage,
                                "\(site.description.capitalizedFirst): the encrypted value does not authenticate (it was altered, or moved from another document, field or dataset)",
                                advice: submitted ? "Write the plain value; an encrypted value only opens where it was made."
                                    : "Restore the document from history or a backup; do not edit encrypted values by hand.")
        }
        return opened
    }

    /// Runs `body`, turning security errors into store errors (the sealing protocol's error type).
    func storeErrors<T>(_ body: () throws(SecurityError) -> T) throws(StoreError) -> T {
        do { return try body() } catch {
            throw StoreError(error.kind == .invalid ? .invalid : .storage, type: "encryptionError", message: error.message,
                             advice: error.advice ?? "")
        }
    }

    // MARK: Mutations

    /// The patch operations whose values history keeps under their paths.
    static let valueOperations = ["set", "setIfMissing", "diffMatchPatch", "inc", "dec"]

    /// `mutation` with each document body passed through `document`, and each value a patch
    /// writes passed through `value` with its site (`nil` when the patch does not name exactly
    /// one document) and path.
    static func mapMutation(_ mutation: JSONValue, dataset: String,
                            document: (JSONValue) throws(StoreError) -> JSONValue,
                            value: (FieldEnvelope.Site?, String, JSONValue) throws(StoreError) -> JSONValue?) throws(StoreError) -> JSONValue
    {
        guard case .object(var object) = mutation, object.count == 1, let (kind, body) = object.elements.first else { return mutation }
        switch kind {
        case "create", "createOrReplace", "createIfNotExists":
            object[kind] = try document(body)
        case "patch":
            guard case .object(var patch) = body else { return mutation }
            let target = patch["id"]?.stringValue
            func site(_ path: String) -> FieldEnvelope.Site? {
                target.map { FieldEnvelope.Site(dataset: dataset, documentID: $0, path: "mutation:" + path) }
            }
            for operation in valueOperations {
                guard case .object(var values) = patch[operation] else { continue }
                // A value `value` gives up (its key was destroyed) leaves the operation.
                for path in values.keys {
                    values[path] = try value(site(path), path, values[path]!)
                }
                patch[operation] = .object(values)
            }
            if case .object(var insert) = patch["insert"], let items = insert["items"],
               let path = ["before", "after", "replace"].lazy.compactMap({ insert[$0]?.stringValue }).first
            {
                insert["items"] = try value(site(path), path, items)
                patch["insert"] = .object(insert)
            }
            object[kind] = .object(patch)
        default:
            break
        }
        return .object(object)
    }

    /// `email` of `email`, `address.city`, `tags[0]` or `["email"]`.
    static func firstSegment(of path: String) -> String {
        var text = Substring(path)
        if text.hasPrefix("[\"") || text.hasPrefix("['") {
            text = text.dropFirst(2)
            return String(text.prefix { $0 != "\"" && $0 != "'" })
        }
        return String(text.prefix { $0 != "." && $0 != "[" }).trimmingCharacters(in: .whitespaces)
    }
}

fileprivate extension String {
    var capitalizedFirst: String { prefix(1).uppercased() + dropFirst() }
}
