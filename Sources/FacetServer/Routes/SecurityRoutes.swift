import FacetSecurity
import FacetStore
import Foundation
import GROQ
import Hummingbird

/// Security events and the audit log, for admins (roles with the `audit` capability; an
/// unrestricted caller of a loopback server too):
///
/// - `GET /v1/security/events?limit=&kind=&since=` → `{"events": [...]}`, newest first: id, time,
///   kind, score, reason, address, identity, path, userAgent, action.
/// - `GET /v1/security/audit?after=&limit=&action=&actor=&documentId=` → `{"documents": [...]}`,
///   the audit log as read-only `auditLog` documents, oldest first from `after`.
/// - `GET /v1/security/audit/verify` → `{"intact": true, "count": n}` or `{"intact": false,
///   "sequence", "reason", "detail"}`, checked against the signed checkpoints too, with
///   `"checkpoints": {"verified", "latest", "problems"}`.
/// - `GET /v1/security/audit/checkpoints?after=&limit=` → `{"checkpoints": [...], "problems":
///   [...]}`: the signed checkpoints that anchor the log, in file order, those naming an entry
///   after `after` (at most `limit`, 1000 by default), for an operator to copy off the machine
///   and check with `facet audit verify --checkpoints FILE`.
extension FacetAPI {
    func addSecurityRoutes(to router: RouterGroup<FacetRequestContext>) {
        let routes = group(router, "security", .read)
        routes.get("events") { request, context in
            let security = try auditor(context)
            let limit = try request.integer("limit", minimum: 1).map { min($0, 1000) } ?? 100
            let kind = try request.option("kind").map { name throws -> SecurityEventKind in
                guard let kind = SecurityEventKind(rawValue: name) else {
                    throw APIError.badRequest("kind \"\(name)\" is not a kind of security event; use one of "
                        + SecurityEventKind.allCases.map(\.rawValue).joined(separator: ", "), type: "invalidRequest")
                }
                return kind
            }
            let since = try request.option("since").map { text throws -> Date in
                guard let date = Timestamp.date(text) else {
                    throw APIError.badRequest("since \"\(text)\" is not an ISO 8601 time such as 2026-01-31T09:00:00Z", type: "invalidRequest")
                }
                return date
            }
            let events = try await workers.run(for: caller(context)) {
                do throws(SecurityError) { return try security.threats.events(limit: limit, kind: kind, since: since) } catch {
                    throw Self.securityFailure(error)
                }
            }
            return JSONBody.response(["events": .array(events.map(\.json))])
        }
        routes.get("audit") { request, context in
            let security = try auditor(context)
            let filter = AuditFilter(actions: request.list("action").map(Set.init), actor: request.option("actor"),
                                     documentID: request.option("documentId"), transactionID: request.option("transactionId"),
                                     after: try request.integer("after").map(Int64.init),
                                     limit: try request.integer("limit", minimum: 1).map { min($0, 1000) } ?? 100)
            let documents = try await workers.run(for: caller(context)) {
                do throws(SecurityError) { return try security.audit.documents(filter) } catch { throw Self.securityFailure(error) }
            }
            return JSONBody.response(["documents": .array(documents)])
        }
        routes.get("audit/verify") { _, context -> Response in
            let security = try auditor(context)
            let audit = security.audit
            let (outcome, reading) = try await workers.run(for: caller(context)) { () throws -> (AuditVerification, AuditCheckpointReading?) in
                do throws(SecurityError) { return try Self.verified(audit) } catch { throw Self.securityFailure(error) }
            }
            var answer: JSONObject
            switch outcome {
            case .intact(let count):
                answer = ["intact": true, "count": .number(Double(count))]
            case .broken(let fault):
                answer = ["intact": false, "sequence": .number(Double(fault.sequence)),
                          "reason": .string(fault.reason.rawValue), "detail": .string(fault.detail)]
            }
            if let reading {
                answer["checkpoints"] = ["verified": .number(Double(reading.verified.count)), "latest": reading.latest?.json ?? .null,
                                         "problems": .array(reading.problems.map(\.json))]
            }
            return JSONBody.response(.object(answer))
        }
        routes.get("audit/checkpoints") { request, context in
            let security = try auditor(context)
            let after = try request.integer("after").map(Int64.init) ?? 0
            let limit = try request.integer("limit", minimum: 1).map { min($0, 100_000) } ?? 1000
            guard let checkpoints = security.audit.checkpoints else {
                throw APIError.notFound("This server writes no audit checkpoints")
            }
            let reading = try await workers.run(for: caller(context)) {
                do throws(SecurityError) { return try checkpoints.read() } catch { throw Self.securityFailure(error) }
            }
            let listed = reading.checkpoints.lazy.filter { $0.sequence > after }.prefix(limit).map(\.json)
            return JSONBody.response(["checkpoints": .array(Array(listed)), "problems": .array(reading.problems.map(\.json))])
        }
    }

    /// The security system, when the caller may read security records; 403 for other roles, 404
    /// when the server runs without security.
    func auditor(_ context: FacetRequestContext) throws -> SecuritySystem {
        guard let security else {
            throw APIError.notFound("This server keeps no security events or audit log: it runs without security")
        }
        if let principal = context.principal, !security.policy.allows(principal.role, .audit) {
            throw APIError(.forbidden, type: "permissionDenied",
                           "Role \(principal.role.rawValue) may not read security events or the audit log",
                           details: ["advice": "Ask an admin: only roles with the audit capability see them."])
        }
        return security
    }

    /// The log checked against its checkpoints (read first) when it writes them, else its chain alone.
    static func verified(_ audit: AuditLog) throws(SecurityError) -> (AuditVerification, AuditCheckpointReading?) {
        guard let reading = try audit.checkpoints?.read() else { return (try audit.verify(), nil) }
        return (try audit.verify(against: reading), reading)
    }

    static func securityFailure(_ error: SecurityError) -> APIError {
        APIError(.internalServerError, type: "securityStorageError", error.message,
                 details: error.advice.map { ["advice": .string($0)] } ?? [:])
    }
}
