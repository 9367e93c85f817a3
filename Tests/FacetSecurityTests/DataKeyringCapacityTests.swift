import Crypto
import Foundation
import Testing
import TestSupport
@testable import FacetSecurity

/// The keyring keeps a bounded number of keys open, and a key it forgot is read again, the same.
@Suite("Open data keys, bounded", .ownThread())
struct DataKeyringCapacityTests {
    private func bytes(_ key: SymmetricKey) -> [UInt8] { key.withUnsafeBytes { Array($0) } }

    @Test func aForgottenKeyIsReadAgainAndTheOpenKeysStayWithinTheCapacity() throws {
        let directory = NSTemporaryDirectory() + "facet-keyring-capacity-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let database = try SecurityDatabase(directory: directory)
        let keyring = try DataKeyring(database: database, directory: directory, environment: [:], openKeyCapacity: 100)
        let subjects = (0..<450).map { SubjectKey(dataset: "production", subject: "customer-\($0)") }

        // Made in batches, as transactions make them; each batch's keys are open at once.
        var made: [SubjectKey: (kid: String, key: [UInt8])] = [:]
        for start in stride(from: 0, to: subjects.count, by: 90) {
            let batch = Array(subjects[start..<start + 90])
            try keyring.prepareKeys(for: Set(batch))
            for subject in batch {
                let current = try keyring.currentKey(for: subject, refreshing: false)
                made[subject] = (current.kid, bytes(current.key))
            }
            #expect(keyring.openKeyCount <= 100)
        }
        #expect(Set(made.values.map(\.kid)).count == 450, "one key per subject")

        // The first keys were forgotten long ago: each comes back as it was, by subject and by id,
        // and a second look at a subject makes no new key.
        for subject in subjects.prefix(120) + subjects.suffix(30) {
            let again = try keyring.currentKey(for: subject, refreshing: false)
            #expect(again.kid == made[subject]?.kid)
            #expect(bytes(again.key) == made[subject]?.key)
            #expect(try keyring.key(kid: again.kid).map(bytes) == made[subject]?.key)
            #expect(keyring.openKeyCount <= 100)
        }

        // A keyring opened afresh reads each key by id, keeping no more than the capacity open.
        let reading = try DataKeyring(database: database, directory: directory, environment: [:], openKeyCapacity: 100)
        for (_, found) in made {
            #expect(try reading.key(kid: found.kid).map(bytes) == found.key)
        }
        #expect(reading.openKeyCount <= 100)
    }
}
