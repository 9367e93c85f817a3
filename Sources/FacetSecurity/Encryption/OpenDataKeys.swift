import Crypto

/// The data keys a process keeps open, at most `capacity` of them, and which key is current
/// for each subject.
///
/// Every client and every order has a key of its own: a dataset of a million documents has
/// hundreds of thousands, each opened once when the dataset is read and rarely again (a write
/// to that client, a look at its history), so holding them all cost memory in proportion to the
/// dataset for nothing. Past the capacity the key remembered longest ago is forgotten; it is
/// read and unwrapped again when it is next needed.
struct OpenDataKeys {
    let capacity: Int
    private var keys: [String: SymmetricKey] = [:]
    /// The ids in `keys`, oldest first from `nextEviction` on.
    private var remembered: [String] = []
    private var nextEviction = 0
    private var current: [SubjectKey: String] = [:]

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// How many keys are open.
    var count: Int { keys.count }

    /// The key `kid`, when it is open.
    func key(kid: String) -> SymmetricKey? { keys[kid] }

    /// Keeps `key` open, forgetting the one remembered longest ago past the capacity.
    mutating func remember(_ key: SymmetricKey, kid: String) {
        guard keys.updateValue(key, forKey: kid) == nil else { return }
        if remembered.count < capacity {
            remembered.append(kid)
            return
        }
        keys.removeValue(forKey: remembered[nextEviction])
        remembered[nextEviction] = kid
        nextEviction = (nextEviction + 1) % remembered.count
    }

    /// Makes `kid` the key new values of `subject` are sealed with. An entry whose key was
    /// forgotten is of no use: such entries are dropped when there could be twice as many
    /// entries as keys.
    mutating func makeCurrent(_ kid: String, key: SymmetricKey, for subject: SubjectKey) {
        remember(key, kid: kid)
        if current.count >= 2 * capacity { current = current.filter { keys[$0.value] != nil } }
        current[subject] = kid
    }

    /// The current key of `subject`, when it is still open.
    func currentKey(of subject: SubjectKey) -> (kid: String, key: SymmetricKey)? {
        guard let kid = current[subject], let key = keys[kid] else { return nil }
        return (kid, key)
    }

    /// Forgets every key (another process changed them).
    mutating func forgetAll() {
        keys.removeAll()
        remembered.removeAll()
        nextEviction = 0
        current.removeAll()
    }
}
