import Crypto
import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import NIOCore
import Synchronization

/// A receiver of webhooks on a loopback port, as a shop's endpoint would be: it records every
/// request and answers with the statuses it is told to, in turn (then 200), optionally holding
/// every answer until it is let go.
public final class WebhookReceiver: Sendable {
    public init() {}

    public struct Received: Sendable {
        public var method: String
        public var path: String
        public var headers: [String: String]
        public var body: [UInt8]
        public var json: String { String(decoding: body, as: UTF8.self) }
    }

    private struct State {
        public var received: [Received] = []
        var statuses: [String: [Int]] = [:]
        var holding: Set<String> = []
    }

    private let state = Mutex(State())

    public var received: [Received] { state.withLock { $0.received } }
    public func received(at path: String) -> [Received] { received.filter { $0.path == path } }

    /// The next answers at `path`, in order; 200 once they are used up.
    public func answer(_ statuses: [Int], at path: String) { state.withLock { $0.statuses[path] = statuses } }
    /// Holds every answer at `path` until ``release(_:)``.
    public func hold(_ path: String) { _ = state.withLock { $0.holding.insert(path) } }
    public func release(_ path: String) { _ = state.withLock { $0.holding.remove(path) } }

    public var router: Router<BasicRequestContext> {
        let router = Router()
        router.on("{path}", method: .post) { request, context in try await self.take(request, context: context) }
        router.on("{path}", method: .put) { request, context in try await self.take(request, context: context) }
        return router
    }

    private func take(_ request: Request, context: BasicRequestContext) async throws -> Response {
        let path = request.uri.path
        let body = try await request.body.collect(upTo: 1 << 20)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        while state.withLock({ $0.holding.contains(path) }) { try await Task.sleep(for: .milliseconds(10)) }
        let status = state.withLock { state -> Int in
            state.received.append(Received(method: request.method.rawValue, path: path, headers: headers, body: Array(buffer: body)))
            guard var statuses = state.statuses[path], !statuses.isEmpty else { return 200 }
            let next = statuses.removeFirst()
            state.statuses[path] = statuses
            return next
        }
        return Response(status: .init(code: status), body: .init(byteBuffer: ByteBuffer(string: "answered \(status)")))
    }

    /// Waits until `condition` holds of what was received (see ``eventually(_:_:)``).
    public func wait(_ limit: Duration = .seconds(60), until condition: @escaping ([Received]) -> Bool) async throws -> Bool {
        try await eventually(limit) { condition(self.received) }
    }

    /// Sanity's check of `sanity-webhook-signature`, written here from its published algorithm
    /// (`@sanity/webhook`): `t=<ms>,v1=<sig>`, where sig is the unpadded base64url HMAC-SHA256 of
    /// `"<t>.<body>"` under the secret.
    public static func sanityVerifies(_ header: String?, body: [UInt8], secret: String) -> Bool {
        guard let header, let match = header.wholeMatch(of: /t=(\d+)[, ]+v1=([A-Za-z0-9_\-]+)/) else { return false }
        let timestamp = String(match.1), given = String(match.2)
        var hmac = HMAC<SHA256>(key: SymmetricKey(data: Data(secret.utf8)))
        hmac.update(data: Data("\(timestamp).".utf8))
        hmac.update(data: Data(body))
        let expected = Data(hmac.finalize()).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        return expected == given
    }
}
