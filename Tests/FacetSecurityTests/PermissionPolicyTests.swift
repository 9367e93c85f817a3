import FacetSecurity
import GROQ
import Testing
import TestSupport

@Suite(.ownThread()) struct PermissionPolicyTests {
    @Test func rolesParseByName() throws {
        #expect(try Role(named: "Sales") == .sales)
        #expect(throws: SecurityError.self) { try Role(named: "owner") }
    }

    /// A type written only by Facet is named in every role's permissions with reading alone, even
    /// for a role granted everything on every type: the studio learns from it that no write applies.
    @Test func readOnlyTypesAreListedWithReadingOnly() {
        let policy = PermissionPolicy([
            RolePermissions(.admin, capabilities: Set(Capability.allCases), grants: [Grant(["*"], Grant.everything, sensitive: .all)]),
            RolePermissions(.sales, grants: [Grant(["customer"], [.read, .update])]),
        ], sensitiveFields: [:], readOnlyTypes: ["auditLog"])
        let admin = policy.json(for: .admin)
        #expect(admin["types"]?["auditLog"]?["operations"] == ["read", "export"])
        #expect(admin["types"]?["*"]?["operations"]?.arrayValue?.contains("delete") == true)
        // A role that may not read the type at all is not told of it.
        #expect(policy.json(for: .sales)["types"]?["auditLog"] == nil)
    }
}
