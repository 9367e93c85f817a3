import ArgumentParser
import FacetMigration
import FacetStore
import Foundation
import GROQ
import Migrations
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `facet migration`: list, create and run the content migrations in `migrations/`.
struct MigrationCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migration",
        abstract: "List, create and run content migrations.",
        discussion: """
            Migrations are Swift values in migrations/ (target Migrations), listed in \
            migrations/Registry.swift. `run` is a dry run unless given --no-dry-run.
            """,
        subcommands: [List.self, Create.self, Run.self]
    )

    static func migration(_ id: String) throws -> Migration {
        guard let migration = MigrationRegistry.migration(id: id) else {
            let known = MigrationRegistry.all.map(\.id).joined(separator: ", ")
            throw CommandFailure("No migration \"\(id)\"; known migrations: \(known.isEmpty ? "none" : known). See `facet migration list`.")
        }
        return migration
    }

    static func ledger(_ store: StoreOptions) throws -> MigrationLedger {
        do {
            if let records = try DatabaseChoice.backend(url: store.databaseURL)?.sharedRecords { return try MigrationLedger(records: records) }
            return try MigrationLedger(directory: store.directory)
        } catch let error as MigrationError {
            throw CommandFailure(error.description)
        }
    }

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the migrations: id, title, and when and by whom each was applied.")

        @OptionGroup var store: StoreOptions

        @Flag(name: .long, help: "Print one JSON object.")
        var json = false

        func run() throws {
            let applied: [String: AppliedMigration]
            do { applied = try MigrationCommand.ledger(store).applied(dataset: store.datasetName) } catch let error as MigrationError {
                throw CommandFailure(error.description)
            }
            if json {
                Output.print(.array(MigrationRegistry.all.map { migration in
                    var entry: JSONObject = ["id": .string(migration.id), "title": .string(migration.title), "applied": .bool(applied[migration.id] != nil)]
                    if let record = applied[migration.id] {
                        entry["appliedAt"] = .string(record.appliedAt)
                        entry["appliedBy"] = .string(record.appliedBy)
                        entry["changed"] = .number(Double(record.changed))
                    }
                    return .object(entry)
                }), pretty: true)
                return
            }
            let width = max(2, MigrationRegistry.all.map(\.id.count).max() ?? 0)
            var lines: [String] = []
            for migration in MigrationRegistry.all {
                let status = applied[migration.id].map { "applied \($0.appliedAt) by \($0.appliedBy) (\($0.changed) changed)" } ?? "not applied"
                lines.append(migration.id.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + migration.title + " — " + status)
            }
            lines.append("\(applied.count) of \(MigrationRegistry.all.count) applied to dataset \(store.datasetName).")
            FileHandle.standardOutput.write(Data((lines.joined(separator: "\n") + "\n").utf8))
        }
    }

    struct Run: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run a migration: a dry run (the diff of every document that would change) unless --no-dry-run.",
            discussion: """
                A real run commits batches through the mutation pipeline (validation, encryption, \
                history, audit; the author is migration:ID), guards every document with its revision, \
                and records the migration as applied at the end. It is safe to run again, also after \
                an interrupted run: documents already migrated are left as they are.
                """)

        @Argument(help: "The migration's id (see `facet migration list`).")
        var id: String

        @OptionGroup var store: StoreOptions

        @Flag(name: .customLong("dry-run"), inversion: .prefixedNo, help: "Only show what would change (the default).")
        var dryRun = true

        @Option(name: .long, help: "Documents per transaction.")
        var batchSize = 100

        @Option(name: .long, help: "Who is recorded as having applied it (default: the user running the command).")
        var author: String?

        @Flag(name: .long, help: "No progress bar on standard error.")
        var quiet = false

        func validate() throws {
            guard (1...10_000).contains(batchSize) else { throw ValidationError("--batch-size must be between 1 and 10000") }
        }

        func run() throws {
            let migration = try MigrationCommand.migration(id)
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            let dataset = try store.openDataset(documentStore, create: false)
            let runner = MigrationRunner(migration: migration, dataset: dataset, validator: documentStore.validator, batchSize: batchSize)
            let bar = ProgressBar(enabled: !quiet)
            do {
                if dryRun {
                    let summary = try runner.plan { outcome in
                        FileHandle.standardOutput.write(Data((outcome.diff + "\n").utf8))
                    }
                    var text = summary.text + "\n"
                    if !summary.invalid.isEmpty {
                        text += MigrationError(.validation, message: "These documents would fail validation after the migration:", advice: "",
                                               invalidDocuments: summary.invalid).description
                    }
                    text += "Nothing was written. Run with --no-dry-run to apply.\n"
                    FileHandle.standardOutput.write(Data(text.utf8))
                    return
                }
                let ledger = try MigrationCommand.ledger(store)
                if let previous = try ledger.applied(dataset: dataset.name)[migration.id] {
                    Output.error("\(migration.id) was applied \(previous.appliedAt) by \(previous.appliedBy); running it again changes only what is not migrated yet.")
                }
                let appliedBy = author ?? ProcessInfo.processInfo.environment["USER"] ?? NSUserName()
                let summary = try runner.apply(ledger: ledger, appliedBy: appliedBy) { bar.show($0) }
                bar.finish()
                print(summary.text)
                print("Recorded \(migration.id) as applied to dataset \(dataset.name) by \(appliedBy).")
            } catch let error as MigrationError {
                bar.finish()
                throw CommandFailure(error.description)
            }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Create migrations/NAME.swift from a template, a test beside it, and list it in the registry.",
            discussion: "Run from the package root (or give --package-path). Existing files are never overwritten.")

        @Argument(help: "The migration's name in kebab-case, e.g. rename-notes (its id; the Swift name is renameNotes).")
        var name: String

        @Option(name: .long, help: "The package root holding migrations/ (default: the current directory).")
        var packagePath = "."

        func run() throws {
            let template = try MigrationTemplate(id: name)
            let root = packagePath
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: root + "/migrations", isDirectory: &isDirectory), isDirectory.boolValue else {
                throw CommandFailure("\(root)/migrations is not a directory: run this in the package root, or give --package-path")
            }
            let source = root + "/migrations/\(template.swiftName).swift"
            let test = root + "/Tests/FacetMigrationTests/\(template.typeName)MigrationTests.swift"
            for path in [source, test] where FileManager.default.fileExists(atPath: path) {
                throw CommandFailure("\(path) already exists; choose another name (nothing was written)")
            }
            if MigrationRegistry.migration(id: template.id) != nil {
                throw CommandFailure("A migration \"\(template.id)\" exists already; choose another name (nothing was written)")
            }
            let registry = root + "/migrations/Registry.swift"
            var registryText = (try? String(contentsOfFile: registry, encoding: .utf8)) ?? ""
            let marker = "        // facet migration create: new migrations above this line"
            let registered = registryText.contains(marker)
            if registered { registryText = registryText.replacingOccurrences(of: marker, with: "        \(template.swiftName),\n" + marker) }
            do {
                try FileManager.default.createDirectory(atPath: root + "/Tests/FacetMigrationTests", withIntermediateDirectories: true)
                try template.source.write(toFile: source, atomically: true, encoding: .utf8)
                try template.test.write(toFile: test, atomically: true, encoding: .utf8)
                if registered { try registryText.write(toFile: registry, atomically: true, encoding: .utf8) }
            } catch {
                throw CommandFailure("Cannot write the migration: \(error.localizedDescription)")
            }
            print("Created \(source)")
            print("Created \(test)")
            if registered {
                print("Listed \(template.swiftName) in \(registry)")
            } else {
                print("Add \(template.swiftName) to MigrationRegistry.all in \(registry) (its marker line was not found)")
            }
            print("Write the handlers, then `swift build` and `facet migration run \(template.id)` (a dry run).")
        }
    }
}

