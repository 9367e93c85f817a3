import FacetStore
import Foundation
import OrderedCollections
import GROQ
import HTTPTypes
import Hummingbird

/// An error answered as JSON in Sanity's shape, `{"error": {"description", "type", …}}`, with the
/// status that says what kind of failure it was. Nothing internal (paths, stack traces) leaks.
public struct APIError: Error, HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    /// Sanity's error type, e.g. `queryParseError`, `mutationError`, `notFound`.
    public var type: String
    public var description: String
    /// More members of the `error` object (query position, mutation items, markers, advice).
    public var details: JSONObject

    public init(_ status: HTTPResponse.Status, type: String, _ description: String, details: JSONObject = [:]) {
        self.status = status
        self.type = type
        self.description = description
        self.details = details
    }

    public var json: JSONValue {
        var error: JSONObject = ["description": .string(description), "type": .string(type)]
        for (key, value) in details { error[key] = value }
        return ["error": .object(error), "statusCode": .number(Double(status.code))]
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = HTTPFields()
        if status == .serviceUnavailable { headers[.retryAfter] = "5" }
        return JSONBody.response(json, status: status, headers: headers)
    }

    // MARK: Common errors

    static func badRequest(_ description: String, type: String = "badRequest") -> APIError {
        APIError(.badRequest, type: type, description)
    }

    static func notFound(_ description: String) -> APIError { APIError(.notFound, type: "notFound", description) }

    /// A GROQ error with the position and a caret excerpt, as a client shows it under the query.
    static func query(_ error: GROQError, query: String) -> APIError {
        var details: JSONObject = ["query": .string(query), "excerpt": .string(error.formatted)]
        if let position = error.position {
            details["start"] = .number(Double(position.offset))
            details["end"] = .number(Double(min(query.utf8.count, position.offset + 1)))
            details["line"] = .number(Double(position.line))
            details["column"] = .number(Double(position.column))
        }
        let type = switch error.kind {
        case .syntax, .query: "queryParseError"
        case .evaluation: "queryError"
        case .timeout: "queryTimeout"
        case .cancelled: "queryCancelled"
        }
        return APIError(.badRequest, type: type, error.message, details: details)
    }

    /// A store error with Sanity's status and type; mutation failures carry the failing item.
    static func store(_ error: StoreError) -> APIError {
        let status: HTTPResponse.Status = switch error.status {
        case 400: error.type == "validationError" && error.details["markers"] != nil ? .unprocessableContent : .badRequest
        case 403: .forbidden
        case 404: .notFound
        case 409: .conflict
        case 413: .contentTooLarge
        case 503: .serviceUnavailable
        default: .internalServerError
        }
        var item: JSONObject = ["description": .string(error.message), "type": .string(error.type)]
        if let id = error.documentID { item["id"] = .string(id) }
        for (key, value) in error.details { item[key] = value }
        var details: JSONObject = [:]
        if !error.advice.isEmpty { details["advice"] = .string(error.advice) }
        if let index = error.mutationIndex {
            details["items"] = [["error": .object(item), "index": .number(Double(index))]]
            return APIError(status, type: "mutationError", "Mutation failed: \(error.message)", details: details)
        }
        for (key, value) in item where key != "description" && key != "type" { details[key] = value }
        return APIError(status, type: error.type, error.message, details: details)
    }
}
