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

/// `facet dataset`: create, list, delete, export and import, end to end.
extension StoreCommandTests {
    // MARK: dataset

    @Test func datasetCreateListAndDelete() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let empty = try await Self.run(["dataset", "list", "--data", data])
                #expect(empty.status == 0)
                #expect(empty.stdout == "")

                let created = try await Self.run(["dataset", "create", "--data", data, "staging"])
                #expect(created.status == 0)
                #expect(created.stdout == "created dataset staging\n")
                Self.expectFailure(try await Self.run(["dataset", "create", "--data", data, "staging"]), #"Dataset "staging" already exists"#)
                Self.expectFailure(try await Self.run(["dataset", "create", "--data", data, "Bad Name"]), #"Invalid dataset name "Bad Name""#)
                Self.expectFailure(try await Self.run(["dataset", "create", "--data", data, "--", "-x"]), #"Invalid dataset name "-x""#)
                #expect(try await Self.run(["dataset", "list", "--data", data]).stdout == "staging\n")

                try await Self.mutate(data, #"{"create": {"_id": "s-1", "_type": "t", "n": 1}}"#, ["--dataset", "staging"])
                try await Self.mutate(data, #"{"create": {"_id": "p-1", "_type": "t", "n": 2}}"#)  // creates production
                #expect(try await Self.run(["dataset", "list", "--data", data]).stdout == "production\nstaging\n")
                // Datasets are separate.
                #expect(try await Self.run(["query", "--data", data, "--dataset", "staging", "*._id"]).stdout == #"["s-1"]"# + "\n")
                #expect(try await Self.run(["query", "--data", data, "*._id"]).stdout == #"["p-1"]"# + "\n")

                let refused = try await Self.run(["dataset", "delete", "--data", data, "staging"])
                Self.expectFailure(refused, "--force")
                #expect(refused.stderr.contains("deleting staging removes its documents and history for good"))
                #expect(try await Self.run(["dataset", "list", "--data", data]).stdout == "production\nstaging\n")
                #expect(try await Self.run(["query", "--data", data, "--dataset", "staging", "*._id"]).stdout == #"["s-1"]"# + "\n")

                let deleted = try await Self.run(["dataset", "delete", "--data", data, "--force", "staging"])
                #expect(deleted.status == 0, "\(deleted.stderr)")
                #expect(deleted.stdout == "deleted dataset staging\n")
                #expect(try await Self.run(["dataset", "list", "--data", data]).stdout == "production\n")
                let files = try FileManager.default.contentsOfDirectory(atPath: data + "/datasets")
                #expect(!files.contains { $0.hasPrefix("staging") }, "files left: \(files)")
                Self.expectFailure(try await Self.run(["query", "--data", data, "--dataset", "staging", "*"]), #"Dataset "staging" not found"#)
                Self.expectFailure(try await Self.run(["dataset", "delete", "--data", data, "--force", "staging"]), #"Dataset "staging" not found"#)

                // A new dataset of the same name starts empty, history included.
                #expect(try await Self.run(["dataset", "create", "--data", data, "staging"]).status == 0)
                #expect(try await Self.run(["query", "--data", data, "--dataset", "staging", "count(*)"]).stdout == "0\n")
                #expect(try await Self.history(data, "s-1", ["--dataset", "staging"]).isEmpty)
            }
        }
    }

    /// Authors, posts strongly referencing them, a draft, a tag with keyed array items, a
    /// patched document and a deleted one.
    static func setUpExportable(_ data: String) async throws {
        try await mutate(data, """
            {"mutations": [
              {"create": {"_id": "author-1", "_type": "author", "name": "Ada"}},
              {"create": {"_id": "author-2", "_type": "author", "name": "Grace"}},
              {"create": {"_id": "post-1", "_type": "post", "title": "Hello", "author": {"_type": "reference", "_ref": "author-1"}}},
              {"create": {"_id": "post-2", "_type": "post", "title": "Again", "author": {"_type": "reference", "_ref": "author-2"}}},
              {"create": {"_id": "drafts.post-1", "_type": "post", "title": "Hello (draft)", "author": {"_type": "reference", "_ref": "author-1"}}},
              {"create": {"_id": "tag-1", "_type": "tag", "items": [{"label": "x"}, {"_key": "k2", "label": "y"}], "unicode": "naïve ✓"}},
              {"create": {"_id": "gone-1", "_type": "tag"}}
            ]}
            """)
        try await mutate(data, #"{"mutations": [{"patch": {"id": "author-2", "set": {"name": "Grace Hopper"}}}, {"delete": {"id": "gone-1"}}]}"#)
    }

    static func ids(ofExport ndjson: String) throws -> [String] {
        try lines(ndjson).map { try json($0)["_id"]?.stringValue ?? "?" }
    }

    @Test func exportToAFileOrStandardOutputWithFilters() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpExportable(data)
                let path = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("export.ndjson").path
                let toFile = try await Self.run(["dataset", "export", "--data", data, path])
                #expect(toFile.status == 0, "\(toFile.stderr)")
                #expect(toFile.stdout == "exported 6 documents to \(path)\n")
                let fileText = String(decoding: try Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
                #expect(try Self.ids(ofExport: fileText) == ["author-1", "author-2", "drafts.post-1", "post-1", "post-2", "tag-1"])
                #expect(fileText.hasSuffix("}\n"))

                let toStdout = try await Self.run(["dataset", "export", "--data", data, "-"])
                #expect(toStdout.status == 0)
                #expect(toStdout.stderr == "")
                #expect(toStdout.stdout == fileText, "export - writes the file's bytes to stdout and nothing else")

                // Every line is the document `doc` prints.
                let docs = try await Self.doc(data, ["author-1", "author-2", "drafts.post-1", "post-1", "post-2", "tag-1"])
                #expect(try Self.lines(fileText).map { try Self.json($0) } == docs["documents"]?.arrayValue)
                let tag = try Self.json(Self.lines(fileText)[5])
                #expect(tag["items"]?[0]?["_key"]?.stringValue?.isEmpty == false, "array items get keys")
                #expect(tag["items"]?[1]?["_key"] == "k2")
                #expect(tag["unicode"] == "naïve ✓")

                let posts = try await Self.run(["dataset", "export", "--data", data, "--types", "post", "-"])
                #expect(try Self.ids(ofExport: posts.stdout) == ["drafts.post-1", "post-1", "post-2"])
                let two = try await Self.run(["dataset", "export", "--data", data, "--types", "tag,author", "-"])
                #expect(try Self.ids(ofExport: two.stdout) == ["author-1", "author-2", "tag-1"], "several types merge in _id order")
                let noDrafts = try await Self.run(["dataset", "export", "--data", data, "--no-drafts", "-"])
                #expect(try Self.ids(ofExport: noDrafts.stdout) == ["author-1", "author-2", "post-1", "post-2", "tag-1"])
                let both = try await Self.run(["dataset", "export", "--data", data, "--types", "post", "--no-drafts", "-"])
                #expect(try Self.ids(ofExport: both.stdout) == ["post-1", "post-2"])
                #expect(Self.lines(both.stdout) == Self.lines(fileText).filter { $0.hasPrefix(#"{"_id":"post-"#) })
                let none = try await Self.run(["dataset", "export", "--data", data, "--types", "nothing", "-"])
                #expect(none.status == 0)
                #expect(none.stdout == "")

                Self.expectFailure(try await Self.run(["dataset", "export", "--data", data, "--dataset", "missing", "-"]), #"Dataset "missing" not found"#)
            }
        }
    }

    @Test func exportThenImportIntoANewDatasetCopiesEveryDocument() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.setUpExportable(data)
                let path = URL(fileURLWithPath: data).deletingLastPathComponent().appendingPathComponent("export.ndjson").path
                #expect(try await Self.run(["dataset", "export", "--data", data, path]).status == 0)

                Self.expectFailure(try await Self.run(["dataset", "import", "--data", data, "--dataset", "copy", path]), #"Dataset "copy" not found"#)
                #expect(try await Self.run(["dataset", "create", "--data", data, "copy"]).status == 0)
                let imported = try await Self.run(["dataset", "import", "--data", data, "--dataset", "copy", "--batch-size", "4", path])
                #expect(imported.status == 0, "\(imported.stderr)")
                #expect(imported.stderr == "")
                #expect(imported.stdout.hasPrefix("imported 6 documents in 2 transactions ("), "\(imported.stdout)")
                #expect(!imported.stdout.contains("skipped"))

                let original = try await Self.lines(Self.export(data))
                let copy = try await Self.lines(Self.export(data, dataset: "copy"))
                try #require(original.count == 6 && copy.count == 6)
                for (left, right) in zip(original, copy) {
                    #expect(try Self.removing("_rev", from: left) == Self.removing("_rev", from: right))
                    #expect(left != right, "the copy has revisions of its own")
                }
                // The copy's history is the import's, by the author "import".
                let log = try await Self.history(data, "author-2", ["--dataset", "copy"])
                #expect(log.count == 1)
                #expect(log.first?["author"] == "import")
                // Queries see the references in the copy.
                let joined = try await Self.run(["query", "--data", data, "--dataset", "copy", #"*[_type == "post"] | order(_id) {_id, "author": author->name}"#])
                #expect(joined.stdout == #"[{"_id":"drafts.post-1","author":"Ada"},{"_id":"post-1","author":"Ada"},{"_id":"post-2","author":"Grace Hopper"}]"# + "\n")
            }
        }
    }

    @Test func importOfAFileWithBadLines() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                let text = [
                    #"{"_id": "g-1", "_type": "t", "v": 1}"#,
                    #"{"_id": "x", "#,
                    #"{"_id": "g-2", "_type": "t", "v": 2, "ref": {"_ref": "g-1"}}"#,
                    #"{"_id": "bad-1", "v": 3}"#,
                    "",
                    #"{"_id": "r-1", "_type": "t", "ref": {"_type": "reference", "_ref": "missing"}}"#,
                    #"{"_id": "g-1", "_type": "t", "v": 9}"#,
                    #"{"_id": "g-3", "_type": "t", "v": 3}"#,
                ].joined(separator: "\n") + "\n"
                let path = try Self.file(text, named: "bad.ndjson", beside: data)
                let refused = try await Self.run(["dataset", "import", "--data", data, path])
                Self.expectFailure(refused, "4 of 8 lines cannot be imported; nothing was imported")
                for expected in ["line 2: malformed JSON", "line 4 (bad-1): the document has no _type",
                                 #"line 6 (r-1): references non-existent document "missing""#, #"line 7 (g-1): _id "g-1" appears already on line 1"#] {
                    #expect(refused.stderr.contains(expected), "stderr lacks \(expected):\n\(refused.stderr)")
                }
                #expect(refused.stderr.contains("--allow-failing"))
                // Nothing imported, and no dataset made for it.
                #expect(try await Self.run(["dataset", "list", "--data", data]).stdout == "", "nothing imported")

                let allowed = try await Self.run(["dataset", "import", "--data", data, "--allow-failing", path])
                #expect(allowed.status == 0, "\(allowed.stderr)")
                #expect(allowed.stdout.hasPrefix("imported 3 documents in 1 transactions ("), "\(allowed.stdout)")
                #expect(allowed.stdout.hasSuffix("; 4 lines skipped\n"), "\(allowed.stdout)")
                let skipped = Self.lines(allowed.stderr)
                #expect(skipped.count == 4, "\(allowed.stderr)")
                #expect(skipped.map { String($0.prefix(while: { $0 != ":" && $0 != "(" })) }
                        == ["skipped line 2", "skipped line 4 ", "skipped line 6 ", "skipped line 7 "])
                let documents = try await Self.lines(Self.export(data)).map { try Self.json($0) }
                #expect(documents.map { $0["_id"] ?? .null } == ["g-1", "g-2", "g-3"])
                #expect(documents.map { $0["v"] ?? .null } == [1, 2, 3], "the first g-1 line is the one kept")
            }
        }
    }

