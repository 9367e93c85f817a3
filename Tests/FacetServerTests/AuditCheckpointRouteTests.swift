import FacetSecurity
@testable import FacetServer
import FacetStore
import Foundation
import GRDB
import GROQ
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import TestSupport

/// The audit log's checkpoints over HTTP: an admin copies them off the machine, verification
/// uses them, and the running server writes them, the last one as it stops.
@Suite("audit checkpoint routes")
struct AuditCheckpointRouteTests {
    /// `count` entries recorded through the server's own log.
    static func record(_ count: Int, in fixture: ThreatServerFixture) throws {
        for index in 0..<count { try fixture.security.audit.record(AuditEvent(action: "login", actor: "user-\(index)")) }
    }

    @Test func checkpointsAreForAdminsOnly() async throws {
        for (role, allowed) in [(Role?.none, true), (.admin, true), (.manager, false), (.sales, false), (.marketing, false), (.support, false)] {
            let fixture = try ThreatServerFixture(role: role)
            defer { fixture.close() }
            try Self.record(3, in: fixture)
            try fixture.security.audit.checkpoint()
            let head = Double(try fixture.security.audit.lastSequence())
            try await Application(router: fixture.api.router()).test(.router) { client in
                let response = try await client.execute(uri: "/v1/security/audit/checkpoints", method: .get, headers: ThreatServerFixture.browser)
                if allowed {
                    #expect(response.status == .ok)
                    let checkpoints = try #require(try ThreatServerFixture.json(response)["checkpoints"]?.arrayValue)
                    #expect(checkpoints.compactMap { $0["sequence"]?.numberValue } == [1, head])
                    #expect(checkpoints.allSatisfy { $0["signature"]?.stringValue?.count == 64 && $0["kid"]?.stringValue != nil })
                    let later = try await client.execute(uri: "/v1/security/audit/checkpoints?after=1", method: .get, headers: ThreatServerFixture.browser)
                    #expect(try ThreatServerFixture.json(later)["checkpoints"]?.arrayValue?.compactMap { $0["sequence"]?.numberValue } == [head])
                    let bad = try await client.execute(uri: "/v1/security/audit/checkpoints?limit=0", method: .get, headers: ThreatServerFixture.browser)
                    #expect(bad.status == .badRequest)
                } else {
                    #expect(response.status == .forbidden, "\(role?.rawValue ?? "-")")
                    #expect(try ThreatServerFixture.json(response)["error"]?["type"] == "permissionDenied")
                }
            }
        }
    }

    @Test func verificationOverHTTPNamesTheFirstRemovedEntry() async throws {
        let fixture = try ThreatServerFixture(role: .admin)
        defer { fixture.close() }
        try Self.record(4, in: fixture)
        try fixture.security.audit.checkpoint()
        let head = Double(try fixture.security.audit.lastSequence())
        try await Application(router: fixture.api.router()).test(.router) { client in
            let intact = try ThreatServerFixture.json(try await client.execute(uri: "/v1/security/audit/verify", method: .get,
                                                                                headers: ThreatServerFixture.browser))
            #expect(intact["intact"] == true)
            #expect(intact["checkpoints"]?["verified"] == 2)
            #expect(intact["checkpoints"]?["latest"]?["sequence"] == .number(head))

            let raw = try DatabaseQueue(path: fixture.security.database.path)
            try await raw.write { try $0.execute(sql: "DELETE FROM audit_log WHERE seq >= 3") }
            try raw.close()
            let broken = try ThreatServerFixture.json(try await client.execute(uri: "/v1/security/audit/verify", method: .get,
                                                                                headers: ThreatServerFixture.browser))
            #expect(broken["intact"] == false)
            #expect(broken["sequence"] == 3)
            #expect(broken["reason"] == "truncated")
        }
    }

    @Test func theServerAnchorsTheLogWhenItStops() async throws {
        let fixture = try ThreatServerFixture(role: .admin)
        defer { fixture.close() }
        // The first entry is anchored at once; the next ones wait for the next pass (a minute).
        try Self.record(3, in: fixture)
        let checkpoints = try #require(fixture.security.audit.checkpoints)
        #expect(try checkpoints.read().latest?.sequence ?? 0 < (try fixture.security.audit.lastSequence()))
        let logger = Logger(label: "audit-checkpoint-test")
        let (started, serverRunning) = AsyncStream.makeStream(of: Void.self)
        let app = Application(router: fixture.api.router(), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              onServerRunning: { _ in serverRunning.yield() }, logger: logger)
        let group = fixture.api.serviceGroup(running: app, stopsOnSignals: false, logger: logger)
        let running = Task { try await group.run() }
        _ = await started.first { _ in true }
        await group.triggerGracefulShutdown()
        try await running.value
        #expect(try checkpoints.read().latest?.sequence == (try fixture.security.audit.lastSequence()))
        #expect(try fixture.security.audit.lastSequence() >= 3)
    }
}
