import GROQ

/// What one kind of reader may see of a dataset: which documents, and which of their fields.
///
/// A snapshot seen through a visibility (``DatasetSnapshot/source(_:visibility:)``) holds only
/// what ``present(_:)`` returns, so a query evaluated on it cannot reach a hidden document or
/// field by any route: not by `count()`, `->`, `references()`, a sub-query or a filter on the
/// hidden field. FacetSecurity builds one per role (and per user where a rule depends on who
/// asks).
///
/// ```swift
/// struct PublicOnly: DocumentVisibility {
///     var viewKey: String { "public" }
///     func present(_ document: JSONValue) -> JSONValue? {
///         document["_type"]?.stringValue == "product" ? document : nil
///     }
/// }
/// let result = try GROQQuery("count(*)").evaluate(in: dataset.snapshot.source(.published, visibility: PublicOnly()))
/// ```
public protocol DocumentVisibility: Sendable {
    /// Names what this visibility shows: two visibilities with the same key must present every
    /// document identically, because the views built for one are kept and served to the other.
    var viewKey: String { get }
    /// `document` as this reader sees it (fields removed as needed), or `nil` when hidden.
    func present(_ document: JSONValue) -> JSONValue?
}

extension DatasetSnapshot {
    /// The documents a query sees in `perspective`, as `visibility` shows them; all of them when
    /// `visibility` is `nil`.
    ///
    /// The indexed part is filtered once per visibility and kept until the next compaction;
    /// each snapshot then filters only the documents changed since.
    public func source(_ perspective: Perspective, visibility: (any DocumentVisibility)?) -> any DocumentSource {
        guard let visibility else { return source(perspective) }
        return restricted(perspective, visibility)
    }

    /// `document(id:)` as `visibility` shows it.
    public func document(id: String, visibility: (any DocumentVisibility)?) -> JSONValue? {
        guard let document = document(id: id) else { return nil }
        guard let visibility else { return document }
        return visibility.present(document)
    }
}
