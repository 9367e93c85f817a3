import FacetStore
import Logging
import ServiceLifecycle

/// Brings the server's open datasets up to date with what other processes commit to the same data
/// directory — `facet mutate`, `facet demo seed`, an import, a second server — so that queries
/// see those writes and listeners hear of them.
///
/// A commit in this process updates its snapshot at once; another process's commit is found by
/// looking for transactions past the snapshot's, a cheap indexed read, every `interval`.
struct ExternalWrites: Service {
    let store: DocumentStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            do {
                try await Task.sleep(for: interval)
            } catch {
                return
            }
            for dataset in store.openDatasets {
                do { try dataset.refresh() } catch {
                    logger.warning("could not read new transactions of dataset \(dataset.name): \(error.message)")
                }
            }
        }
    }
}
