import FacetSecurity
import FacetStore
import Logging
import ServiceLifecycle

/// Anchors the audit log every `interval` while the server runs, and once more when it stops,
/// so that the newest entries are covered by a signed checkpoint even when no further entry
/// comes to trigger one (see ``AuditCheckpoints``). Entries other processes append to the same
/// log are anchored by the next pass too.
///
/// It stands first in the service group, which stops its services in reverse order: its final
/// checkpoint comes after the HTTP server has finished its last request.
struct AuditCheckpointing: Service {
    let audit: AuditLog
    let interval: Duration
    let logger: Logger

    func run() async throws {
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            } catch {
                // Cancelled without a graceful shutdown: the group is failing; nothing to anchor.
                if !Task.isShuttingDownGracefully { return }
            }
            // The log's records block (on PostgreSQL, a round trip): off the task threads.
            await BlockingLane("facet.audit-checkpoints").run { anchor() }
        }
    }

    private func anchor() {
        do {
            if let checkpoint = try audit.checkpoint() {
                logger.debug("Audit log anchored at entry \(checkpoint.sequence)")
            }
        } catch {
            logger.warning("Could not write an audit checkpoint: \(error.description)")
        }
    }
}
