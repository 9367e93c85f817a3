import FacetSchema
import FacetServer
import FacetStore
import Foundation
import GROQ
import HummingbirdTesting
import Testing
import TestSupport

/// A store on fresh storage of a kind (a temporary directory, or a schema of the test database)
/// served by a ``FacetAPI``, for router-mode and live tests.
struct ServerFixture {
    let kind: StorageKind
    /// The data directory, or the database URL.
    let location: String
    let store: DocumentStore
    let api: FacetAPI

    init(_ kind: StorageKind = .sqlite, schema: Schema? = nil, configuration: ServerConfiguration = ServerConfiguration()) throws {
        self.kind = kind
        let (backend, location) = try TestDatabase.backend(kind)
        self.location = location
        store = DocumentStore(backend: backend, validator: schema.map { Validator(schema: $0) })
        _ = try store.dataset("production", create: true)
        api = FacetAPI(store: store, schema: schema, configuration: configuration)
    }

    /// The data directory of a SQLite fixture.
    var directory: String { location }

    /// Another server's store on the same storage, as a second process would open it.
    func otherStore(schema: Schema? = nil) throws -> DocumentStore {
        DocumentStore(backend: try TestDatabase.reopen(kind, at: location), validator: schema.map { Validator(schema: $0) })
    }

    func close() {
        store.close()
        TestDatabase.remove(kind, at: location)
    }
}
