import GROQ
import OrderedCollections

/// One step of Sanity's Actions API (`POST /vX/data/actions/:dataset`): an editor's move on a
/// document's draft and published versions, rather than on raw documents as mutations are.
///
/// ```swift
/// let actions = try [
///     DraftAction(json: ["actionType": "sanity.action.document.edit", "draftId": "drafts.c-1",
///                        "publishedId": "c-1", "patch": ["set": ["tier": "gold"]]], index: 0),
///     DraftAction(json: ["actionType": "sanity.action.document.publish", "draftId": "drafts.c-1",
///                        "publishedId": "c-1"], index: 1),
/// ]
/// try dataset.perform(actions)   // one transaction: both or neither
/// ```
public enum DraftAction: Sendable, Equatable {
    /// A new draft; its published version must not exist. `ignoreExisting` keeps a draft that
    /// is already there instead of failing.
    case create(publishedID: String, attributes: JSONObject, ignoreExisting: Bool)
    /// The draft replaced whole; the draft or the published version must exist.
    case replaceDraft(publishedID: String, attributes: JSONObject)
    /// The draft patched, made from the published version first when there is none.
    case edit(draftID: String, publishedID: String, patch: JSONObject)
    /// The draft becomes the published version and is removed.
    case publish(draftID: String, publishedID: String, ifDraftRevisionID: String?, ifPublishedRevisionID: String?)
    /// The published version is removed, kept as the draft when there is none.
    case unpublish(draftID: String, publishedID: String)
    /// The published version and the named drafts removed; a draft left unnamed is an error.
    case delete(publishedID: String, includeDrafts: [String])
    /// The draft removed.
    case discard(draftID: String)

    /// The action types, as Sanity names them.
    public static let types = ["sanity.action.document.create", "sanity.action.document.replaceDraft", "sanity.action.document.edit",
                               "sanity.action.document.publish", "sanity.action.document.unpublish", "sanity.action.document.delete",
                               "sanity.action.document.discard"]

