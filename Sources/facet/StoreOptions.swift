import ArgumentParser
import FacetAssets
import FacetSchema
import FacetSecurity
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig

/// Where the store is: `--data DIR` (or `FACET_DATA`, or `./facet-data`) and `--dataset NAME`,
/// and which schema checks what is written (`--schema`, or `FACET_SCHEMA`).
struct StoreOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (default: $FACET_DATA, else ./facet-data).")
    var data: String?

    @Option(name: .long, help: "The dataset name (default: $FACET_DATASET, else production).")
    var dataset: String?

    @Option(name: .long, help: "A PostgreSQL database holding the datasets, postgres://user:password@host:5432/database (default: $FACET_DATABASE_URL; else the data directory).")
    var database: String?

    @Option(name: .long, help: "The schema that validates writes: crm (the default, or $FACET_SCHEMA) or none.")
    var schema: String?

    var directory: String {
        data ?? ProcessInfo.processInfo.environment["FACET_DATA"] ?? "./facet-data"
    }

    var datasetName: String {
        dataset ?? ProcessInfo.processInfo.environment["FACET_DATASET"] ?? DocumentStore.defaultDataset
    }

    /// The PostgreSQL database given by `--database` or `FACET_DATABASE_URL`, if any.
    var databaseURL: String? {
        database ?? ProcessInfo.processInfo.environment["FACET_DATABASE_URL"]
    }

    /// The schema that validates writes, or `nil` when writes are not checked.
    func validator() throws -> Validator? {
        switch schema ?? ProcessInfo.processInfo.environment["FACET_SCHEMA"] ?? "crm" {
        case "crm":
            do { return try CRMSchema.validator() } catch { throw CommandFailure(error.description) }
        case "none":
            return nil
        case let other:
            throw CommandFailure("--schema \(other): unknown schema; use crm (the jewelry CRM) or none (no validation)")
        }
    }

    /// The data directory's security: keys, users, the audit log. The CRM's schema decides which
    /// fields are sealed, whether or not writes are validated, so that `--schema none` never
    /// stores a sensitive field in the clear.
    func openSecurity() throws -> SecuritySystem {
        do {
            let schema = try CRMSchema.compile()
            let backend = try DatabaseChoice.backend(url: databaseURL)
            return try SecuritySystem(directory: directory, backend: backend, policy: CRMRoles.policy(schema: schema), schema: schema)
        } catch let error as SecurityError {
            throw CommandFailure(error.description)
        } catch {
            throw CommandFailure("\(error)")
        }
    }

    /// The assets beside the datasets: rows of the shared PostgreSQL database with `--database`,
    /// else the data directory's files.
    func openAssets() throws -> AssetLibrary {
        do {
            return try DatabaseChoice.assets(directory: directory, backend: try DatabaseChoice.backend(url: databaseURL))
        } catch let error as AssetError {
            throw CommandFailure("the assets are unusable: \(error)")
        }
    }

    /// The store, opened through the directory's security (sealed fields, card screen, audit).
    func openStore() throws -> DocumentStore {
        try openStore(through: try openSecurity())
    }

    /// The store, opened through `security` (for a command that also audits what it does).
    func openStore(through security: SecuritySystem) throws -> DocumentStore {
        let validator = try validator()
        do { return try security.documentStore(validator: validator) } catch { throw CommandFailure(error.description) }
    }

    /// The dataset; a missing `production` dataset is created (it is the default everyone expects),
    /// any other missing one is an error.
    func openDataset(_ store: DocumentStore, create: Bool? = nil) throws -> Dataset {
        do {
            return try store.dataset(datasetName, create: create ?? (datasetName == DocumentStore.defaultDataset))
        } catch {
            throw CommandFailure(error.description)
        }
    }
}

/// Writes JSON to standard output, one value per line.
enum Output {
    static func print(_ value: JSONValue, pretty: Bool = false) {
        var out: [UInt8] = []
        value.write(to: &out, pretty: pretty)
        out.append(0x0A)
        FileHandle.standardOutput.write(Data(out))
    }

    static func error(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
    }
}

/// Parses `--param name=JSON` options into GROQ parameters.
func parseParameters(_ params: [String]) throws -> [String: JSONValue] {
    var result: [String: JSONValue] = [:]
    for param in params {
        guard let equals = param.firstIndex(of: "=") else {
            throw CommandFailure("--param \(param): expected name=JSON, for example --param limit=10")
        }
        let name = String(param[..<equals])
        let json = String(param[param.index(after: equals)...])
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) else {
            throw CommandFailure("--param \(param): '\(name)' is not a parameter name (letters, digits and _)")
        }
        do {
            result[name] = try JSONValue(parsing: json)
        } catch {
            throw CommandFailure("--param \(name): the value is not JSON (\(error)); quote strings, e.g. --param \(name)='\"text\"'")
        }
    }
    return result
}
