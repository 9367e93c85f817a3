import FacetStore
import GROQ
import Synchronization

/// A way to fill an empty dataset, offered to admins on the studio's first screen (a demo, a
/// template project): a name, what the studio shows of it, and the work that writes its documents.
///
/// The server knows starters only through this value, so it depends on no content of its own:
/// the `facet` executable, which knows the CRM, passes the CRM demo as one.
///
/// ```swift
/// let demo = DatasetStarter(name: "crm-demo", title: "Demo CRM",
///                           description: "A fine-jewelry house with 120 clients.") { dataset, options in
///     try dataset.mutate(documents.map(Mutation.createOrReplace), options: options)
///     return documents.count
/// }
/// let api = FacetAPI(store: store, starters: [demo])
/// ```
public struct DatasetStarter: Sendable {
    /// The name in the route (`POST /v1/starters/:dataset/:name`): letters, digits and dashes.
    public let name: String
    /// What the studio calls it.
    public let title: String
    /// What it holds, in a sentence or two, for the admin choosing it.
    public let description: String
    /// Writes the starter's documents into the (empty) dataset with the given options (the
    /// admin as author, their write check), answering how many it wrote. It runs on the server's
    /// blocking workers: it may take seconds.
    public let load: @Sendable (Dataset, TransactionOptions) throws -> Int

    public init(name: String, title: String, description: String,
                load: @escaping @Sendable (Dataset, TransactionOptions) throws -> Int)
    {
        self.name = name
        self.title = title
        self.description = description
        self.load = load
    }

    /// The starter as `/v1/starters` lists it.
    var json: JSONValue {
        ["name": .string(name), "title": .string(title), "description": .string(description)]
    }
}

/// The datasets a starter is loading into now: a second request for the same dataset is refused
/// rather than run beside the first (both would have found the dataset empty).
final class StarterLoads: Sendable {
    private let loading = Mutex<Set<String>>([])

    /// Marks `dataset` as loading; false when it already is.
    func begin(_ dataset: String) -> Bool {
        loading.withLock { $0.insert(dataset).inserted }
    }

    func end(_ dataset: String) {
        _ = loading.withLock { $0.remove(dataset) }
    }
}
