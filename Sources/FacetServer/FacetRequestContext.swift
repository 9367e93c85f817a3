import Hummingbird
import Logging

/// The context every request is handled in: Hummingbird's core storage (parameters, logger with
/// the request id) and the body limit from the server's configuration.
public struct FacetRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// Set by ``BodyLimitMiddleware`` from the configuration before any body is read.
    var bodyLimit = 16 * 1024 * 1024

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
    }

    public var maxUploadSize: Int { bodyLimit }
}
