import FacetSecurity
import FacetStore
import FacetWebhooks
import GROQ
import Hummingbird

/// Webhooks, for admins (see ``Webhook`` for the fields):
///
/// - `GET /v1/hooks/:dataset` → `{"hooks": [...]}`; `POST` with a hook's fields → 201 `{"hook"}`.
/// - `GET`, `PATCH` (the fields to change) and `DELETE /v1/hooks/:dataset/:id`.
/// - `GET /v1/hooks/:dataset/:id/deliveries?state=pending|delivered|failed&limit=` →
///   `{"deliveries": [...]}`, newest first.
/// - `GET /v1/hooks/:dataset/:id/attempts?delivery=&limit=` → `{"attempts": [...]}`, newest
///   first: each attempt's time, status, latency and the first bytes of the answer.
/// - `POST /v1/hooks/:dataset/:id/deliveries/:delivery/redeliver` → `{"delivery"}`: queued again.
///
/// Creating, changing and deleting a hook is audited; its secret is never read back.
extension FacetAPI {
    func addHookRoutes(to version: RouterGroup<FacetRequestContext>) {
        let routes = group(version, "hooks", .admin)
        routes.get(":dataset") { _, context in
            let (webhooks, dataset) = try hooks(context)
            let list = try await run(context) { () throws(WebhookError) in try webhooks.list(dataset: dataset) }
            return JSONBody.response(["hooks": .array(list.map(\.json))])
        }
        routes.post(":dataset") { request, context in
            let (webhooks, dataset) = try hooks(context)
            let body = try await JSONBody.parse(request, context: context)
            let author = context.principal?.author
            let hook = try await run(context) { () throws(WebhookError) in try webhooks.create(dataset: dataset, body, by: author) }
            audit("webhook-create", hook, context)
            return JSONBody.response(["hook": hook.json], status: .created)
        }
        routes.get(":dataset/:id") { _, context in
            let (webhooks, dataset) = try hooks(context)
            let id = context.parameters.get("id") ?? ""
            let hook = try await run(context) { () throws(WebhookError) in try webhooks.hook(id: id, dataset: dataset) }
            return JSONBody.response(["hook": hook.json])
        }
        routes.patch(":dataset/:id") { request, context in
            let (webhooks, dataset) = try hooks(context)
            let id = context.parameters.get("id") ?? ""
            let body = try await JSONBody.parse(request, context: context)
            let hook = try await run(context) { () throws(WebhookError) in try webhooks.update(id: id, dataset: dataset, body) }
            audit("webhook-update", hook, context, changed: body.objectValue.map { Array($0.keys).sorted() } ?? [])
            return JSONBody.response(["hook": hook.json])
        }
        routes.delete(":dataset/:id") { _, context in
            let (webhooks, dataset) = try hooks(context)
            let id = context.parameters.get("id") ?? ""
            let hook = try await run(context) { () throws(WebhookError) in
                let hook = try webhooks.hook(id: id, dataset: dataset)
                try webhooks.delete(id: id, dataset: dataset)
                return hook
            }
            audit("webhook-delete", hook, context)
            return JSONBody.response(["deleted": .string(id)])
        }
        routes.get(":dataset/:id/deliveries") { request, context in
            let (webhooks, dataset) = try hooks(context)
            let id = context.parameters.get("id") ?? ""
            let state = try request.option("state").map { name throws -> WebhookDelivery.State in
                guard let state = WebhookDelivery.State(rawValue: name) else {
                    throw APIError.badRequest("state \"\(name)\" is not one of pending, delivered, failed", type: "invalidRequest")
                }
                return state
            }
            let limit = try request.integer("limit", minimum: 1).map { min($0, 1000) } ?? 100
            let list = try await run(context) { () throws(WebhookError) in
                try webhooks.deliveries(hook: id, dataset: dataset, state: state, limit: limit)
            }
            return JSONBody.response(["deliveries": .array(list.map(\.json))])
        }
        routes.get(":dataset/:id/attempts") { request, context in
            let (webhooks, dataset) = try hooks(context)
            let id = context.parameters.get("id") ?? ""
            let delivery = request.option("delivery")
            let limit = try request.integer("limit", minimum: 1).map { min($0, 1000) } ?? 100
            let list = try await run(context) { () throws(WebhookError) in
                try webhooks.attempts(hook: id, dataset: dataset, delivery: delivery, limit: limit)
            }
            return JSONBody.response(["attempts": .array(list.map(\.json))])
        }
        routes.post(":dataset/:id/deliveries/:delivery/redeliver") { _, context in
            let (webhooks, dataset) = try hooks(context)
            let id = context.parameters.get("id") ?? ""
            let delivery = context.parameters.get("delivery") ?? ""
            let queued = try await run(context) { () throws(WebhookError) in
                try webhooks.redeliver(hook: id, dataset: dataset, delivery: delivery)
            }
            if let security, let principal = context.principal {
                _ = try? security.audit.record(AuditEvent(action: "webhook-redeliver", actor: principal.author, actorRole: principal.role,
                                                          documentID: queued.documentID, details: ["hook": .string(id), "delivery": .string(delivery)]))
            }
            return JSONBody.response(["delivery": queued.json])
        }
    }

    /// The server's hooks and the dataset named in the path; 404 when the server keeps none.
    private func hooks(_ context: FacetRequestContext) throws -> (Webhooks, String) {
        guard let webhooks else {
            throw APIError.notFound("This server keeps no webhooks")
        }
        // Whatever the access policy in front: hooks send the dataset's content elsewhere.
        if let principal = context.principal, let security, !security.policy.allows(principal.role, .datasets) {
            throw APIError(.forbidden, type: "permissionDenied", "Role \(principal.role.rawValue) may not manage webhooks",
                           details: ["advice": "Ask an admin: webhooks need a role with the datasets capability."])
        }
        return (webhooks, context.parameters.get("dataset") ?? configuration.defaultDataset)
    }

    /// Runs a step of the hooks' records on a worker, with their errors as HTTP answers.
    private func run<T: Sendable>(_ context: FacetRequestContext, _ body: @escaping @Sendable () throws(WebhookError) -> T) async throws -> T {
        try await workers.run(for: caller(context)) { () throws -> T in
            do throws(WebhookError) { return try body() } catch { throw Self.hookFailure(error) }
        }
    }

    static func hookFailure(_ error: WebhookError) -> APIError {
        var details: JSONObject = [:]
        if let field = error.field { details["field"] = .string(field) }
        if let advice = error.advice { details["advice"] = .string(advice) }
        switch error.kind {
        case .invalid: return APIError(.badRequest, type: "invalidWebhook", error.message, details: details)
        case .notFound: return APIError(.notFound, type: "notFound", error.message, details: details)
        case .unavailable: return APIError(.serviceUnavailable, type: "databaseUnavailable", error.message, details: details)
        case .storage: return APIError(.internalServerError, type: "webhookStorageError", error.message, details: details)
        }
    }

    private func audit(_ action: String, _ hook: Webhook, _ context: FacetRequestContext, changed: [String] = []) {
        guard let security, let principal = context.principal else { return }
        var details: JSONObject = ["hook": .string(hook.id), "name": .string(hook.name), "dataset": .string(hook.dataset), "url": .string(hook.url)]
        if !changed.isEmpty { details["changed"] = .array(changed.map(JSONValue.string)) }
        _ = try? security.audit.record(AuditEvent(action: action, actor: principal.author, actorRole: principal.role, details: .object(details)))
    }
}
