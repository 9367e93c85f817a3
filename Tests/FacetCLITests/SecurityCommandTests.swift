import Foundation
import GROQ
import TestSupport
import Testing

/// `facet keys` and `facet gdpr`, end to end with the built binary.
@Suite("facet keys and gdpr commands")
struct SecurityCommandTests {
    typealias Run = StoreCommandTests

    static let environment = ["FACET_SCHEMA": "crm", "FACET_ADMIN_PASSWORD": "a long enough test password 1"]

    static func run(_ arguments: [String], environment extra: [String: String] = [:]) async throws -> QueryCommandTests.Outcome {
        try await Run.run(arguments, environment: environment.merging(extra) { $1 })
    }

    static let customer = #"""
        {"mutations": [
          {"create": {"_id": "c-1", "_type": "customer", "name": "Ada Lovelace", "email": "known.plaintext@example.com",
                      "phone": "+33 1 42 60 00 00", "segment": "vip"}},
          {"create": {"_id": "c-2", "_type": "customer", "name": "Grace Hopper", "email": "grace@example.com", "segment": "new"}},
          {"create": {"_id": "i-1", "_type": "interaction", "customer": {"_type": "reference", "_ref": "c-1"}, "channel": "phone",
                      "direction": "outbound", "date": "2026-01-15T10:00:00.000Z", "outcome": "interested"}}
        ]}
        """#

    static func seed(_ data: String) async throws {
        let outcome = try await Run.run(["mutate", "--data", data, "-"], input: customer, environment: environment)
        #expect(outcome.status == 0, "mutate failed: \(outcome.stderr)")
    }

    /// The master key id `facet keys status` prints.
    static func masterKeyID(_ data: String) async throws -> String {
        let status = try await Self.run(["keys", "status", "--data", data])
        #expect(status.status == 0, "\(status.stderr)")
        let line = try #require(status.stdout.split(separator: "\n").first { $0.hasPrefix("master key: ") })
        return String(line.dropFirst("master key: ".count).prefix(16))
    }

    @Test func keysStatusAndRotate() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let first = try await Self.run(["keys", "status", "--data", data])
                #expect(first.status == 0, "\(first.stderr)")
                #expect(first.stdout.contains("(key file master.key)"))
                #expect(first.stdout.contains("data keys: "))
                let keyFile = data + "/master.key"
                #expect((try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
                let before = try await Self.masterKeyID(data)
                #expect(before.count == 16)
                try await Self.seed(data)

                let rotated = try await Self.run(["keys", "rotate", "--data", data, "--grace", "0"])
                #expect(rotated.status == 0, "\(rotated.stderr)")
                #expect(rotated.stdout.contains("master key: \(before) -> "))
                #expect(rotated.stdout.contains("old keys deleted: "))
                let after = try await Self.masterKeyID(data)
                #expect(after != before)
                #expect(!FileManager.default.fileExists(atPath: keyFile + ".old"))
                let read = try await Self.run(["gdpr", "export", "--data", data, "c-1"])
                #expect(read.status == 0, "\(read.stderr)")
                #expect(read.stdout.contains("known.plaintext@example.com"))

                Run.expectFailure(try await Self.run(["keys", "rotate", "--data", data, "--grace=-1"]), "--grace must not be negative")
            }
        }
    }

    /// `dataset export --open` writes personal fields in plaintext, warns, leaves the file to
    /// its owner alone, never writes over a file, and is audited; the default stays sealed.
    @Test func anOpenExportIsPlaintextWarnedAndAudited() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                try await Self.seed(data)
                let sealed = try await Self.run(["dataset", "export", "--data", data, "-"])
                #expect(sealed.status == 0, "\(sealed.stderr)")
                #expect(!sealed.stdout.contains("known.plaintext@example.com") && sealed.stdout.contains("facet.encrypted"))

                let path = try Run.file("", named: "open.ndjson", beside: data)
                Run.expectFailure(try await Self.run(["dataset", "export", "--data", data, "--open", path]), "an open export is never written over another file")
                try FileManager.default.removeItem(atPath: path)
                let open = try await Self.run(["dataset", "export", "--data", data, "--open", path])
                #expect(open.status == 0, "\(open.stderr)")
                #expect(open.stderr.contains("warning: \(path) holds every protected field in plaintext"))
                let text = try String(contentsOfFile: path, encoding: .utf8)
                #expect(text.contains("known.plaintext@example.com") && text.contains("Ada Lovelace") && !text.contains("facet.encrypted"))
                #expect((try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
                // Every line is a plain document Sanity's importer reads: an _id, a _type, no envelope.
                for line in Run.lines(text) {
                    let document = try Run.json(line)
                    #expect(document["_id"]?.stringValue != nil && document["_type"]?.stringValue != nil)
                }

                let audit = try await Run.run(["audit", "list", "--data", data, "--action", "export-open", "--json"])
                #expect(audit.status == 0, "\(audit.stderr)")
                #expect(audit.stdout.contains("export-open") && audit.stdout.contains(path))
                #expect(try await Self.run(["audit", "verify", "--data", data]).status == 0)
            }
        }
    }

    /// A master key given in FACET_MASTER_KEY is replaced with the old one beside the new in
    /// FACET_MASTER_KEY_PREVIOUS: both open the data while servers move over, the rotation wraps
    /// everything with the new one, and then the old one is no longer needed (nor accepted).
    @Test func aMasterKeyFromTheEnvironmentIsRotatedWithThePreviousBesideIt() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let old = Data(repeating: 7, count: 32).base64EncodedString(), new = Data(repeating: 8, count: 32).base64EncodedString()
                let outcome = try await Run.run(["mutate", "--data", data, "-"], input: Self.customer, environment: Self.environment.merging(["FACET_MASTER_KEY": old]) { $1 })
                #expect(outcome.status == 0, "\(outcome.stderr)")
                func status(_ environment: [String: String]) async throws -> QueryCommandTests.Outcome {
                    try await Self.run(["keys", "status", "--data", data], environment: environment)
                }
                let oldID = try #require(try await status(["FACET_MASTER_KEY": old]).stdout.split(separator: " ").dropFirst(2).first).prefix(16)

                // The new key alone does not open the directory, and says how to move to it.
                let alone = try await status(["FACET_MASTER_KEY": new])
                Run.expectFailure(alone, "is not the one this data directory's keys are wrapped with")
                #expect(alone.stderr.contains("FACET_MASTER_KEY_PREVIOUS"))
                Run.expectFailure(try await status(["FACET_MASTER_KEY_PREVIOUS": old]), "FACET_MASTER_KEY_PREVIOUS is set without FACET_MASTER_KEY")

                // Both: the data opens, under the old key until the rotation.
                let both = ["FACET_MASTER_KEY": new, "FACET_MASTER_KEY_PREVIOUS": old]
                #expect(try await status(both).stdout.hasPrefix("master key: \(oldID) (FACET_MASTER_KEY)"))
                #expect(try await Self.run(["gdpr", "export", "--data", data, "c-1"], environment: both).stdout.contains("known.plaintext@example.com"))
                let rotated = try await Self.run(["keys", "rotate", "--data", data, "--grace", "0"], environment: both)
                #expect(rotated.status == 0, "\(rotated.stderr)")
                #expect(rotated.stdout.contains("master key: \(oldID) -> "))
                #expect(rotated.stdout.contains("remove FACET_MASTER_KEY_PREVIOUS once every server runs with the new FACET_MASTER_KEY"))

                // Afterwards the new key alone reads everything, history included; the old one alone no longer opens it.
                let after = ["FACET_MASTER_KEY": new]
                #expect(try await status(after).status == 0)
                let read = try await Self.run(["gdpr", "export", "--data", data, "c-1"], environment: after)
                #expect(read.status == 0, "\(read.stderr)")
                #expect(read.stdout.contains("known.plaintext@example.com"))
                let history = try await Self.run(["history", "--data", data, "c-1"], environment: after)
                #expect(history.status == 0, "\(history.stderr)")
                Run.expectFailure(try await status(["FACET_MASTER_KEY": old]), "is not the one this data directory's keys are wrapped with")
                #expect(try await Self.run(["audit", "verify", "--data", data], environment: after).status == 0)
            }
        }
    }

    @Test func aMalformedMasterKeyIsRefusedClearly() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                let outcome = try await Self.run(["keys", "status", "--data", data], environment: ["FACET_MASTER_KEY": "c2hvcnQ="])
                Run.expectFailure(outcome, "FACET_MASTER_KEY holds 5 bytes")
                #expect(outcome.stderr.contains("head -c 32 /dev/urandom | base64"))
                let fine = try await Self.run(["keys", "status", "--data", data],
                                   environment: ["FACET_MASTER_KEY": Data(repeating: 9, count: 32).base64EncodedString()])
                #expect(fine.status == 0, "\(fine.stderr)")
                #expect(fine.stdout.contains("(FACET_MASTER_KEY)"))
            }
        }
    }

    @Test func gdprExportAndErase() async throws {
        try await withProcessTurn {
            try await Run.withDataDirectory { data in
                try await Self.seed(data)
                let out = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("c-1.json").path
                let exported = try await Self.run(["gdpr", "export", "--data", data, "c-1", "--out", out])
                #expect(exported.status == 0, "\(exported.stderr)")
                #expect(exported.stdout.contains("wrote \(out): 1 document(s) of c-1, 1 referencing"))
                #expect((try FileManager.default.attributesOfItem(atPath: out)[.posixPermissions] as? NSNumber)?.intValue == 0o600)
                let json = try JSONValue(parsing: try Data(contentsOf: URL(fileURLWithPath: out)))
                #expect(json["documents"]?[0]?["email"] == "known.plaintext@example.com")
                #expect(json["referencingDocuments"]?[0]?["_id"] == "i-1")

                let unconfirmed = try await Self.run(["gdpr", "erase", "--data", data, "c-1"])
                #expect(unconfirmed.status != 0)
                #expect(unconfirmed.stdout.contains("would erase 2 document(s): c-1, i-1"))
                #expect(unconfirmed.stderr.contains("add --yes"))
                #expect(try await Run.run(["query", "--data", data, "count(*)"]).stdout == "3\n")

                let erased = try await Self.run(["gdpr", "erase", "--data", data, "c-1", "--yes"])
                #expect(erased.status == 0, "\(erased.stderr)")
                #expect(erased.stdout.contains("erased c-1: deleted 2 document(s) (c-1, i-1)"))
                #expect(try await Run.run(["query", "--data", data, "*._id"]).stdout == #"["c-2"]"# + "\n")
                Run.expectFailure(try await Self.run(["gdpr", "export", "--data", data, "c-1"]), #"No document "c-1""#)
                Run.expectFailure(try await Self.run(["gdpr", "erase", "--data", data, "--dataset", "nope", "c-2", "--yes"]), #"Dataset "nope" not found"#)
            }
        }
    }
}
