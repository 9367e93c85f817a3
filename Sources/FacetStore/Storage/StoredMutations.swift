import GROQ

/// How a transaction's mutations are kept in the embedded backend's history: a `create`,
/// `createOrReplace` or `createIfNotExists` whose body is its document as the transaction left
/// it, but for system fields the store added, is kept as a pointer to that document's revision
/// in the same transaction instead of a second copy of the body.
///
/// Most writes are such mutations (every document of a seed or an import, every save of a
/// whole document from a client), and their bodies were over a quarter of a dataset file; history
/// reads the revisions of a transaction with its mutations anyway, so the body is put back
/// from them, byte for byte as it was submitted.
///
/// ```json
/// {"createOrReplace": {"$document": "client-1", "$without": ["_updatedAt", "_rev"]}}
/// ```
///
/// A stored body never lacks `_id` (the three mutations refuse a body without one, or record
/// the generated id), so the pointer, which has none, cannot be mistaken for a body.
enum StoredMutations {
    private static let creating: Set<String> = ["create", "createOrReplace", "createIfNotExists"]
    /// The fields the store adds to a body: only these may be left out of a pointer's revision.
    private static let systemFields: Set<String> = ["_createdAt", "_updatedAt", "_rev"]
    private static let documentKey = "$document"
    private static let withoutKey = "$without"

    /// `mutations` as they are stored with `effects`: each body that its document repeats
    /// replaced by a pointer.
    static func stored(_ mutations: [JSONValue], effects: [CommittedTransaction.Effect]) -> [JSONValue] {
        var position: [String: Int]?
        var result = mutations
        for (index, mutation) in mutations.enumerated() {
            guard let (operation, body) = creation(mutation), case .string(let id)? = body["_id"] else { continue }
            guard let effect = effectIndex(of: id, near: index, in: effects, positions: &position),
                  case .object(let document)? = effects[effect].document,
                  let without = fieldsAdded(to: body, making: document)
            else { continue }
            let pointer = JSONObject(uniqueKeysWithValues: [(documentKey, .string(id)), (withoutKey, .array(without.map(JSONValue.string)))])
            result[index] = .object(JSONObject(uniqueKeysWithValues: [(operation, .object(pointer))]))
        }
        return result
    }

    /// `mutations` as read back with `effects`: each pointer replaced by the body it stands for.
    static func restored(_ mutations: [JSONValue], effects: [CommittedTransaction.Effect], transaction: String) throws(StoreError) -> [JSONValue] {
        var result = mutations
        var position: [String: Int]?
        for (index, mutation) in mutations.enumerated() {
            guard let (operation, body) = creation(mutation), body["_id"] == nil, case .string(let id)? = body[documentKey] else { continue }
            guard let effect = effectIndex(of: id, near: index, in: effects, positions: &position),
                  case .object(var document)? = effects[effect].document
            else {
                throw StoreError.storage("Transaction \(transaction) points a mutation at the revision of \"\(id)\", which it does not hold",
                                         advice: "Restore the dataset from an export or a backup.")
            }
            for case .string(let name) in body[withoutKey]?.arrayValue ?? [] { document.removeValue(forKey: name) }
            result[index] = .object(JSONObject(uniqueKeysWithValues: [(operation, .object(document))]))
        }
        return result
    }

    /// Where the effect on `id` is: mutations and effects are usually in the same order (a
    /// batch of creations), and otherwise found through `positions`, made on first need.
    private static func effectIndex(of id: String, near index: Int, in effects: [CommittedTransaction.Effect],
                                    positions: inout [String: Int]?) -> Int?
    {
        if index < effects.count, effects[index].documentID == id { return index }
        if positions == nil {
            positions = Dictionary(effects.enumerated().map { ($0.element.documentID, $0.offset) }, uniquingKeysWith: { _, last in last })
        }
        return positions?[id]
    }

    /// The operation and body of a mutation that creates or replaces a document.
    private static func creation(_ mutation: JSONValue) -> (String, JSONObject)? {
        guard case .object(let object) = mutation, object.count == 1 else { return nil }
        var members = object.makeIterator()
        guard let (operation, value) = members.next(), creating.contains(operation), case .object(let body) = value else { return nil }
        return (operation, body)
    }

    /// The system fields `document` holds beyond `body` when it is otherwise `body` member for
    /// member, in order; `nil` when it is not.
    private static func fieldsAdded(to body: JSONObject, making document: JSONObject) -> [String]? {
        guard document.count - body.count <= systemFields.count else { return nil }
        return document.keysBeyond(body, allowed: systemFields.contains)
    }
}
