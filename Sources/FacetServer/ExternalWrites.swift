import FacetStore
import Logging
import ServiceLifecycle

/// Brings the server's open datasets up to date with what other processes commit to the same
/// storage — `facet mutate`, `facet demo seed`, an import, other servers on one database — so
/// that queries see those writes and listeners hear of them.
///
/// A commit in this process updates its snapshot at once. Another process's commit is found
/// when the storage announces it (PostgreSQL's commit channel), and in any case by looking for
/// transactions past the snapshot's, a cheap indexed read, every `interval`: an announcement
/// lost with a dropped connection costs at most that long.
struct ExternalWrites: Service {
    let store: DocumentStore
    let interval: Duration
    let logger: Logger

    func run() async throws {
        // Stopping the server cancels both loops.
        try? await cancelWhenGracefulShutdown { await watch() }
    }

    private func watch() async {
        await withTaskGroup(of: Void.self) { group in
            if let announcements = store.backend.commitAnnouncements() {
                group.addTask {
                    for await name in announcements {
                        if Task.isCancelled { break }
                        refresh(store.openDatasets.filter { name.isEmpty || $0.name == name })
                    }
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do { try await Task.sleep(for: interval) } catch { return }
                    refresh(store.openDatasets)
                }
            }
            await group.next()
            group.cancelAll()
        }
    }

    private func refresh(_ datasets: [Dataset]) {
        for dataset in datasets {
            do { try dataset.refresh() } catch {
                logger.warning("could not read new transactions of dataset \(dataset.name): \(error.message)")
            }
        }
    }
}
