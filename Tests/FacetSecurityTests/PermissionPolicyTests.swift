import FacetSecurity
import Testing

@Suite struct PermissionPolicyTests {
    @Test func rolesParseByName() throws {
        #expect(try Role(named: "Sales") == .sales)
        #expect(throws: SecurityError.self) { try Role(named: "owner") }
    }
}
