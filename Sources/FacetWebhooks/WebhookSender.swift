import AsyncHTTPClient
import FacetStore
import Foundation
import NIOCore
import NIOHTTP1

/// Sends one delivery over HTTP as Sanity sends a webhook, and says what came of it.
///
/// Redirects are not followed (a redirect could lead inside the network), the receiver's
/// answer is read only as far as its first bytes, and every request has the settings' timeout.
struct WebhookSender: Sendable {
    let settings: WebhookSettings
    let client: HTTPClient

    init(settings: WebhookSettings) {
        self.settings = settings
        client = Self.client
    }

    /// One client for the process, never shut down: its connections are pooled across every
    /// hook, and it outlives any one store's hooks (a client must be shut down before it goes
    /// away, which a process-wide one never does).
    private static let client: HTTPClient = {
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(10)))
        configuration.connectionPool.concurrentHTTP1ConnectionsPerHostSoftLimit = 16
        // A refused connection is one failed attempt, retried on the hook's schedule, rather
        // than tried again and again until the request's time runs out.
        configuration.connectionPool.retryConnectionEstablishment = false
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// What one attempt came to.
    struct Outcome: Sendable {
        var status: Int?
        var error: String?
        /// The first bytes of the answer.
        var response: String?
        /// Whether another attempt may succeed (429, 5xx, no answer).
        var retry: Bool
        /// Seconds from sending to the end of the answer's first bytes.
        var latency: Double
        /// The wait a 429 or 503 asked for in `Retry-After`.
        var retryAfter: Duration?
    }

    /// How many bytes of an answer are kept in the attempt log.
    static let excerptBytes = 1024

    func send(_ delivery: WebhookDelivery, hook: Webhook, secret: String?, dataset: String, at date: Date = Date()) async -> Outcome {
        guard let url = URL(string: hook.url), let host = url.host else {
            return Outcome(status: nil, error: "\(hook.url) is not a URL", retry: false, latency: 0)
        }
        if let refusal = await WebhookAddress.refusal(host: host, allowPrivate: settings.allowPrivateAddresses) {
            return Outcome(status: nil, error: refusal, retry: false, latency: 0)
        }
        var request = HTTPClientRequest(url: hook.url)
        request.method = HTTPMethod(rawValue: hook.httpMethod)
        for (name, value) in hook.headers.sorted(by: { $0.key < $1.key }) { request.headers.add(name: name, value: value) }
        let body = Array(delivery.body.utf8)
        request.headers.add(name: "content-type", value: "application/json; charset=utf-8")
        request.headers.add(name: "user-agent", value: "Facet-Webhooks/1")
        request.headers.add(name: "idempotency-key", value: delivery.idempotencyKey)
        request.headers.add(name: "sanity-transaction-id", value: delivery.transactionID)
        request.headers.add(name: "sanity-transaction-time", value: delivery.transactionTime)
        request.headers.add(name: "sanity-dataset", value: dataset)
        request.headers.add(name: "sanity-document-id", value: delivery.documentID)
        request.headers.add(name: "sanity-operation", value: delivery.operation.rawValue)
        request.headers.add(name: "sanity-webhook-id", value: hook.id)
        if let secret {
            request.headers.add(name: "sanity-webhook-signature", value: WebhookSignature.header(body: body, secret: secret, at: date))
        }
        request.body = .bytes(ByteBuffer(bytes: body))
        let started = ContinuousClock.now
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        }
        let timeout = TimeAmount.milliseconds(settings.timeout.components.seconds * 1000 + settings.timeout.components.attoseconds / 1_000_000_000_000_000)
        do {
            let response = try await client.execute(request, timeout: timeout)
            var excerpt: [UInt8] = []
            var read = 0
            for try await chunk in response.body {
                if excerpt.count < Self.excerptBytes { excerpt.append(contentsOf: chunk.readableBytesView.prefix(Self.excerptBytes - excerpt.count)) }
                read += chunk.readableBytes
                // A receiver that answers without end is not read to the end.
                if read > 1 << 20 { break }
            }
            let status = Int(response.status.code)
            let retryAfter = response.headers.first(name: "retry-after").flatMap(Double.init).map { Duration.milliseconds(Int64($0 * 1000)) }
            return Outcome(status: status, error: nil, response: String(decoding: excerpt, as: UTF8.self),
                           retry: status == 429 || status >= 500, latency: seconds(), retryAfter: retryAfter)
        } catch let error as HTTPClientError where error == .deadlineExceeded || error == .readTimeout || error == .connectTimeout {
            return Outcome(status: nil, error: "No answer within \(settings.timeout) (\(error))", retry: true, latency: seconds())
        } catch {
            return Outcome(status: nil, error: Self.explain(error, host: host, port: url.port), retry: true, latency: seconds())
        }
    }

    /// A failed request in plain words: what the receiver did, then the client's own words.
    static func explain(_ error: any Error, host: String, port: Int?) -> String {
        let text = "\(error)"
        let place = port.map { "\(host):\($0)" } ?? host
        if text.contains("Connection refused") || text.contains("connectionRefused") {
            return "Nothing accepted the connection at \(place): the receiver is down or listens elsewhere"
        }
        if text.contains("Connection reset") || text.contains("remoteConnectionClosed") {
            return "The receiver at \(place) closed the connection before answering"
        }
        if text.lowercased().contains("resolve") || text.contains("NXDOMAIN") || text.contains("getaddrinfo") {
            return "\(host) does not resolve to an address: check the URL's host name"
        }
        if text.contains("handshake") || text.contains("certificate") || text.contains("SSL") || text.contains("TLS") {
            return "The secure connection to \(place) failed (\(text)): check the receiver's certificate"
        }
        return "The request to \(place) failed: \(text)"
    }
}
