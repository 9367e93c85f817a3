import Crypto
import FacetStore
import Foundation

/// The AES-256-GCM cipher of a dataset's image: one data key per dataset (subject
/// ``SubjectKey/image``), wrapped by the master key like every other, and destroyed with the
/// keys of any erasure in the dataset.
struct DatasetImageSealing: ImageCipher {
    let keyID: String
    let key: SymmetricKey

    func seal(_ plain: UnsafeRawBufferPointer, context: [UInt8]) throws(StoreError) -> [UInt8] {
        do {
            guard let combined = try AES.GCM.seal(plain, using: key, authenticating: context).combined else {
                throw Self.failure("AES-GCM produced no combined form")
            }
            return Array(combined)
        } catch let error as StoreError {
            throw error
        } catch {
            throw Self.failure("The dataset image could not be sealed: \(error)")
        }
    }

    func open(_ sealed: UnsafeRawBufferPointer, context: [UInt8]) throws(StoreError) -> [UInt8] {
        do {
            return Array(try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key, authenticating: context))
        } catch {
            throw Self.failure("It does not open with key \(keyID): altered, or sealed for another place")
        }
    }

    private static func failure(_ message: String) -> StoreError {
        StoreError(.storage, type: "encryptionError", message: message)
    }
}

extension FieldEncryption {
    public func imageCipher(dataset: String, keyID: String?) throws(StoreError) -> (any ImageCipher)? {
        try storeErrors { () throws(SecurityError) -> (any ImageCipher)? in
            guard let keyID else {
                let current = try keyring.currentKey(for: SubjectKey(dataset: dataset, subject: SubjectKey.image))
                return DatasetImageSealing(keyID: current.kid, key: current.key)
            }
            return try keyring.key(kid: keyID).map { DatasetImageSealing(keyID: keyID, key: $0) }
        }
    }
}
