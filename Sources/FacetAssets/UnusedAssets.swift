import FacetStore
import GROQ

/// The assets of a dataset that nothing uses: no document refers to them, and no kept revision
/// of any document did (restoring that revision would need the picture back). What
/// `facet assets gc` lists, and removes when told to.
///
/// ```swift
/// let unused = try UnusedAssets(dataset: dataset, storage: assets.storage)
/// for asset in unused.assets { print(asset.id, asset.hasDocument) }
/// try unused.remove(from: dataset, storage: assets.storage)
/// ```
public struct UnusedAssets: Sendable {
    /// One unused asset: its id, where its bytes are, and whether its document still exists
    /// (a file whose document was deleted has none).
    public struct Asset: Sendable, Equatable {
        public var id: String
        public var path: AssetPath
        public var hasDocument: Bool
    }

    public var assets: [Asset]

    /// The assets `documents` refer to that no document of `dataset` refers to now: what a
    /// person's erasure leaves behind (their history is erased with them, so only current
    /// documents count).
    /// `excluding` names documents to count as gone already (to say what an erasure would release).
    public init(releasedBy documents: [JSONValue], in dataset: Dataset, excluding: Set<String> = []) {
        var wanted = Set<String>()
        for document in documents { Self.collectReferences(document, into: &wanted) }
        var inUse = Set<String>()
        let assetTypes = Set(AssetPath.Kind.allCases.map(\.documentType))
        for document in dataset.snapshot.source(.raw).documents {
            guard let type = document["_type"]?.stringValue, !assetTypes.contains(type),
                  !excluding.contains(document["_id"]?.stringValue ?? "") else { continue }
            Self.collectReferences(document, into: &inUse)
        }
        assets = wanted.subtracting(inUse).sorted().compactMap { id in
            PreparedAsset.path(ofDocument: id, dataset: dataset.name).map { Asset(id: id, path: $0, hasDocument: dataset.document(id: id) != nil) }
        }
    }

    /// Adds every asset id `value` refers to (`_ref` of `image-…` or `file-…`) to `ids`.
    static func collectReferences(_ value: JSONValue, into ids: inout Set<String>) {
        switch value {
        case .object(let object):
            if case .string(let ref)? = object["_ref"], ref.hasPrefix("image-") || ref.hasPrefix("file-") { ids.insert(ref) }
            for member in object.values { collectReferences(member, into: &ids) }
        case .array(let items):
            for item in items { collectReferences(item, into: &ids) }
        default:
            break
        }
    }

    /// Finds them: every current document (drafts too) and every revision in the history is read
    /// for references to `image-…` and `file-…` ids.
    public init(dataset: Dataset, storage: any AssetStorage) throws {
        let assetTypes = Set(AssetPath.Kind.allCases.map(\.documentType))
        var referenced = Set<String>()
        func collect(_ value: JSONValue) { Self.collectReferences(value, into: &referenced) }
        let documents = dataset.snapshot.source(.raw).documents
        var known: [String: AssetPath] = [:]
        var withDocument = Set<String>()
        for document in documents {
            if let type = document["_type"]?.stringValue, assetTypes.contains(type) {
                if let id = document["_id"]?.stringValue, let path = PreparedAsset.path(ofDocument: id, dataset: dataset.name) {
                    known[id] = path
                    withDocument.insert(id)
                }
            } else {
                collect(document)
            }
        }
        // The history, a page at a time: its revisions can be many times the current documents.
        var filter = HistoryFilter(limit: 500)
        var last: Int64 = 0
        while true {
            let page = try dataset.transactions(documentIDs: [], filter: filter).filter { $0.sequence > last }
            guard let newest = page.last else { break }
            for transaction in page {
                for effect in transaction.effects {
                    guard let document = effect.document, let type = document["_type"]?.stringValue, !assetTypes.contains(type) else { continue }
                    collect(document)
                }
            }
            last = newest.sequence
            filter.fromTransaction = newest.id
        }
        for kind in AssetPath.Kind.allCases {
            for path in try storage.paths(kind, dataset: dataset.name) {
                known[PreparedAsset.documentID(for: path)] = known[PreparedAsset.documentID(for: path)] ?? path
            }
        }
        assets = known.keys.sorted().filter { !referenced.contains($0) }.map { id in
            Asset(id: id, path: known[id]!, hasDocument: withDocument.contains(id))
        }
    }

    /// Deletes the unused assets' documents (one transaction, through the mutation pipeline, so
    /// it is audited and refused if something has started using one meanwhile), then their bytes.
    public func remove(from dataset: Dataset, storage: any AssetStorage, options: TransactionOptions = TransactionOptions()) throws {
        let documents = assets.filter(\.hasDocument).map(\.id)
        if !documents.isEmpty {
            _ = try dataset.mutate([.delete(.ids(documents))], options: options)
        }
        for asset in assets { try storage.remove(asset.path) }
    }
}
