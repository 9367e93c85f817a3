import FacetSchema
import FacetServer
import FacetStore
import Foundation
import GROQ
import HummingbirdTesting
import Testing

/// A store in a temporary directory served by a ``FacetAPI``, for router-mode and live tests.
struct ServerFixture {
    let directory: String
    let store: DocumentStore
    let api: FacetAPI

    init(schema: Schema? = nil, configuration: ServerConfiguration = ServerConfiguration()) throws {
        directory = NSTemporaryDirectory() + "facet-server-test-" + UUID().uuidString
        store = try DocumentStore(directory: directory, validator: schema.map { Validator(schema: $0) })
        _ = try store.dataset("production", create: true)
        api = FacetAPI(store: store, schema: schema, configuration: configuration)
    }

    func close() {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}
