import Foundation
import GROQ
import Synchronization
import Testing
import TestSupport
@testable import FacetSecurity

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let seconds = Mutex(1000.0)
    var now: Double { seconds.withLock { $0 } }
    func advance(_ delta: Double) { seconds.withLock { $0 += delta } }
    var threatClock: ThreatClock { ThreatClock { [self] in now } }
}

/// A monitor over a fresh security database, on a manual clock.
struct MonitorFixture {
    let directory: SecurityDirectory
    let clock = ManualClock()
    let monitor: ThreatMonitor

    init(_ configure: (inout ThreatPolicy) -> Void = { _ in }) throws {
        directory = try SecurityDirectory()
        var policy = ThreatPolicy()
        configure(&policy)
        monitor = ThreatMonitor(database: directory.database, audit: directory.audit, policy: policy, clock: clock.threatClock)
    }

    func request(_ address: String? = "203.0.113.5", agent: String? = "Mozilla/5.0 (Macintosh) Safari/605.1.15", credential: String? = nil,
                 path: String = "/v1/data/query/production", parameters: [(name: String, value: String)] = [],
                 ids: [String] = []) -> RequestSignals
    {
        RequestSignals(method: "GET", path: path, address: address, userAgent: agent, credential: credential, parameters: parameters,
                       documentIDs: ids)
    }
}

@Suite("token bucket", .ownThread()) struct TokenBucketTests {
    @Test func takesRefillsAndCaps() {
        var bucket = TokenBucket(RateLimit(perSecond: 2, burst: 3), now: 0)
        #expect(bucket.take(at: 0) == .init(allowed: true, remaining: 2, retryAfter: 0))
        #expect(bucket.take(at: 0) == .init(allowed: true, remaining: 1, retryAfter: 0))
        #expect(bucket.take(at: 0) == .init(allowed: true, remaining: 0, retryAfter: 0))
        // Empty: one token takes half a second at 2 per second.
        #expect(bucket.take(at: 0) == .init(allowed: false, remaining: 0, retryAfter: 0.5))
        // A quarter second later half a token has come back: a quarter second more to wait.
        #expect(bucket.take(at: 0.25) == .init(allowed: false, remaining: 0, retryAfter: 0.25))
        #expect(bucket.take(at: 0.5) == .init(allowed: true, remaining: 0, retryAfter: 0))
        // A long pause refills to the burst, never beyond.
        #expect(!bucket.isFull(at: 1.0))
        #expect(bucket.isFull(at: 2.0))
        #expect(bucket.take(at: 100) == .init(allowed: true, remaining: 2, retryAfter: 0))
        // A clock that steps back neither refills nor drains.
        #expect(bucket.take(at: 50) == .init(allowed: true, remaining: 1, retryAfter: 0))
    }

    @Test func aZeroRateNeverRefills() {
        var bucket = TokenBucket(RateLimit(perSecond: 0, burst: 1), now: 0)
        #expect(bucket.take(at: 0).allowed)
        let refused = bucket.take(at: 1_000_000)
        #expect(!refused.allowed)
        #expect(refused.retryAfter == .infinity)
    }
}

