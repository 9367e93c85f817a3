import Crypto
import Foundation
import JWTKit

/// The claims of an access token: who (`sub`, `name`, `role`), which token (`jti`, for
/// revocation) and when (`iat`, `nbf`, `exp`).
struct AccessClaims: JWTPayload, Equatable {
    var sub: SubjectClaim
    var name: String
    var role: String
    var jti: IDClaim
    var iat: IssuedAtClaim
    var nbf: NotBeforeClaim
    var exp: ExpirationClaim

    /// Clocks of the machines a token passes between may differ a little.
    static let clockSkew: TimeInterval = 5

    init(user: UserAccount, jti: String, issuedAt: Date, notBefore: Date? = nil, expires: Date) {
        sub = SubjectClaim(value: user.id)
        name = user.name
        role = user.role.rawValue
        self.jti = IDClaim(value: jti)
        iat = IssuedAtClaim(value: issuedAt)
        nbf = NotBeforeClaim(value: notBefore ?? issuedAt)
        exp = ExpirationClaim(value: expires)
    }

    /// Called by JWTKit once the signature is verified.
    func verify(using algorithm: some JWTAlgorithm) async throws {
        try exp.verifyNotExpired()
        try nbf.verifyNotBefore(currentDate: Date().addingTimeInterval(Self.clockSkew))
        guard !jti.value.isEmpty, !sub.value.isEmpty else {
            throw JWTError.claimVerificationFailure(failedClaim: jti, reason: "missing")
        }
    }

    /// The claims signed with `secret` under `kid` (no `kid` header when `nil`), whatever keys
    /// the database holds: what a token from another server, or one forged by someone who holds
    /// a key, looks like.
    func signed(secret: [UInt8], kid: String?) async throws -> String {
        let keys = JWTKeyCollection()
        let identifier = kid.map(JWKIdentifier.init(string:))
        await keys.add(hmac: HMACKey(key: SymmetricKey(data: secret)), digestAlgorithm: .sha256, kid: identifier)
        return try await keys.sign(self, kid: identifier, header: ["typ": "JWT"])
    }
}
