import FacetSchedules
import FacetSecurity
import FacetStore
import Foundation
import GROQ
import Hummingbird

/// Scheduled publishing, for editors:
///
/// - `GET /v1/schedules/:dataset?documentId=&state=` → `{"schedules": [...]}`, soonest first:
///   id, documentId, action, at, state (scheduled, running, done, failed, cancelled), createdBy,
///   outcome (what came of it, or why not), transactionId.
/// - `POST /v1/schedules/:dataset` with `{"documentId", "action": "publish"|"unpublish", "at":
///   "<ISO time>"}` → 201 `{"schedule"}`. Tried now as a dry run with the caller's rights, so
///   what they may not publish, or a document with nothing to publish, is refused at once.
/// - `DELETE /v1/schedules/:dataset/:id` → `{"schedule"}`, cancelled while it waits; 409 after.
///
/// Scheduling and cancelling are audited, and so is each schedule carried out (by `facet serve`).
extension FacetAPI {
    func addScheduleRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "schedules", .read).get(":dataset") { request, context in
            let (schedules, dataset) = try scheduling(context)
            let state = try request.option("state").map { name throws -> PublishSchedule.State in
                guard let state = PublishSchedule.State(rawValue: name) else {
                    throw APIError.badRequest("state \"\(name)\" is not one of "
                        + PublishSchedule.State.allCases.map(\.rawValue).joined(separator: ", "), type: "invalidRequest")
                }
                return state
            }
            let documentID = request.option("documentId")
            let limit = try request.integer("limit", minimum: 1).map { min($0, 1000) } ?? 200
            let list = try await runSchedules(context) { () throws(ScheduleError) in
                try schedules.list(dataset: dataset, documentID: documentID, state: state, limit: limit)
            }
            return JSONBody.response(["schedules": .array(list.map(\.json))])
        }
        group(version, "schedules", .write).post(":dataset") { request, context in
            let (schedules, dataset) = try scheduling(context)
            let body = try await JSONBody.parse(request, context: context)
            guard let documentID = body["documentId"]?.stringValue, !documentID.isEmpty else {
                throw APIError.badRequest("The body needs \"documentId\": the document to publish or unpublish", type: "invalidRequest")
            }
            guard let name = body["action"]?.stringValue, let action = PublishSchedule.Action(rawValue: name) else {
                throw APIError.badRequest("\"action\" must be \"publish\" or \"unpublish\"", type: "invalidRequest")
            }
            guard let text = body["at"]?.stringValue, let date = Timestamp.date(text) else {
                throw APIError.badRequest("\"at\" must be an ISO 8601 time such as 2026-12-24T09:00:00Z", type: "invalidRequest")
            }
            let options = authorized(TransactionOptions(author: "api", source: "schedule"), context)
            let author = context.principal?.author
            let schedule = try await runSchedules(context) { () throws(ScheduleError) in
                try schedules.schedule(dataset: dataset, documentID: documentID, action: action, at: date, by: author, options: options)
            }
            auditSchedule("schedule-create", schedule, context)
            return JSONBody.response(["schedule": schedule.json], status: .created)
        }
        group(version, "schedules", .write).delete(":dataset/:id") { _, context in
            let (schedules, dataset) = try scheduling(context)
            let id = context.parameters.get("id") ?? ""
            let author = context.principal?.author
            let schedule = try await runSchedules(context) { () throws(ScheduleError) in
                try schedules.cancel(id: id, dataset: dataset, by: author)
            }
            auditSchedule("schedule-cancel", schedule, context)
            return JSONBody.response(["schedule": schedule.json])
        }
    }

    private func scheduling(_ context: FacetRequestContext) throws -> (PublishSchedules, String) {
        guard let schedules else { throw APIError.notFound("This server schedules no publishing") }
        return (schedules, context.parameters.get("dataset") ?? configuration.defaultDataset)
    }

    private func runSchedules<T: Sendable>(_ context: FacetRequestContext, _ body: @escaping @Sendable () throws(ScheduleError) -> T) async throws -> T {
        try await workers.run(for: caller(context)) { () throws -> T in
            do throws(ScheduleError) { return try body() } catch { throw Self.scheduleFailure(error) }
        }
    }

    static func scheduleFailure(_ error: ScheduleError) -> APIError {
        let details: JSONObject = error.advice.map { ["advice": .string($0)] } ?? [:]
        return switch error.kind {
        case .invalid: APIError(.badRequest, type: "invalidSchedule", error.message, details: details)
        case .notFound: APIError(.notFound, type: "notFound", error.message, details: details)
        case .conflict: APIError(.conflict, type: "scheduleConflict", error.message, details: details)
        case .forbidden: APIError(.forbidden, type: "permissionDenied", error.message, details: details)
        case .unavailable: APIError(.serviceUnavailable, type: "databaseUnavailable", error.message, details: details)
        case .storage: APIError(.internalServerError, type: "scheduleStorageError", error.message, details: details)
        }
    }

    private func auditSchedule(_ action: String, _ schedule: PublishSchedule, _ context: FacetRequestContext) {
        guard let security, let principal = context.principal else { return }
        _ = try? security.audit.record(AuditEvent(action: action, actor: principal.author, actorRole: principal.role,
                                                  documentID: schedule.documentID, details: schedule.json))
    }
}
