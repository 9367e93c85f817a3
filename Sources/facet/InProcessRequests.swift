import FacetServer
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import NIOEmbedded

/// Requests answered by a ``FacetAPI``'s router in this process, with no socket, parser or event
/// loop between: what the application itself spends on a request.
///
/// The network side of a request (reading, parsing, writing, waking threads) is the same whether
/// or not security is on, so comparing two APIs this way shows what one adds to the other's
/// work without the scheduling noise a loaded loopback adds.
///
/// ```swift
/// let requests = InProcessRequests(api: api)
/// let status = try await requests.get("/v1/data/query/production?query=count(*)", bearer: token)
/// ```
struct InProcessRequests: Sendable {
    private let responder: any HTTPResponder<FacetRequestContext>
    private let logger: Logger

    init(api: FacetAPI) {
        responder = api.router().buildResponder()
        var logger = Logger(label: "facet-bench")
        logger.logLevel = .critical
        self.logger = logger
    }

    /// Answers `GET target` and returns the status; the body is already serialised by then.
    @discardableResult
    func get(_ target: String, bearer: String? = nil) async throws -> HTTPResponse.Status {
        var fields = HTTPFields()
        fields[.userAgent] = "facet-bench/1.0"
        if let bearer { fields[.authorization] = "Bearer " + bearer }
        let head = HTTPRequest(method: .get, scheme: "http", authority: "127.0.0.1", path: target, headerFields: fields)
        // As the server does for each request: the logger carries the request's id.
        var logger = logger
        logger[metadataKey: "hb.request.id"] = .string(String(UInt64.random(in: 1...UInt64.max), radix: 16))
        let context = FacetRequestContext(source: ApplicationRequestContextSource(channel: EmbeddedChannel(), logger: logger))
        return try await responder.respond(to: Request(head: head, body: RequestBody(buffer: ByteBuffer())), context: context).status
    }
}