    /// Reads one action; `index` is its place in the request, named in every error.
    public init(json: JSONValue, index: Int) throws(StoreError) {
        func invalid(_ message: String, _ advice: String = "") -> StoreError {
            StoreError(.invalid, type: "invalidAction", message: "Action \(index): \(message)", advice: advice, details: ["actionIndex": .number(Double(index))])
        }
        guard let object = json.objectValue else { throw invalid("an action must be an object with \"actionType\"") }
        guard let type = object["actionType"]?.stringValue else {
            throw invalid("\"actionType\" is missing", "Use one of \(Self.types.joined(separator: ", ")).")
        }
        func text(_ key: String) throws(StoreError) -> String {
            guard let value = object[key]?.stringValue, !value.isEmpty else { throw invalid("\(type) needs \"\(key)\" (a document id)") }
            return value
        }
        func optionalText(_ key: String) throws(StoreError) -> String? {
            guard let value = object[key], !value.isNull else { return nil }
            guard let text = value.stringValue else { throw invalid("\"\(key)\" must be a string") }
            return text
        }
        func published() throws(StoreError) -> String {
            let id = try text("publishedId")
            guard !DocumentID.isDraft(id), !DocumentID.isVersion(id) else {
                throw invalid("\"publishedId\" \(id) names a draft or version", "Give the published id, without drafts. or versions.")
            }
            do { try DocumentID.validate(id) } catch { throw invalid(error.message) }
            return id
        }
        /// A draft or version id of `publishedID`, as Sanity requires the pair to match.
        func variant(_ key: String, of publishedID: String) throws(StoreError) -> String {
            let id = try text(key)
            guard (DocumentID.isDraft(id) || DocumentID.isVersion(id)), DocumentID.published(ofVariant: id) == publishedID else {
                throw invalid("\"\(key)\" \(id) is not a draft of \"\(publishedID)\"", "Write it as drafts.\(publishedID).")
            }
            return id
        }
        func refusePurge() throws(StoreError) {
            if object["purge"]?.boolValue == true {
                throw invalid("\"purge\" would erase the document's history, which Facet keeps",
                              "Leave out \"purge\": the document is removed and its history stays readable.")
            }
        }
        func attributes(for publishedID: String, requiringID: Bool) throws(StoreError) -> JSONObject {
            guard var attributes = object["attributes"]?.objectValue else { throw invalid("\(type) needs \"attributes\": the document") }
            guard attributes["_type"]?.stringValue?.isEmpty == false else { throw invalid("\"attributes\" needs a \"_type\"") }
            if let id = attributes["_id"]?.stringValue {
                guard (DocumentID.isDraft(id) || DocumentID.isVersion(id)), DocumentID.published(ofVariant: id) == publishedID else {
                    throw invalid("\"attributes\"._id \(id) is not a draft of \"\(publishedID)\"", "Write it as drafts.\(publishedID).")
                }
            } else if requiringID {
                throw invalid("\"attributes\" needs an \"_id\": the draft's id")
            } else {
                attributes["_id"] = .string(DocumentID.draft(of: publishedID))
            }
            return attributes
        }
        switch type {
        case "sanity.action.document.create":
            let publishedID = try published()
            let ifExists = try optionalText("ifExists") ?? "fail"
            guard ifExists == "fail" || ifExists == "ignore" else { throw invalid("\"ifExists\" must be fail or ignore, not \(ifExists)") }
            self = .create(publishedID: publishedID, attributes: try attributes(for: publishedID, requiringID: false), ignoreExisting: ifExists == "ignore")
        case "sanity.action.document.replaceDraft":
            let publishedID = try published()
            self = .replaceDraft(publishedID: publishedID, attributes: try attributes(for: publishedID, requiringID: true))
        case "sanity.action.document.edit":
            let publishedID = try published()
            guard var patch = object["patch"]?.objectValue else { throw invalid("edit needs \"patch\": the patch operations (set, unset, inc, …)") }
            for key in ["id", "query"] where patch[key] != nil {
                throw invalid("the patch names its document with \"\(key)\"; an edit patches its draft", "Leave \"\(key)\" out of \"patch\".")
            }
            patch["id"] = nil
            self = .edit(draftID: try variant("draftId", of: publishedID), publishedID: publishedID, patch: patch)
        case "sanity.action.document.publish":
            let publishedID = try published()
            self = .publish(draftID: try variant("draftId", of: publishedID), publishedID: publishedID,
                            ifDraftRevisionID: try optionalText("ifDraftRevisionId"), ifPublishedRevisionID: try optionalText("ifPublishedRevisionId"))
        case "sanity.action.document.unpublish":
            let publishedID = try published()
            self = .unpublish(draftID: try variant("draftId", of: publishedID), publishedID: publishedID)
        case "sanity.action.document.delete":
            try refusePurge()
            let publishedID = try published()
            var drafts: [String] = []
            if let given = object["includeDrafts"], !given.isNull {
                guard let items = given.arrayValue else { throw invalid("\"includeDrafts\" must be an array of draft ids") }
                for item in items {
                    guard let id = item.stringValue, (DocumentID.isDraft(id) || DocumentID.isVersion(id)), DocumentID.published(ofVariant: id) == publishedID else {
                        throw invalid("\"includeDrafts\" holds \(item.serialized()), which is not a draft of \"\(publishedID)\"")
                    }
                    drafts.append(id)
                }
            }
            self = .delete(publishedID: publishedID, includeDrafts: drafts)
        case "sanity.action.document.discard":
            try refusePurge()
            var given = try optionalText("draftId")
            if given == nil { given = try optionalText("versionId") }
            guard let id = given else { throw invalid("discard needs \"draftId\" (a document id)") }
            guard DocumentID.isDraft(id) || DocumentID.isVersion(id) else {
                throw invalid("\"draftId\" \(id) is not a draft id", "Write it as drafts.<id>.")
            }
            self = .discard(draftID: id)
        default:
            throw invalid("\"\(type)\" is not an action Facet knows", "Use one of \(Self.types.joined(separator: ", ")).")
        }
    }
}

extension Dataset {
    /// Runs `actions` as one transaction: all of them or none. Each action sees the documents as
    /// the actions before it left them; every document an action read from the dataset is
    /// guarded at the revision it read, inside the commit, so a change that lands meanwhile
    /// fails the transaction instead of being overwritten unseen. An error names the action
    /// (`actionIndex` in its details).
    @discardableResult
    public func perform(_ actions: [DraftAction], options: TransactionOptions = TransactionOptions()) throws(StoreError) -> TransactionResult {
        guard !actions.isEmpty else {
            throw StoreError.invalid("There are no actions", advice: "Send {\"actions\": [{\"actionType\": …}]}.")
        }
        var plan = ActionPlan(dataset: self, snapshot: snapshot, options: options)
        for (index, action) in actions.enumerated() {
            do throws(StoreError) { try plan.add(action) } catch { throw Self.naming(error, action: index) }
        }
        // Actions that all found their work done (a create with ifExists "ignore") change nothing.
        guard !plan.mutations.isEmpty else {
            return TransactionResult(transactionId: options.transactionId ?? DocumentID.generate(), results: [], sequence: nil)
        }
        var committed = options
        for (id, revision) in plan.expected { committed.expectedRevisions[id] = revision }
        do throws(StoreError) { return try mutate(plan.mutations, options: committed) } catch {
            throw Self.naming(error, action: plan.action(causing: error))
        }
    }

