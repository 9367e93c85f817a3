import FacetSchema
import FacetStore
import Foundation
import GROQ

/// Everything that keeps one data directory safe, opened together: the security database, the
/// audit log, users and sessions, field encryption, threat detection and the role policy.
///
/// Every way into the data (the server, each `facet` command) opens its store through
/// ``documentStore(validator:)``, so that encryption at rest, the card-number screen and the audit
/// of every transaction apply whoever writes.
///
/// ```swift
/// let security = try SecuritySystem(directory: "./facet-data", policy: CRMRoles.policy(schema: schema), schema: schema)
/// let store = try security.documentStore(validator: Validator(schema: schema))
/// ```
public final class SecuritySystem: Sendable {
    public let directory: String
    public let database: SecurityDatabase
    public let audit: AuditLog
    public let identities: IdentityStore
    public let sessions: SessionAuthority
    public let encryption: FieldEncryption
    public let threats: ThreatMonitor
    public let policy: PermissionPolicy
    public let schema: Schema?
    /// Where the datasets are; `nil` for the data directory's SQLite files.
    public let backend: (any StorageBackend)?

    /// Opens (creating on first use) the security of the data directory `directory`, kept in
    /// the records `backend` shares among servers (PostgreSQL's) or else in the directory.
    /// `environment` supplies `FACET_MASTER_KEY` and `FACET_ADMIN_PASSWORD`; `passwordCost` is
    /// bcrypt's for new passwords (and for the decoy an unknown user's sign-in is checked against).
    public init(directory: String, backend: (any StorageBackend)? = nil, policy: PermissionPolicy, schema: Schema?,
                environment: [String: String] = ProcessInfo.processInfo.environment, passwordCost: UInt8 = 12) throws(SecurityError)
    {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw SecurityError(.storage, "Cannot create the data directory \(directory): \(error)")
        }
        self.directory = directory
        self.policy = policy
        self.schema = schema
        self.backend = backend
        if let records = backend?.sharedRecords {
            database = try SecurityDatabase(records: records, directory: directory)
        } else {
            database = try SecurityDatabase(directory: directory)
        }
        // Every personal field is sealed under its person's data key, sensitive or not, so that
        // erasing the key leaves nothing of them readable in history or old exports.
        encryption = try FieldEncryption(database: database, fields: schema?.personalDataFields ?? [:], environment: environment)
        // The master key also signs the checkpoints that anchor the audit chain outside the database.
        audit = AuditLog(database: database, checkpoints: AuditCheckpoints(directory: directory, encryption: encryption, environment: environment))
        identities = IdentityStore(database: database, audit: audit, passwordCost: passwordCost)
        threats = ThreatMonitor(database: database, audit: audit)
        // The same master key seals the token signing keys.
        sessions = SessionAuthority(database: database, identities: identities, audit: audit, threats: threats, encryption: encryption)
    }

    /// The document store of this data directory (or of the backend given when opening), with
    /// sensitive fields sealed at rest, card numbers refused, and every transaction audited.
    public func documentStore(validator: (any DocumentValidating)?, limits: DocumentLimits = DocumentLimits(),
                              imagePolicy: ImagePolicy = ImagePolicy(), backend: (any StorageBackend)? = nil) throws(StoreError) -> DocumentStore {
        let storage: any StorageBackend
        if let backend = backend ?? self.backend { storage = backend } else { storage = try SQLiteBackend(directory: directory) }
        return DocumentStore(backend: storage, limits: limits, validator: PaymentCardScreen(inner: validator),
                      sealing: encryption, observer: audit, imagePolicy: imagePolicy)
    }
}