@Suite("threat monitor", .ownThread()) struct ThreatMonitorTests {
    // MARK: Rate limits

    @Test func addressesAreRateLimitedWithRetryAfter() throws {
        let fixture = try MonitorFixture { $0.addressLimit = RateLimit(perSecond: 0.5, burst: 3) }
        let remaining = (0..<3).map { _ in fixture.monitor.assess(fixture.request()) }
        #expect(remaining.map(\.decision) == [.proceed, .proceed, .proceed])
        #expect(remaining.map(\.remaining) == [2, 1, 0])
        #expect(remaining.allSatisfy { $0.limit == 3 })

        let over = fixture.monitor.assess(fixture.request())
        #expect(over.decision == .throttle)
        #expect(over.retryAfter == 2)
        #expect(over.events.map(\.kind) == [.rateLimit])
        // Another address has its own bucket.
        #expect(fixture.monitor.assess(fixture.request("198.51.100.1")).decision == .proceed)

        fixture.clock.advance(2)
        #expect(fixture.monitor.assess(fixture.request()).decision == .proceed)
        #expect(fixture.monitor.assess(fixture.request()).decision == .throttle)

        let stored = try fixture.monitor.events(kind: .rateLimit)
        #expect(stored.count == 1, "repeats within the cooldown are merged")
        #expect(stored.first?.address == "203.0.113.5")
        #expect(stored.first?.action == .throttled)
        let audited = try fixture.directory.audit.entries(AuditFilter(actions: ["security-event"]))
        #expect(audited.count == 1)
        #expect(audited.first?.event.details?["kind"] == "rate-limit")
        #expect(audited.first?.event.ipAddress == "203.0.113.5")
    }

    @Test func aCredentialIsLimitedAcrossAddresses() throws {
        let fixture = try MonitorFixture {
            $0.identityLimit = RateLimit(perSecond: 0.1, burst: 2)
            $0.addressLimit = RateLimit(perSecond: 100, burst: 100)
        }
        let token = "Bearer eyJhbGciOiJIUzI1NiJ9.secret-part"
        #expect(fixture.monitor.assess(fixture.request("192.0.2.1", credential: token)).decision == .proceed)
        #expect(fixture.monitor.assess(fixture.request("192.0.2.2", credential: token)).decision == .proceed)
        let third = fixture.monitor.assess(fixture.request("192.0.2.3", credential: token))
        #expect(third.decision == .throttle)
        #expect(third.limit == 2)
        // The event names the credential by digest, never by its secret.
        let identity = try #require(third.events.first?.identity)
        #expect(identity.hasPrefix("token:"))
        #expect(!identity.contains("secret"))
        // Without a credential only the address counts.
        #expect(fixture.monitor.assess(fixture.request("192.0.2.3")).decision == .proceed)
    }

    // MARK: Brute force

    func lockout(_ fixture: MonitorFixture, _ user: String, address: String? = "203.0.113.9") -> SecurityError? {
        do {
            try fixture.monitor.checkLogin(username: user, address: address)
            return nil
        } catch {
            return error
        }
    }

    @Test func failedSignInsLockOutExponentially() throws {
        let fixture = try MonitorFixture()
        for _ in 0..<4 { fixture.monitor.loginFailed(username: "ada", address: "203.0.113.9") }
        #expect(lockout(fixture, "ada") == nil, "four failures are not yet a lock-out")
        var waits: [Int] = []
        for _ in 0..<5 {
            fixture.monitor.loginFailed(username: "ada", address: "203.0.113.9")
            let error = try #require(lockout(fixture, "ada"))
            #expect(error.kind == .throttled)
            waits.append(try #require(error.retryAfter))
            // Waiting out the lock-out lets the next attempt through.
            fixture.clock.advance(Double(error.retryAfter ?? 0))
            #expect(lockout(fixture, "ada") == nil)
        }
        #expect(waits == [1, 2, 4, 8, 16])
        // The same user name with other capitals or spaces is the same account.
        fixture.monitor.loginFailed(username: " ADA", address: "203.0.113.9")
        #expect(lockout(fixture, "ada")?.retryAfter == 32)
        // The lock-out holds at the address the failures came from only.
        #expect(lockout(fixture, "ada", address: "192.0.2.201") == nil)

        let events = try fixture.monitor.events(kind: .lockout)
        #expect(events.count == 6)
        #expect(events.first?.identity == " ADA")
        #expect(events.allSatisfy { $0.action == .lockedOut })
        #expect(try fixture.directory.audit.entries(AuditFilter(actions: ["security-event"])).count == 6)

        // A success clears the account.
        fixture.clock.advance(32)
        fixture.monitor.loginSucceeded(username: "ada", address: "192.0.2.201")
        fixture.monitor.loginFailed(username: "ada", address: "192.0.2.202")
        #expect(lockout(fixture, "ada", address: "192.0.2.202") == nil)
    }

    /// An attacker anywhere cannot lock the admin out of the address they sign in from, however
    /// long they keep guessing; they lock out only themselves.
    @Test func anAttackerElsewhereCannotLockAUserOut() throws {
        let fixture = try MonitorFixture()
        for _ in 0..<40 { fixture.monitor.loginFailed(username: "admin", address: "203.0.113.66") }
        #expect(lockout(fixture, "admin", address: "203.0.113.66")?.retryAfter == 900)
        #expect(lockout(fixture, "admin", address: "192.0.2.10") == nil, "the admin's own address is not locked")
        // The admin's own mistakes still count at their address.
        for _ in 0..<5 { fixture.monitor.loginFailed(username: "admin", address: "192.0.2.10") }
        #expect(lockout(fixture, "admin", address: "192.0.2.10") != nil)
        #expect(try fixture.monitor.events(kind: .lockout).first?.reason.contains("from address 192.0.2.10") == true)
    }

    @Test func lockOutsAreCappedAndForgotten() throws {
        let fixture = try MonitorFixture { $0.lockoutCap = 900 }
        for _ in 0..<30 { fixture.monitor.loginFailed(username: "bo", address: nil) }
        #expect(lockout(fixture, "bo", address: nil)?.retryAfter == 900)
        // After the memory has passed without failures, the count starts again.
        fixture.clock.advance(3600 + 901)
        #expect(lockout(fixture, "bo", address: nil) == nil)
        fixture.monitor.loginFailed(username: "bo", address: nil)
        #expect(lockout(fixture, "bo", address: nil) == nil)
    }

    @Test func unknownAndKnownAccountsGetTheSameAnswer() throws {
        let fixture = try MonitorFixture()
        for _ in 0..<6 {
            fixture.monitor.loginFailed(username: "admin", address: "192.0.2.10")
            fixture.monitor.loginFailed(username: "no-such-user-7f3a", address: "192.0.2.11")
        }
        let known = try #require(lockout(fixture, "admin", address: "192.0.2.10"))
        let unknown = try #require(lockout(fixture, "no-such-user-7f3a", address: "192.0.2.11"))
        #expect(known == unknown)
        #expect(!known.message.contains("admin"))
        #expect(!known.description.lowercased().contains("exist"))
    }

    @Test func anAddressGuessingManyAccountsIsLockedOut() throws {
        let fixture = try MonitorFixture { $0.addressFailureThreshold = 10 }
        for index in 0..<10 { fixture.monitor.loginFailed(username: "user\(index)", address: "198.51.100.66") }
        // A fresh account from that address is refused; the same account from elsewhere is not.
        #expect(lockout(fixture, "someone-else", address: "198.51.100.66")?.retryAfter == 1)
        #expect(lockout(fixture, "someone-else", address: "198.51.100.67") == nil)
        #expect(try fixture.monitor.events(kind: .lockout).first?.reason.contains("address 198.51.100.66") == true)
    }

    // MARK: Automation

    @Test func aiScrapersAreRefusedAndScriptsFollowThePolicy() throws {
        let fixture = try MonitorFixture {
            $0.automation[.scriptClient] = .throttle
            $0.automationLimit = RateLimit(perSecond: 0.01, burst: 2)
        }
        for agent in ["Mozilla/5.0 AppleWebKit/537.36 (KHTML, like Gecko; compatible; GPTBot/1.2; +https://openai.com/gptbot)",
                      "CCBot/2.0 (https://commoncrawl.org/faq/)", "Mozilla/5.0 (compatible; ClaudeBot/1.0)", "Bytespider"]
        {
            let verdict = fixture.monitor.assess(fixture.request("192.0.2.50", agent: agent))
            #expect(verdict.decision == .refuse, "\(agent)")
        }
        let refused = try fixture.monitor.events(kind: .automation)
        #expect(refused.count == 1, "one event per client and kind within the cooldown")
        #expect(refused.first?.action == .refused)
        #expect(refused.first?.score ?? 0 >= 90)

        // python-requests: throttled by the stricter automation bucket.
        let script = (0..<3).map { _ in fixture.monitor.assess(fixture.request("192.0.2.60", agent: "python-requests/2.31.0")) }
        #expect(script.map(\.decision) == [.proceed, .proceed, .throttle])
        #expect(script[0].limit == 2)
        // A browser from another address is untouched.
        #expect(fixture.monitor.assess(fixture.request("192.0.2.61")).decision == .proceed)
    }

    @Test func thePolicyDecidesPerClass() throws {
        let fixture = try MonitorFixture { $0.automation[.aiScraper] = .flag }
        let verdict = fixture.monitor.assess(fixture.request(agent: "GPTBot/1.2"))
        #expect(verdict.decision == .proceed)
        #expect(verdict.events.map(\.action) == [.flagged])
        let allowed = try MonitorFixture { $0.automation[.aiScraper] = .allow }
        let quiet = allowed.monitor.assess(allowed.request(agent: "GPTBot/1.2"))
        #expect(quiet.decision == .proceed)
        #expect(quiet.events.isEmpty)
    }

    @Test func agentsMatchInAnyCaseAndFollowTheCatalogueInForce() throws {
        let fixture = try MonitorFixture()
        #expect(fixture.monitor.assess(fixture.request("192.0.2.70", agent: "mozilla/5.0 (compatible; gptbot/1.2)")).decision == .refuse)
        // A client's header is remembered between requests; a changed catalogue still applies at once.
        let agent = "HouseCrawler/3.1 (+https://crawler.example)"
        #expect(fixture.monitor.assess(fixture.request("192.0.2.71", agent: agent)).decision == .proceed)
        fixture.monitor.policy.knownAgents.append(KnownAgent("housecrawler", .aiScraper, score: 90))
        #expect(fixture.monitor.assess(fixture.request("192.0.2.71", agent: agent)).decision == .refuse)
        fixture.monitor.policy.knownAgents.removeLast()
        #expect(fixture.monitor.assess(fixture.request("192.0.2.72", agent: agent)).decision == .proceed)
    }

    @Test func machineRegularCadenceIsNoticed() throws {
        let fixture = try MonitorFixture { $0.automation[.regularCadence] = .flag }
        var events: [SecurityEvent] = []
        for _ in 0..<13 {
            events += fixture.monitor.assess(fixture.request("192.0.2.70")).events
            fixture.clock.advance(2.0)
        }
        #expect(events.map(\.kind) == [.cadence])
        // A person's irregular rhythm is not.
        let human = [0.7, 3.1, 1.2, 8.4, 0.9, 2.2, 5.5, 1.1, 0.4, 4.0, 2.7, 1.6, 3.3]
        var quiet: [SecurityEvent] = []
        for gap in human {
            quiet += fixture.monitor.assess(fixture.request("192.0.2.71")).events
            fixture.clock.advance(gap)
        }
        #expect(quiet.isEmpty)
    }

    @Test func enumerationIsNoticed() throws {
        let fixture = try MonitorFixture()
        var decisions: [RequestVerdict.Decision] = []
        var events: [SecurityEvent] = []
        for number in 1...10 {
            let verdict = fixture.monitor.assess(fixture.request("192.0.2.80", path: "/v1/data/doc/production/customer-\(number)",
                                                                 ids: ["customer-\(number)"]))
            decisions.append(verdict.decision)
            events += verdict.events
        }
        #expect(events.map(\.kind) == [.enumeration])
        #expect(events.first?.reason.contains("10 consecutive ids") == true)
        #expect(events.first?.action == .throttled)

        // Many distinct ids in a minute, in no order.
        let wide = try MonitorFixture {
            $0.distinctDocumentsPerMinute = 5
            $0.automation[.enumeration] = .refuse
        }
        let ids = ["c-9", "p-1", "x", "order-77", "c-2", "q-5"]
        let verdicts = ids.map { wide.monitor.assess(wide.request("192.0.2.81", ids: [$0])) }
        #expect(verdicts.map(\.decision) == [.proceed, .proceed, .proceed, .proceed, .proceed, .refuse])
        // A minute later the window starts again.
        wide.clock.advance(61)
        #expect(wide.monitor.assess(wide.request("192.0.2.81", ids: ["c-10"])).decision == .proceed)
    }

    // MARK: Injection

    @Test func injectionPatternsAreFlaggedNotRefused() throws {
        let fixture = try MonitorFixture()
        let verdict = fixture.monitor.assess(fixture.request(parameters: [
            ("query", #"*[_type == "customer" && name == $name]"#), ("$name", #""x' OR 1=1 --""#),
        ]))
        #expect(verdict.decision == .proceed)
        let event = try #require(verdict.events.first)
        #expect(event.kind == .injection)
        #expect(event.action == .flagged)
        #expect(event.reason.contains("sql/or-tautology in query parameter $name"))
        // The GROQ query itself is not GROQ injection.
        #expect(!event.reason.contains("query parameter query"))

        let groq = InjectionScanner.standard.scan(#"x"] | *[_type == "user"]{password}"#, at: "parameter")
        #expect(Set(groq.map(\.kind)) == [.groq])
        let script = InjectionScanner.standard.scan(#"<img src=x onerror="alert(1)">"#, at: "field")
        #expect(script.map(\.pattern) == ["event-handler"])
        #expect(InjectionScanner.standard.scan("1; DROP TABLE users", at: "x").map(\.pattern) == ["stacked-drop"])
        #expect(InjectionScanner.standard.scan("name UNION ALL SELECT password FROM users", at: "x").map(\.pattern) == ["union-select"])
        #expect(InjectionScanner.standard.scan("c-1 Or\t1 = 1", at: "x").map(\.pattern) == ["numeric-tautology"])
        // SQL in a GROQ query is found on every request that sends it, not only the first.
        let probe = #"*[_type == "customer"] | order(name) ; DELETE FROM users"#
        let first = fixture.monitor.assess(fixture.request("192.0.2.90", parameters: [("query", probe)]))
        #expect(first.events.map(\.kind) == [.injection])
        let policy = fixture.monitor.policy
        fixture.monitor.policy.injection = .refuse
        #expect(fixture.monitor.assess(fixture.request("192.0.2.91", parameters: [("query", probe)])).decision == .refuse)
        fixture.monitor.policy = policy
        // Ordinary prose is not flagged.
        for text in ["Ring size 7; prefers yellow gold", "O'Brien", "See https://example.com/a?b=c", "Selected pieces: 3 (of 5)"] {
            #expect(InjectionScanner.standard.scan(text, at: "x").isEmpty, "\(text)")
        }
    }

    @Test func injectionResponsesFollowThePolicy() throws {
        let probe: [(name: String, value: String)] = [("$id", #""1 UNION SELECT password FROM users""#)]
        let refusing = try MonitorFixture { $0.injection = .refuse }
        let refused = refusing.monitor.assess(refusing.request(parameters: probe))
        #expect(refused.decision == .refuse)
        #expect(refused.events.map(\.action) == [.refused])
        let ignoring = try MonitorFixture { $0.injection = .allow }
        let ignored = ignoring.monitor.assess(ignoring.request(parameters: probe))
        #expect(ignored.decision == .proceed)
        #expect(ignored.events.isEmpty)
        #expect(try ignoring.monitor.events().isEmpty)
    }

    @Test func secretsAreNeverQuotedInEvents() throws {
        let fixture = try MonitorFixture()
        let findings = fixture.monitor.inspect(body: ["username": "ada", "password": "x' OR 1=1 --"], request: fixture.request())
        #expect(findings.map(\.excerpt) == ["(hidden)", "(hidden)"])
        let stored = try #require(try fixture.monitor.events(kind: .injection).first)
        #expect(!stored.reason.contains("1=1"))
    }

    @Test func bodiesAreScannedByPath() throws {
        let fixture = try MonitorFixture()
        let body: JSONValue = ["mutations": [["create": ["_type": "interaction", "notes": "<script>alert(document.cookie)</script>"]]]]
        let findings = fixture.monitor.inspect(body: body, request: fixture.request())
        #expect(Set(findings.map(\.pattern)) == ["script-tag", "cookie-access"])
        #expect(findings.allSatisfy { $0.location == "body at mutations[0].create.notes" })
        let events = try fixture.monitor.events(kind: .injection)
        #expect(events.count == 1)
        #expect(events.first?.reason.contains("script/script-tag in body at mutations[0].create.notes") == true)
    }

    @Test func oldEventsCanBeForgottenWhileTheAuditKeepsThem() throws {
        let fixture = try MonitorFixture()
        try fixture.monitor.record(SecurityEvent(time: Date(timeIntervalSinceNow: -90 * 86_400), kind: .lockout, score: 60, reason: "old",
                                                 action: .lockedOut))
        try fixture.monitor.record(SecurityEvent(kind: .lockout, score: 60, reason: "new", action: .lockedOut))
        #expect(try fixture.monitor.forgetEvents(before: Date(timeIntervalSinceNow: -30 * 86_400)) == 1)
        #expect(try fixture.monitor.events().map(\.reason) == ["new"])
        #expect(try fixture.directory.audit.entries(AuditFilter(actions: ["security-event"])).count == 2)
        #expect(try fixture.directory.audit.verify() == .intact(count: 2))
    }

    // MARK: Overload and memory

    @Test func requestsInFlightAreBounded() throws {
        let fixture = try MonitorFixture { $0.maxInFlight = 2 }
        #expect(fixture.monitor.admit(fixture.request()))
        #expect(fixture.monitor.admit(fixture.request()))
        #expect(!fixture.monitor.admit(fixture.request()))
        fixture.monitor.finish()
        #expect(fixture.monitor.admit(fixture.request()))
        #expect(fixture.monitor.inFlight == 2)
        #expect(try fixture.monitor.events(kind: .overload).count == 1)
    }

    @Test func memoryIsPruned() throws {
        let fixture = try MonitorFixture { $0.maxTrackedClients = 100 }
        for index in 0..<500 {
            _ = fixture.monitor.assess(fixture.request("10.0.\(index / 256).\(index % 256)"))
            fixture.monitor.loginFailed(username: "guess\(index)", address: nil)
        }
        let crowded = fixture.monitor.state.withLock { $0.trackedCount }
        // Each table is held near its cap while the flood lasts…
        #expect(crowded <= 5 * 101)
        // …and everything idle is forgotten once it no longer matters.
        fixture.clock.advance(4000)
        _ = fixture.monitor.assess(fixture.request("10.9.9.9"))
        #expect(fixture.monitor.state.withLock { $0.trackedCount } <= 3)
    }
}

@Suite("threat policy from a configuration file", .ownThread())
struct ThreatPolicyConfigurationTests {
    @Test func settingsOverrideTheDefaultsAndUnknownOnesAreRefused() throws {
        let policy = try ThreatPolicy(json: [
            "addressLimit": ["perSecond": 50, "burst": 200],
            "automation": ["search-crawler": "throttle", "headless-browser": "refuse"],
            "injection": "refuse",
            "maxInFlight": 64,
        ])
        #expect(policy.addressLimit.perSecond == 50 && policy.addressLimit.burst == 200)
        #expect(policy.automation[.searchCrawler] == .throttle && policy.automation[.headlessBrowser] == .refuse)
        #expect(policy.automation[.aiScraper] == ThreatPolicy().automation[.aiScraper])
        #expect(policy.injection == .refuse && policy.maxInFlight == 64)
        #expect(ThreatPolicy().automation[.headlessBrowser] == .flag)

        for (bad, named) in [(["rateLimit": 5] as JSONValue, "rateLimit"), (["addressLimit": ["perSecond": -1, "burst": 3]], "addressLimit"),
                             (["automation": ["robots": "allow"]], "robots"), (["injection": "ignore"], "injection")] {
            do {
                _ = try ThreatPolicy(json: bad)
                Issue.record("accepted \(bad)")
            } catch {
                #expect(error.kind == .invalid)
                #expect(error.description.contains(named), "\(error.description)")
            }
        }
    }
}
