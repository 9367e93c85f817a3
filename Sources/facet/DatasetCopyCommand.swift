import ArgumentParser
import FacetPostgres
import FacetStore
import Foundation

extension DatasetCommand {
    /// `facet dataset copy`: a dataset with its history, between a data directory and PostgreSQL.
    struct Copy: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Copy a dataset with its history between a data directory and a PostgreSQL database.",
            discussion: """
                --from and --to are each a data directory or a postgres:// URL. The copy is checked against its \
                source (counts of documents and transactions, and checksums of both) before it gets its name; a \
                copy that does not match, or one interrupted, leaves nothing behind. Sealed fields stay sealed by \
                the data directory's keys, so servers on the target use the same data directory's security.
                """)

        @Option(name: .long, help: "Where the dataset is: a data directory or a postgres:// URL.") var from: String
        @Option(name: .long, help: "Where it goes: a data directory or a postgres:// URL.") var to: String
        @Option(name: .long, help: "The dataset to copy (default: $FACET_DATASET, else production).") var dataset: String?
        @Option(name: .customLong("as"), help: "Its name at the target (default: the same).") var targetName: String?

        func run() throws {
            let name = dataset ?? ProcessInfo.processInfo.environment["FACET_DATASET"] ?? DocumentStore.defaultDataset
            let source = try Self.backend(from, role: "--from")
            defer { source.close() }
            let target = try Self.backend(to, role: "--to")
            defer { target.close() }
            let started = ContinuousClock.now
            let report: DatasetCopy.Report
            do { report = try DatasetCopy.copy(name, from: source, to: target, as: targetName) } catch { throw CommandFailure(error.description) }
            let seconds = Double((ContinuousClock.now - started).components.attoseconds) / 1e18 + Double((ContinuousClock.now - started).components.seconds)
            print("copied dataset \(name) as \(targetName ?? name): \(report.documents) documents, \(report.transactions) transactions, "
                + "checksum \(report.checksum), verified, in \(String(format: "%.1f", seconds)) s")
        }

        private static func backend(_ place: String, role: String) throws -> any StorageBackend {
            if PostgresLocation.isURL(place) {
                guard let backend = try DatabaseChoice.backend(url: place) else { throw CommandFailure("\(role): give a directory or a postgres:// URL") }
                return backend
            }
            guard FileManager.default.fileExists(atPath: place) || role == "--to" else {
                throw CommandFailure("\(role) \(place): no such data directory")
            }
            do { return try SQLiteBackend(directory: place) } catch { throw CommandFailure("\(role) \(place): \(error.description)") }
        }
    }
}
