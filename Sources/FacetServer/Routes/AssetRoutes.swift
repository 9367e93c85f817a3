import Crypto
import FacetAssets
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import NIOCore

/// Sanity's asset API: `POST /vX/assets/images/:dataset` and `POST /vX/assets/files/:dataset`
/// take the raw bytes as the body and answer `{"document": {...}}` (a `sanity.imageAsset` or
/// `sanity.fileAsset`); `GET /images/:dataset/<file>` and `GET /files/:dataset/<file>` serve
/// them, images transformed by Sanity's URL parameters (`w`, `h`, `fit`, `fm`, …).
///
/// The asset document is committed through the mutation pipeline (validated, authorized by the
/// caller's role on the asset type, audited); the bytes are stored first, atomically, so a
/// document never names a missing file. An asset is served only while its document exists and
/// the caller may read it, so deleting the document withdraws the file at once.
extension FacetAPI {
    func addAssetRoutes(to version: RouterGroup<FacetRequestContext>, router: Router<FacetRequestContext>) {
        for kind in AssetPath.Kind.allCases {
            group(version, RouterPath("assets/\(kind.rawValue)"), .write).post(":dataset") { request, context in
                try await upload(kind, request: request, context: context)
            }
            // No access middleware: a signed URL needs no token (``serve`` asks for one when unsigned).
            let serving = router.group(RouterPath(kind.rawValue))
            serving.get(":dataset/:file") { request, context in
                try await serve(kind, request: request, context: context)
            }
            serving.head(":dataset/:file") { request, context in
                var response = try await serve(kind, request: request, context: context)
                response.body = ResponseBody()
                return response
            }
        }
        group(version, "assets/urls", .read).post(":dataset") { request, context in
            try await signedURLs(request: request, context: context)
        }
    }

