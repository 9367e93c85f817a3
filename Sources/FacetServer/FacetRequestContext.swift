import FacetSecurity
import Hummingbird
import Logging
import NIOCore

/// The context every request is handled in: Hummingbird's core storage (parameters, logger with
/// the request id) and the body limit from the server's configuration.
public struct FacetRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``BodyLimitMiddleware`` from the configuration before any body is read.
    var bodyLimit = 16 * 1024 * 1024
    /// Who is asking, set by the access policy; `nil` is unrestricted (``LoopbackAccess``).
    public var principal: Principal?
    /// The client's address (IP, without the port), for rate limits and the audit log.
    public let remoteAddress: String?
    /// The query string, decoded once by the threat checks and read again by the routes.
    var decodedQuery: URLQuery?
    /// The connection the request came on, to notice a client that hangs up.
    let connection: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
        connection = source.channel
    }

    public var maxUploadSize: Int { bodyLimit }

    /// The request's query-string parameters.
    func query(of request: Request) -> URLQuery {
        decodedQuery ?? URLQuery(request.uri.query)
    }
}
