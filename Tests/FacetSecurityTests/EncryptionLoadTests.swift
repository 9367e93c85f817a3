@testable import FacetSecurity
import FacetStore
import Foundation
import GROQ
import Testing
import TestSupport

/// What encryption at rest costs when a dataset loads: 20,000 customers, each with four sealed
/// fields and four personal ones, opened with and without field encryption. A measurement, not
/// a pass/fail bound (the machine is shared); run with FACET_MEASURE_ENCRYPTION=1.
@Suite("Field encryption load cost", .ownThread(), .enabled(if: ProcessInfo.processInfo.environment["FACET_MEASURE_ENCRYPTION"] == "1"))
struct EncryptionLoadTests {
    static let customers = 20_000

    static func fill(_ dataset: Dataset) throws {
        for batch in stride(from: 0, to: customers, by: 1_000) {
            try dataset.mutate((batch..<batch + 1_000).map { index in
                var customer = EncryptionFixture.customer("c-\(index)", name: "Customer \(index)", email: "customer\(index)@example.com")
                customer["notes"] = "Likes pearls"
                return .create(customer)
            })
        }
    }

    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let start = ContinuousClock.now
        try body()
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }

    @Test func loadingTwentyThousandCustomers() throws {
        let sealedFixture = try EncryptionFixture()
        defer { sealedFixture.remove() }
        let encryption = sealedFixture.security.encryption
        let plainDirectory = sealedFixture.directory + ".plain"
        defer { try? FileManager.default.removeItem(atPath: plainDirectory) }

        let sealedStore = try DocumentStore(directory: sealedFixture.directory, sealing: encryption)
        let writeSealed = try Self.seconds { try Self.fill(try sealedStore.dataset("production", create: true)) }
        sealedStore.close()
        let plainStore = try DocumentStore(directory: plainDirectory)
        let writePlain = try Self.seconds { try Self.fill(try plainStore.dataset("production", create: true)) }
        plainStore.close()

        var loads: [(plain: Double, sealed: Double)] = []
        for _ in 0..<3 {
            var plainCount = 0, sealedCount = 0
            let plain = try Self.seconds {
                let store = try DocumentStore(directory: plainDirectory, imagePolicy: .none)
                plainCount = try store.dataset("production").snapshot.count
                store.close()
            }
            // A new process: nothing cached but the master key.
            let fresh = try FieldEncryption(database: sealedFixture.security.database, fields: sealedFixture.schema.personalDataFields,
                                            environment: [:])
            let sealed = try Self.seconds {
                let store = try DocumentStore(directory: sealedFixture.directory, sealing: fresh, imagePolicy: .none)
                sealedCount = try store.dataset("production").snapshot.count
                store.close()
            }
            #expect(plainCount == Self.customers)
            #expect(sealedCount == Self.customers)
            loads.append((plain, sealed))
        }
        let best = (plain: loads.map(\.plain).min()!, sealed: loads.map(\.sealed).min()!)
        print(String(format: "encryption load cost, %d customers: load plain %.3f s, sealed %.3f s (x%.2f); write plain %.2f s, sealed %.2f s",
                     Self.customers, best.plain, best.sealed, best.sealed / best.plain, writePlain, writeSealed))
    }
}
