import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// The web studio's files: `GET /` answers its page, `GET /studio/<path>` its modules, styles and
/// images. They are open to everyone, as signing in happens inside the page; every API call the
/// page makes carries the editor's token.
extension FacetAPI {
    func addStudioRoutes(to router: Router<FacetRequestContext>) {
        let open = AccessMiddleware(access: .open, policy: access)
        router.group("").add(middleware: open).get("/") { _, _ in
            try StudioFiles.current.response(for: "index.html")
        }
        // `/studio` without the slash would otherwise reach the API version router as a version;
        // the router matches `/studio/` here too, as it ignores a trailing slash.
        router.group("studio").add(middleware: open).get { request, _ in
            guard request.uri.path.hasSuffix("/") else {
                return Response(status: .movedPermanently, headers: [.location: "/studio/"])
            }
            return try StudioFiles.current.response(for: "index.html")
        }
        router.group("studio").add(middleware: open).get("**") { _, context in
            let path = context.parameters.getCatchAll().joined(separator: "/")
            return try StudioFiles.current.response(for: path.isEmpty ? "index.html" : path)
        }
    }
}

/// The studio's files, read once from the module's resources and served from memory: only the
/// names found there are ever answered, so no request path can reach any other file.
struct StudioFiles: Sendable {
    /// A file's bytes and the content type its extension calls for.
    struct File: Sendable {
        let bytes: [UInt8]
        let contentType: String
    }

    let files: [String: File]

    /// The files to serve now: the bundled ones, or, when `FACET_STUDIO_DIR` names a folder, that
    /// folder read afresh on every request, so that someone working on the studio sees an edit on
    /// reload without building the server again.
    static var current: StudioFiles {
        guard let folder = ProcessInfo.processInfo.environment["FACET_STUDIO_DIR"], !folder.isEmpty else { return bundled }
        return StudioFiles(folder: URL(fileURLWithPath: folder, isDirectory: true))
    }

    /// The files shipped in the module's `Studio` resource folder.
    static let bundled: StudioFiles = {
        guard let folder = Bundle.module.url(forResource: "Studio", withExtension: nil) else { return StudioFiles(files: [:]) }
        return StudioFiles(folder: folder)
    }()

    init(files: [String: File]) {
        self.files = files
    }

    /// Every regular file under `folder`, by its path relative to it (`fields/string.js`).
    init(folder: URL) {
        var files: [String: File] = [:]
        let root = folder.standardizedFileURL.resolvingSymlinksInPath().path
        let enumerator = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: [.isRegularFileKey])
        while let url = enumerator?.nextObject() as? URL {
            guard (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true,
                  let data = try? Data(contentsOf: url)
            else { continue }
            let path = url.standardizedFileURL.resolvingSymlinksInPath().path
            guard path.hasPrefix(root + "/") else { continue }
            let relative = String(path.dropFirst(root.count + 1))
            files[relative] = File(bytes: Array(data), contentType: Self.contentType(of: relative))
        }
        self.files = files
    }

    /// The content type for a file name's extension; modules must be `text/javascript`, or
    /// browsers refuse to run them.
    static func contentType(of name: String) -> String {
        switch name.split(separator: ".").last.map({ $0.lowercased() }) {
        case "html": "text/html; charset=utf-8"
        case "js", "mjs": "text/javascript; charset=utf-8"
        case "css": "text/css; charset=utf-8"
        case "json": "application/json; charset=utf-8"
        case "svg": "image/svg+xml"
        case "png": "image/png"
        case "ico": "image/x-icon"
        case "txt": "text/plain; charset=utf-8"
        default: "application/octet-stream"
        }
    }

    /// The page's policy: scripts, styles and connections from this server only, so that text
    /// from a document can never run as script, and no other site may frame the studio.
    static let contentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: https:; connect-src 'self'; "
        + "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

    /// The file at `path` (as requested, percent-encoded or not); 404 for any other name.
    func response(for path: String) throws -> Response {
        let decoded = path.removingPercentEncoding ?? path
        guard let file = files[decoded] else {
            throw APIError.notFound("The studio has no file \(decoded); open / for the studio")
        }
        var headers = HTTPFields()
        headers[.contentType] = file.contentType
        headers[.contentLength] = String(file.bytes.count)
        // Always revalidated, so that a new version of the studio is picked up on reload.
        headers[.cacheControl] = "no-cache"
        headers[HTTPField.Name("X-Content-Type-Options")!] = "nosniff"
        headers[.contentSecurityPolicy] = Self.contentSecurityPolicy
        headers[HTTPField.Name("Referrer-Policy")!] = "no-referrer"
        return Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: file.bytes)))
    }
}
