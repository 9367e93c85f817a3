import FacetSchema
import FacetStore
import GROQ
import Hummingbird

/// The studio's reports (see ``StudioReport``):
///
/// - `GET /v1/reports` → `{"reports": [{"name", "title", "description", "path"}]}`: those the
///   caller may read.
/// - `GET /v1/reports/:dataset/:name?…` → the report's page, computed for the caller; the query
///   string's parameters reach the report. A report with a `path` is served at `GET /v1/<path>`
///   too, on the default dataset unless `?dataset=` names another.
/// - `POST /v1/reports/:dataset/:name` with `{"item": "customer-84", "action": "contacted",
///   "params": {…}}` runs one of a card's actions, as the caller → `{"message", "tone",
///   "transactionId"?, "writtenIds", "result"}`.
///
/// A caller whose role may not read one of the types a report reads gets 403; an action also
/// needs the right to create what it writes.
extension FacetAPI {
    func addReportRoutes(to version: RouterGroup<FacetRequestContext>) {
        group(version, "reports", .read).get { _, context in
            JSONBody.response(["reports": .array(reports.filter { mayRead($0, context) }.map(\.json))])
        }
        group(version, "reports", .read).get(":dataset/:name") { request, context in
            let report = try report(named: context.parameters.get("name") ?? "", context: context)
            return try await page(report, dataset: dataset(context), request: request, context: context)
        }
        group(version, "reports", .write).post(":dataset/:name") { request, context in
            let report = try report(named: context.parameters.get("name") ?? "", context: context)
            return try await act(report, dataset: dataset(context), request: request, context: context)
        }
        for report in reports {
            guard let path = report.path else { continue }
            group(version, RouterPath(path), .read).get { request, context in
                try checkReadable(report, context)
                let name = URLQuery(request.uri.query)["dataset"] ?? configuration.defaultDataset
                let dataset: Dataset
                do throws(StoreError) { dataset = try store.dataset(name, create: false) } catch { throw APIError.store(error) }
                return try await page(report, dataset: dataset, request: request, context: context)
            }
        }
    }

    private func report(named name: String, context: FacetRequestContext) throws -> StudioReport {
        guard let report = reports.first(where: { $0.name == name }) else {
            throw APIError(.notFound, type: "reportNotFoundError", "There is no report \"\(name)\"; the reports are listed at /v1/reports")
        }
        try checkReadable(report, context)
        return report
    }

    private func mayRead(_ report: StudioReport, _ context: FacetRequestContext) -> Bool {
        guard let principal = context.principal, let security else { return true }
        return report.reads.allSatisfy { security.policy.allows(principal.role, .read, type: $0) }
    }

    private func checkReadable(_ report: StudioReport, _ context: FacetRequestContext) throws {
        guard !mayRead(report, context) else { return }
        throw APIError(.forbidden, type: "permissionDenied",
                       "Role \(context.principal?.role.rawValue ?? "-") may not read \(report.reads.joined(separator: ", ")), which the report \"\(report.name)\" shows",
                       details: ["operation": "read", "report": .string(report.name)])
    }

    private func reportContext(_ dataset: Dataset, request: Request, context: FacetRequestContext) -> ReportContext {
        var params: [String: String] = [:]
        for pair in URLQuery(request.uri.query).pairs where pair.name != "dataset" { params[pair.name] = pair.value }
        let caller = context.principal.map { principal in
            ReportCaller(id: principal.id, name: principal.name, role: principal.role.rawValue, staffID: principal.staffID,
                         seesEverything: security?.policy.seesEverything(principal.role) ?? true)
        }
        let workers = self.workers, worker = self.caller(context)
        return ReportContext(dataset: dataset, params: params, caller: caller, visibility: visibility(context),
                             options: authorized(TransactionOptions(source: "report"), context)) { work in
            _ = try? await workers.run(for: worker) { work() }
        }
    }

    private func page(_ report: StudioReport, dataset: Dataset, request: Request, context: FacetRequestContext) async throws -> Response {
        do {
            return JSONBody.response(try await report.run(reportContext(dataset, request: request, context: context)))
        } catch let error as StoreError {
            throw APIError.operation(error)
        }
    }

    private func act(_ report: StudioReport, dataset: Dataset, request: Request, context: FacetRequestContext) async throws -> Response {
        guard let act = report.act else {
            throw APIError(.methodNotAllowed, type: "reportHasNoActions", "The report \"\(report.name)\" has no actions")
        }
        if let principal = context.principal, let security,
           let refused = report.writes.first(where: { !security.policy.allows(principal.role, .create, type: $0) }) {
            throw APIError(.forbidden, type: "permissionDenied", "Role \(principal.role.rawValue) may not create \(refused), which this action writes",
                           details: ["operation": "create", "documentType": .string(refused)])
        }
        let body = try await JSONBody.parse(request, context: context)
        guard let item = body["item"]?.stringValue, !item.isEmpty, let action = body["action"]?.stringValue, !action.isEmpty else {
            throw APIError.badRequest("The body needs \"item\" (the card's id) and \"action\" (the action's name)", type: "invalidRequest")
        }
        let params = try JSONBody.params(of: body)
        let result: ActionResult
        do { result = try await act(reportContext(dataset, request: request, context: context), item, action, params) } catch let error as StoreError {
            throw APIError.operation(error)
        }
        var answer: JSONObject = ["message": .string(result.message), "tone": .string(result.tone.rawValue),
                                  "writtenIds": .array(result.writtenIDs.map(JSONValue.string)), "result": .object(result.data)]
        if let transactionId = result.transactionId { answer["transactionId"] = .string(transactionId) }
        return JSONBody.response(.object(answer))
    }
}