    private static func naming(_ error: StoreError, action: Int?) -> StoreError {
        var error = error
        error.mutationIndex = nil
        if let action, error.details["actionIndex"] == nil {
            error.details["actionIndex"] = .number(Double(action))
            error.message = "Action \(action): " + error.message
        }
        return error
    }
}

/// The mutations a list of actions comes to, worked out one action at a time.
private struct ActionPlan {
    let dataset: Dataset
    let snapshot: DatasetSnapshot
    let options: TransactionOptions
    var mutations: [Mutation] = []
    /// The action each mutation came from, and the documents it writes.
    var actionOfMutation: [Int] = []
    var idsOfMutation: [[String]] = []
    /// Revisions the documents read must still have at the commit.
    var expected: [String: String] = [:]
    /// Documents the planned mutations write, and their states after them once worked out.
    var written: Set<String> = []
    var after: [String: JSONValue?] = [:]
    var afterIsCurrent = true
    var actionIndex = 0

    init(dataset: Dataset, snapshot: DatasetSnapshot, options: TransactionOptions) {
        self.dataset = dataset
        self.snapshot = snapshot
        self.options = options
    }

    /// The document `id` as the actions so far leave it; one read from the dataset is guarded.
    mutating func read(_ id: String) throws(StoreError) -> JSONObject? {
        if written.contains(id) {
            if !afterIsCurrent { try workOut() }
            // A document the dry run did not report is as the snapshot has it.
            guard let state = after[id] else { return snapshot.document(id: id)?.objectValue }
            return state?.objectValue
        }
        let document = snapshot.document(id: id)?.objectValue
        // Read as absent, it must still be absent: a document created meanwhile fails the commit.
        if expected[id] == nil { expected[id] = document?["_rev"]?.stringValue ?? TransactionOptions.absent }
        return document
    }

    /// The states the planned mutations leave, worked out by a dry run of them.
    mutating func workOut() throws(StoreError) {
        var trial = TransactionOptions(returnDocuments: true, dryRun: true, autoGenerateArrayKeys: options.autoGenerateArrayKeys, author: options.author)
        trial.queryLimits = options.queryLimits
        trial.queryDeadline = options.queryDeadline
        let result = try dataset.mutate(mutations, options: trial)
        for item in result.results { after[item.id] = .some(item.document) }
        afterIsCurrent = true
    }

    mutating func plan(_ mutation: Mutation, writes ids: [String]) {
        mutations.append(mutation)
        actionOfMutation.append(actionIndex)
        idsOfMutation.append(ids)
        written.formUnion(ids)
        afterIsCurrent = false
    }

    /// Guards `id` at `revision`, as the caller asked.
    mutating func require(_ id: String, at revision: String) throws(StoreError) {
        if written.contains(id) {
            // Written by an earlier action of this request: its revision then is this transaction's.
            throw StoreError(.conflict, type: "documentRevisionMismatch", message: "\(id) is changed by an earlier action of this request, so it cannot be at revision \(revision)",
                             advice: "Guard a document's revision in the first action that touches it.", documentID: id)
        }
        let current = snapshot.document(id: id)?["_rev"]?.stringValue
        guard current == revision else {
            throw StoreError(.conflict, type: "documentRevisionMismatch",
                             message: "\(id) is at revision \(current ?? "none"), not \(revision)",
                             advice: "Read the document again and retry with its current revision.", documentID: id,
                             details: current.map { ["currentRevisionID": .string($0)] } ?? [:])
        }
        expected[id] = revision
    }

    /// The action a failed commit comes from: the one whose mutation failed, else the last one
    /// that wrote the document the error names (the schema's refusal of a published document).
    func action(causing error: StoreError) -> Int? {
        if let index = error.mutationIndex, actionOfMutation.indices.contains(index) { return actionOfMutation[index] }
        guard let id = error.documentID, let index = idsOfMutation.lastIndex(where: { $0.contains(id) }) else { return nil }
        return actionOfMutation[index]
    }

