import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import SchemaTypes
import StudioConfig

/// A secured in-process server for the benchmarks that go through HTTP as a role would: a
/// temporary data directory, the CRM schema and roles, a store seeded with the demo, and an
/// admin token; threat blocking only measures, so a flood of bench requests is not refused.
///
/// ```swift
/// let server = try SecuredBenchServer(name: "studio", docs: 100_000)
/// defer { server.close() }
/// let api = server.api(ServerConfiguration())
/// ```
final class SecuredBenchServer {
    let directory: String
    let schema: Schema
    let security: SecuritySystem
    let store: DocumentStore
    /// The seeded documents' ids.
    let ids: [String]
    /// An admin token's secret.
    let admin: String

    init(name: String, docs: Int) throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("facet-bench-\(name)-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        do {
            schema = try CRMSchema.compile()
            security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema, environment: [:])
            store = try security.documentStore(validator: nil)
            ids = try ServerBenchCommand.seed(docs: docs, into: store, directory: directory)
            security.threats.policy = .measuringOnly
            admin = try security.identities.createToken(name: "bench-admin", role: .admin, by: .system()).secret
        } catch {
            try? FileManager.default.removeItem(atPath: directory)
            throw error
        }
    }

    /// The API over this server's store, as `facet serve` builds it.
    func api(_ configuration: ServerConfiguration) -> FacetAPI {
        FacetAPI(store: store, schema: schema, configuration: configuration, access: TokenAccess(security: security), security: security)
    }

    /// Closes the store and removes the directory.
    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
