import GROQ
import OrderedCollections

/// Drafts and publishing, each one transaction through the ordinary mutation pipeline, as
/// Sanity's studio composes them.
///
/// ```swift
/// try dataset.mutate([.createOrReplace(["_id": "drafts.c-1", "_type": "customer", "name": "Ada"])])
/// try dataset.publish(id: "c-1")      // c-1 now holds the draft's content; drafts.c-1 is gone
/// try dataset.unpublish(id: "c-1")    // back to a draft
/// ```
extension Dataset {
    /// Replaces the published document with its draft and removes the draft, atomically.
    /// `ifRevisionID` guards the draft's revision; without it the draft read here is guarded, so
    /// an edit that lands meanwhile is never published unseen. `ifPublishedRevisionID` guards the
    /// published document (Sanity's `ifPublishedRevisionId`) inside the same commit.
    @discardableResult
    public func publish(id: String, ifRevisionID: String? = nil, ifPublishedRevisionID: String? = nil,
                        options: TransactionOptions = TransactionOptions()) throws(StoreError) -> TransactionResult {
        let publishedID = DocumentID.published(of: id), draftID = DocumentID.draft(of: id)
        try DocumentID.validate(publishedID)
        let snapshot = self.snapshot
        guard case .object(var draft)? = snapshot.document(id: draftID) else {
            throw StoreError(.notFound, type: "documentNotFoundError", message: "There is no draft \"\(draftID)\" to publish",
                             advice: "Edit the document first; publishing copies its draft.", documentID: draftID)
        }
        let guardRevision = ifRevisionID ?? draft["_rev"]?.stringValue
        draft["_id"] = .string(publishedID)
        for key in ["_rev", "_updatedAt", "_originalId"] { draft.removeValue(forKey: key) }
        if let createdAt = snapshot.document(id: publishedID)?["_createdAt"] { draft["_createdAt"] = createdAt }
        return try mutate([
            try revisionGuard(draftID, guardRevision),
            .createOrReplace(ReferenceScan.strengthened(draft)),
            .delete(.ids([draftID])),
        ], options: options.expecting(publishedID, at: ifPublishedRevisionID))
    }

    /// Moves the published document back to a draft (keeping a newer draft if there is one) and
    /// removes the published one. Fails while strong references point to the published document.
    /// `ifRevisionID` guards the published document, `ifDraftRevisionID` the draft, both inside
    /// the commit.
    @discardableResult
    public func unpublish(id: String, ifRevisionID: String? = nil, ifDraftRevisionID: String? = nil,
                          options: TransactionOptions = TransactionOptions()) throws(StoreError) -> TransactionResult {
        let publishedID = DocumentID.published(of: id), draftID = DocumentID.draft(of: id)
        try DocumentID.validate(publishedID)
        guard case .object(var published)? = snapshot.document(id: publishedID) else {
            throw StoreError(.notFound, type: "documentNotFoundError", message: "\"\(publishedID)\" is not published",
                             advice: "Only a published document can be unpublished.", documentID: publishedID)
        }
        let guardRevision = ifRevisionID ?? published["_rev"]?.stringValue
        published["_id"] = .string(draftID)
        for key in ["_rev", "_updatedAt"] { published.removeValue(forKey: key) }
        return try mutate([
            try revisionGuard(publishedID, guardRevision),
            .createIfNotExists(published),
            .delete(.ids([publishedID])),
        ], options: options.expecting(draftID, at: ifDraftRevisionID))
    }

    /// Deletes the draft, keeping the published document as it is. `ifRevisionID` guards the
    /// draft, `ifPublishedRevisionID` the published document, both inside the commit.
    @discardableResult
    public func discardDraft(id: String, ifRevisionID: String? = nil, ifPublishedRevisionID: String? = nil,
                             options: TransactionOptions = TransactionOptions()) throws(StoreError) -> TransactionResult {
        let draftID = DocumentID.draft(of: id)
        try DocumentID.validate(draftID)
        guard let draft = snapshot.document(id: draftID) else {
            throw StoreError(.notFound, type: "documentNotFoundError", message: "There is no draft \"\(draftID)\" to discard",
                             advice: "Nothing to do: the document has no unpublished changes.", documentID: draftID)
        }
        return try mutate([
            try revisionGuard(draftID, ifRevisionID ?? draft["_rev"]?.stringValue),
            .delete(.ids([draftID])),
        ], options: options.expecting(DocumentID.published(of: id), at: ifPublishedRevisionID))
    }

    /// Copies a document (its draft if it has one) into a new draft, without its timestamps.
    /// Returns the result; the new document's id is `results[0].id`.
    @discardableResult
    public func duplicate(id: String, newID: String? = nil, options: TransactionOptions = TransactionOptions()) throws(StoreError) -> TransactionResult {
        let publishedID = DocumentID.published(of: id)
        try DocumentID.validate(publishedID)
        let snapshot = self.snapshot
        guard case .object(var copy)? = snapshot.document(id: DocumentID.draft(of: publishedID)) ?? snapshot.document(id: publishedID) else {
            throw StoreError(.notFound, type: "documentNotFoundError", message: "Document \"\(publishedID)\" does not exist",
                             advice: "Check the id.", documentID: publishedID)
        }
        copy["_id"] = .string(DocumentID.draft(of: DocumentID.resolve(requested: newID.map(DocumentID.published(of:)))))
        for key in ["_rev", "_createdAt", "_updatedAt", "_originalId"] { copy.removeValue(forKey: key) }
        return try mutate([.create(copy)], options: options)
    }

    /// A patch that changes nothing but fails the transaction unless `id` is at `revision`.
    private func revisionGuard(_ id: String, _ revision: String?) throws(StoreError) -> Mutation {
        var body: JSONObject = ["id": .string(id)]
        if let revision { body["ifRevisionID"] = .string(revision) }
        return .patch(try PatchMutation(json: body))
    }
}
