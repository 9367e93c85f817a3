import Crypto
import FacetPostgres
@testable import FacetSecurity
import FacetSchema
import FacetStore
import Foundation
import GROQ
import Synchronization
import SchemaTypes
import StudioConfig
import Testing
import TestSupport

/// Three servers' security over one PostgreSQL database, each with a data directory of its own
/// and the same master key, as three `facet serve --database postgres://…` on three machines:
/// one audit chain, one set of users and sessions, one set of data keys.
@Suite("Security shared by several servers", .ownThread())
struct SharedRecordsTests {
    /// `count` security systems on one fresh schema; removed afterwards. Opening and removing
    /// them waits for the database, so it is done off the shared threads.
    private func withServers(_ count: Int = 3, _ body: ([SecuritySystem]) async throws -> Void) async throws {
        guard TestDatabase.url != nil else { return }
        let url = try TestDatabase.freshSchemaURL()
        let directories = (0..<count).map { _ in NSTemporaryDirectory() + "facet-shared-security-" + UUID().uuidString }
        let opened: Result<[SecuritySystem], any Error>
        do { opened = .success(try await offThePool { () throws -> [SecuritySystem] in
            let schema = try CRMSchema.compile()
            let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0).base64EncodedString() }
            return try directories.map { directory in
                let backend = try PostgresBackend(location: PostgresLocation(url: url))
                return try SecuritySystem(directory: directory, backend: backend, policy: CRMRoles.policy(schema: schema), schema: schema,
                                          environment: ["FACET_MASTER_KEY": key], passwordCost: 4)
            }
        }) } catch { opened = .failure(error) }
        let outcome: Result<Void, any Error>
        do { outcome = .success(try await body(try opened.get())) } catch { outcome = .failure(error) }
        _ = try? await offThePool {
            TestDatabase.dropSchema(of: url)
            for directory in directories { try? FileManager.default.removeItem(atPath: directory) }
        }
        try outcome.get()
    }

    /// The user ada (the servers hash at bcrypt cost 4, so that the many sign-ins stay quick).
    private static func addAda(to server: SecuritySystem) throws {
        try server.identities.addUser(name: "ada", role: .sales, password: "correct horse battery staple", by: .system())
    }

    @Test func entriesWrittenOnThreeServersAtOnceMakeOneIntactChain() async throws {
        try await withServers { servers in
            let before = try servers[0].audit.count()
            // Thirty entries from each server, written at the same time on threads of their own.
            let failures = try await offThePool {
                let group = DispatchGroup(), failures = Mutex(0)
                for (index, server) in servers.enumerated() {
                    group.enter()
                    Thread {
                        defer { group.leave() }
                        for round in 0..<30 {
                            do {
                                try server.audit.record(AuditEvent(action: "test", actor: "server-\(index)", details: ["round": .number(Double(round))]))
                            } catch {
                                failures.withLock { $0 += 1 }
                            }
                        }
                    }.start()
                }
                group.wait()
                return failures.withLock { $0 }
            }
            #expect(failures == 0)
            for server in servers {
                #expect(try server.audit.verify() == .intact(count: before + 90))
            }
            let actors = Set(try servers[2].audit.entries(AuditFilter(after: Int64(before), limit: 1_000)).map(\.event.actor))
            #expect(actors == ["server-0", "server-1", "server-2"])
        }
    }

    @Test func aSessionOpenedOnOneServerIsTheSameSessionOnEveryOther() async throws {
        try await withServers { servers in
            let (a, b, c) = (servers[0], servers[1], servers[2])
            try Self.addAda(to: a)
            let first = try await b.sessions.login(username: "ada", password: "correct horse battery staple", address: nil)
            #expect(try await c.sessions.principal(forBearer: first.accessToken).name == "ada")

            // A refresh on one server, then the old refresh token replayed on another after the
            // grace window: the reuse is caught and the whole family revoked everywhere.
            let second = try await a.sessions.refresh(token: first.refreshToken)
            _ = try a.database.write { db in try db.execute("UPDATE refresh_tokens SET used_at = used_at - 60 WHERE used_at IS NOT NULL") }
            await #expect(throws: SecurityError.self) { try await c.sessions.refresh(token: first.refreshToken) }
            await #expect(throws: SecurityError.self) { try await b.sessions.refresh(token: second.refreshToken) }

            // A user disabled on one server is refused by the others within their one second of trust.
            let third = try await c.sessions.login(username: "ada", password: "correct horse battery staple", address: nil)
            #expect(try await b.sessions.principal(forBearer: third.accessToken).name == "ada")
            try a.identities.setDisabled(true, user: "ada", by: .system())
            try await Task.sleep(for: .milliseconds(1_100))
            await #expect(throws: SecurityError.self) { try await b.sessions.principal(forBearer: third.accessToken) }
        }
    }

    @Test func failedSignInsSpreadOverServersLockTheAccountOutOnEveryServer() async throws {
        try await withServers { servers in
            try Self.addAda(to: servers[0])
            // The first lock-out lasts a minute, not the policy's one second: on a loaded machine
            // three sign-ins can take longer than a second, and the lock-out would lapse before the
            // last server is asked. What is tested is that every server sees it, not its length.
            for server in servers { server.threats.policy.lockoutBase = 60 }
            // Five wrong passwords (the threshold), spread over the three servers: none saw five.
            for attempt in 0..<5 {
                await #expect(throws: SecurityError.unauthenticated) {
                    try await servers[attempt % 3].sessions.login(username: "ada", password: "wrong \(attempt)", address: "198.51.100.7")
                }
            }
            for server in servers {
                let refused = await #expect(throws: SecurityError.self) {
                    try await server.sessions.login(username: "ada", password: "correct horse battery staple", address: "198.51.100.7")
                }
                #expect(refused?.kind == .throttled && (refused?.retryAfter ?? 0) >= 30, "\(String(describing: refused))")
            }
            // The account is locked out of that address only.
            _ = try await servers[1].sessions.login(username: "ada", password: "correct horse battery staple", address: "192.0.2.1")
            #expect(try servers[2].threats.events(kind: .lockout).count == 1)
        }
    }

    @Test func aClientSpreadOverServersIsHeldToOneRateLimit() async throws {
        try await withServers { servers in
            var policy = ThreatPolicy()
            policy.addressLimit = RateLimit(perSecond: 1, burst: 12)
            policy.identityLimit = RateLimit(perSecond: 1, burst: 12)
            // The servers' monitors on a clock that stands still: no token comes back however
            // long a loaded machine takes, so what is left is exactly what was not spent.
            let monitors = servers.map { ThreatMonitor(database: $0.database, audit: $0.audit, policy: policy, clock: ThreatClock { 1_000 }) }
            // A server's first exchange takes what was spent before it as history: each has
            // had it (on its own thread, or here) before the client comes.
            try await offThePool { for monitor in monitors { monitor.exchangeSpending() } }
            func request(_ monitor: ThreatMonitor, from address: String) -> RequestVerdict.Decision {
                let verdict = monitor.assess(RequestSignals(method: "GET", path: "/v1/data/query/production", address: address))
                monitor.finish()
                return verdict.decision
            }
            // Four requests on each server: twelve in all, the whole burst, each server allowing
            // its four.
            for monitor in monitors {
                for _ in 0..<4 { #expect(request(monitor, from: "198.51.100.7") == .proceed) }
            }
            // Once the servers have told each other (four times a second; here twice at once,
            // whatever the machine's load: one round to tell, one to hear), every one of them
            // holds the client to what is left of the one burst: nothing.
            try await offThePool {
                for _ in 0..<2 {
                    for monitor in monitors { monitor.exchangeSpending() }
                }
            }
            for monitor in monitors { #expect(request(monitor, from: "198.51.100.7") == .throttle) }
            // Another client is not affected.
            #expect(request(monitors[1], from: "192.0.2.1") == .proceed)
        }
    }

    @Test func aKeyRotationIsRefusedBeforeItChangesAnything() async throws {
        try await withServers(1) { servers in
            let store = try servers[0].documentStore(validator: nil)
            defer { store.close() }
            try store.dataset("production", create: true).mutate([.create(["_id": "c-1", "_type": "customer", "email": "ada@example.com"])])
            let before = try servers[0].database.read { db in try db.values("SELECT kid FROM data_keys ORDER BY kid", as: String.self) }
            let refused = #expect(throws: SecurityError.self) { try servers[0].encryption.rotateKeys(audit: servers[0].audit) }
            #expect(refused?.message.contains("nothing was changed") == true)
            #expect(try servers[0].database.read { db in try db.values("SELECT kid FROM data_keys ORDER BY kid", as: String.self) } == before)
            #expect(try store.dataset("production", create: false).query(#"*[_id == "c-1"][0].email"#) == "ada@example.com")
        }
    }

    @Test func aFieldSealedOnOneServerOpensOnAnother() async throws {
        try await withServers(2) { servers in
            let storeA = try servers[0].documentStore(validator: nil)
            let storeB = try servers[1].documentStore(validator: nil)
            defer { storeA.close(); storeB.close() }
            let datasetA = try storeA.dataset("production", create: true)
            try datasetA.mutate([.create(["_id": "c-1", "_type": "customer", "email": "ada@example.com"])])
            let datasetB = try storeB.dataset("production", create: false)
            let opened = try datasetB.query(#"*[_id == "c-1"][0].email"#)
            #expect(opened == "ada@example.com")
            // Its data key was made once, in the records both servers share.
            let stored = try servers[1].database.read { db in try db.rows("SELECT 1 FROM data_keys") }
            #expect(!stored.isEmpty)
        }
    }
}
