import FacetSecurity
import FacetStore
import GROQ
import Synchronization

/// The audit log as read-only `auditLog` documents, for the callers allowed to read it: queries
/// and document reads by admins see them beside the dataset's own documents.
///
/// The entries live in the security database, never in a dataset, so no mutation can reach them;
/// this keeps an indexed copy, brought up to date with the entries appended since it was built
/// when a reader next asks.
final class AuditTrailView: Sendable {
    let audit: AuditLog
    private let cached = Mutex<(sequence: Int64, entries: [JSONValue], documents: InMemoryDataset)>((0, [], InMemoryDataset([])))

    init(audit: AuditLog) {
        self.audit = audit
    }

    /// The entries as documents, as of now.
    func documents() throws(SecurityError) -> InMemoryDataset {
        let last = try audit.lastSequence()
        let (sequence, entries, documents) = cached.withLock { $0 }
        guard last != sequence else { return documents }
        var all = last < sequence ? [] : entries
        var after = last < sequence ? 0 : sequence
        while after < last {
            let page = try audit.entries(after: after, limit: 10_000)
            guard let newest = page.last else { break }
            all += page.map(\.document)
            after = newest.sequence
        }
        // Audit ids are numbered with leading zeros, so appending keeps them in `_id` order.
        let updated = InMemoryDataset(sortedUniqueDocuments: all)
        cached.withLock { state in if state.sequence < after { state = (after, all, updated) } }
        return updated
    }
}

extension FacetAPI {
    /// Whether the caller reads the audit log: an admin, or an unrestricted caller of a secured server.
    func readsAuditTrail(_ context: FacetRequestContext) -> Bool {
        guard let security else { return false }
        guard let principal = context.principal else { return true }
        return security.policy.allows(principal.role, .audit)
    }

    /// What a caller's queries run on: the dataset as the caller may see it, with the audit log's
    /// entries beside it for those who read it.
    func querySource(_ snapshot: DatasetSnapshot, _ perspective: Perspective, _ context: FacetRequestContext) throws -> any DocumentSource {
        let source = snapshot.source(perspective, visibility: visibility(context))
        guard readsAuditTrail(context), let auditTrail else { return source }
        do { return CombinedDocuments(source, try auditTrail.documents()) } catch {
            throw APIError(.internalServerError, type: "auditLogError", "The audit log could not be read: \(error.description)")
        }
    }
}
