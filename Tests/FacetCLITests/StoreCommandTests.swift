import Dispatch
import Foundation
import GROQ
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// `facet mutate | doc | history | query --data | dataset …` end to end: the real `facet`
/// executable run with `Process`, each test in a data directory of its own.
///
/// The helpers of ``QueryCommandTests`` find the executable and make temporary directories;
/// `run` below adds standard input and a time limit, so that no test can hang on a stuck child.
@Suite("facet store commands")
struct StoreCommandTests {
    typealias Outcome = QueryCommandTests.Outcome

    struct Timeout: Error, CustomStringConvertible {
        let arguments: [String]
        var description: String { "facet \(arguments.joined(separator: " ")) did not finish in time" }
    }

    // MARK: Helpers

    /// Runs `facet` with `arguments`; `input` (when given) is its standard input. The child is
    /// killed, and the test fails, after `timeout` seconds.
    static func run(_ arguments: [String], input: String? = nil, environment: [String: String] = [:],
                    timeout: TimeInterval = 120) async throws -> Outcome
    {
        let binary = try #require(QueryCommandTests.binary, "the facet executable was not found: run `swift build` (same --scratch-path) first")
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let outURL = directory.appendingPathComponent("stdout"), errURL = directory.appendingPathComponent("stderr")
        var stdin = ChildProcess.Stream.null
        if let input {
            let inURL = directory.appendingPathComponent("stdin")
            try Data(input.utf8).write(to: inURL)
            stdin = .file(inURL.path)
        }
        // These tests exercise the generic store with ad-hoc types; CRM tests ask for FACET_SCHEMA=crm.
        let process = try ChildProcess(binary.path, arguments,
                                       environment: ProcessInfo.processInfo.environment.merging(["FACET_SCHEMA": "none"]) { $1 }.merging(environment) { $1 },
                                       stdin: stdin, stdout: .file(outURL.path), stderr: .file(errURL.path))
        let ending: ChildProcess.Ending
        do { ending = try await process.ended(timeout: timeout) } catch { throw Timeout(arguments: arguments) }
        return Outcome(status: ending.status,
                       stdout: String(decoding: try Data(contentsOf: outURL), as: UTF8.self),
                       stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self))
    }

    /// Runs `body` with the path of a fresh data directory, removed afterwards.
    static func withDataDirectory<T>(_ body: (String) async throws -> T) async throws -> T {
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        return try await body(directory.appendingPathComponent("data").path)
    }

    /// Writes `text` to a new file in a temporary directory of its own (removed with `data`'s
    /// parent, which is that of ``withDataDirectory``).
    static func file(_ text: String, named name: String, beside data: String) throws -> String {
        let path = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent(name).path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    static func json(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> JSONValue {
        do { return try JSONValue(parsing: text) } catch {
            Issue.record("not JSON (\(error)): \(text)", sourceLocation: sourceLocation)
            throw error
        }
    }

    static func lines(_ text: String) -> [String] {
        text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
    }

    /// Runs a successful `facet mutate` of `body` on standard input and returns its parsed result.
    @discardableResult
    static func mutate(_ data: String, _ body: String, _ options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let outcome = try await run(["mutate", "--data", data] + options + ["-"], input: body)
        #expect(outcome.status == 0, "mutate failed: \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(outcome.stderr == "", sourceLocation: sourceLocation)
        return try json(outcome.stdout, sourceLocation: sourceLocation)
    }

    /// The dataset's NDJSON export (every document, `_rev` included): a fingerprint of its state.
    static func export(_ data: String, dataset: String = "production", sourceLocation: SourceLocation = #_sourceLocation) async throws -> String {
        let outcome = try await run(["dataset", "export", "--data", data, "--dataset", dataset, "-"])
        #expect(outcome.status == 0, "export failed: \(outcome.stderr)", sourceLocation: sourceLocation)
        return outcome.stdout
    }

    /// Every document of the dataset as the store reads it (opened), one serialised document per
    /// entry in `_id` order: what "nothing changed" compares, since exports are sealed afresh
    /// (with new nonces) each time.
    static func state(_ data: String, dataset: String = "production", environment: [String: String] = [:],
                      sourceLocation: SourceLocation = #_sourceLocation) async throws -> [String] {
        let outcome = try await run(["query", "--data", data, "--dataset", dataset, "*|order(_id)"], environment: environment)
        #expect(outcome.status == 0, "query failed: \(outcome.stderr)", sourceLocation: sourceLocation)
        return try json(outcome.stdout, sourceLocation: sourceLocation).arrayValue?.map { $0.serialized() } ?? []
    }

    /// `facet history ID`, parsed, one value per transaction.
    static func history(_ data: String, _ id: String, _ options: [String] = [], sourceLocation: SourceLocation = #_sourceLocation) async throws -> [JSONValue] {
        let outcome = try await run(["history", "--data", data] + options + [id])
        #expect(outcome.status == 0, "history failed: \(outcome.stderr)", sourceLocation: sourceLocation)
        #expect(outcome.stderr == "", sourceLocation: sourceLocation)
        return try lines(outcome.stdout).map { try json($0, sourceLocation: sourceLocation) }
    }

    /// `facet doc ID...`, parsed.
    static func doc(_ data: String, _ ids: [String], sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        let outcome = try await run(["doc", "--data", data] + ids)
        #expect(outcome.status == 0, "doc failed: \(outcome.stderr)", sourceLocation: sourceLocation)
        return try json(outcome.stdout, sourceLocation: sourceLocation)
    }

    /// Expects a refused command: non-zero, nothing on stdout, `message` on stderr.
    static func expectFailure(_ outcome: Outcome, _ message: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(outcome.status != 0, "should have failed; stdout: \(outcome.stdout)", sourceLocation: sourceLocation)
        #expect(outcome.stdout == "", sourceLocation: sourceLocation)
        #expect(outcome.stderr.contains(message), "stderr lacks \(message):\n\(outcome.stderr)", sourceLocation: sourceLocation)
    }

    static func keys(_ value: JSONValue?) -> [String] { value?.objectValue.map { Array($0.keys) } ?? [] }

    /// A document line with `key` removed, serialised again in its own key order.
    static func removing(_ key: String, from line: String) throws -> String {
        guard case .object(var object) = try json(line) else { return line }
        object.removeValue(forKey: key)
        return JSONValue.object(object).serialized()
    }

    static let fixedTime = "2026-01-01T00:00:00.000Z"

    /// c-1 (Ada) and c-2 (Bob) committed as transaction `tx-setup` with fixed timestamps, so
    /// that every byte of them is known.
    static func setUpCustomers(_ data: String) async throws {
        let result = try await mutate(data, """
            {"mutations": [
              {"create": {"_id": "c-1", "_type": "customer", "_createdAt": "\(fixedTime)", "_updatedAt": "\(fixedTime)", "name": "Ada"}},
              {"create": {"_id": "c-2", "_type": "customer", "_createdAt": "\(fixedTime)", "_updatedAt": "\(fixedTime)", "name": "Bob"}}
            ]}
            """, ["--transaction-id", "tx-setup"])
        #expect(result == ["transactionId": "tx-setup", "results": [["id": "c-1", "operation": "create"], ["id": "c-2", "operation": "create"]]])
    }

    static func customer(_ id: String, _ name: String, rev: String = "tx-setup", updatedAt: String = fixedTime) -> String {
        #"{"_id":"\#(id)","_type":"customer","_createdAt":"\#(fixedTime)","_updatedAt":"\#(updatedAt)","name":"\#(name)","_rev":"\#(rev)"}"#
    }

    // MARK: mutate

    @Test func mutateFromAFileAndFromStandardInput() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let body = #"{"mutations": [{"create": {"_id": "c-1", "_type": "customer", "_createdAt": "2026-01-01T00:00:00.000Z", "_updatedAt": "2026-01-01T00:00:00.000Z", "name": "Ada"}}, {"createOrReplace": {"_id": "c-2", "_type": "customer", "_createdAt": "2026-01-01T00:00:00.000Z", "_updatedAt": "2026-01-01T00:00:00.000Z", "name": "Bob"}}]}"#
                let path = try Self.file(body, named: "changes.json", beside: data)
                let fromFile = try await Self.run(["mutate", "--data", data, "--transaction-id", "tx-setup", path])
                #expect(fromFile.status == 0, "\(fromFile.stderr)")
                #expect(fromFile.stderr == "")
                #expect(fromFile.stdout == #"{"transactionId":"tx-setup","results":[{"id":"c-1","operation":"create"},{"id":"c-2","operation":"create"}]}"# + "\n")
                let both = try await Self.run(["doc", "--data", data, "c-1", "c-2"])
                #expect(both.stdout == #"{"documents":["# + Self.customer("c-1", "Ada") + "," + Self.customer("c-2", "Bob") + #"],"omitted":[]}"# + "\n")

                // Standard input; a patch guarded by the right revision, a createIfNotExists of an
                // existing document (nothing to do) and a delete, in one transaction.
                let fromStdin = try await Self.run(["mutate", "--data", data, "-"], input: """
                    {"mutations": [
                      {"patch": {"id": "c-1", "ifRevisionID": "tx-setup", "set": {"name": "Ada Lovelace"}}},
                      {"createIfNotExists": {"_id": "c-1", "_type": "customer", "name": "ignored"}},
                      {"delete": {"id": "c-2"}},
                      {"delete": {"id": "never-was"}}
                    ]}
                    """)
                #expect(fromStdin.status == 0, "\(fromStdin.stderr)")
                #expect(fromStdin.stderr == "")
                let result = try Self.json(fromStdin.stdout)
                #expect(Self.keys(result) == ["transactionId", "results"])
                let transaction = try #require(result["transactionId"]?.stringValue)
                #expect(!transaction.isEmpty && transaction != "tx-setup")
                #expect(result["results"] == [["id": "c-1", "operation": "update"], ["id": "c-1", "operation": "none"],
                                              ["id": "c-2", "operation": "delete"], ["id": "never-was", "operation": "none"]])
                #expect(fromStdin.stdout == #"{"transactionId":"\#(transaction)","results":[{"id":"c-1","operation":"update"},{"id":"c-1","operation":"none"},{"id":"c-2","operation":"delete"},{"id":"never-was","operation":"none"}]}"# + "\n")

                let after = try await Self.doc(data, ["c-1", "c-2"])
                let ada = try #require(after["documents"]?[0])
                #expect(ada["name"] == "Ada Lovelace")
                #expect(ada["_rev"] == .string(transaction))
                #expect(ada["_createdAt"] == .string(Self.fixedTime))
                #expect(ada["_updatedAt"] != .string(Self.fixedTime), "a patch stamps _updatedAt")
                #expect(after["documents"]?.arrayValue?.count == 1)
                #expect(after["omitted"] == [["id": "c-2", "reason": "existence"]])
            }
        }
    }

    @Test func mutateReturnsIdsAndDocumentsWhenAsked() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpCustomers(data)
                let idsOnly = try await Self.run(["mutate", "--data", data, "--return-ids", "--transaction-id", "tx-ids", "-"],
                                                 input: #"{"mutations": [{"patch": {"id": "c-2", "set": {"tier": "gold"}}}, {"create": {"_id": "c-3", "_type": "customer", "_createdAt": "2026-01-01T00:00:00.000Z", "_updatedAt": "2026-01-01T00:00:00.000Z", "name": "Cy"}}]}"#)
                #expect(idsOnly.status == 0, "\(idsOnly.stderr)")
                #expect(idsOnly.stdout == #"{"transactionId":"tx-ids","documentIds":["c-2","c-3"],"results":[{"id":"c-2","operation":"update"},{"id":"c-3","operation":"create"}]}"# + "\n")

                let withDocuments = try await Self.run(["mutate", "--data", data, "--return-ids", "--return-documents", "--transaction-id", "tx-docs", "-"],
                                                       input: #"{"mutations": [{"createOrReplace": {"_id": "c-3", "_type": "customer", "_createdAt": "2026-01-01T00:00:00.000Z", "name": "Cyrus"}}, {"delete": {"id": "c-1"}}]}"#)
                #expect(withDocuments.status == 0, "\(withDocuments.stderr)")
                let result = try Self.json(withDocuments.stdout)
                #expect(Self.keys(result) == ["transactionId", "documentIds", "results"])
                #expect(result["documentIds"] == ["c-3", "c-1"])
                let replaced = try #require(result["results"]?[0])
                #expect(Self.keys(replaced) == ["id", "operation", "document"])
                #expect(replaced["id"] == "c-3")
                #expect(replaced["operation"] == "update")
                #expect(Self.keys(replaced["document"]) == ["_id", "_type", "_createdAt", "_updatedAt", "name", "_rev"])
                #expect(replaced["document"]?["name"] == "Cyrus")
                #expect(replaced["document"]?["_rev"] == "tx-docs")
                // A deleted document's entry carries "document": null.
                #expect(result["results"]?[1] == ["id": "c-1", "operation": "delete", "document": nil])
                // What was returned is what is stored.
                let stored = try await Self.doc(data, ["c-3"])
                #expect(stored["documents"]?[0] == replaced["document"])
            }
        }
    }

    @Test func dryRunWritesNothing() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpCustomers(data)
                let before = try await Self.state(data)
                let dry = try await Self.run(["mutate", "--data", data, "--dry-run", "--return-documents", "-"],
                                             input: #"{"mutations": [{"create": {"_id": "c-9", "_type": "customer", "name": "Zed"}}, {"patch": {"id": "c-1", "set": {"name": "Changed"}}}, {"delete": {"id": "c-2"}}]}"#)
                #expect(dry.status == 0, "\(dry.stderr)")
                #expect(dry.stderr == "")
                let result = try Self.json(dry.stdout)
                #expect(result["results"]?.arrayValue?.map { JSONValue.array([$0["id"] ?? .null, $0["operation"] ?? .null]) } == [["c-9", "create"], ["c-1", "update"], ["c-2", "delete"]])
                #expect(result["results"]?[0]?["document"]?["name"] == "Zed", "a dry run still computes the documents")
                #expect(result["results"]?[1]?["document"]?["name"] == "Changed")

                let after = try await Self.run(["doc", "--data", data, "c-9", "c-1", "c-2"])
                #expect(after.stdout == #"{"documents":["# + Self.customer("c-1", "Ada") + "," + Self.customer("c-2", "Bob") + #"],"omitted":[{"id":"c-9","reason":"existence"}]}"# + "\n")
                #expect(try await Self.state(data) == before)
                #expect(try await Self.history(data, "c-1").map { $0["id"] ?? .null } == ["tx-setup"], "a dry run is not in history")
                #expect(try await Self.history(data, "c-9").isEmpty)
            }
        }
    }

    @Test func aTransactionIdCanOnlyBeUsedOnce() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpCustomers(data)
                let before = try await Self.state(data)
                let reused = try await Self.run(["mutate", "--data", data, "--transaction-id", "tx-setup", "-"],
                                                input: #"{"create": {"_id": "c-3", "_type": "customer", "name": "Cy"}}"#)
                Self.expectFailure(reused, #"Transaction id "tx-setup" is already used in this dataset"#)
                #expect(try await Self.state(data) == before)
                #expect(try await Self.doc(data, ["c-3"])["omitted"] == [["id": "c-3", "reason": "existence"]])

                let malformed = try await Self.run(["mutate", "--data", data, "--transaction-id", "not valid!", "-"],
                                                   input: #"{"create": {"_id": "c-3", "_type": "customer", "name": "Cy"}}"#)
                Self.expectFailure(malformed, #"Malformed transactionId "not valid!""#)
                #expect(try await Self.state(data) == before)

                // The same id in another dataset is fine: ids are unique per dataset.
                #expect(try await Self.run(["dataset", "create", "--data", data, "other"]).status == 0)
                let elsewhere = try await Self.mutate(data, #"{"create": {"_id": "c-3", "_type": "customer"}}"#, ["--dataset", "other", "--transaction-id", "tx-setup"])
                #expect(elsewhere["transactionId"] == "tx-setup")
            }
        }
    }

    struct RefusedMutation: Sendable, CustomTestStringConvertible {
        let name: String
        let body: String
        let message: String
        var testDescription: String { name }
    }

    static let refusedMutations: [RefusedMutation] = [
        RefusedMutation(name: "malformed JSON", body: #"{"mutations": [{"create": {"_id": "n-1", "_type": "t"}}"#,
                        message: "The request is not valid JSON"),
        RefusedMutation(name: "not a mutation body", body: "42", message: "A mutation request must be an object, found number"),
        RefusedMutation(name: "unknown mutation kind",
                        body: #"{"mutations": [{"create": {"_id": "n-1", "_type": "t"}}, {"frobnicate": {"id": "c-1"}}]}"#,
                        message: #"mutation 2: Unknown mutation kind "frobnicate""#),
        RefusedMutation(name: "patch of a missing document",
                        body: #"{"mutations": [{"create": {"_id": "n-1", "_type": "t"}}, {"patch": {"id": "ghost", "set": {"a": 1}}}]}"#,
                        message: #"mutation 2: Cannot patch "ghost": the document does not exist"#),
        RefusedMutation(name: "ifRevisionID mismatch",
                        body: #"{"mutations": [{"create": {"_id": "n-1", "_type": "t"}}, {"patch": {"id": "c-1", "ifRevisionID": "stale", "set": {"name": "X"}}}]}"#,
                        message: #"mutation 2: Document "c-1" has unexpected revision ID ("tx-setup"), expected "stale""#),
        RefusedMutation(name: "create of an existing id",
                        body: #"{"mutations": [{"create": {"_id": "n-1", "_type": "t"}}, {"create": {"_id": "c-2", "_type": "customer"}}]}"#,
                        message: #"mutation 2: Document by ID "c-2" already exists"#),
        RefusedMutation(name: "document without _type",
                        body: #"{"mutations": [{"create": {"_id": "n-1", "_type": "t"}}, {"createOrReplace": {"_id": "c-1", "name": "X"}}]}"#,
                        message: #"mutation 2: Document "c-1" needs a _type"#),
        RefusedMutation(name: "no mutations", body: #"{"mutations": []}"#, message: "The transaction has no mutations"),
    ]

    @Test(arguments: StoreCommandTests.refusedMutations)
    func aRefusedMutationChangesNothing(_ refused: RefusedMutation) async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpCustomers(data)
                let before = try await Self.state(data)
                let fromStdin = try await Self.run(["mutate", "--data", data, "-"], input: refused.body)
                Self.expectFailure(fromStdin, refused.message)
                let path = try Self.file(refused.body, named: "body.json", beside: data)
                let fromFile = try await Self.run(["mutate", "--data", data, path])
                Self.expectFailure(fromFile, refused.message)

                #expect(try await Self.state(data) == before)
                #expect(try await Self.doc(data, ["n-1"])["omitted"] == [["id": "n-1", "reason": "existence"]])
                #expect(try await Self.history(data, "c-1").map { $0["id"] ?? .null } == ["tx-setup"])
            }
        }
    }

    @Test func aMissingInputFileIsNamed() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let path = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("nope.json").path
                Self.expectFailure(try await Self.run(["mutate", "--data", data, path]), "cannot read \(path)")
            }
        }
    }

    @Test func streamCommitsLineByLineAndStopsAtTheFirstBadLine() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let input = [
                    #"{"createOrReplace": {"_id": "s-1", "_type": "t", "n": 1}}"#,
                    "",
                    #"{"mutations": [{"createOrReplace": {"_id": "s-2", "_type": "t", "n": 2}}, {"patch": {"id": "s-1", "inc": {"n": 10}}}]}"#,
                    #"{"patch": {"id": "ghost", "set": {"n": 3}}}"#,
                    #"{"createOrReplace": {"_id": "s-3", "_type": "t", "n": 3}}"#,
                ].joined(separator: "\n") + "\n"
                let outcome = try await Self.run(["mutate", "--data", data, "--stream", "--transaction-id", "tx-first", "-"], input: input)
                #expect(outcome.status != 0)
                #expect(outcome.stderr.contains(#"line 4: mutation 1: Cannot patch "ghost": the document does not exist"#), "\(outcome.stderr)")
                let results = try Self.lines(outcome.stdout).map { try Self.json($0) }
                try #require(results.count == 2, "one result line per committed transaction:\n\(outcome.stdout)")
                #expect(results[0] == ["transactionId": "tx-first", "results": [["id": "s-1", "operation": "create"]]])
                let second = try #require(results[1]["transactionId"]?.stringValue)
                #expect(second != "tx-first", "--transaction-id names the first transaction only")
                #expect(results[1]["results"] == [["id": "s-2", "operation": "create"], ["id": "s-1", "operation": "update"]])

                let documents = try await Self.doc(data, ["s-1", "s-2", "s-3"])
                #expect(documents["documents"]?.arrayValue?.map { JSONValue.array([$0["_id"] ?? .null, $0["n"] ?? .null, $0["_rev"] ?? .null]) }
                        == [["s-1", 11, .string(second)], ["s-2", 2, .string(second)]])
                #expect(documents["omitted"] == [["id": "s-3", "reason": "existence"]], "nothing after the bad line is applied")
            }
        }
    }

    // MARK: doc

    @Test func docPrintsDocumentsInTheOrderAskedAndOmitsMissingOnes() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpCustomers(data)
                let outcome = try await Self.run(["doc", "--data", data, "c-2", "ghost", "c-1", "drafts.c-1"])
                #expect(outcome.status == 0)
                #expect(outcome.stderr == "")
                #expect(outcome.stdout == #"{"documents":["# + Self.customer("c-2", "Bob") + "," + Self.customer("c-1", "Ada")
                        + #"],"omitted":[{"id":"ghost","reason":"existence"},{"id":"drafts.c-1","reason":"existence"}]}"# + "\n")

                let none = try await Self.run(["doc", "--data", data, "ghost"])
                #expect(none.status == 0)
                #expect(none.stdout == #"{"documents":[],"omitted":[{"id":"ghost","reason":"existence"}]}"# + "\n")

                let pretty = try await Self.run(["doc", "--data", data, "--pretty", "c-1"])
                #expect(try Self.json(pretty.stdout) == Self.json(#"{"documents":["# + Self.customer("c-1", "Ada") + #"],"omitted":[]}"#))
                #expect(pretty.stdout.contains("\n  \"documents\": ["))

                let noIDs = try await Self.run(["doc", "--data", data])
                #expect(noIDs.status != 0)
                #expect(noIDs.stdout == "")

                let otherDataset = try await Self.run(["doc", "--data", data, "--dataset", "staging", "c-1"])
                Self.expectFailure(otherDataset, #"Dataset "staging" not found"#)
            }
        }
    }

    // MARK: query --data

    /// Published p-1 with a draft, a draft-only p-2, a published-only p-3, and a release version of p-1.
    static func setUpPosts(_ data: String) async throws {
        try await mutate(data, """
            {"mutations": [
              {"create": {"_id": "p-1", "_type": "post", "title": "Published", "rank": 1}},
              {"create": {"_id": "drafts.p-1", "_type": "post", "title": "Draft", "rank": 1}},
              {"create": {"_id": "drafts.p-2", "_type": "post", "title": "New", "rank": 2}},
              {"create": {"_id": "p-3", "_type": "post", "title": "Only", "rank": 3}},
              {"create": {"_id": "versions.r1.p-1", "_type": "post", "title": "Release", "rank": 1}}
            ]}
            """)
    }

    @Test func queryPerspectivesOverDrafts() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpPosts(data)
                let query = #"*[_type == "post"] | order(_id) {_id, _originalId, title}"#
                let expected = [
                    "raw": #"[{"_id":"drafts.p-1","_originalId":null,"title":"Draft"},{"_id":"drafts.p-2","_originalId":null,"title":"New"},{"_id":"p-1","_originalId":null,"title":"Published"},{"_id":"p-3","_originalId":null,"title":"Only"},{"_id":"versions.r1.p-1","_originalId":null,"title":"Release"}]"#,
                    "published": #"[{"_id":"p-1","_originalId":null,"title":"Published"},{"_id":"p-3","_originalId":null,"title":"Only"}]"#,
                    "drafts": #"[{"_id":"p-1","_originalId":"drafts.p-1","title":"Draft"},{"_id":"p-2","_originalId":"drafts.p-2","title":"New"},{"_id":"p-3","_originalId":"p-3","title":"Only"}]"#,
                ]
                for (perspective, result) in expected {
                    let outcome = try await Self.run(["query", "--data", data, "--perspective", perspective, query])
                    #expect(outcome.status == 0, "\(perspective): \(outcome.stderr)")
                    #expect(outcome.stderr == "")
                    #expect(outcome.stdout == result + "\n", "perspective \(perspective)")
                }
                let byDefault = try await Self.run(["query", "--data", data, query])
                #expect(byDefault.stdout == expected["raw"]! + "\n", "raw is the default perspective")

                // A commit after the first reads is seen by the next process, in every perspective.
                try await Self.mutate(data, #"{"mutations": [{"delete": {"id": "drafts.p-1"}}, {"patch": {"id": "p-3", "set": {"title": "Edited"}}}]}"#)
                let drafts = try await Self.run(["query", "--data", data, "--perspective", "drafts", #"*[_type == "post"] | order(_id) {_id, _originalId, title}"#])
                #expect(drafts.stdout == #"[{"_id":"p-1","_originalId":"p-1","title":"Published"},{"_id":"p-2","_originalId":"drafts.p-2","title":"New"},{"_id":"p-3","_originalId":"p-3","title":"Edited"}]"# + "\n")
                let published = try await Self.run(["query", "--data", data, "--perspective", "published", "count(*)"])
                #expect(published.stdout == "2\n")

                let bogus = try await Self.run(["query", "--data", data, "--perspective", "bogus", "*"])
                Self.expectFailure(bogus, #"Unknown perspective "bogus""#)
            }
        }
    }

    @Test func queryParametersAndErrorsOverTheStore() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpPosts(data)
                let params = try await Self.run(["query", "--data", data, "--param", #"type="post""#, "--param", "min=2",
                                                 "--param", #"ids=["p-3", "drafts.p-2", "nope"]"#,
                                                 #"{"ranked": *[_type == $type && rank >= $min] | order(_id)._id, "picked": *[_id in $ids] | order(_id)._id}"#])
                #expect(params.status == 0, "\(params.stderr)")
                #expect(params.stdout == #"{"ranked":["drafts.p-2","p-3"],"picked":["drafts.p-2","p-3"]}"# + "\n")

                let withPerspective = try await Self.run(["query", "--data", data, "--perspective", "drafts", "--param", #"title="Draft""#,
                                                          "*[title == $title]{_id, _originalId}"])
                #expect(withPerspective.stdout == #"[{"_id":"p-1","_originalId":"drafts.p-1"}]"# + "\n")

                let query = #"*[_type == "post""#
                let syntax = try await Self.run(["query", "--data", data, query])
                Self.expectFailure(syntax, "GROQ syntax error at line 1, column 18")
                #expect(syntax.stderr.contains("expected ']'"))
                let lines = syntax.stderr.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
                let queryLine = try #require(lines.firstIndex(of: "  " + query), "stderr should show the query line:\n\(syntax.stderr)")
                #expect(lines.dropFirst(queryLine + 1).first == "  " + String(repeating: " ", count: 17) + "^")

                let missing = try await Self.run(["query", "--data", data, "*[rank > $minimum]"])
                Self.expectFailure(missing, "$minimum")
                #expect(missing.stderr.contains("GROQ evaluation error"))

                let badParam = try await Self.run(["query", "--data", data, "--param", "t=post", "*[_type == $t]"])
                Self.expectFailure(badParam, "--param t")
            }
        }
    }

    @Test func environmentChoosesTheDataDirectoryAndDataset() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpPosts(data)
                #expect(try await Self.run(["dataset", "create", "--data", data, "staging"]).status == 0)
                try await Self.mutate(data, #"{"create": {"_id": "s-1", "_type": "post"}}"#, ["--dataset", "staging"])
                let fromEnvironment = try await Self.run(["query", "count(*)"], environment: ["FACET_DATA": data])
                #expect(fromEnvironment.stdout == "5\n", "\(fromEnvironment.stderr)")
                let staging = try await Self.run(["query", "*._id"], environment: ["FACET_DATA": data, "FACET_DATASET": "staging"])
                #expect(staging.stdout == #"["s-1"]"# + "\n", "\(staging.stderr)")
                let flagWins = try await Self.run(["query", "--dataset", "production", "count(*)"], environment: ["FACET_DATA": data, "FACET_DATASET": "staging"])
                #expect(flagWins.stdout == "5\n")
            }
        }
    }
}
