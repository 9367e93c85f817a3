import Foundation
import GROQ
import TestSupport
@testable import FacetStore

/// A store on fresh storage of a kind (a temporary directory, or a schema of the test
/// database), removed when the fixture is released.
final class StoreFixture: @unchecked Sendable {
    let kind: StorageKind
    /// The directory or the database URL.
    let location: String
    private(set) var store: DocumentStore

    init(_ kind: StorageKind = .sqlite) throws {
        self.kind = kind
        let (backend, location) = try TestDatabase.backend(kind)
        self.location = location
        if kind == .sqlite {
            directory = location
        } else {
            directory = NSTemporaryDirectory() + "facet-store-files-" + UUID().uuidString
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        }
        store = DocumentStore(backend: backend)
    }

    /// A directory for files a test writes beside the store (imports, exports); the data
    /// directory itself for SQLite.
    let directory: String

    /// Another store on the same storage, as a second process would open it.
    func otherStore() throws -> DocumentStore {
        DocumentStore(backend: try TestDatabase.reopen(kind, at: location))
    }

    var dataset: Dataset {
        get throws { try store.dataset("production", create: true) }
    }

    /// Closes the store and opens the same storage again, as a restarted process would.
    func reopen() throws {
        store.close()
        store = DocumentStore(backend: try TestDatabase.reopen(kind, at: location))
    }

    deinit {
        store.close()
        TestDatabase.remove(kind, at: location)
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
