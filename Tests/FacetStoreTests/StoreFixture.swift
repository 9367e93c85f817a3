import Foundation
import GROQ
@testable import FacetStore

/// A store in a fresh temporary directory, removed when the fixture is released.
final class StoreFixture: @unchecked Sendable {
    let directory: String
    private(set) var store: DocumentStore

    init() throws {
        directory = NSTemporaryDirectory() + "facet-store-test-" + UUID().uuidString
        store = try DocumentStore(directory: directory)
    }

    var dataset: Dataset {
        get throws { try store.dataset("production", create: true) }
    }

    /// Closes the store and opens the same directory again, as a restarted process would.
    func reopen() throws {
        store.close()
        store = try DocumentStore(directory: directory)
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// Parses a mutation request written as JSON text.
func mutations(_ json: String) throws -> [Mutation] {
    try Mutation.list(parsing: json)
}

/// Expects `body` to throw a ``StoreError`` and returns it.
func storeError(_ body: () throws -> Void) -> StoreError? {
    do {
        try body()
        return nil
    } catch let error as StoreError {
        return error
    } catch {
        return nil
    }
}
