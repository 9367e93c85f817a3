import FacetAssets
import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaTypes
import StudioConfig
import TestSupport
import Testing

/// Sanity's asset API over HTTP: uploads as Sanity's clients send them, serving and transforming,
/// refusals, roles, and deletion under reference integrity.
@Suite struct AssetRouteTests {
    final class Fixture: Sendable {
        let directory = NSTemporaryDirectory() + "facet-asset-routes-" + UUID().uuidString
        let security: SecuritySystem
        let store: DocumentStore
        let assets: AssetLibrary
        let api: FacetAPI

        init(limits: AssetLimits = AssetLimits()) throws {
            let schema = try CRMSchema.compile()
            security = try SecuritySystem(directory: directory, policy: CRMRoles.policy(schema: schema), schema: schema,
                                          environment: ["FACET_ADMIN_PASSWORD": "correct horse battery staple 42"], passwordCost: 4)
            // Validated: the asset documents must pass the schema's built-in asset types.
            store = try security.documentStore(validator: Validator(schema: schema, customChecks: CRMSchema.customChecks))
            _ = try store.dataset("production", create: true)
            assets = try AssetLibrary(directory: directory, limits: limits)
            var threats = security.threats.policy
            threats.addressLimit = RateLimit(perSecond: 100_000, burst: 100_000)
            threats.identityLimit = RateLimit(perSecond: 100_000, burst: 100_000)
            security.threats.policy = threats
            api = FacetAPI(store: store, schema: schema, access: HeaderRoleAccess(), security: security, assets: assets)
        }

        deinit {
            store.close()
            try? FileManager.default.removeItem(atPath: directory)
        }
    }

    struct Answer {
        var status: HTTPResponse.Status
        var headers: HTTPFields
        var bytes: [UInt8]
        var json: JSONValue { (try? JSONValue(parsing: bytes)) ?? .null }
    }

    static func send(_ client: some TestClientProtocol, _ method: HTTPRequest.Method, _ uri: String, as role: String? = "admin",
                     contentType: String? = nil, headers extra: HTTPFields = [:], body: [UInt8]? = nil) async throws -> Answer
    {
        var headers = extra
        if let role { headers[HeaderRoleAccess.role] = role }
        if let contentType { headers[.contentType] = contentType }
        let response = try await client.execute(uri: uri, method: method, headers: headers, body: body.map { ByteBuffer(bytes: $0) })
        return Answer(status: response.status, headers: response.headers, bytes: Array(response.body.readableBytesView))
    }

    static func body(_ json: JSONValue) -> [UInt8] { Array(json.serialized().utf8) }

    /// The asset's URL as a path on this server (the document's `url` is absolute).
    static func localPath(_ document: JSONValue) -> String {
        let url = document["url"]?.stringValue ?? ""
        return URLComponents(string: url)?.path ?? url
    }

    @Test func anImageUploadedAsSanitysClientSendsIt() async throws {
        let f = try Fixture()
        let jpeg = try TestPictures.twoColours(width: 400, height: 300)
        try await Application(router: f.api.router()).test(.router) { client in
            let uri = "/v2021-06-07/assets/images/production?filename=ring%20front.jpg&title=Ring&label=hero&creditLine=Atelier%20Lumi%C3%A8re"
            let answer = try await Self.send(client, .post, uri, contentType: "image/jpeg", body: jpeg)
            #expect(answer.status == .ok)
            let document = try #require(answer.json["document"])
            let sha1 = try #require(document["sha1hash"]?.stringValue)
            #expect(document["_id"]?.stringValue == "image-\(sha1)-400x300-jpg")
            #expect(document["_type"] == "sanity.imageAsset")
            #expect(document["originalFilename"] == "ring front.jpg")
            #expect(document["creditLine"] == "Atelier Lumière")
            #expect(document["url"]?.stringValue?.hasSuffix("/images/production/\(sha1)-400x300.jpg") == true)
            #expect(document["path"]?.stringValue == "images/production/\(sha1)-400x300.jpg")
            #expect(document["metadata"]?["dimensions"]?["width"] == 400)
            #expect(document["_rev"]?.stringValue != nil)
            // The same bytes again: the same asset, not a second one.
            let again = try await Self.send(client, .post, "/v1/assets/images/production?filename=copy.jpg", contentType: "image/jpeg", body: jpeg)
            #expect(again.status == .ok)
            #expect(again.json["document"]?["_id"] == document["_id"])
            #expect(again.json["document"]?["originalFilename"] == "ring front.jpg")
            let count = try f.store.dataset("production").snapshot.source(.raw).documents(ofType: "sanity.imageAsset")?.count
            #expect(count == 1)
            // Served as uploaded, with a strong ETag and immutable caching.
            let served = try await Self.send(client, .get, Self.localPath(document), as: "support")
            #expect(served.status == .ok)
            #expect(served.bytes == jpeg)
            #expect(served.headers[.contentType] == "image/jpeg")
            #expect(served.headers[.eTag] == "\"\(sha1)\"")
            #expect(served.headers[.cacheControl]?.contains("immutable") == true)
            let unchanged = try await Self.send(client, .get, Self.localPath(document), as: "support", headers: [.ifNoneMatch: "\"\(sha1)\""])
            #expect(unchanged.status == .notModified)
            #expect(unchanged.bytes.isEmpty)
            // An edited document cannot change how the bytes are served: the type is the file's own.
            let id = try #require(document["_id"]?.stringValue)
            let relabel = Self.body(["mutations": [["patch": ["id": .string(id), "set": ["mimeType": "text/html"]]]]])
            #expect(try await Self.send(client, .post, "/v1/data/mutate/production", contentType: "application/json", body: relabel).status == .ok)
            let relabelled = try await Self.send(client, .get, Self.localPath(document), as: "support")
            #expect(relabelled.headers[.contentType] == "image/jpeg")
            #expect(try await Self.send(client, .get, Self.localPath(document) + "?w=10", as: "support").headers[.contentType] == "image/jpeg")
        }
    }

