import FacetStore
import Foundation
import GROQ

/// A person's request about the data Facet holds on them (GDPR articles 15 and 17): see all of
/// it, or have it erased.
///
/// The person is a document (a customer) named by its published id. Erasure deletes it, its
/// draft and every document that references it in one transaction, then destroys their data
/// keys (crypto-shredding): the history revisions and exports made before keep only envelopes
/// that nothing can open any more.
///
/// ```swift
/// let request = PersonalDataRequest(dataset: dataset, encryption: security.encryption, audit: security.audit,
///                                   personalDataFields: schema.personalDataFields)
/// let everything = try request.export("customer-42", actor: .system())
/// let erasure = try request.erase("customer-42", actor: .system())
/// ```
public struct PersonalDataRequest: Sendable {
    public let dataset: Dataset
    public let encryption: FieldEncryption
    public let audit: AuditLog
    /// The fields that hold personal data, by document type (`Schema.personalDataFields`).
    public let personalDataFields: [String: [String]]

    /// The author erasures are recorded under in history.
    public static let eraseAuthor = "gdpr-erase"

    public init(dataset: Dataset, encryption: FieldEncryption, audit: AuditLog, personalDataFields: [String: [String]]) {
        self.dataset = dataset
        self.encryption = encryption
        self.audit = audit
        self.personalDataFields = personalDataFields
    }

    /// What an erasure removes: the person's documents and those that reference them.
    public struct Scope: Sendable, Equatable {
        /// The person's published id.
        public var subject: String
        /// The person's documents (published and draft) that exist.
        public var documents: [JSONValue]
        /// Documents that reference the person, by id order.
        public var referencing: [JSONValue]

        /// Every id the erasure deletes.
        public var documentIDs: [String] { (documents + referencing).compactMap { $0["_id"]?.stringValue } }
    }

    /// What an erasure did.
    public struct Erasure: Sendable, Equatable {
        public var subject: String
        /// The ids deleted, in one transaction.
        public var deletedIDs: [String]
        /// That transaction's id.
        public var transactionID: String
        /// The data keys destroyed.
        public var destroyedKeys: Int
    }

    /// The person's documents and the documents that reference them, as they are now.
    public func scope(of subjectID: String) throws(SecurityError) -> Scope {
        let subject = DocumentID.published(of: subjectID)
        let draft = DocumentID.draft(of: subject)
        let snapshot = dataset.snapshot
        let documents = [subject, draft].compactMap { snapshot.document(id: $0) }
        guard !documents.isEmpty else {
            throw SecurityError(.notFound, "No document \"\(subject)\" (published or draft) in dataset \(dataset.name)",
                                advice: "Give the person's document id, e.g. the customer's _id; list them with `facet query '*[_type == \"customer\"]{_id, name}'`.")
        }
        let found: JSONValue
        do {
            found = try dataset.query("*[references($ids) && !(_id in $ids)] | order(_id)",
                                      params: ["ids": [.string(subject), .string(draft)]])
        } catch {
            throw SecurityError(.storage, "Cannot find the documents that reference \"\(subject)\": \(error.message)")
        }
        return Scope(subject: subject, documents: documents, referencing: found.arrayValue ?? [])
    }

