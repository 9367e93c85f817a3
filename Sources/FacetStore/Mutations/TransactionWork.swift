import GROQ
import OrderedCollections

/// One transaction being worked out: the mutations applied in order to a private copy of the
/// documents they touch, on top of the snapshot it started from. Nothing is written until
/// ``finish()`` has checked everything, so a failing mutation leaves the dataset as it was.
struct TransactionWork {
    let snapshot: DatasetSnapshot
    let transactionID: String
    let timestamp: String
    let options: TransactionOptions
    let limits: DocumentLimits
    let validator: (any DocumentValidating)?
    /// Opens sealed values a client sent back, and the dataset they are opened for.
    let sealing: (any DocumentSealing)?
    let dataset: String
    /// The working state of every touched document (`nil`: deleted), in the order first touched.
    private(set) var changed: OrderedDictionary<String, JSONValue?> = [:]
    private(set) var results: [TransactionResult.Item] = []
    private(set) var mutationsJSON: [JSONValue] = []
    /// The snapshot's overlay and unique holders with every written document applied, when
    /// validation built them for the whole dataset (no author's view): the next snapshot is
    /// made of them instead of applying a large transaction a second time.
    private(set) var appliedState: (overlay: Overlay, uniqueValues: UniqueValues)?

    init(snapshot: DatasetSnapshot, transactionID: String, timestamp: String, options: TransactionOptions, limits: DocumentLimits,
         validator: (any DocumentValidating)? = nil, sealing: (any DocumentSealing)? = nil, dataset: String = "")
    {
        self.validator = validator
        self.sealing = sealing
        self.dataset = dataset
        self.snapshot = snapshot
        self.transactionID = transactionID
        self.timestamp = timestamp
        self.options = options
        self.limits = limits
    }

    /// Fails unless every document in ``TransactionOptions/expectedRevisions`` is at its
    /// revision in the snapshot the transaction starts from (an absent document never is), and
    /// every document expected at ``TransactionOptions/absent`` is still absent.
    func checkExpectedRevisions() throws(StoreError) {
        for (id, expected) in options.expectedRevisions.sorted(by: { $0.key < $1.key }) {
            let actual = snapshot.document(id: id)?["_rev"]?.stringValue
            if expected == TransactionOptions.absent {
                guard let actual else { continue }
                throw StoreError(.conflict, type: "documentAlreadyExistsError",
                                 message: "Document by ID \"\(id)\" was created (revision \(actual)) after it was read as absent",
                                 advice: "Read it again and retry.", documentID: id, details: ["currentRevisionID": .string(actual)])
            }
            guard actual == expected else { throw StoreError.revisionMismatch(id, actual: actual, expected: expected) }
        }
    }

    /// The document as this transaction sees it so far.
    func current(_ id: String) -> JSONValue? {
        if let entry = changed[id] { return entry }
        return snapshot.document(id: id)
    }

