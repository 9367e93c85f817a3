import ArgumentParser
import FacetAssets
import FacetSecurity
import FacetStore
import Foundation
import GROQ
import SchemaTypes
import StudioConfig

/// `facet gdpr`: a person's requests about their data (see it all, or be forgotten).
struct GDPRCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gdpr",
        abstract: "Export or erase everything held about a person (GDPR articles 15 and 17).",
        subcommands: [Export.self, Erase.self])

    /// The request for the dataset of `store`, through the data directory's security (so
    /// sealed fields open, and the request is audited).
    static func request(_ store: StoreOptions) throws -> PersonalDataRequest {
        do {
            let schema = try CRMSchema.compile()
            let security = try store.openSecurity()
            let documents = try store.openStore(through: security)
            let dataset = try documents.dataset(store.datasetName, create: false)
            return PersonalDataRequest(dataset: dataset, encryption: security.encryption, audit: security.audit,
                                       personalDataFields: schema.personalDataFields)
        } catch {
            throw CommandFailure(String(describing: error))
        }
    }

    struct Export: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Write as JSON everything held about a person: their documents decrypted, the documents referencing them, their history.",
            discussion: "Audited as gdpr-export. The file holds personal data in clear: hand it to the person over a safe channel.")
        @OptionGroup var store: StoreOptions
        @Argument(help: "The person's document id (a customer's _id).") var id: String
        @Option(name: .long, help: "Write to this file (mode 0600) instead of standard output.") var out: String?

        func run() throws {
            let request = try GDPRCommand.request(store)
            let result = try securityCommand { () throws(SecurityError) in try request.export(id, actor: .system()) }
            var bytes: [UInt8] = []
            result.write(to: &bytes, pretty: true)
            bytes.append(0x0A)
            guard let out else {
                FileHandle.standardOutput.write(Data(bytes))
                return
            }
            guard FileManager.default.createFile(atPath: out, contents: Data(bytes), attributes: [.posixPermissions: 0o600]) else {
                throw CommandFailure("--out \(out): cannot write the file; check that its directory exists and is writable")
            }
            let summary = result["summary"]
            print("wrote \(out): \(Int(summary?["documents"]?.numberValue ?? 0)) document(s) of \(id), \(Int(summary?["referencingDocuments"]?.numberValue ?? 0)) referencing")
        }
    }

    struct Erase: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Delete a person's documents and those referencing them, and destroy their keys so history and old exports cannot be read.",
            discussion: """
                Without --yes, lists what would be erased and changes nothing. Audited as gdpr-erase. The images and \
                files those documents used, when no other document uses them, are deleted too.
                """)
        @OptionGroup var store: StoreOptions
        @Argument(help: "The person's document id (a customer's _id).") var id: String
        @Flag(name: .long, help: "Required: confirms the erasure, which cannot be undone.") var yes = false

        func run() throws {
            let request = try GDPRCommand.request(store)
            let scope = try securityCommand { () throws(SecurityError) in try request.scope(of: id) }
            let erased = Set(scope.documentIDs)
            guard yes else {
                print("would erase \(scope.documentIDs.count) document(s): \(scope.documentIDs.joined(separator: ", "))")
                let assets = UnusedAssets(releasedBy: scope.documents + scope.referencing, in: request.dataset, excluding: erased)
                if !assets.assets.isEmpty { print("and \(assets.assets.count) asset(s) only they use: \(assets.assets.map(\.id).joined(separator: ", "))") }
                throw CommandFailure("erasing \(scope.subject) deletes these documents and destroys their keys for good; add --yes to do it")
            }
            let erasure = try securityCommand { () throws(SecurityError) in try request.erase(id, actor: .system()) }
            print("erased \(erasure.subject): deleted \(erasure.deletedIDs.count) document(s) (\(erasure.deletedIDs.joined(separator: ", "))) in transaction \(erasure.transactionID); destroyed \(erasure.destroyedKeys) key(s)")
            let released = UnusedAssets(releasedBy: scope.documents + scope.referencing, in: request.dataset)
            guard !released.assets.isEmpty else { return }
            do {
                let library = try store.openAssets()
                try released.remove(from: request.dataset, storage: library.storage, options: TransactionOptions(author: PersonalDataRequest.eraseAuthor, source: "gdpr"))
            } catch {
                throw CommandFailure("the person's documents were erased, but \(released.assets.count) asset(s) only they used could not be: \(error); run `facet assets gc --yes`")
            }
            print("deleted \(released.assets.count) asset(s) only they used: \(released.assets.map(\.id).joined(separator: ", "))")
        }
    }
}
