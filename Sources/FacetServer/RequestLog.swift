import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// One log line per request — method, path, status, milliseconds — with its request id, which is
/// also returned to the client in `X-Request-Id` so a report can be matched to the log.
struct RequestLogMiddleware: RouterMiddleware {
    func handle(_ request: Request, context: FacetRequestContext, next: (Request, FacetRequestContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        func log(_ status: Int) {
            let elapsed = ContinuousClock.now - started
            let ms = Double(elapsed.components.seconds) * 1000 + Double(elapsed.components.attoseconds) / 1e15
            context.logger.info("\(request.method) \(request.uri.path) \(status) \(String(format: "%.1f", ms)) ms")
        }
        do {
            var response = try await next(request, context)
            response.headers[.requestID] = context.id
            log(response.status.code)
            return response
        } catch let error as HTTPResponseError {
            log(error.status.code)
            throw error
        } catch {
            log(500)
            throw error
        }
    }
}

extension HTTPField.Name {
    static let requestID = Self("X-Request-Id")!
    static let lastEventID = Self("Last-Event-ID")!
}