    mutating func apply(_ mutation: Mutation) throws(StoreError) {
        switch mutation {
        case .create(let body):
            let id = try resolvedID(body["_id"], generate: true)
            guard current(id) == nil else {
                throw StoreError(.conflict, type: "documentAlreadyExistsError",
                                 message: "Document by ID \"\(id)\" already exists",
                                 advice: "Use createOrReplace to replace it, createIfNotExists to keep it, or a patch to change it.", documentID: id)
            }
            let document = try newDocument(body, id: id, previous: nil)
            write(id, document)
            record(id, "create", mutation: .create(document.objectValue ?? body))
        case .createOrReplace(let body):
            let id = try resolvedID(body["_id"], generate: false)
            let previous = current(id)
            let document = try newDocument(body, id: id, previous: previous)
            if let previous, previous["_type"] != document["_type"], options.checkReferences {
                let referrers = strongReferrers(of: id)
                if !referrers.isEmpty {
                    throw StoreError(.conflict, type: "documentHasExistingReferencesError",
                                     message: "Document \"\(id)\" cannot change type from \(previous["_type"]?.stringValue ?? "?") to \(document["_type"]?.stringValue ?? "?") as there are references to it from \(quoted(referrers))",
                                     advice: "Remove those references first, or keep the type.", documentID: id,
                                     details: ["referencingIDs": .array(referrers.map(JSONValue.string))])
                }
            }
            write(id, document)
            record(id, previous == nil ? "create" : "update", mutation: .createOrReplace(body))
        case .createIfNotExists(let body):
            let id = try resolvedID(body["_id"], generate: false)
            if current(id) != nil {
                record(id, "none", mutation: .createIfNotExists(body))
                return
            }
            let document = try newDocument(body, id: id, previous: nil)
            write(id, document)
            record(id, "create", mutation: .createIfNotExists(body))
        case .delete(let selection):
            let ids = try select(selection, mutation: "delete", mustExist: false)
            mutationsJSON.append(mutation.json)
            for id in ids {
                if current(id) != nil {
                    write(id, nil)
                    results.append(.init(id: id, operation: "delete"))
                } else {
                    results.append(.init(id: id, operation: "none"))
                }
            }
        case .patch(let patch):
            let ids = try select(patch.selection, mutation: "patch", mustExist: true)
            mutationsJSON.append(mutation.json)
            for path in patch.operations.paths {
                if let root = path.rootAttribute, ["_id", "_rev"].contains(root) {
                    throw StoreError.invalid("A patch may not change \(root) (path \(path))",
                                             advice: root == "_id" ? "Create a document with the new id and delete the old one." : "The store sets _rev on every commit.")
                }
            }
            let named = patch.operations.paths.map(\.rootAttribute)
            for id in ids {
                guard let document = current(id) else { continue }
                // Before the patch runs: its own errors (an `inc` on a string) and its revision
                // guard would otherwise describe a value the author may not see.
                try options.authorizer?.authorizePatch(naming: named, of: snapshot.document(id: id) ?? document, id: id)
                if let expected = patch.ifRevisionID {
                    let actual = document["_rev"]?.stringValue
                    guard actual == expected else { throw StoreError.revisionMismatch(id, actual: actual, expected: expected) }
                }
                if patch.operations.isEmpty {
                    results.append(.init(id: id, operation: "none"))
                    continue
                }
                var patched: JSONValue
                do { patched = try patch.operations.applied(to: document) } catch {
                    throw StoreError(.invalid, type: "validationError", message: "Cannot patch \"\(id)\": \(error.description)",
                                     advice: error.advice, documentID: id)
                }
                guard case .string(let type)? = patched["_type"], !type.isEmpty else {
                    throw StoreError.invalid("The patch leaves \"\(id)\" without a _type", advice: "Keep _type a non-empty string.", documentID: id)
                }
                if case .object(var object) = patched {
                    object["_updatedAt"] = .string(timestamp)
                    patched = .object(object)
                }
                write(id, patched)
                results.append(.init(id: id, operation: "update"))
            }
        }
    }

    private func quoted(_ ids: [String]) -> String { ids.map { "\"\($0)\"" }.joined(separator: ", ") }

    private mutating func write(_ id: String, _ document: JSONValue?) {
        changed[id] = .some(document)
    }

    private mutating func record(_ id: String, _ operation: String, mutation: Mutation) {
        results.append(.init(id: id, operation: operation))
        mutationsJSON.append(mutation.json)
    }

    private func resolvedID(_ given: JSONValue?, generate: Bool) throws(StoreError) -> String {
        let id: String
        switch given {
        case .string(let text)?: id = generate ? DocumentID.resolve(requested: text) : text
        case nil, .null?:
            guard generate else { throw StoreError.invalid("The document needs an _id", advice: "Give an _id; only create generates one.") }
            id = DocumentID.generate()
        case let other?:
            throw StoreError.invalid("_id must be a string, found \(other.typeName)", advice: "Give _id as a string such as \"customer-1\".")
        }
        try DocumentID.validate(id)
        return id
    }

