import FacetStore
import Foundation

/// Rate limits counted across the servers that share a PostgreSQL database, so that a client
/// spreading its requests over the servers behind a load balancer does not multiply its limit.
///
/// A database round trip per request would cost more than the request, so each server keeps its
/// own token buckets and, four times a second, tells the others what it spent: it adds the tokens
/// taken since the last exchange to its rows of `rate_spending` (one per client and server,
/// counting up), reads the rows the other servers changed since, and takes what they spent
/// from its own buckets, below zero if need be. A client is therefore held to its limit within
/// one exchange: at most what each server lets through in a quarter of a second on top, which the
/// burst of a bucket already allows.
extension ThreatMonitor {
    /// How often a server exchanges what it spent.
    static let rateExchangeInterval = 0.25

    /// Rows no server has touched for this long are removed.
    static let rateRowLifetime = 600.0

    /// Starts the exchange on a thread of its own (its statements wait for the database, which a
    /// task must not do on the shared threads); it ends when the monitor goes.
    func startSharingRates() {
        state.withLock { $0.sharesRates = true }
        Thread { [weak self] in
            while let monitor = self {
                monitor.exchangeSpending()
                Thread.sleep(forTimeInterval: Self.rateExchangeInterval)
            }
        }.start()
    }

    /// One exchange: tells the other servers what this one spent since the last, and takes what
    /// they spent from this one's buckets. A failed exchange (the database away) keeps the
    /// spending for the next one. Exchanges take turns.
    func exchangeSpending() {
        rateExchange.withLock { exchange in
            let spent = state.withLock { state -> [ThreatState.RateKey: Double] in
                defer { state.spent.removeAll(keepingCapacity: true) }
                return state.spent
            }
            let since = exchange.since, server = exchange.server
            let result = Result { () throws(SecurityError) -> (now: Double, rows: [SQLRow]) in
                try database.write { db in
                    let now = try db.value("SELECT extract(epoch FROM clock_timestamp())::float8", as: Double.self) ?? 0
                    for (key, tokens) in spent {
                        try db.execute("""
                            INSERT INTO rate_spending (key, server, spent, updated_at) VALUES (?, ?, ?, ?)
                            ON CONFLICT (key, server) DO UPDATE SET spent = rate_spending.spent + excluded.spent, updated_at = excluded.updated_at
                            """, [Self.sharedName(key), server, tokens, now])
                    }
                    if since == 0 { try db.execute("DELETE FROM rate_spending WHERE updated_at < ?", [now - Self.rateRowLifetime]) }
                    // Rows changed since the last look, with a second's margin for transactions
                    // that committed late; what was already seen is told apart by `seen`.
                    let rows = try db.rows("SELECT key, server, spent FROM rate_spending WHERE server <> ? AND updated_at >= ?",
                                           [server, since == 0 ? now - Self.rateRowLifetime : since - 1])
                    return (now, rows)
                }
            }
            guard case .success(let exchanged) = result else {
                state.withLock { state in for (key, tokens) in spent { state.spent[key, default: 0] += tokens } }
                return
            }
            var charges: [(ThreatState.RateKey, Double)] = []
            for row in exchanged.rows {
                let name: String = row["key"], other: String = row["server"], total: Double = row["spent"]
                let id = other + " " + name
                // The rows found by the first exchange only set where they stand: what was spent
                // before this server started is history. A row made since counts from zero.
                let before = exchange.seen[id] ?? (since == 0 ? total : 0)
                if total > before, let key = Self.rateKey(named: name) { charges.append((key, total - before)) }
                exchange.seen[id] = total
            }
            exchange.since = exchanged.now
            // Bounded: when too many rows were seen, they are forgotten and the next exchange
            // takes where each stands again, as the first one does.
            if exchange.seen.count > 100_000 {
                exchange.seen.removeAll()
                exchange.since = 0
            }
            if !charges.isEmpty {
                let now = clock.now()
                state.withLock { state in for (key, tokens) in charges { state.charge(key, tokens, at: now) } }
            }
        }
    }

    static func sharedName(_ key: ThreatState.RateKey) -> String {
        switch key {
        case .address(let address): "a:" + address
        case .identity(let digest): "i:" + String(digest)
        case .automation(let address): "t:" + address
        }
    }

    static func rateKey(named name: String) -> ThreatState.RateKey? {
        let value = String(name.dropFirst(2))
        switch name.prefix(2) {
        case "a:": return .address(value)
        case "i:": return Int(value).map(ThreatState.RateKey.identity)
        case "t:": return .automation(value)
        default: return nil
        }
    }
}

/// One server's side of the exchange: its name in `rate_spending`, the totals it last saw of
/// the others' rows, and the database time it read up to.
struct RateExchange: Sendable {
    let server = SecretMaterial.identifier("srv")
    var seen: [String: Double] = [:]
    var since = 0.0
}