    mutating func add(_ action: DraftAction) throws(StoreError) {
        defer { actionIndex += 1 }
        switch action {
        case .create(let publishedID, let attributes, let ignoreExisting):
            let draftID = attributes["_id"]?.stringValue ?? DocumentID.draft(of: publishedID)
            guard try read(publishedID) == nil else {
                throw StoreError(.conflict, type: "documentAlreadyExistsError", message: "\(publishedID) is already published, so it cannot be created",
                                 advice: "Edit it instead (sanity.action.document.edit).", documentID: publishedID)
            }
            if try read(draftID) != nil {
                if ignoreExisting { return }
                throw StoreError(.conflict, type: "documentAlreadyExistsError", message: "The draft \(draftID) already exists",
                                 advice: "Send \"ifExists\": \"ignore\" to keep it, or edit it.", documentID: draftID)
            }
            plan(.create(attributes), writes: [draftID])
        case .replaceDraft(let publishedID, let attributes):
            let draftID = attributes["_id"]?.stringValue ?? DocumentID.draft(of: publishedID)
            let draft = try read(draftID), published = try read(publishedID)
            guard draft != nil || published != nil else {
                throw StoreError(.notFound, type: "documentNotFoundError", message: "Neither \(draftID) nor \(publishedID) exists, so there is no draft to replace",
                                 advice: "Create it (sanity.action.document.create).", documentID: publishedID)
            }
            plan(.createOrReplace(attributes), writes: [draftID])
        case .edit(let draftID, let publishedID, let patch):
            if try read(draftID) == nil {
                guard var base = try read(publishedID) else {
                    throw StoreError(.notFound, type: "documentNotFoundError", message: "Neither \(draftID) nor \(publishedID) exists, so there is nothing to edit",
                                     advice: "Create it first (sanity.action.document.create).", documentID: publishedID)
                }
                base["_id"] = .string(draftID)
                for key in ["_rev", "_updatedAt", "_originalId"] { base.removeValue(forKey: key) }
                plan(.createIfNotExists(base), writes: [draftID])
            }
            var body = patch
            body["id"] = .string(draftID)
            plan(.patch(try PatchMutation(json: body)), writes: [draftID])
        case .publish(let draftID, let publishedID, let ifDraft, let ifPublished):
            if let ifDraft { try require(draftID, at: ifDraft) }
            if let ifPublished { try require(publishedID, at: ifPublished) }
            guard var draft = try read(draftID) else {
                throw StoreError(.notFound, type: "documentNotFoundError", message: "There is no draft \(draftID) to publish",
                                 advice: "Edit the document first; publishing copies its draft.", documentID: draftID)
            }
            let published = try read(publishedID)
            draft["_id"] = .string(publishedID)
            for key in ["_rev", "_updatedAt", "_originalId"] { draft.removeValue(forKey: key) }
            if let createdAt = published?["_createdAt"] { draft["_createdAt"] = createdAt }
            plan(.createOrReplace(ReferenceScan.strengthened(draft)), writes: [publishedID])
            plan(.delete(.ids([draftID])), writes: [draftID])
        case .unpublish(let draftID, let publishedID):
            guard var published = try read(publishedID) else {
                throw StoreError(.notFound, type: "documentNotFoundError", message: "\(publishedID) is not published",
                                 advice: "Only a published document can be unpublished.", documentID: publishedID)
            }
            if try read(draftID) == nil {
                published["_id"] = .string(draftID)
                for key in ["_rev", "_updatedAt"] { published.removeValue(forKey: key) }
                plan(.createIfNotExists(published), writes: [draftID])
            }
            plan(.delete(.ids([publishedID])), writes: [publishedID])
        case .delete(let publishedID, let includeDrafts):
            let draftID = DocumentID.draft(of: publishedID)
            if !includeDrafts.contains(draftID), try read(draftID) != nil {
                throw StoreError(.conflict, type: "documentHasDraftError", message: "\(publishedID) has a draft, \(draftID), that the action leaves",
                                 advice: "Name it in \"includeDrafts\" to delete it too, or discard it first.", documentID: draftID)
            }
            var ids: [String] = []
            for id in [publishedID] + includeDrafts where try read(id) != nil { ids.append(id) }
            guard !ids.isEmpty else {
                throw StoreError(.notFound, type: "documentNotFoundError", message: "\(publishedID) does not exist, nor do the drafts named",
                                 advice: "Check the ids.", documentID: publishedID)
            }
            plan(.delete(.ids(ids)), writes: ids)
        case .discard(let draftID):
            guard try read(draftID) != nil else {
                throw StoreError(.notFound, type: "documentNotFoundError", message: "There is no draft \(draftID) to discard",
                                 advice: "Nothing to do: the document has no unpublished changes.", documentID: draftID)
            }
            plan(.delete(.ids([draftID])), writes: [draftID])
        }
    }
}