    /// A created or replacing document with its system fields: `_id` first, then `_type`, then
    /// the timestamps; `_rev` is added at the end of the transaction.
    private func newDocument(_ body: JSONObject, id: String, previous: JSONValue?) throws(StoreError) -> JSONValue {
        guard case .string(let type)? = body["_type"], !type.isEmpty else {
            let found = body["_type"].map { "a \($0.typeName)" } ?? "nothing"
            throw StoreError(.invalid, type: "validationError", message: "Document \"\(id)\" needs a _type (a non-empty string), found \(found)",
                             advice: "Add \"_type\": \"<schema type name>\".", documentID: id)
        }
        var object: JSONObject = ["_id": .string(id), "_type": .string(type)]
        object.reserveCapacity(body.count + 4)
        let createdAt: JSONValue
        if previous == nil, case .string(let given)? = body["_createdAt"] {
            createdAt = .string(given)
        } else {
            createdAt = previous?["_createdAt"] ?? .string(timestamp)
        }
        object["_createdAt"] = createdAt
        if previous == nil, case .string(let given)? = body["_updatedAt"] {
            object["_updatedAt"] = .string(given)
        } else {
            object["_updatedAt"] = .string(timestamp)
        }
        for (key, value) in body where !["_id", "_type", "_createdAt", "_updatedAt", "_rev"].contains(key) {
            object[key] = value
        }
        return .object(object)
    }

    private func select(_ selection: DocumentSelection, mutation: String, mustExist: Bool) throws(StoreError) -> [String] {
        switch selection {
        case .ids(let ids):
            for id in ids {
                try DocumentID.validate(id)
                if mustExist, current(id) == nil {
                    throw StoreError(.notFound, type: "documentNotFoundError",
                                     message: "Cannot \(mutation) \"\(id)\": the document does not exist",
                                     advice: "Create it first (createIfNotExists with setIfMissing is the usual pair), or check the id.",
                                     documentID: id)
                }
            }
            return ids
        case .query(let text, let params):
            let query: GROQQuery
            do { query = try GROQQuery(text, params: params, limits: options.queryLimits, deadline: options.queryDeadline) } catch {
                throw Self.queryFailure(error, mutation: mutation, parsing: true)
            }
            // The author's view: a filter can neither match a document the author may not read
            // nor select by a field hidden from them.
            let source = workingDocuments(as: options.authorizer?.visibility)
            let result: JSONValue
            do { result = try query.evaluate(in: source, options: EvaluationOptions(deadline: options.queryDeadline)) } catch {
                throw Self.queryFailure(error, mutation: mutation, parsing: false)
            }
            let documents: [JSONValue] = result.arrayValue ?? (result.isNull ? [] : [result])
            var ids: [String] = []
            for document in documents {
                guard case .string(let id)? = document["_id"] else {
                    throw StoreError.invalid("The \(mutation) query must return documents (with _id), found \(document.typeName)",
                                             advice: "Select documents, e.g. *[_type == \"x\" && …], without a projection that drops _id.")
                }
                ids.append(id)
            }
            guard ids.count <= limits.maxQueryMatches else {
                throw StoreError(.tooLarge, type: "tooManyDocumentsError",
                                 message: "The \(mutation) query matches \(ids.count) documents, more than \(limits.maxQueryMatches) in one transaction",
                                 advice: "Page through them: add `&& _id > $lastId` and `| order(_id)[0...\(limits.maxQueryMatches)]` and repeat.")
            }
            return ids
        }
    }

    /// The documents that will strongly reference `id` after this transaction.
    func strongReferrers(of id: String) -> [String] {
        var referrers: [String] = []
        var seen = Set<String>()
        let candidates = (snapshot.layered(.raw).documents(referencing: id) ?? []).compactMap { $0["_id"]?.stringValue }
            + changed.keys.filter { changed[$0] != nil }
        for candidate in candidates where candidate != id && seen.insert(candidate).inserted {
            if let document = current(candidate), ReferenceScan.strongTargets(in: document).contains(id) { referrers.append(candidate) }
        }
        return referrers
    }

