import FacetSecurity
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import NIOCore

/// Refuses abusive requests early: overload (503), scrapers refused by policy (403), clients over
/// their rate limits (429), bodies that arrive too slowly (408); flags injection patterns in
/// query strings and write bodies without changing them. Allowed responses carry
/// `X-RateLimit-Limit` and `X-RateLimit-Remaining`.
///
/// It runs before authentication (the access policy runs per route group, inside it), so the
/// identity of the per-identity limit is the bearer credential itself, kept only as a digest:
/// a client cannot escape its address's limit by switching tokens, nor a token its limit by
/// switching addresses, and no request is authenticated twice.
///
/// Write bodies are read here, within the body limit and ``ThreatPolicy/bodyReadTimeout``, and
/// handed on already collected: handlers read them as before (every write handler collects its
/// whole body anyway, so this costs no extra memory), and the slow-client timeout applies to
/// every route at one place.
struct ThreatMiddleware: RouterMiddleware {
    let monitor: ThreatMonitor

    static let limitHeader = HTTPField.Name("X-RateLimit-Limit")!
    static let remainingHeader = HTTPField.Name("X-RateLimit-Remaining")!

    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        context.decodedQuery = URLQuery(request.uri.query)
        let signals = Self.signals(request, context: context)
        guard monitor.admit(signals) else {
            return Self.refusal(.serviceUnavailable, type: "serverBusy", "The server is busy; try again shortly",
                                headers: [.retryAfter: "1"])
        }
        defer { monitor.finish() }
        // The studio's own files are static and served from memory: a page load asks for some
        // forty modules, and two editors behind one office address would otherwise spend the
        // address's whole burst on them and find the studio refusing to load.
        if Self.isStudioFile(request) { return try await next(request, context) }

        let verdict = monitor.assess(signals)
        // Made only when a refusal needs them; an allowed response gets its two fields at the end.
        func headers(retryAfter: Int? = nil) -> HTTPFields {
            var headers = HTTPFields()
            headers[Self.limitHeader] = String(verdict.limit)
            headers[Self.remainingHeader] = String(verdict.remaining)
            if let retryAfter { headers[.retryAfter] = String(retryAfter) }
            return headers
        }
        switch verdict.decision {
        case .refuse:
            return Self.refusal(.forbidden, type: "requestRefused", verdict.reason, headers: headers())
        case .throttle:
            return Self.refusal(.tooManyRequests, type: "rateLimited", "\(verdict.reason): retry after \(verdict.retryAfter) s",
                                headers: headers(retryAfter: verdict.retryAfter))
        case .proceed:
            break
        }

        var response: Response
        if Self.carriesBody(request) {
            var forwarded = request
            let policy = monitor.policy
            let buffer: ByteBuffer?
            do {
                buffer = try await Self.collect(request, limit: context.maxUploadSize, timeout: policy.bodyReadTimeout)
            } catch is NIOTooManyBytesError {
                return Self.refusal(.contentTooLarge, type: "requestTooLarge",
                                    "The body is over the limit of \(context.maxUploadSize) bytes; send less per request", headers: headers())
            }
            guard let buffer else {
                monitor.bodyTimedOut(signals)
                return Self.refusal(.requestTimeout, type: "requestTimeout",
                                    "The body did not arrive within \(Int(policy.bodyReadTimeout)) seconds; send it in one go", headers: headers())
            }
            forwarded.body = RequestBody(buffer: buffer)
            // Sign-in bodies carry passwords: they are never scanned, so no password can end up
            // quoted in a security event.
            if Self.isJSON(request), !request.uri.path.contains("/auth/"), buffer.readableBytes <= policy.injectionScanLimit,
               let body = try? JSONValue(parsing: Array(buffer.readableBytesView))
            {
                monitor.inspect(body: body, request: signals)
            }
            response = try await next(forwarded, context)
        } else {
            response = try await next(request, context)
        }
        response.headers.append(HTTPField(name: Self.limitHeader, value: String(verdict.limit)))
        response.headers.append(HTTPField(name: Self.remainingHeader, value: String(verdict.remaining)))
        return response
    }

    /// What the monitor needs of a request.
    static func signals(_ request: Request, context: FacetRequestContext) -> RequestSignals {
        RequestSignals(method: request.method.rawValue, path: request.uri.path, address: context.remoteAddress,
                       userAgent: request.headers.first(.userAgent), credential: request.headers.first(.authorization),
                       parameters: context.query(of: request).pairs, documentIDs: documentIDs(inPath: request.uri.path))
    }

    private static let documentMarker = Array("/data/doc/".utf8)

    /// A GET of the studio's page or one of its files (`/`, `/studio/…`), or of an asset
    /// (`/images/…`, `/files/…`): a list page shows fifty thumbnails at once, which must not
    /// spend the address's request budget. What an asset costs stays bounded: it is served only
    /// to a signed-in caller or through a signed URL, a transform runs on the shared workers
    /// under its time limit, and a variant is computed once.
    static func isStudioFile(_ request: Request) -> Bool {
        guard request.method == .get || request.method == .head else { return false }
        let path = request.uri.path
        return path == "/" || path == "/studio" || path.hasPrefix("/studio/") || path.hasPrefix("/images/") || path.hasPrefix("/files/")
    }

    /// The ids of a document read (`/vX/data/doc/:dataset/:ids`), for enumeration detection.
    static func documentIDs(inPath path: String) -> [String] {
        // Every request passes here: find the marker in the bytes before splitting anything (the
        // standard library's generic `firstRange(of:)` cost more than the rest of the checks).
        var path = path
        path.makeContiguousUTF8()
        let marker = documentMarker
        let found = path.utf8.withContiguousStorageIfAvailable { bytes -> Int? in
            guard bytes.count >= marker.count else { return nil }
            for start in 0...(bytes.count - marker.count) where bytes[start] == marker[0] {
                if bytes[start..<start + marker.count].elementsEqual(marker) { return start + marker.count }
            }
            return nil
        }
        guard let offset = found ?? nil else { return [] }
        let rest = path[path.utf8.index(path.utf8.startIndex, offsetBy: offset)...]
        guard let slash = rest.firstIndex(of: "/") else { return [] }
        let ids = rest[rest.index(after: slash)...].prefix { $0 != "/" }
        return ids.split(separator: ",").map { String($0).removingPercentEncoding ?? String($0) }
    }

    static func carriesBody(_ request: Request) -> Bool {
        guard request.method == .post || request.method == .put || request.method == .patch else { return false }
        return request.headers[.contentLength] != "0"
    }

    static func isJSON(_ request: Request) -> Bool {
        guard let type = request.headers[.contentType]?.lowercased() else { return true }
        return type.hasPrefix("application/json")
    }

    /// The whole body, or `nil` when it did not arrive within `timeout` seconds.
    static func collect(_ request: Request, limit: Int, timeout: Double) async throws -> ByteBuffer? {
        try await withThrowingTaskGroup(of: ByteBuffer?.self) { group in
            group.addTask { try await request.body.collect(upTo: limit) }
            group.addTask {
                try await Task.sleep(for: .milliseconds(Int(timeout * 1000)))
                return nil
            }
            defer { group.cancelAll() }
            return try await group.next() ?? nil
        }
    }

    static func refusal(_ status: HTTPResponse.Status, type: String, _ description: String, headers: HTTPFields) -> Response {
        JSONBody.response(APIError(status, type: type, description).json, status: status, headers: headers)
    }
}
