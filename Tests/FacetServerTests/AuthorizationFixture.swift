import FacetSchema
import FacetSecurity
import FacetServer
import FacetStore
import Foundation
import GROQ
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import SchemaTypes
import StudioConfig
import Testing

/// The CRM's schema and roles over a small encrypted dataset in a temporary directory, served
/// with the caller's role taken from a header (``HeaderRoleAccess``): what the authorization
/// tests speak to, as each role.
final class AuthorizationFixture: Sendable {
    let directory = NSTemporaryDirectory() + "facet-authorization-" + UUID().uuidString
    let schema: Schema
    let policy: PermissionPolicy
    let security: SecuritySystem
    let store: DocumentStore
    let api: FacetAPI

    /// `validated`: writes are checked against the CRM schema (documents must then be valid).
    init(validated: Bool, seed: [JSONValue]) throws {
        schema = try CRMSchema.compile()
        policy = CRMRoles.policy(schema: schema)
        security = try SecuritySystem(directory: directory, policy: policy, schema: schema,
                                      environment: ["FACET_ADMIN_PASSWORD": "correct horse battery staple 42"], passwordCost: 4)
        store = try security.documentStore(validator: validated ? Validator(schema: schema, customChecks: CRMSchema.customChecks) : nil)
        let dataset = try store.dataset("production", create: true)
        if !seed.isEmpty {
            try dataset.mutate(seed.map { document in .createOrReplace(document.objectValue ?? [:]) })
        }
        // The tests speak for five users at machine speed: what the threat monitor would rightly
        // take for a script is not what they test.
        var threats = security.threats.policy
        threats.addressLimit = RateLimit(perSecond: 100_000, burst: 100_000)
        threats.identityLimit = RateLimit(perSecond: 100_000, burst: 100_000)
        threats.cadenceSamples = 1_000_000
        threats.distinctDocumentsPerMinute = 1_000_000
        threats.sequentialRun = 1_000_000
        security.threats.policy = threats
        api = FacetAPI(store: store, schema: schema, access: HeaderRoleAccess(), security: security)
    }

    deinit {
        store.close()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var dataset: Dataset { get throws { try store.dataset("production") } }

    /// One answer: its status, its body as text (to look for plaintexts) and as JSON.
    struct Answer {
        var status: HTTPResponse.Status
        var text: String
        var json: JSONValue
        /// The first mutation error's item (`error.items[0].error`), or the error itself.
        var error: JSONValue? { json["error"]?["items"]?[0]?["error"] ?? json["error"] }
    }

    /// `POST` of `body` to `path` as `role` (with `staff` as the caller's own staff document).
    static func post(_ client: some TestClientProtocol, _ path: String, _ body: JSONValue, as role: Role,
                     staff: String? = nil) async throws -> Answer
    {
        var headers: HTTPFields = [.contentType: "application/json", HeaderRoleAccess.role: role.rawValue]
        if let staff { headers[HeaderRoleAccess.staff] = staff }
        let response = try await client.execute(uri: path, method: .post, headers: headers, body: ByteBuffer(string: body.serialized()))
        let text = String(decoding: response.body.readableBytesView, as: UTF8.self)
        return Answer(status: response.status, text: text, json: (try? JSONValue(parsing: text)) ?? .null)
    }

    /// `{"mutations": mutations}` posted to `/v1/data/mutate/production?<options>`.
    static func mutate(_ client: some TestClientProtocol, _ mutations: [JSONValue], options: String = "", as role: Role,
                       staff: String? = nil) async throws -> Answer
    {
        try await post(client, "/v1/data/mutate/production" + (options.isEmpty ? "" : "?" + options),
                       ["mutations": .array(mutations)], as: role, staff: staff)
    }
}