    /// Checks the finished state and stamps system fields: `_rev`, array keys, size and depth
    /// limits, and reference integrity. Returns the effects to commit.
    mutating func finish() throws(StoreError) -> [CommittedTransaction.Effect] {
        // Each written document is finished on its own (array keys, revision, sealed values a
        // client sent back opened, size limits): on every core for a large transaction. The
        // documents are moved out of `changed` so that each is changed where it is, not copied.
        // A failure (the first document in order that fails) leaves the work unusable: its one
        // caller then drops it.
        let ids = Array(changed.keys)
        let deleted = changed.values.map { $0 == nil }
        var documents = changed.values.map { $0 ?? .null }
        changed.removeAll(keepingCapacity: true)
        let (transactionID, autoGenerateArrayKeys, sealing, dataset, limits) = (transactionID, options.autoGenerateArrayKeys, sealing, dataset, limits)
        try EveryCore.transform(&documents) { (index, document) throws(StoreError) -> JSONValue in
            guard !deleted[index] else { return document }
            var document = consume document
            if autoGenerateArrayKeys { ArrayKeys.add(to: &document) }
            document = Self.revised(consume document, transactionID)
            if let sealing { document = try sealing.openSubmitted(document, dataset: dataset) }
            try limits.check(document, id: ids[index])
            return document
        }
        var effects: [CommittedTransaction.Effect] = []
        effects.reserveCapacity(ids.count)
        for (index, id) in ids.enumerated() {
            let previous = snapshot.document(id: id)
            if deleted[index] {
                changed[id] = .some(nil)
                if previous != nil {
                    effects.append(.init(documentID: id, previousRevision: previous?["_rev"]?.stringValue,
                                         resultRevision: transactionID, document: nil))
                }
                continue
            }
            changed[id] = .some(documents[index])
            effects.append(.init(documentID: id, previousRevision: previous?["_rev"]?.stringValue,
                                 resultRevision: transactionID, document: documents[index]))
        }
        // Permission first: a caller who may not make a change learns nothing more about it
        // (not which documents refer to it, nor what the schema thinks of it).
        if let authorizer = options.authorizer {
            try authorizer.authorize(effects.map { effect in
                let publishedID = DocumentID.published(ofVariant: effect.documentID)
                return DocumentChange(id: effect.documentID, before: snapshot.document(id: effect.documentID), after: effect.document,
                                      published: publishedID == effect.documentID ? nil : snapshot.document(id: publishedID))
            })
        }
        try checkVariantTypes()
        if options.checkReferences { try checkReferences() }
        if let validator { try validate(with: validator) }
        // Valid for the next snapshot only when every written id has an effect (a deletion of
        // an absent document has none, but is in the working state).
        if appliedState != nil, effects.count != changed.count { appliedState = nil }
        // Results carry the final documents.
        for index in results.indices { results[index].document = current(results[index].id) }
        return effects
    }

    /// `document` with `_rev` set, taken apart so that an object of its own is changed in place.
    private static func revised(_ document: consuming JSONValue, _ revision: String) -> JSONValue {
        switch consume document {
        case .object(var object):
            object["_rev"] = .string(revision)
            return .object(object)
        case let other:
            return other
        }
    }

    /// The schema's verdict on every written document: see ``DocumentValidating``.
    ///
    /// Rules that compare with other documents (`unique`) compare with what the author may read
    /// only, and findings about fields hidden from the author in a document that existed before
    /// are not reported: a verdict that depended on data the author may not read would tell
    /// them that data ("Must be unique" for an email held by a client they may not see is an
    /// answer to "is this person a client?"). A value that duplicates a hidden one is stored;
    /// a user who reads both sees the duplicate as a validation marker and resolves it. That is
    /// the lesser harm: refusing it, with any message, would answer the question all the same.
    private mutating func validate(with validator: any DocumentValidating) throws(StoreError) {
        let working: LayeredDocuments
        if let visibility = options.authorizer?.visibility {
            working = workingDocuments(as: visibility)
        } else {
            let state = rawWorkingState()
            working = LayeredDocuments(base: snapshot.base.raw, overlay: state.overlay, uniqueValues: state.uniqueValues.isEmpty ? nil : state.uniqueValues)
            appliedState = state
        }
        let written = changed.compactMap { id, state in state.map { (id: id, document: $0) } }
        // Each document is judged on its own against the same working state: the cores share
        // the batch (a seed or import writes thousands per transaction).
        let documents = written.map(\.document)
        let verdicts = EveryCore.chunks(of: documents.count, serialBelow: 64) { range in
            validator.findings(forEach: Array(documents[range]), among: working)
        }.joined()
        for ((id, document), findings) in zip(written, verdicts) {
            var findings = findings
            if let authorizer = options.authorizer, let stored = snapshot.document(id: id) {
                let hidden = authorizer.hiddenFields(of: stored).union(authorizer.hiddenFields(of: document))
                findings.removeAll { ValidationFinding.isAbout(hidden, $0.path) }
            }
            if let refusal = ValidationFinding.refusal(of: id, findings) { throw refusal }
        }
    }