    /// `POST /vX/assets/urls/:dataset` with `{"ids": ["image-…"], "expiresIn": 3600}`: URLs of
    /// the assets the caller may read, signed to be fetched without a token until they expire
    /// (at most a week), and the images' tiny placeholders (`lqip`) to show while they load; ids
    /// of assets that do not exist or are hidden from the caller are left out.
    private func signedURLs(request: Request, context: FacetRequestContext) async throws -> Response {
        _ = try library()
        let dataset = try dataset(context)
        let body = try await JSONBody.parse(request, context: context, limit: 1 << 20, advice: "ask for at most 1,000 assets at once")
        guard let ids = body["ids"]?.arrayValue?.compactMap(\.stringValue), ids.count == body["ids"]?.arrayValue?.count else {
            throw APIError.badRequest(#"Give the asset ids as {"ids": ["image-…", "file-…"]}"#, type: "invalidRequest")
        }
        guard ids.count <= 1_000 else { throw APIError.badRequest("Ask for at most 1,000 assets at once, not \(ids.count)", type: "invalidRequest") }
        var lifetime = 3_600.0
        if let given = body["expiresIn"], !given.isNull {
            guard let seconds = given.numberValue, seconds >= 1, seconds <= 604_800 else {
                throw APIError.badRequest("expiresIn must be a number of seconds from 1 to 604800 (a week)", type: "invalidRequest")
            }
            lifetime = seconds
        }
        let expires = Int(Date().timeIntervalSince1970 + lifetime)
        let visibility = visibility(context)
        var urls: JSONObject = [:], placeholders: JSONObject = [:]
        for id in ids {
            guard let path = PreparedAsset.path(ofDocument: id, dataset: dataset.name), let stored = dataset.document(id: id),
                  let shown = visibility.map({ $0.present(stored) }) ?? stored
            else { continue }
            urls[id] = .string(assetSigner.signed("/" + path.description, expires: expires))
            if let lqip = shown["metadata"]?["lqip"]?.stringValue { placeholders[id] = .string(lqip) }
        }
        return JSONBody.response(["urls": .object(urls), "lqip": .object(placeholders), "expires": .number(Double(expires))])
    }

    private func library() throws -> AssetLibrary {
        guard let assets else {
            throw APIError(.notImplemented, type: "assetsUnavailable", "This server keeps no assets",
                           details: ["advice": "start it with a data directory (facet serve --data DIR) to upload images and files"])
        }
        return assets
    }

    // MARK: Upload

    private func upload(_ kind: AssetPath.Kind, request: Request, context: FacetRequestContext) async throws -> Response {
        let assets = try library()
        let dataset = try dataset(context)
        let type = kind.documentType
        if let principal = context.principal, let security, !security.policy.allows(principal.role, .create, type: type) {
            throw APIError(.forbidden, type: "permissionDenied", "Role \(principal.role.rawValue) may not upload \(kind.rawValue)",
                           details: ["advice": .string("ask an admin for a role that may create \(type) documents")])
        }
        let limit = assets.limits.maxBytes
        let body: ByteBuffer
        do { body = try await request.body.collect(upTo: limit) } catch {
            throw APIError(.contentTooLarge, type: "requestTooLarge", "The file is over the upload limit of \(limit) bytes",
                           details: ["advice": "send a smaller file, or ask an admin to raise the limit (assets.maxBytes)"])
        }
        let bytes = Array(body.readableBytesView)
        let options: AssetUploadOptions
        do { options = try AssetUploadOptions(query: context.query(of: request).pairs) } catch { throw APIError.asset(error) }
        let baseURL = Self.baseURL(request, configuration: configuration)
        let datasetName = dataset.name
        let prepared = try await workers.run(for: caller(context)) { () throws(APIError) -> PreparedAsset in
            do throws(AssetError) {
                return try PreparedAsset(bytes, kind: kind, dataset: datasetName, options: options, baseURL: baseURL,
                                         maximumPixels: assets.limits.maxImagePixels)
            } catch { throw APIError.asset(error) }
        }
        let existing = dataset.document(id: prepared.id)
        if existing == nil {
            // A durable write (fsync) blocks: on a worker, never on the threads that answer requests.
            let created = try await workers.run(for: caller(context)) { () throws(APIError) -> Bool in
                do throws(AssetError) { return try assets.storage.write(prepared.bytes, to: prepared.path) } catch { throw APIError.asset(error) }
            }
            let options = authorized(TransactionOptions(author: "api", source: "asset"), context)
            let mutations = [Mutation.createIfNotExists(prepared.document.objectValue ?? [:])]
            do {
                _ = try await workers.run(for: caller(context)) { () throws(StoreError) in try dataset.mutate(mutations, options: options) }
            } catch let error as StoreError {
                // The bytes were stored for this upload only: take them back, so a refused upload leaves nothing.
                if created, dataset.document(id: prepared.id) == nil { try? assets.storage.remove(prepared.path) }
                throw APIError.mutation(error, in: mutations)
            }
        }
        guard let document = dataset.document(id: prepared.id) else {
            throw APIError(.conflict, type: "assetGone", "The asset \(prepared.id) was deleted while it was uploaded; upload it again")
        }
        let shown = visibility(context).map { $0.present(document) } ?? document
        return JSONBody.response(["document": shown ?? .null], status: .ok)
    }

    /// The scheme and host clients reached this server by, for the asset's absolute `url`.
    static func baseURL(_ request: Request, configuration: ServerConfiguration) -> String {
        let host = request.head.authority ?? "\(configuration.host):\(configuration.port)"
        let forwarded = request.headers[HTTPField.Name("X-Forwarded-Proto")!]
        let scheme = forwarded == "https" ? "https" : "http"
        return "\(scheme)://\(host)"
    }

    // MARK: Serving

    private func serve(_ kind: AssetPath.Kind, request: Request, context: FacetRequestContext) async throws -> Response {
        let assets = try library()
        var context = context
        switch assetSigner.verdict(path: request.uri.path, query: context.query(of: request).pairs) {
        case .valid:
            break   // Signed for whoever holds the URL: the signer checked the reader.
        case .unsigned:
            context.principal = try await access.authorize(request, context: context, access: .read)
        case .expired:
            throw APIError(.forbidden, type: "signatureExpired", "This asset URL has expired",
                           details: ["advice": "ask for a new signed URL (POST /v1/assets/urls/:dataset), or send a token"])
        case .invalid:
            throw APIError(.forbidden, type: "signatureInvalid", "This asset URL's signature does not match it",
                           details: ["advice": "use the URL exactly as it was signed (exp and sig), or send a token"])
        }
        let dataset = try dataset(context)
        let fileName = context.parameters.get("file") ?? ""
        let path: AssetPath
        do { path = try AssetPath(kind: kind, dataset: dataset.name, fileName: fileName) } catch { throw APIError.asset(error) }
        // Served only while the document exists and the caller may read it.
        let id = PreparedAsset.documentID(for: path)
        guard let stored = dataset.document(id: id), let document = visibility(context).map({ $0.present(stored) }) ?? stored else {
            throw APIError.notFound("No asset \(fileName) in the dataset \(dataset.name)")
        }
        let pairs = context.query(of: request).pairs
        let transform: ImageTransform
        do { transform = kind == .images ? try ImageTransform(query: pairs) : ImageTransform() } catch { throw APIError.asset(error) }
        let download = kind == .files ? (pairs.first { $0.0 == "dl" }?.1) : transform.download
        // The type comes from the stored file's extension, which upload sniffed from the bytes and
        // which is part of the asset's id: editing the document's `mimeType` cannot change how
        // the bytes are served.
        let source = SniffedContent(fileExtension: path.fileExtension)
        let mimeType = source.mimeType
        let sha1 = path.sha1

        let bytes: [UInt8], contentType: String, tag: String
        var varies = false
        if transform.isIdentity {
            let read = try await workers.run(for: caller(context)) { () throws(APIError) -> [UInt8]? in
                do throws(AssetError) { return try assets.storage.read(path) } catch { throw APIError.asset(error) }
            }
            guard let original = read else { throw APIError.notFound("The file of asset \(id) is missing") }
            (bytes, contentType, tag) = (original, mimeType, "\"\(sha1)\"")
        } else {
            let accepts = request.headers[.accept]?.contains("image/webp") ?? false
            let (format, _) = transform.outputFormat(source: source, acceptsWebP: accepts)
            varies = transform.automaticFormat && transform.format == nil
            let key = "\(path)?\(transform.canonicalKey)&as=\(format.rawValue)"
            let limits = assets.limits
            let workers = self.workers, who = caller(context)
            do {
                bytes = try await assets.variants.variant(key) {
                    guard let original = try assets.storage.read(path) else {
                        throw AssetError(.notFound, "The file of asset \(id) is missing")
                    }
                    return try await workers.run(for: who) { () throws(AssetError) -> [UInt8] in
                        try transform.render(original, source: source, acceptsWebP: accepts, maximumPixels: limits.maxImagePixels,
                                             timeLimit: limits.transformTimeLimit).bytes
                    }
                }
            } catch let error as AssetError {
                throw APIError.asset(error)
            }
            contentType = format.mimeType
            tag = "\"" + Insecure.SHA1.hash(data: Data((sha1 + "?" + key).utf8)).prefix(12).map { String(format: "%02x", $0) }.joined() + "\""
        }

        var headers = HTTPFields()
        headers[.eTag] = tag
        // The URL names the content (its SHA-1 and the parameters), so it never changes; it is
        // private because serving it needs the caller's credentials.
        headers[.cacheControl] = "private, max-age=31536000, immutable"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        if varies { headers[.vary] = "Accept" }
        if let matches = request.headers[.ifNoneMatch], matches.split(separator: ",").contains(where: { $0.trimmingCharacters(in: .whitespaces) == tag || $0 == "*" }) {
            return Response(status: .notModified, headers: headers)
        }
        headers[.contentType] = contentType
        headers[.contentLength] = String(bytes.count)
        // Only raster images are shown inline; anything else (an SVG, an HTML file) is a download
        // that cannot run in this server's origin.
        let inline = kind == .images || ["image/jpeg", "image/png", "image/gif", "image/webp", "application/pdf"].contains(mimeType)
        if let download {
            let name = download.isEmpty ? (document["originalFilename"]?.stringValue ?? fileName) : download
            headers[.contentDisposition] = "attachment; filename=\"\(Self.quotedFileName(name))\""
        } else if !inline {
            headers[.contentDisposition] = "attachment; filename=\"\(Self.quotedFileName(document["originalFilename"]?.stringValue ?? fileName))\""
        }
        headers[.contentSecurityPolicy] = "default-src 'none'; sandbox"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// A file name safe inside a quoted `Content-Disposition` value: quotes, backslashes and
    /// control characters dropped.
    static func quotedFileName(_ name: String) -> String {
        String(name.unicodeScalars.filter { $0 != "\"" && $0 != "\\" && $0.value >= 0x20 && $0.value != 0x7F }.prefix(200).map(Character.init))
    }
}

extension APIError {
    /// An asset refusal with the status its kind calls for.
    static func asset(_ error: AssetError) -> APIError {
        let status: HTTPResponse.Status = switch error.kind {
        case .tooLarge: .contentTooLarge
        case .unsupportedType: .unsupportedMediaType
        case .unreadable, .tooManyPixels: .unprocessableContent
        case .badParameter: .badRequest
        case .notFound: .notFound
        case .timedOut, .unavailable: .serviceUnavailable
        case .storage: .internalServerError
        }
        var details: JSONObject = [:]
        if !error.advice.isEmpty { details["advice"] = .string(error.advice) }
        return APIError(status, type: error.kind.rawValue, error.message, details: details)
    }
}