/// The files `facet migration create` writes.
struct MigrationTemplate {
    let id: String
    /// `renameNotes` for `rename-notes`.
    let swiftName: String
    /// `RenameNotes`.
    let typeName: String

    init(id: String) throws {
        let parts = id.split(separator: "-").map(String.init)
        guard !id.isEmpty, id.count <= 64, id.first?.isLetter == true,
              id.unicodeScalars.allSatisfy({ ("a"..."z").contains($0) || ("0"..."9").contains($0) || $0 == "-" }),
              !parts.contains(where: \.isEmpty)
        else {
            throw CommandFailure("\"\(id)\" is not a migration name: use lowercase letters, digits and single dashes, starting with a letter (e.g. rename-notes)")
        }
        self.id = id
        self.swiftName = parts[0] + parts.dropFirst().map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
        self.typeName = swiftName.prefix(1).uppercased() + swiftName.dropFirst()
    }

    var source: String {
        """
        import FacetMigration
        import GROQ

        /// What this migration changes, and why the content model needed it.
        public let \(swiftName) = Migration(
            id: "\(id)",
            title: "\(id.replacingOccurrences(of: "-", with: " ").capitalized)",
            // The _types it applies to (empty: every document); narrow further with `filter:`.
            documentTypes: [],
            // Return edits such as [.set(["field"], value), .unset(["old"])], and none for a
            // document that is already migrated: a second run must change nothing.
            document: { document, _ in
                []
            }
        )

        """
    }

    var test: String {
        """
        import FacetMigration
        import FacetStore
        import Foundation
        import GROQ
        import Migrations
        import Testing

        @Suite("migration \(id)")
        struct \(typeName)MigrationTests {
            @Test("migrates the documents it is for, then changes nothing")
            func migratesOnce() throws {
                let directory = NSTemporaryDirectory() + "facet-migration-" + UUID().uuidString
                defer { try? FileManager.default.removeItem(atPath: directory) }
                let store = try DocumentStore(directory: directory)
                defer { store.close() }
                let dataset = try store.dataset("production", create: true)
                // Documents as they are before the migration:
                try dataset.mutate([.create(["_id": "example-1", "_type": "example"])])
                let runner = MigrationRunner(migration: \(swiftName), dataset: dataset)
                try runner.apply()
                // What they are after it, e.g.:
                // #expect(dataset.document(id: "example-1")?["field"] == "value")
                #expect(try runner.plan().changed == 0)
            }
        }

        """
    }
}

/// A progress bar on standard error, redrawn in place on a terminal, a line per tenth otherwise.
final class ProgressBar {
    private let enabled: Bool
    private let terminal = isatty(STDERR_FILENO) != 0
    private var lastTenth = -1
    private var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func show(_ progress: MigrationProgress) {
        guard enabled, progress.total > 0 else { return }
        let fraction = Double(progress.processed) / Double(progress.total)
        let width = 30, filled = Int(fraction * Double(width))
        let bar = "[" + String(repeating: "#", count: filled) + String(repeating: ".", count: width - filled) + "]"
        let line = "\(bar) \(Int(fraction * 100))% \(progress.processed)/\(progress.total) documents, \(progress.changed) changed"
        if terminal {
            FileHandle.standardError.write(Data(("\r" + line).utf8))
            drawn = true
        } else if Int(fraction * 10) > lastTenth {
            lastTenth = Int(fraction * 10)
            FileHandle.standardError.write(Data((line + "\n").utf8))
        }
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
        drawn = false
    }
}