    @Test func importModesForExistingDocuments() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.mutate(data, #"{"mutations": [{"create": {"_id": "m-1", "_type": "t", "v": "old"}}, {"create": {"_id": "m-2", "_type": "t", "v": "old"}}]}"#,
                                      ["--transaction-id", "tx-old", "--author", "setup"])
                let path = try Self.file(#"{"_id": "m-1", "_type": "t", "v": "new"}"# + "\n" + #"{"_id": "m-3", "_type": "t", "v": "new"}"# + "\n",
                                         named: "update.ndjson", beside: data)
                func state() async throws -> [JSONValue] {
                    try await Self.lines(Self.export(data)).map { try Self.json($0) }.map { ["id": $0["_id"] ?? .null, "v": $0["v"] ?? .null] }
                }

                let refused = try await Self.run(["dataset", "import", "--data", data, path])
                Self.expectFailure(refused, #"line 1 (m-1): document "m-1" already exists (use --replace or --missing to import over it)"#)
                #expect(try await state() == [["id": "m-1", "v": "old"], ["id": "m-2", "v": "old"]])

                let both = try await Self.run(["dataset", "import", "--data", data, "--replace", "--missing", path])
                Self.expectFailure(both, "give --replace or --missing, not both")

                let missing = try await Self.run(["dataset", "import", "--data", data, "--missing", path])
                #expect(missing.status == 0, "\(missing.stderr)")
                #expect(try await state() == [["id": "m-1", "v": "old"], ["id": "m-2", "v": "old"], ["id": "m-3", "v": "new"]])
                #expect(try await Self.doc(data, ["m-1"])["documents"]?[0]?["_rev"] == "tx-old", "--missing leaves existing documents alone")

                let replace = try await Self.run(["dataset", "import", "--data", data, "--replace", path])
                #expect(replace.status == 0, "\(replace.stderr)")
                #expect(replace.stdout.hasPrefix("imported 2 documents in 1 transactions ("), "\(replace.stdout)")
                #expect(try await state() == [["id": "m-1", "v": "new"], ["id": "m-2", "v": "old"], ["id": "m-3", "v": "new"]])
                #expect(try await Self.history(data, "m-1").map { $0["author"] ?? .null } == ["setup", "import"])
                #expect(try await Self.doc(data, ["m-2"])["documents"]?[0]?["_rev"] == "tx-old")
            }
        }
    }

    @Test func importWithMissingReportsOnlyTheDocumentsItCreated() async throws {
        try await withProcessTurn {
            try await Self.withDataDirectory { data in
                try await Self.mutate(data, #"{"create": {"_id": "m-1", "_type": "t", "v": "old"}}"#)
                let path = try Self.file(#"{"_id": "m-1", "_type": "t", "v": "new"}"# + "\n" + #"{"_id": "m-3", "_type": "t", "v": "new"}"# + "\n",
                                         named: "update.ndjson", beside: data)
                let missing = try await Self.run(["dataset", "import", "--data", data, "--missing", path])
                #expect(missing.status == 0, "\(missing.stderr)")
                #expect(missing.stdout.hasPrefix("imported 1 documents"), "\(missing.stdout)")
                let again = try await Self.run(["dataset", "import", "--data", data, "--missing", path])
                #expect(again.status == 0)
                #expect(again.stdout.hasPrefix("imported 0 documents in 0 transactions"), "\(again.stdout)")
            }
        }
    }
}
