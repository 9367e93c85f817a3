import ArgumentParser
import FacetMigration
import FacetSchema
import FacetStore
import Foundation
import GROQ
import Migrations
import SchemaTypes
import StudioConfig

/// `facet schema`: the content model as the studio sees it, and a check of stored documents
/// against it.
struct SchemaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "schema",
        abstract: "Print the schema or the desk structure, or check stored documents against the schema.",
        subcommands: [Print.self, Structure.self, Check.self]
    )

    /// The CRM schema, or the schema's problems as a command failure.
    static func compiled() throws -> Schema {
        do { return try CRMSchema.compile() } catch { throw CommandFailure(error.description) }
    }

    struct Print: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the compiled schema as JSON: every type, field, option and rule (custom rules by name).")

        @Flag(name: .long, help: "One line instead of indented JSON.")
        var compact = false

        func run() throws {
            Output.print(try SchemaCommand.compiled().json, pretty: !compact)
        }
    }

    struct Structure: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the studio's desk structure as JSON.")

        @Flag(name: .long, help: "One line instead of indented JSON.")
        var compact = false

        func run() throws {
            let schema = try SchemaCommand.compiled()
            do { Output.print(try CRMDesk.structure(schema: schema).json, pretty: !compact) } catch {
                throw CommandFailure(error.description)
            }
        }
    }

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate every stored document (drafts included) and report the markers.",
            discussion: """
                Exits with status 1 when a document has an error-level marker, so a script or CI \
                job can stop on it. Warnings and information are reported but do not fail the check.
                """)

        @OptionGroup var store: StoreOptions

        @Option(name: .long, help: "The least serious level reported: error, warning or info.")
        var level: Rule.Level = .warning

        @Flag(name: .long, help: "Print the report as one JSON object.")
        var json = false

        func run() throws {
            guard let validator = try store.validator() else {
                throw CommandFailure("--schema none: there is no schema to check against; leave --schema out, or use --schema crm")
            }
            // Reading does not need the validator on the store; opening without one also lets the
            // check run on a dataset written before a schema change.
            let documentStore: DocumentStore
            let security = try store.openSecurity()
            do { documentStore = try security.documentStore(validator: nil) } catch { throw CommandFailure(error.description) }
            defer { documentStore.close() }
            let dataset = try store.openDataset(documentStore, create: false)
            let source = dataset.snapshot.source(.raw)
            let documents = source.documents.sorted { ($0["_id"]?.stringValue ?? "") < ($1["_id"]?.stringValue ?? "") }
            let verdicts = validator.findings(forEach: documents, among: source)
            let report = SchemaCheckReport(documents: documents, findings: verdicts, least: level, migrations: MigrationRegistry.all)
            if json {
                Output.print(report.json, pretty: true)
            } else {
                FileHandle.standardOutput.write(Data(report.text.utf8))
            }
            if report.errorDocuments > 0 { throw ExitCode(1) }
        }
    }
}

extension Rule.Level: ExpressibleByArgument {}

/// What `facet schema check` found: the documents with markers, and the counts.
struct SchemaCheckReport {
    struct Entry {
        var id: String
        var type: String
        var findings: [ValidationFinding]
    }

    /// A migration that declares it fixes some of the error markers found.
    struct Suggestion {
        var migration: Migration
        var documents: Int
        var markers: Int
    }

    var checked: Int
    var entries: [Entry] = []
    var counts: [String: Int] = ["error": 0, "warning": 0, "info": 0]
    var errorDocuments = 0
    var suggestions: [Suggestion] = []

    init(documents: [JSONValue], findings: [[ValidationFinding]], least: Rule.Level, migrations: [Migration] = []) {
        checked = documents.count
        let reported: Set<String> = switch least {
        case .error: ["error"]
        case .warning: ["error", "warning"]
        case .info: ["error", "warning", "info"]
        }
        for (document, found) in zip(documents, findings) {
            for finding in found { counts[finding.level, default: 0] += 1 }
            if found.contains(where: { $0.level == "error" }) { errorDocuments += 1 }
            let shown = found.filter { reported.contains($0.level) }
            guard !shown.isEmpty else { continue }
            entries.append(Entry(id: document["_id"]?.stringValue ?? "?", type: document["_type"]?.stringValue ?? "?", findings: shown))
        }
        for migration in migrations where !migration.fixes.isEmpty {
            var suggestion = Suggestion(migration: migration, documents: 0, markers: 0)
            for (document, found) in zip(documents, findings) {
                let type = document["_type"]?.stringValue ?? ""
                let fixed = found.filter { finding in finding.level == "error" && migration.fixes.contains { $0.covers(type: type, path: finding.path) } }
                if !fixed.isEmpty {
                    suggestion.documents += 1
                    suggestion.markers += fixed.count
                }
            }
            if suggestion.documents > 0 { suggestions.append(suggestion) }
        }
    }

    var json: JSONValue {
        [
            "checked": .number(Double(checked)),
            "documentsWithErrors": .number(Double(errorDocuments)),
            "markers": ["error": .number(Double(counts["error"] ?? 0)), "warning": .number(Double(counts["warning"] ?? 0)),
                        "info": .number(Double(counts["info"] ?? 0))],
            "documents": .array(entries.map { entry in
                ["_id": .string(entry.id), "_type": .string(entry.type), "markers": .array(entry.findings.map(\.json))]
            }),
            "suggestedMigrations": .array(suggestions.map { suggestion in
                ["id": .string(suggestion.migration.id), "title": .string(suggestion.migration.title),
                 "documents": .number(Double(suggestion.documents)), "markers": .number(Double(suggestion.markers))]
            }),
        ]
    }

    var text: String {
        var lines: [String] = []
        for entry in entries {
            lines.append("\(entry.id) (\(entry.type))")
            for finding in entry.findings {
                lines.append("  \(finding.level) at \(finding.path.isEmpty ? "(document)" : finding.path): \(finding.message)")
            }
        }
        let plural = { (count: Int, word: String) in "\(count) \(word)\(count == 1 ? "" : "s")" }
        lines.append("Checked \(plural(checked, "document")): \(plural(errorDocuments, "document")) with errors; "
            + "\(plural(counts["error"] ?? 0, "error")), \(plural(counts["warning"] ?? 0, "warning")), \(counts["info"] ?? 0) info.")
        for suggestion in suggestions {
            lines.append("Migration \(suggestion.migration.id) (\(suggestion.migration.title)) fixes \(plural(suggestion.markers, "error")) "
                + "in \(plural(suggestion.documents, "document")): facet migration run \(suggestion.migration.id)")
        }
        return lines.joined(separator: "\n") + "\n"
    }
}
