@testable import FacetServer
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import Testing
import TestSupport

/// The studio's files: served at `/` and `/studio/…` with the right content types, open without a
/// token, never a file outside the studio, and beside the API routes without clashing with
/// `/:apiVersion`.
@Suite("studio routes")
struct StudioRouteTests {
    @Test func theRootAnswersThePageWithItsSecurityHeaders() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let response = try await client.execute(uri: "/", method: .get)
            #expect(response.status == .ok)
            #expect(response.headers[.contentType] == "text/html; charset=utf-8")
            let page = String(buffer: response.body)
            #expect(page.contains(#"<script type="module" src="/studio/app.js">"#), "\(page)")
            #expect(response.headers[.contentSecurityPolicy]?.contains("script-src 'self'") == true)
            #expect(response.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        }
    }

    @Test func everyBundledFileIsServedWithTheTypeItsExtensionCallsFor() async throws {
        let files = StudioFiles.bundled.files
        #expect(files["index.html"] != nil)
        #expect(files["app.js"] != nil)
        #expect(files["studio.css"] != nil)
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            for (name, file) in files {
                let response = try await client.execute(uri: "/studio/" + name, method: .get)
                #expect(response.status == .ok, "\(name)")
                #expect(Array(response.body.readableBytesView) == file.bytes, "\(name)")
                let expected = switch (name as NSString).pathExtension {
                case "js": "text/javascript; charset=utf-8"
                case "css": "text/css; charset=utf-8"
                case "html": "text/html; charset=utf-8"
                case "svg": "image/svg+xml"
                default: response.headers[.contentType] ?? ""
                }
                #expect(response.headers[.contentType] == expected, "\(name)")
            }
            // Modules in sub-folders are reached by their relative path.
            #expect(files.keys.contains { $0.hasPrefix("fields/") })
        }
    }

    @Test func noPathReachesAFileOutsideTheStudio() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            for path in ["/studio/../Package.swift", "/studio/%2e%2e/Package.swift", "/studio/fields/../../FacetAPI.swift",
                         "/studio/..%2F..%2FPackage.swift", "/studio/%2Fetc%2Fpasswd", "/studio//etc/passwd", "/studio/missing.js",
                         "/studio/.hidden"]
            {
                let response = try await client.execute(uri: path, method: .get)
                #expect(response.status == .notFound, "\(path): \(response.status)")
                #expect(!String(buffer: response.body).contains("root:"), "\(path)")
            }
        }
    }

    @Test func studioPathsDoNotClashWithTheAPIVersionRoutes() async throws {
        let fixture = try ServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let query = try await client.execute(uri: "/v1/data/query/production?query=count(*)", method: .get)
            #expect(query.status == .ok, "\(String(buffer: query.body))")
            let dated = try await client.execute(uri: "/v2025-02-19/data/query/production?query=count(*)", method: .get)
            #expect(dated.status == .ok, "\(String(buffer: dated.body))")
            // `/studio` is no API version: it leads to the studio.
            let bare = try await client.execute(uri: "/studio", method: .get)
            #expect(bare.status == .movedPermanently)
            #expect(bare.headers[.location] == "/studio/")
            let folder = try await client.execute(uri: "/studio/", method: .get)
            #expect(folder.status == .ok)
            #expect(folder.headers[.contentType] == "text/html; charset=utf-8")
            // An unknown version is still refused as one.
            let unknown = try await client.execute(uri: "/nonsense/data/query/production?query=1", method: .get)
            #expect(unknown.status == .notFound || unknown.status == .badRequest, "\(unknown.status)")
        }
    }

    @Test func theStudioOpensWithoutATokenWhileTheAPINeedsOne() async throws {
        let fixture = try SecureServerFixture()
        defer { fixture.close() }
        try await Application(router: fixture.api.router()).test(.router) { client in
            let page = try await client.execute(uri: "/", method: .get)
            #expect(page.status == .ok)
            let module = try await client.execute(uri: "/studio/app.js", method: .get)
            #expect(module.status == .ok)
            #expect(module.headers[.contentType] == "text/javascript; charset=utf-8")
            let schema = try await client.execute(uri: "/v1/schema", method: .get)
            #expect(schema.status == .unauthorized)
        }
    }

    @Test func contentTypesFollowTheExtension() {
        #expect(StudioFiles.contentType(of: "app.js") == "text/javascript; charset=utf-8")
        #expect(StudioFiles.contentType(of: "fields/string.MJS") == "text/javascript; charset=utf-8")
        #expect(StudioFiles.contentType(of: "studio.css") == "text/css; charset=utf-8")
        #expect(StudioFiles.contentType(of: "logo.svg") == "image/svg+xml")
        #expect(StudioFiles.contentType(of: "README") == "application/octet-stream")
    }

    @Test func filesAreReadFromTheFolderByRelativePathOnly() throws {
        let folder = URL(fileURLWithPath: NSTemporaryDirectory() + "studio-files-" + UUID().uuidString)
        defer { try? FileManager.default.removeItem(at: folder) }
        try FileManager.default.createDirectory(at: folder.appendingPathComponent("fields"), withIntermediateDirectories: true)
        try Data("export const x = 1".utf8).write(to: folder.appendingPathComponent("fields/text.js"))
        try Data("<p>".utf8).write(to: folder.appendingPathComponent("index.html"))
        let files = StudioFiles(folder: folder)
        #expect(Set(files.files.keys) == ["fields/text.js", "index.html"])
        #expect(throws: APIError.self) { try files.response(for: "../index.html") }
        #expect(try files.response(for: "fields%2Ftext.js").status == .ok)
    }
}
