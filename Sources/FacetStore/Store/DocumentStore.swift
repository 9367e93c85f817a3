import GROQ
import Synchronization

/// The datasets in one place (a data directory by default), opened once and shared.
///
/// ```swift
/// let store = try DocumentStore(directory: "./facet-data")
/// let production = try store.dataset("production", create: true)
/// try production.mutate([.createOrReplace(["_id": "c-1", "_type": "customer", "name": "Ada"])])
/// ```
public final class DocumentStore: Sendable {
    /// The default dataset's name.
    public static let defaultDataset = "production"
    public let backend: any StorageBackend
    public let limits: DocumentLimits
    /// Checks every written document (the schema's validator); `nil` stores any document.
    public let validator: (any DocumentValidating)?
    /// Seals documents at rest (FacetSecurity's field encryption); `nil` stores them as they are.
    public let sealing: (any DocumentSealing)?
    /// Told of every committed and refused transaction (the audit log).
    public let observer: (any TransactionObserving)?
    /// When datasets keep an image of their documents for a quick open.
    public let imagePolicy: ImagePolicy
    private let open = Mutex<[String: Dataset]>([:])

    public init(backend: any StorageBackend, limits: DocumentLimits = DocumentLimits(), validator: (any DocumentValidating)? = nil,
                sealing: (any DocumentSealing)? = nil, observer: (any TransactionObserving)? = nil, imagePolicy: ImagePolicy = ImagePolicy())
    {
        self.backend = backend
        self.limits = limits
        self.validator = validator
        self.sealing = sealing
        self.observer = observer
        self.imagePolicy = imagePolicy
    }

    /// A store on SQLite files under `directory` (created when missing).
    public convenience init(directory: String, limits: DocumentLimits = DocumentLimits(), validator: (any DocumentValidating)? = nil,
                            sealing: (any DocumentSealing)? = nil, observer: (any TransactionObserving)? = nil,
                            imagePolicy: ImagePolicy = ImagePolicy()) throws(StoreError)
    {
        self.init(backend: try SQLiteBackend(directory: directory), limits: limits, validator: validator, sealing: sealing, observer: observer,
                  imagePolicy: imagePolicy)
    }

    /// The dataset called `name`, opened on first use. A missing dataset is created when
    /// `create` is true and is a `notFound` error otherwise.
    public func dataset(_ name: String = DocumentStore.defaultDataset, create: Bool = false) throws(StoreError) -> Dataset {
        try open.withLock { (datasets: inout [String: Dataset]) throws(StoreError) -> Dataset in
            if let dataset = datasets[name] { return dataset }
            let dataset = try Dataset(name: name, storage: try backend.openDataset(name, create: create), limits: limits, validator: validator,
                                      sealing: sealing, observer: observer, imagePolicy: imagePolicy)
            datasets[name] = dataset
            return dataset
        }
    }

    /// The datasets opened so far, by name: what a server keeps up to date and reports on.
    public var openDatasets: [Dataset] {
        open.withLock { datasets in datasets.keys.sorted().compactMap { datasets[$0] } }
    }

    /// The names of the datasets, sorted.
    public func datasetNames() throws(StoreError) -> [String] { try backend.datasetNames() }

    /// Creates an empty dataset; throws when it exists.
    @discardableResult
    public func createDataset(_ name: String) throws(StoreError) -> Dataset {
        if try backend.datasetNames().contains(name) {
            throw StoreError(.conflict, type: "datasetExistsError", message: "Dataset \"\(name)\" already exists",
                             advice: "Choose another name, or delete it first with `facet dataset delete \(name)`.")
        }
        return try dataset(name, create: true)
    }

    /// Makes dataset `name` with `fill`, and only if `fill` returns: out of sight until then, so
    /// that a dataset made by an import appears whole or not at all, even if the process is
    /// killed while filling it. Throws `datasetExistsError` when `name` exists (before `fill`
    /// runs, or when it appears meanwhile); the dataset is closed when this returns.
    ///
    /// ```swift
    /// let report = try store.creatingDataset("staging") { dataset in try dataset.importNDJSON(path: "export.ndjson") }
    /// ```
    public func creatingDataset<Result>(_ name: String, _ fill: (Dataset) throws(StoreError) -> Result) throws(StoreError) -> Result {
        if try backend.datasetNames().contains(name) {
            throw StoreError(.conflict, type: "datasetExistsError", message: "Dataset \"\(name)\" already exists",
                             advice: "Import into it as it is, or delete it first with `facet dataset delete \(name)`.")
        }
        let staged = try backend.stageDataset(name)
        let result: Result
        do {
            let dataset = try Dataset(name: name, storage: staged.storage, limits: limits, validator: validator, sealing: sealing, observer: observer,
                                      imagePolicy: imagePolicy)
            defer { dataset.close() }
            result = try fill(dataset)
        } catch {
            staged.discard()
            throw error
        }
        try staged.publish()
        return result
    }

    /// Closes and removes a dataset with all its documents and history.
    public func deleteDataset(_ name: String) throws(StoreError) {
        let dataset = open.withLock { $0.removeValue(forKey: name) }
        dataset?.close()
        try backend.deleteDataset(name)
    }

    /// Closes every open dataset.
    public func close() {
        let datasets = open.withLock { datasets in
            defer { datasets.removeAll() }
            return Array(datasets.values)
        }
        for dataset in datasets { dataset.close() }
        backend.close()
    }
}