    @Test(arguments: [ImageFormat.jpg, .png, .webp, .gif])
    func eachImageFormatUploadsWithItsType(_ format: ImageFormat) async throws {
        let f = try Fixture()
        let bytes = try TestPictures.twoColours(width: 120, height: 90, as: format)
        try await Application(router: f.api.router()).test(.router) { client in
            // The declared type is ignored: the bytes say what they are.
            let upload = try await Self.send(client, .post, "/v1/assets/images/production?filename=picture", contentType: "application/octet-stream",
                                             body: bytes)
            #expect(upload.status == .ok)
            let document = try #require(upload.json["document"])
            #expect(document["mimeType"]?.stringValue == format.mimeType)
            #expect(document["_id"]?.stringValue?.hasSuffix("-120x90-\(format == .jpg ? "jpg" : format.rawValue)") == true)
            #expect(document["metadata"]?["dimensions"]?["height"] == 90)
            let served = try await Self.send(client, .get, Self.localPath(document) + "?w=60")
            #expect(served.headers[.contentType] == format.mimeType)
            #expect(try RasterImage(decoding: served.bytes).width == 60)
        }
    }

    @Test func transformsByURLParameters() async throws {
        let f = try Fixture()
        let png = try TestPictures.twoColours(width: 400, height: 300, as: .png)
        try await Application(router: f.api.router()).test(.router) { client in
            let upload = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/png", body: png)
            let path = Self.localPath(try #require(upload.json["document"]))
            for (query, width, height, mime) in [("w=100", 100, 75, "image/png"), ("w=120&h=120&fit=crop&fm=jpg", 120, 120, "image/jpeg"),
                                                 ("h=60&fm=webp&q=50", 80, 60, "image/webp"), ("rect=0,0,200,150&w=50", 50, 38, "image/png")] {
                let answer = try await Self.send(client, .get, path + "?" + query, as: "sales")
                #expect(answer.status == .ok, "\(query)")
                let image = try RasterImage(decoding: answer.bytes)
                #expect(image.width == width && image.height == height, "\(query)")
                #expect(answer.headers[.contentType] == mime, "\(query)")
                #expect(SniffedContent(answer.bytes).mimeType == mime, "\(query)")
            }
            // auto=format: WebP for a browser that takes it, the source's format for one that does not.
            let modern = try await Self.send(client, .get, path + "?w=64&auto=format", headers: [.accept: "image/avif,image/webp,*/*"])
            #expect(modern.headers[.contentType] == "image/webp")
            #expect(modern.headers[.vary] == "Accept")
            let older = try await Self.send(client, .get, path + "?w=64&auto=format", headers: [.accept: "image/png,*/*"])
            #expect(older.headers[.contentType] == "image/png")
            // A variant is computed once and then read from the cache.
            let before = f.assets.variants.computedCount
            let first = try await Self.send(client, .get, path + "?w=100")
            #expect(f.assets.variants.computedCount == before)
            let tag = try #require(first.headers[.eTag])
            #expect(try await Self.send(client, .get, path + "?w=100", headers: [.ifNoneMatch: tag]).status == .notModified)
            let download = try await Self.send(client, .get, path + "?w=100&dl=ring.png")
            #expect(download.headers[.contentDisposition] == "attachment; filename=\"ring.png\"")
            // A bad parameter is a 400 that names it.
            let bad = try await Self.send(client, .get, path + "?fit=squash")
            #expect(bad.status == .badRequest)
            #expect(bad.json["error"]?["description"]?.stringValue?.contains("fit") == true)
        }
    }

    @Test func filesAreStoredAndServedAsDownloadsWhenNotSafeToShow() async throws {
        let f = try Fixture()
        let svg = Array("<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>".utf8)
        try await Application(router: f.api.router()).test(.router) { client in
            let pdf = try await Self.send(client, .post, "/v1/assets/files/production?filename=care.pdf", contentType: "application/pdf",
                                          body: TestPictures.pdf)
            #expect(pdf.status == .ok)
            let document = try #require(pdf.json["document"])
            #expect(document["_type"] == "sanity.fileAsset")
            #expect(document["mimeType"] == "application/pdf")
            let served = try await Self.send(client, .get, Self.localPath(document))
            #expect(served.bytes == TestPictures.pdf)
            #expect(served.headers[.contentDisposition] == nil)
            // An SVG is refused as an image, taken as a file, and then only ever downloaded.
            let asImage = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/svg+xml", body: svg)
            #expect(asImage.status == .unsupportedMediaType)
            #expect(asImage.json["error"]?["advice"]?.stringValue?.contains("file") == true)
            let asFile = try await Self.send(client, .post, "/v1/assets/files/production?filename=logo.svg", contentType: "image/svg+xml", body: svg)
            #expect(asFile.json["document"]?["mimeType"] == "image/svg+xml")
            let svgServed = try await Self.send(client, .get, Self.localPath(try #require(asFile.json["document"])))
            #expect(svgServed.headers[.contentDisposition] == "attachment; filename=\"logo.svg\"")
            #expect(svgServed.headers[.contentSecurityPolicy]?.contains("sandbox") == true)
            #expect(svgServed.headers[HTTPField.Name("X-Content-Type-Options")!] == "nosniff")
        }
    }

    @Test func refusalsLeaveNothingBehind() async throws {
        var limits = AssetLimits()
        limits.maxBytes = 200_000
        limits.maxImagePixels = 1_000_000
        let f = try Fixture(limits: limits)
        try await Application(router: f.api.router()).test(.router) { client in
            // Text claiming to be a JPEG.
            let lie = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/jpeg", body: Array("not a picture".utf8))
            #expect(lie.status == .unsupportedMediaType)
            // A truncated JPEG.
            let jpeg = try TestPictures.twoColours()
            let cut = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/jpeg", body: Array(jpeg.prefix(jpeg.count / 2)))
            #expect(cut.status == .unprocessableContent)
            // A decompression bomb: refused from its header.
            let bomb = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/png",
                                           body: try TestPictures.bombPNG(width: 60_000, height: 60_000))
            #expect(bomb.status == .unprocessableContent)
            #expect(bomb.json["error"]?["type"] == "tooManyPixels")
            let empty = try await Self.send(client, .post, "/v1/assets/files/production", contentType: "application/octet-stream", body: [])
            #expect(empty.status == .unprocessableContent)
            // No dataset of that name.
            let nowhere = try await Self.send(client, .post, "/v1/assets/images/nowhere", contentType: "image/jpeg", body: jpeg)
            #expect(nowhere.status == .notFound)
        }
        let stored = try f.assets.storage.paths(.images, dataset: "production") + f.assets.storage.paths(.files, dataset: "production")
        #expect(stored.isEmpty)
        #expect(try f.store.dataset("production").snapshot.source(.raw).documents.isEmpty)
    }

    @Test func anUploadOverTheLimitIs413AndTheURLNamesTheHostAsked() async throws {
        var limits = AssetLimits()
        limits.maxBytes = 200_000
        let f = try Fixture(limits: limits)
        // Live: a 413 closes its connection, which the router-only test client cannot show; and
        // the Host header reaches the server as a browser sends it.
        try await Application(router: f.api.router()).test(.live) { client in
            try await client.execute(uri: "/v1/assets/files/production", method: .post,
                                     headers: [HeaderRoleAccess.role: "admin", .contentType: "application/octet-stream"],
                                     body: ByteBuffer(bytes: [UInt8](repeating: 7, count: 300_000))) { response in
                #expect(response.status == .contentTooLarge)
                #expect(response.headers[.connection] == "close")
            }
        }
        try await Application(router: f.api.router()).test(.live) { client in
            // Under the general body limit (16 MiB) and over it: the asset limit is the one that counts.
            try await client.execute(uri: "/v1/assets/files/production?filename=notes.txt", method: .post,
                                     headers: [HeaderRoleAccess.role: "admin", .contentType: "text/plain"],
                                     body: ByteBuffer(bytes: Array("ring sizes: 52, 54".utf8))) { response in
                #expect(response.status == .ok)
                let document = try JSONValue(parsing: Array(response.body.readableBytesView))["document"]
                let url = try #require(document?["url"]?.stringValue)
                // The test client sends `Host: localhost`: the url is built from what the client asked for.
                #expect(url.hasPrefix("http://localhost/files/production/"), "\(url)")
                #expect(document?["mimeType"] == "text/plain")
            }
        }
        #expect(try f.assets.storage.paths(.files, dataset: "production").count == 1)
    }

    @Test func rolesSayWhoUploadsAndReads() async throws {
        let f = try Fixture()
        let jpeg = try TestPictures.twoColours()
        try await Application(router: f.api.router()).test(.router) { client in
            for role in ["sales", "support"] {
                let refused = try await Self.send(client, .post, "/v1/assets/images/production", as: role, contentType: "image/jpeg", body: jpeg)
                #expect(refused.status == .forbidden, "\(role)")
            }
            #expect(try f.assets.storage.paths(.images, dataset: "production").isEmpty)
            let upload = try await Self.send(client, .post, "/v1/assets/images/production", as: "marketing", contentType: "image/jpeg", body: jpeg)
            #expect(upload.status == .ok)
            let path = Self.localPath(try #require(upload.json["document"]))
            #expect(try await Self.send(client, .get, path, as: "support").status == .ok)
            // The upload is in the audit log, by whom and of what.
            let id = try #require(upload.json["document"]?["_id"]?.stringValue)
            let entries = try f.security.audit.entries(after: 0, limit: 1_000).filter { $0.event.documentID == id }
            #expect(entries.map(\.event.actor) == ["marketing-user"])
            #expect(entries.first?.event.documentType == "sanity.imageAsset")
        }
        // Without a signed-in caller, nothing is served.
        let secured = FacetAPI(store: f.store, schema: try CRMSchema.compile(), access: TokenAccess(security: f.security),
                               security: f.security, assets: f.assets)
        try await Application(router: secured.router()).test(.router) { client in
            let path = try #require(f.assets.storage.paths(.images, dataset: "production").first)
            #expect(try await Self.send(client, .get, "/" + path.description, as: nil).status == .unauthorized)
            #expect(try await Self.send(client, .post, "/v1/assets/images/production", as: nil, contentType: "image/jpeg", body: jpeg).status == .unauthorized)
        }
    }

    @Test func signedURLsServeWithoutATokenUntilTheyExpire() async throws {
        let f = try Fixture()
        let jpeg = try TestPictures.twoColours()
        let secured = FacetAPI(store: f.store, schema: try CRMSchema.compile(), access: TokenAccess(security: f.security),
                               security: f.security, assets: f.assets)
        let id = try await Application(router: f.api.router()).test(.router) { client in
            let upload = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/jpeg", body: jpeg)
            return try #require(upload.json["document"]?["_id"]?.stringValue)
        }
        _ = try f.security.identities.ensureAdmin(environment: ["FACET_ADMIN_PASSWORD": "correct horse battery staple 42"])
        let token = try await f.security.sessions.login(username: "admin", password: "correct horse battery staple 42", address: nil).accessToken
        try await Application(router: secured.router()).test(.router) { client in
            let signing = try await client.execute(uri: "/v1/assets/urls/production", method: .post,
                                                   headers: [.authorization: "Bearer \(token)", .contentType: "application/json"],
                                                   body: ByteBuffer(string: #"{"ids": ["\#(id)", "image-0000-1x1-jpg", "nonsense"], "expiresIn": 60}"#))
            #expect(signing.status == .ok)
            let answer = try JSONValue(parsing: Array(signing.body.readableBytesView))
            let urls = try #require(answer["urls"]?.objectValue)
            #expect(Array(urls.keys) == [id])   // assets that do not exist are left out
            #expect(answer["lqip"]?[id]?.stringValue?.hasPrefix("data:image/jpeg;base64,") == true)
            let url = try #require(urls[id]?.stringValue)
            #expect(url.contains("exp=") && url.contains("sig="))
            // No token: served through the signature, at any size.
            let plain = try await Self.send(client, .get, url, as: nil)
            #expect(plain.status == .ok)
            #expect(plain.bytes == jpeg)
            let small = try await Self.send(client, .get, url + "&w=40", as: nil)
            #expect(try RasterImage(decoding: small.bytes).width == 40)
            // Tampered with: another expiry, another asset, another signature.
            let later = url.replacingOccurrences(of: #"exp=\d+"#, with: "exp=9999999999", options: .regularExpression)
            #expect(try await Self.send(client, .get, later, as: nil).status == .forbidden)
            let forged = url.replacingOccurrences(of: "sig=", with: "sig=A")
            #expect(try await Self.send(client, .get, forged, as: nil).json["error"]?["type"] == "signatureInvalid")
            let unsigned = String(url.prefix { $0 != "?" })
            #expect(try await Self.send(client, .get, unsigned, as: nil).status == .unauthorized)
        }
        // Expired: signed a minute in the past.
        let signer = AssetURLSigner(key: try f.security.encryption.derivedKey(purpose: "asset url signatures"))
        let path = "/" + (try #require(PreparedAsset.path(ofDocument: id, dataset: "production"))).description
        let old = signer.signed(path, expires: Int(Date().timeIntervalSince1970) - 60)
        try await Application(router: secured.router()).test(.router) { client in
            let expired = try await Self.send(client, .get, old, as: nil)
            #expect(expired.status == .forbidden)
            #expect(expired.json["error"]?["type"] == "signatureExpired")
            #expect(try await Self.send(client, .get, signer.signed(path, expires: Int(Date().timeIntervalSince1970) + 60), as: nil).status == .ok)
        }
    }

    @Test func aListOfThumbnailsDoesNotSpendTheRequestBudget() async throws {
        let f = try Fixture()
        // A budget of three requests: a page of thumbnails would spend it fifty times over.
        var threats = f.security.threats.policy
        threats.addressLimit = RateLimit(perSecond: 1.0 / 86_400, burst: 3)
        f.security.threats.policy = threats
        let browser: HTTPFields = [.userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/130.0.0.0 Safari/537.36"]
        try await Application(router: f.api.router()).test(.router) { client in
            let upload = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/jpeg", headers: browser,
                                             body: try TestPictures.twoColours(width: 120, height: 90))
            #expect(upload.status == .ok)
            let path = Self.localPath(try #require(upload.json["document"]))
            var statuses: [HTTPResponse.Status] = []
            for size in 0..<150 { statuses.append(try await Self.send(client, .get, path + "?w=\(10 + size % 50)", headers: browser).status) }
            #expect(Set(statuses) == [.ok])
            // The API is still limited: the upload and two more requests spend the budget.
            var api: [HTTPResponse.Status] = []
            for _ in 0..<3 { api.append(try await Self.send(client, .get, "/v1/data/query/production?query=1", headers: browser).status) }
            #expect(api == [.ok, .ok, .tooManyRequests])
        }
    }

    @Test func anAssetInUseIsNotDeletedAndADeletedOneIsNotServed() async throws {
        let f = try Fixture()
        let jpeg = try TestPictures.twoColours()
        try await Application(router: f.api.router()).test(.router) { client in
            let upload = try await Self.send(client, .post, "/v1/assets/images/production", contentType: "image/jpeg", body: jpeg)
            let document = try #require(upload.json["document"])
            let id = try #require(document["_id"]?.stringValue)
            let collection: JSONValue = ["_id": "col-1", "_type": "collection", "title": "Lumière", "slug": ["current": "lumiere"],
                                         "season": "holiday", "launchDate": "2026-11-01",
                                         "heroImage": ["_type": "image", "asset": ["_type": "reference", "_ref": .string(id)]]]
            let created = try await Self.send(client, .post, "/v1/data/mutate/production", contentType: "application/json",
                                              body: Self.body(["mutations": [["create": collection]]]))
            #expect(created.status == .ok)
            let delete = Self.body(["mutations": [["delete": ["id": .string(id)]]]])
            let refused = try await Self.send(client, .post, "/v1/data/mutate/production", contentType: "application/json", body: delete)
            #expect(refused.status == .conflict)
            #expect(try await Self.send(client, .get, Self.localPath(document)).status == .ok)
            let unlink = Self.body(["mutations": [["delete": ["id": "col-1"]]]])
            #expect(try await Self.send(client, .post, "/v1/data/mutate/production", contentType: "application/json", body: unlink).status == .ok)
            #expect(try await Self.send(client, .post, "/v1/data/mutate/production", contentType: "application/json", body: delete).status == .ok)
            #expect(try await Self.send(client, .get, Self.localPath(document)).status == .notFound)
            #expect(try await Self.send(client, .get, Self.localPath(document) + "?w=10").status == .notFound)
        }
    }
}
