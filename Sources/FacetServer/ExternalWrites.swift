import FacetStore
import Logging
import ServiceLifecycle
import Synchronization

/// Brings the server's open datasets up to date with what other processes commit to the same
/// storage — `facet mutate`, `facet demo seed`, an import, other servers on one database — so
/// that queries see those writes and listeners hear of them.
///
/// A commit in this process updates its snapshot at once. Another process's commit is found
/// when the storage announces it (PostgreSQL's commit channel), and in any case by looking for
/// transactions past the snapshot's, a cheap indexed read, every `interval`: an announcement
/// lost with a dropped connection costs at most that long.
final class ExternalWrites: Service {
    let store: DocumentStore
    let interval: Duration
    let logger: Logger
    /// Reading the storage blocks (on PostgreSQL, for as long as the database takes to answer or
    /// to refuse): never on a task thread that requests need.
    private let lane = BlockingLane("facet.external-writes")

    init(store: DocumentStore, interval: Duration, logger: Logger) {
        self.store = store
        self.interval = interval
        self.logger = logger
    }

    func run() async throws {
        // Stopping the server cancels both loops.
        await cancelWhenGracefulShutdown { await self.watch() }
    }

    private func watch() async {
        await withTaskGroup(of: Void.self) { [self] group in
            if let announcements = store.backend.commitAnnouncements() {
                group.addTask { [self] in
                    for await name in announcements {
                        if Task.isCancelled { break }
                        let datasets = store.openDatasets.filter { name.isEmpty || $0.name == name }
                        await lane.run { self.refresh(datasets) }
                    }
                }
            }
            group.addTask { [self] in
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return }
                    let datasets = store.openDatasets
                    await lane.run { self.refresh(datasets) }
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    /// The datasets whose last refresh failed: a storage that is down is reported once when it
    /// fails and once when it recovers, not four times a second.
    private let failing = Mutex<Set<String>>([])

    private func refresh(_ datasets: [Dataset]) {
        for dataset in datasets {
            do {
                try dataset.refresh()
                if failing.withLock({ $0.remove(dataset.name) }) != nil {
                    logger.info("reading new transactions of dataset \(dataset.name) again")
                }
            } catch {
                if failing.withLock({ $0.insert(dataset.name).inserted }) {
                    logger.warning("could not read new transactions of dataset \(dataset.name): \(error.message); trying again every \(interval)")
                }
            }
        }
    }
}
