import Foundation
import GROQ
import TestSupport
import Testing

/// `facet assets gc` on a seeded demo, and a server killed in the middle of an upload.
@Suite struct AssetCommandTests {
    @Test func theDemoHasPicturesAndGCRemovesOnlyWhatNothingUses() async throws {
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let seeded = try await StoreCommandTests.run(["demo", "seed", "--data", data, "--customers", "10", "--seed", "3"], timeout: 600)
        try #require(seeded.status == 0, "\(seeded.stderr)")
        // Every product and collection has a picture, and each picture is an asset with its file.
        let query = try await StoreCommandTests.run(["query", "--data", data, """
            {"products": count(*[_type == "product"]), "illustrated": count(*[_type == "product" && defined(images[0].asset._ref)]),
             "heroes": count(*[_type == "collection" && defined(heroImage.asset)]), "collections": count(*[_type == "collection"]),
             "assets": count(*[_type == "sanity.imageAsset"]), "dangling": count(*[_type == "product" && !defined(images[0].asset->_id)])}
            """])
        try #require(query.status == 0, "\(query.stderr)")
        let counts = try JSONValue(parsing: Array(query.stdout.utf8))
        #expect(counts["products"] == counts["illustrated"])
        #expect(counts["collections"] == counts["heroes"])
        #expect(counts["dangling"] == 0)
        let files = try FileManager.default.contentsOfDirectory(atPath: data + "/assets/images/production")
        #expect(files.count == Int(counts["assets"]?.numberValue ?? -1))

        let clean = try await StoreCommandTests.run(["assets", "gc", "--data", data])
        #expect(clean.status == 0)
        #expect(clean.stdout.contains("No unused assets"))
        // A file no document knows (left behind by hand, say) is listed, and removed only with --yes.
        let stray = data + "/assets/images/production/" + String(repeating: "ab", count: 20) + "-1x1.jpg"
        #expect(FileManager.default.createFile(atPath: stray, contents: Data([0xFF, 0xD8, 0xFF])))
        let listed = try await StoreCommandTests.run(["assets", "gc", "--data", data])
        #expect(listed.stdout.contains("image-" + String(repeating: "ab", count: 20) + "-1x1-jpg"))
        #expect(listed.stdout.contains("nothing deleted"))
        #expect(FileManager.default.fileExists(atPath: stray))
        let deleted = try await StoreCommandTests.run(["assets", "gc", "--data", data, "--yes"])
        #expect(deleted.status == 0, "\(deleted.stderr)")
        #expect(!FileManager.default.fileExists(atPath: stray))
        #expect(try FileManager.default.contentsOfDirectory(atPath: data + "/assets/images/production").count == files.count)
    }

    @Test func aServerKilledDuringAnUploadLeavesNoFileAndNoDocument() async throws {
        let directory = try QueryCommandTests.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let data = directory.appendingPathComponent("data").path
        let port = try LoopbackPort.free()
        let server = try StudioServer(data: data, port: port, directory: directory, adminPassword: "correct horse battery staple 42")
        try await withCleanup {
            try await server.waitUntilServing()
            let token = try await ServeCommandTests.token(data: data)
            // Half of a 4 MB body, then the server dies.
            let body = try TestPictures.twoColours(width: 1200, height: 900, as: .png)
            let head = "POST /v1/assets/images/production?filename=half.png HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\n"
                + "Content-Type: image/png\r\nContent-Length: \(body.count * 4)\r\n\r\n"
            let connection = try await ServeCommandTests.open(port: port, sending: head)
            try connection.write(String(decoding: body.prefix(body.count / 2), as: Unicode.ASCII.self))
            try await Task.sleep(for: .milliseconds(300))
            #expect(server.process.isRunning)
            server.process.signal(SIGKILL)
            _ = try await server.waitForExit()
            // A write cut short by the crash, as the rename would have found it.
            let folder = data + "/assets/images/production"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            #expect(FileManager.default.createFile(atPath: folder + "/.upload-crashed", contents: Data(body.prefix(1000))))

            let restarted = try StudioServer(data: data, port: try LoopbackPort.free(), directory: directory,
                                             adminPassword: "correct horse battery staple 42")
            try await withCleanup {
                try await restarted.waitUntilServing()
                #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty)
                let assets = try await ServeCommandTests.get(port: restarted.port, path: "/v1/data/query/production?query=count(*%5B_type%20%3D%3D%20%22sanity.imageAsset%22%5D)",
                                                             token: token)
                #expect(try JSONValue(parsing: Array(assets.body.utf8))["result"] == 0)
            } finally: {
                await restarted.stop()
            }
        } finally: {
            await server.stop()
        }
    }
}
