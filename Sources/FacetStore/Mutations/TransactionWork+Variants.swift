import GROQ

/// A draft (`drafts.<id>`) or a release version (`versions.<release>.<id>`) is its published
/// document being edited, not a document of its own: it keeps the published document's
/// `_type`, whoever writes it (admin and Facet itself included).
///
/// Without this rule a draft of another type would stand in for the document in the drafts
/// perspective (a client shown as an interaction, a campaign hidden from those who may read
/// campaigns), and publishing it would overwrite the real document with a different one.
extension TransactionWork {
    /// Refuses a written draft or version whose type differs from its published document's, a
    /// published document whose type changes (or that appears) under a draft of another type, and
    /// a published document that takes its new type from a draft that did not have its type
    /// (publishing a draft stored before this rule).
    ///
    /// A published document that keeps its type is never refused, even beside a draft that
    /// already differs (stored before this rule): editing the real document must not depend on
    /// a draft someone else planted. Versions of a published document whose type changes are
    /// not looked for (finding them would mean scanning every release).
    func checkVariantTypes() throws(StoreError) {
        for (id, state) in changed {
            guard let type = state?["_type"]?.stringValue else { continue }
            let publishedID = DocumentID.published(ofVariant: id)
            if publishedID != id {
                if let publishedType = current(publishedID)?["_type"]?.stringValue, publishedType != type {
                    throw StoreError.variantType(id, type, differsFrom: publishedID, publishedType)
                }
            } else if let storedType = snapshot.document(id: id)?["_type"]?.stringValue, storedType != type {
                // Publishing a draft stored before this rule, of another type, would replace the
                // real document with a different one.
                let draftID = DocumentID.draft(of: id)
                if let draftType = snapshot.document(id: draftID)?["_type"]?.stringValue, draftType == type {
                    throw StoreError.variantType(draftID, draftType, differsFrom: id, storedType)
                }
                if let draftType = current(draftID)?["_type"]?.stringValue, draftType != type {
                    throw StoreError.variantType(draftID, draftType, differsFrom: id, type)
                }
            } else if snapshot.document(id: id) == nil, let draftType = current(DocumentID.draft(of: id))?["_type"]?.stringValue,
                      draftType != type
            {
                throw StoreError.variantType(DocumentID.draft(of: id), draftType, differsFrom: id, type)
            }
        }
    }
}

extension StoreError {
    /// The draft or version `variantID` (of type `variantType`) does not have the type of the
    /// published document `publishedID`. HTTP 409.
    static func variantType(_ variantID: String, _ variantType: String, differsFrom publishedID: String,
                            _ publishedType: String) -> StoreError
    {
        let kind = DocumentID.isDraft(variantID) ? "draft" : "version"
        return StoreError(.conflict, type: "draftTypeMismatchError",
                          message: "The \(kind) \"\(variantID)\" is of type \(variantType), but the published document \"\(publishedID)\" is of type \(publishedType): a \(kind) must have the type of the published document",
                          advice: "Give the \(kind) \"_type\": \"\(publishedType)\", or discard it first. To change a document's type, replace the published document and its draft in one transaction.",
                          documentID: variantID,
                          details: ["publishedId": .string(publishedID), "draftType": .string(variantType), "publishedType": .string(publishedType)])
    }
}
