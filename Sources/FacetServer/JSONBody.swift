import GROQ
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON in and out of HTTP bodies, with Facet's own byte codec (Foundation's is too slow to sit on
/// the hot path of every query).
enum JSONBody {
    /// A response whose body is `value` serialised.
    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var bytes: [UInt8] = []
        value.write(to: &bytes)
        return response(bytes: bytes, status: status, headers: headers)
    }

    /// A response of already serialised JSON.
    static func response(bytes: [UInt8], status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        headers[.contentLength] = String(bytes.count)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The request's body parsed as JSON; 415 when it says it is something else, 400 when it is
    /// not JSON, 413 when it is over the limit (the server's, or a smaller `limit` of the route's,
    /// with `advice` on what to send instead).
    static func parse(_ request: Request, context: FacetRequestContext, limit: Int? = nil,
                      advice: String = "send fewer mutations per request") async throws -> JSONValue
    {
        if let type = request.headers[.contentType], !type.lowercased().hasPrefix("application/json") {
            throw APIError(.unsupportedMediaType, type: "unsupportedMediaType",
                           "The body must be JSON (Content-Type: application/json), not \(type)")
        }
        let limit = min(limit ?? context.maxUploadSize, context.maxUploadSize)
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: limit)
        } catch {
            throw APIError(.contentTooLarge, type: "requestTooLarge", "The body is over the limit of \(limit) bytes; \(advice)")
        }
        do {
            return try JSONValue(parsing: Array(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("The body is not valid JSON: \(error.description)", type: "invalidJSON")
        }
    }

    /// The body's `params` member: an object, or empty when absent or null; 400 otherwise.
    static func params(of body: JSONValue) throws -> JSONObject {
        guard let given = body["params"], !given.isNull else { return [:] }
        guard case .object(let object) = given else {
            throw APIError.badRequest("\"params\" must be an object, found \(given.typeName)", type: "invalidRequest")
        }
        return object
    }
}
