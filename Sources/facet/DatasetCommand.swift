import ArgumentParser
import FacetAssets
import FacetSecurity
import FacetStore
import Foundation
import GROQ

/// `facet dataset`: list, create, delete, import and export datasets.
struct DatasetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dataset",
        abstract: "Manage datasets and move documents in and out as NDJSON.",
        subcommands: [List.self, Create.self, Delete.self, Import.self, Export.self, Copy.self])

    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print the datasets' names.")
        @OptionGroup var store: StoreOptions

        func run() throws {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            do { for name in try documentStore.datasetNames() { print(name) } } catch { throw CommandFailure(error.description) }
        }
    }

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Create an empty dataset.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The new dataset's name.") var name: String

        func run() throws {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            do { try documentStore.createDataset(name) } catch { throw CommandFailure(error.description) }
            print("created dataset \(name)")
        }
    }

    struct Delete: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Delete a dataset with all its documents and history.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The dataset to delete.") var name: String
        @Flag(name: .long, help: "Required: confirms that everything in the dataset goes.") var force = false

        func run() throws {
            guard force else {
                throw CommandFailure("deleting \(name) removes its documents and history for good; export it first, then add --force")
            }
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            do { try documentStore.deleteDataset(name) } catch { throw CommandFailure(error.description) }
            print("deleted dataset \(name)")
        }
    }

    struct Import: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Import an NDJSON file, or a .tar.gz with its assets (Sanity's export formats).",
            discussion: """
                A .tar.gz (from `facet dataset export --assets` or `sanity dataset export`) brings its images and \
                files too: each is stored as an asset and its `_sanityAsset` pointers become references. \
                By default an existing _id is an error; --replace replaces, --missing keeps existing documents. \
                The import is all or nothing: it commits as one unit, so a failure or a kill midway leaves the dataset \
                as it was (and creates no production dataset); other writers wait until it is done.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The NDJSON file, or a .tar.gz archive with assets.") var file: String
        @Flag(name: .long, help: "Replace documents that exist (createOrReplace).") var replace = false
        @Flag(name: .long, help: "Keep documents that exist (createIfNotExists).") var missing = false
        @Flag(name: .long, help: "Skip bad lines (reported) and import the rest.") var allowFailing = false
        @Option(name: .long, help: "Documents per transaction in history (the import still commits as one unit).") var batchSize = 1_000

        func validate() throws {
            if replace && missing { throw ValidationError("give --replace or --missing, not both") }
            if batchSize < 1 { throw ValidationError("--batch-size must be at least 1") }
        }

        func run() throws {
            let documentStore = try store.openStore()
            defer { documentStore.close() }
            let mode: ImportMode = replace ? .createOrReplace : missing ? .createIfNotExists : .create
            let terminal = isatty(2) == 1
            let options = ImportOptions(mode: mode, allowFailing: allowFailing, batchSize: batchSize)
            let archived = Self.isArchive(file)
            let assets: AssetLibrary? = archived ? try store.openAssets() : nil
            let archiveOutcome = ArchiveOutcome()
            let importing = { (dataset: Dataset) throws(StoreError) -> ImportReport in
                if let assets {
                    do {
                        let result = try DatasetArchive.importArchive(file, into: dataset, assets: assets, options: options)
                        archiveOutcome.value = result
                        return result.documents
                    } catch let error as StoreError {
                        throw error
                    } catch let error as AssetError {
                        throw StoreError(.invalid, type: "archiveError", message: error.message, advice: error.advice)
                    } catch {
                        throw StoreError(.invalid, type: "archiveError", message: "The archive could not be read: \(error)")
                    }
                }
                return try dataset.importNDJSON(path: file, options: options) { progress in
                    guard terminal else { return }
                    let total = progress.total.map { " of \($0)" } ?? ""
                    FileHandle.standardError.write(Data("\r\(progress.phase) \(progress.documents)\(total) documents…".utf8))
                }
            }
            let report: ImportReport
            do {
                // The default dataset is made by its first import, and only if that import succeeds.
                let exists = try documentStore.datasetNames().contains(store.datasetName)
                if !exists && store.datasetName == DocumentStore.defaultDataset {
                    report = try documentStore.creatingDataset(store.datasetName, importing)
                } else {
                    report = try importing(store.openDataset(documentStore, create: false))
                }
            } catch let error as CommandFailure {
                throw error
            } catch {
                if terminal { Output.error("") }
                throw CommandFailure("\(error)")
            }
            if terminal { Output.error("") }
            for failure in report.failures { Output.error("skipped \(failure)") }
            let rate = report.seconds > 0 ? Int(Double(report.imported) / report.seconds) : report.imported
            print("imported \(report.imported) documents in \(report.transactions) transactions (\(String(format: "%.2f", report.seconds)) s, \(rate) documents/s)"
                  + (report.failures.isEmpty ? "" : "; \(report.failures.count) lines skipped"))
            if let outcome = archiveOutcome.value {
                print("with \(outcome.images) images and \(outcome.files) files; \(outcome.references) asset references restored")
            }
        }

        /// What an archive import brought besides documents, set by the import closure.
        final class ArchiveOutcome: @unchecked Sendable {
            // Written once by the closure, read after it returns, on one thread.
            var value: DatasetArchive.ImportOutcome?
        }

        /// A gzip file (by its first bytes, whatever its name).
        static func isArchive(_ path: String) -> Bool {
            guard let handle = FileHandle(forReadingAtPath: path), let head = try? handle.read(upToCount: 2) else { return false }
            try? handle.close()
            return Array(head) == [0x1F, 0x8B]
        }

    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Export every document as NDJSON, in _id order; with --assets, a .tar.gz with the images and files.",
            discussion: """
                --assets writes Sanity's export layout (data.ndjson, assets.json, images/, files/), which \
                `facet dataset import` and Sanity's importer read.

                Protected fields (personal data) stay sealed, as the database holds them, and only this \
                data directory can open them again. --open writes them in plaintext, for moving the data \
                to another system (Sanity's importer reads the file as it is): it is an administrator's \
                act, recorded in the audit log, and the file is as sensitive as the data itself.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The file to write (NDJSON, or .tar.gz with --assets), or - for standard output (NDJSON only).") var file: String
        @Flag(name: .long, help: "Write a .tar.gz holding the assets' files beside data.ndjson.") var assets = false
        @Option(name: .long, help: "Only these types, comma-separated.") var types: String?
        @Flag(name: .long, help: "Leave out drafts.") var noDrafts = false
        @Flag(name: .long, help: "Write protected fields in plaintext (audited), to move the data to another system.") var open = false

        func run() throws {
            let security = try store.openSecurity()
            let documentStore = try store.openStore(through: security)
            defer { documentStore.close() }
            let dataset = try store.openDataset(documentStore, create: false)
            let options = ExportOptions(types: types.map { Set($0.split(separator: ",").map(String.init)) }, includeDrafts: !noDrafts,
                                        sealed: !open)
            if open {
                if file != "-", FileManager.default.fileExists(atPath: file) {
                    throw CommandFailure("\(file) exists: an open export is never written over another file; give a new name")
                }
                let event = AuditEvent(action: "export-open", actor: Principal.system().author, actorRole: .admin,
                                       details: ["dataset": .string(dataset.name), "file": .string(file),
                                                 "types": options.types.map { .array($0.sorted().map(JSONValue.string)) } ?? "all"])
                do { _ = try security.audit.record(event) } catch { throw CommandFailure("the open export was not made: \(error.description)") }
                Output.error("""
                    warning: \(file == "-" ? "the output" : file) holds every protected field in plaintext (names, e-mail \
                    addresses, notes). Keep it where only you can read it, and delete it once it is imported elsewhere.
                    """)
            }
            if assets {
                guard file != "-" else { throw CommandFailure("--assets writes a .tar.gz file: give its name, not -") }
                let library = try store.openAssets()
                let report: DatasetArchive.ExportReport
                do { report = try DatasetArchive.export(dataset, storage: library.storage, to: file, options: options) } catch {
                    try? FileManager.default.removeItem(atPath: file)
                    throw CommandFailure("the export failed (nothing was written): \(error)")
                }
                if open { try? FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file) }
                print("exported \(report.documents) documents, \(report.images) images and \(report.files) files to \(file)")
                return
            }
            let handle: FileHandle
            if file == "-" {
                handle = FileHandle.standardOutput
            } else {
                // An open export is readable by its owner alone.
                let attributes: [FileAttributeKey: Any]? = open ? [.posixPermissions: 0o600] : nil
                guard FileManager.default.createFile(atPath: file, contents: nil, attributes: attributes),
                      let opened = FileHandle(forWritingAtPath: file) else {
                    throw CommandFailure("cannot write \(file)")
                }
                handle = opened
            }
            let count = try dataset.exportNDJSON(options) { chunk in try handle.write(contentsOf: chunk) }
            if file != "-" {
                try handle.close()
                print("exported \(count) documents to \(file)")
            }
        }
    }
}
