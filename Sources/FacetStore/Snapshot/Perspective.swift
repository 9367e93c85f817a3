/// Which documents a read sees, as Sanity's `perspective` parameter chooses.
public enum Perspective: String, Sendable, CaseIterable {
    /// Everything side by side: published documents, `drafts.` and `versions.` documents.
    case raw
    /// As if no drafts existed: only published documents.
    case published
    /// Drafts over published documents: where a draft exists it replaces its published document,
    /// under the published `_id`, with `_originalId` naming the draft.
    case drafts

    /// Parses Sanity's spellings, including the older `previewDrafts`; throws on anything else.
    public init(parsing text: String) throws(StoreError) {
        switch text {
        case "raw": self = .raw
        case "published": self = .published
        case "drafts", "previewDrafts": self = .drafts
        default:
            throw StoreError.invalid("Unknown perspective \"\(text)\"", advice: "Use raw, published or drafts.")
        }
    }
}
