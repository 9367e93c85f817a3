import FacetSecurity
import FacetStore
import GROQ
import HTTPTypes
import Hummingbird

/// Who else has a document open in the studio, and at which field (``PresenceBoard``):
///
/// - `PUT /v1/presence/:dataset/:documentId` with `{"session": "<tab id>", "field": "name" | null}`:
///   the heartbeat of an open editor, every few seconds and whenever the focused field changes.
///   Answers `{"present": [{"userId", "name", "role", "session", "field"}], "expiresAfter"}`,
///   everyone else present (the caller's other tabs included).
/// - `GET /v1/presence/:dataset/:documentId`: everyone present, without joining.
/// - `DELETE /v1/presence/:dataset/:documentId?session=<tab id>`: the tab left (sent on `pagehide`
///   with `keepalive`); 204.
///
/// The document id is the published one. A caller who may not read the document (neither its
/// draft nor its published version) gets the same 404 as for a document that does not exist, and
/// learns nothing of who is there. Unusable session ids and field paths are 400; a document, user
/// or board at its cap is 429; a body over 4 KiB is 413.
extension FacetAPI {
    /// A heartbeat is a tab id and a field path: far below this.
    static let presenceBodyLimit = 4096

    func addPresenceRoutes(to version: RouterGroup<FacetRequestContext>) {
        let routes = group(version, "presence", .read)
        routes.put(":dataset/:documentId") { request, context in
            let place = try readablePlace(context)
            let body = try await presenceBody(request, context: context)
            let visitor = visitor(context, session: body.session)
            let others: [PresenceBoard.Entry]
            do throws(PresenceError) {
                others = try await presence.heartbeat(visitor, at: place, field: body.field)
            } catch {
                throw APIError.presence(error)
            }
            return presenceAnswer(others)
        }
        routes.get(":dataset/:documentId") { _, context in
            let place = try readablePlace(context)
            return presenceAnswer(await presence.present(at: place))
        }
        routes.delete(":dataset/:documentId") { request, context in
            let place = try readablePlace(context)
            let session = context.query(of: request)["session"] ?? ""
            let visitor = visitor(context, session: session)
            do throws(PresenceError) {
                try await presence.leave(visitor, from: place)
            } catch {
                throw APIError.presence(error)
            }
            return Response(status: .noContent)
        }
    }

    /// The document of the path, once the caller is known to see it (404 alike when they do not
    /// or when it does not exist).
    private func readablePlace(_ context: FacetRequestContext) throws -> PresenceBoard.Place {
        let dataset = try dataset(context)
        let id = DocumentID.published(of: context.parameters.get("documentId") ?? "")
        do throws(StoreError) { try DocumentID.validate(id) } catch { throw APIError.store(error) }
        let snapshot = dataset.snapshot
        let visibility = visibility(context)
        guard snapshot.document(id: id, visibility: visibility) != nil
            || snapshot.document(id: DocumentID.draft(of: id), visibility: visibility) != nil
        else {
            throw APIError(.notFound, type: "documentNotFoundError",
                           "There is no document \"\(id)\", or your role may not read it",
                           details: ["advice": "Presence is shown only to those who may read the document."])
        }
        return PresenceBoard.Place(dataset: dataset.name, documentID: id)
    }

    /// The caller as the board knows them; an unrestricted caller (a loopback server) is "local".
    private func visitor(_ context: FacetRequestContext, session: String) -> PresenceBoard.Visitor {
        guard let principal = context.principal else {
            return PresenceBoard.Visitor(userID: "local", name: "local", role: "admin", session: session)
        }
        return PresenceBoard.Visitor(userID: principal.kind.rawValue + ":" + principal.id, name: principal.name,
                                     role: principal.role.rawValue, session: session)
    }

    /// `{"session", "field"}` from the body, within ``presenceBodyLimit``.
    private func presenceBody(_ request: Request, context: FacetRequestContext) async throws -> (session: String, field: String?) {
        let json = try await JSONBody.parse(request, context: context, limit: Self.presenceBodyLimit,
                                            advice: "a presence heartbeat holds only the tab id and the focused field's path")
        guard case .string(let session)? = json["session"] else {
            throw APIError.badRequest("The heartbeat needs \"session\": the tab's id, a string", type: "invalidPresence")
        }
        switch json["field"] {
        case nil, .null?: return (session, nil)
        case .string(let field)?: return (session, field)
        default: throw APIError.badRequest("\"field\" must be the dotted path of the focused field, or null", type: "invalidPresence")
        }
    }

    private func presenceAnswer(_ entries: [PresenceBoard.Entry]) -> Response {
        JSONBody.response([
            "present": .array(entries.map { entry in
                [
                    "userId": .string(entry.visitor.userID),
                    "name": .string(entry.visitor.name),
                    "role": .string(entry.visitor.role),
                    "session": .string(entry.visitor.session),
                    "field": entry.field.map(JSONValue.string) ?? .null,
                ]
            }),
            "expiresAfter": .number(presence.limits.expiry),
        ])
    }
}

extension APIError {
    /// A refused heartbeat: 400 for what the client sent, 429 for a cap.
    static func presence(_ error: PresenceError) -> APIError {
        switch error {
        case .invalidSession, .fieldPathTooLong, .invalidFieldPath:
            APIError(.badRequest, type: "invalidPresence", error.message)
        case .documentFull, .tooManyDocuments, .boardFull:
            APIError(.tooManyRequests, type: "presenceLimit", error.message)
        }
    }
}
