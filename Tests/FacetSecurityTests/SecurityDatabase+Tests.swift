import FacetPostgres
@testable import FacetSecurity
import FacetStore
import Foundation
import TestSupport

extension SecurityDatabase {
    /// A security database of `kind`: the SQLite file of `directory`, or the records of a schema
    /// of the test PostgreSQL server (`url`, or a fresh one).
    static func forTests(_ kind: StorageKind, directory: String, url: String? = nil) throws -> SecurityDatabase {
        switch kind {
        case .sqlite:
            return try SecurityDatabase(directory: directory)
        case .postgres:
            let url = try url ?? TestDatabase.freshSchemaURL()
            let backend = try PostgresBackend(location: PostgresLocation(url: url))
            return try SecurityDatabase(records: backend.records(), directory: directory)
        }
    }

    /// The schema URL of a PostgreSQL security database made by ``forTests(_:directory:url:)``.
    var testURL: String? {
        guard let records = records as? PostgresRecords else { return nil }
        return records.url
    }
}