    /// Everything held about the person, as one JSON value: their documents (published and
    /// draft, every field opened), their personal fields listed apart, every document that
    /// references them, the history of their documents, and a summary. Audited `gdpr-export`.
    public func export(_ subjectID: String, actor: Principal, ipAddress: String? = nil) throws(SecurityError) -> JSONValue {
        let scope = try scope(of: subjectID)
        let ids = scope.documents.compactMap { $0["_id"]?.stringValue }
        let history: [CommittedTransaction]
        do { history = try dataset.transactions(documentIDs: ids) } catch {
            throw SecurityError(.storage, "Cannot read the history of \"\(scope.subject)\": \(error.message)")
        }
        var personal: [JSONValue] = []
        var personalNames: Set<String> = []
        for document in scope.documents + scope.referencing {
            guard let type = document["_type"]?.stringValue, let names = personalDataFields[type] else { continue }
            var values = JSONObject()
            for name in names { if let value = document[name] { values[name] = value; personalNames.insert(name) } }
            guard !values.isEmpty else { continue }
            personal.append(["documentId": document["_id"] ?? .null, "type": .string(type), "fields": .object(values)])
        }
        var referencingTypes = JSONObject()
        for document in scope.referencing {
            let type = document["_type"]?.stringValue ?? "unknown"
            referencingTypes[type] = .number((referencingTypes[type]?.numberValue ?? 0) + 1)
        }
        let result: JSONValue = [
            "subject": .string(scope.subject),
            "dataset": .string(dataset.name),
            "exportedAt": .string(Timestamp.string(Date())),
            "documents": .array(scope.documents),
            "personalData": .array(personal),
            "referencingDocuments": .array(scope.referencing),
            "history": .array(history.map { transaction in
                [
                    "transactionId": .string(transaction.id), "timestamp": .string(transaction.timestamp),
                    "author": transaction.author.map(JSONValue.string) ?? .null,
                    "documentIds": .array(transaction.effects.map { .string($0.documentID) }),
                ]
            }),
            "summary": [
                "documents": .number(Double(scope.documents.count)),
                "referencingDocuments": .number(Double(scope.referencing.count)),
                "referencingTypes": .object(referencingTypes),
                "historyTransactions": .number(Double(history.count)),
                "personalFields": .array(personalNames.sorted().map(JSONValue.string)),
            ],
        ]
        try audit.record(AuditEvent(action: "gdpr-export", actor: actor.author, actorRole: actor.role, documentID: scope.subject,
                                    ipAddress: ipAddress, details: [
                                        "dataset": .string(dataset.name),
                                        "documents": .array(scope.documentIDs.map(JSONValue.string)),
                                    ]))
        return result
    }

    /// Deletes the person's documents and every document that references them, in one
    /// transaction (author ``eraseAuthor``), then destroys the data keys of all of them, so
    /// that their history and earlier exports can no longer be read for the sealed fields.
    /// Audited `gdpr-erase`.
    ///
    /// When the store refuses the deletion (another document strongly references one of those
    /// documents), nothing is deleted and no key destroyed; the error names the document.
    public func erase(_ subjectID: String, actor: Principal, ipAddress: String? = nil) throws(SecurityError) -> Erasure {
        let scope = try scope(of: subjectID)
        let ids = scope.documentIDs
        let result: TransactionResult
        do {
            result = try dataset.mutate(ids.map { Mutation.delete(.ids([$0])) }, options: TransactionOptions(author: Self.eraseAuthor, source: "gdpr"))
        } catch {
            throw SecurityError(error.kind == .conflict ? .conflict : error.kind == .forbidden ? .forbidden : .storage,
                                "Cannot erase \"\(scope.subject)\": \(error.message)",
                                advice: error.advice.isEmpty ? "Nothing was deleted; fix the cause and run the erasure again." : error.advice)
        }
        let subjects = Set(ids.map { SubjectKey(dataset: dataset.name, subject: SubjectKey.subject(of: $0)) })
        let destroyed = try encryption.keyring.destroy(subjects.sorted { $0.subject < $1.subject }, reason: "gdpr-erase")
        // Its key is gone with theirs; the file goes too, and the next image is sealed anew.
        dataset.discardImage()
        try audit.record(AuditEvent(action: "gdpr-erase", actor: actor.author, actorRole: actor.role, documentID: scope.subject,
                                    transactionID: result.transactionId, ipAddress: ipAddress, details: [
                                        "dataset": .string(dataset.name),
                                        "documents": .array(ids.map(JSONValue.string)),
                                        "destroyedKeys": .number(Double(destroyed.count)),
                                    ]))
        return Erasure(subject: scope.subject, deletedIDs: ids, transactionID: result.transactionId, destroyedKeys: destroyed.count)
    }
}