    /// The documents as this transaction has left them so far, as `visibility` shows them (all
    /// of them, whole, when `nil`).
    private func workingDocuments(as visibility: (any DocumentVisibility)?) -> LayeredDocuments {
        guard let visibility else {
            let state = rawWorkingState()
            return LayeredDocuments(base: snapshot.base.raw, overlay: state.overlay, uniqueValues: state.uniqueValues.isEmpty ? nil : state.uniqueValues)
        }
        let view = snapshot.restricted(.raw, visibility)
        var overlay = view.overlay
        for (id, document) in changed { overlay[id] = .some(document.flatMap(visibility.present)) }
        return LayeredDocuments(base: view.base, overlay: overlay)
    }

    /// The snapshot's overlay and unique holders with this transaction's changes so far applied.
    private func rawWorkingState() -> (overlay: Overlay, uniqueValues: UniqueValues) {
        var overlay = snapshot.overlay
        for (id, document) in changed { overlay[id] = .some(document) }
        return (overlay, snapshot.uniqueValues.applying(changed.lazy.map { ($0.key, snapshot.document(id: $0.key), $0.value) }))
    }

    /// A selecting query's error as the store reports it: a query stopped at its deadline says
    /// so, with the same advice as a query's own time limit.
    static func queryFailure(_ error: GROQError, mutation: String, parsing: Bool) -> StoreError {
        switch error.kind {
        case .timeout, .cancelled:
            StoreError(.invalid, type: "queryTimeout", message: "The \(mutation) query ran past its time limit and was stopped",
                       advice: "Select the documents with an index-friendly condition (_type == \"x\", _id in [...]) and page through them.")
        case .syntax, .query, .evaluation:
            parsing
                ? StoreError(.invalid, type: "queryParseError", message: "The \(mutation) query is not valid GROQ: \(error.formatted)",
                             advice: "Fix the query at the position shown.")
                : StoreError(.invalid, type: "queryError", message: "The \(mutation) query failed: \(error.formatted)", advice: "Fix the query.")
        }
    }

    private func checkReferences() throws(StoreError) {
        for (id, state) in changed {
            guard let document = state else {
                guard snapshot.document(id: id) != nil else { continue }
                let referrers = strongReferrers(of: id)
                if !referrers.isEmpty {
                    throw StoreError(.conflict, type: "documentHasExistingReferencesError",
                                     message: "Document \"\(id)\" cannot be deleted as there are references to it from \(quoted(referrers))",
                                     advice: "Remove or weaken those references first (a weak reference has \"_weak\": true).",
                                     documentID: id, details: ["referencingIDs": .array(referrers.map(JSONValue.string))])
                }
                continue
            }
            let before = snapshot.document(id: id).map(ReferenceScan.strongTargets) ?? []
            for target in ReferenceScan.strongTargets(in: document).subtracting(before).sorted() where current(target) == nil {
                throw StoreError(.conflict, type: "documentReferenceDoesNotExistError",
                                 message: "Document \"\(id)\" references non-existent document \"\(target)\"",
                                 advice: "Create \"\(target)\" first, or make the reference weak with \"_weak\": true.",
                                 documentID: id, details: ["referencedID": .string(target)])
            }
        }
    }
}
