import GROQ

/// Sanity's `autoGenerateArrayKeys`: every object inside an array gets a `_key`, so that
/// patches can address it (`items[_key=="k1"]`) however the array is reordered.
public enum ArrayKeys {
    /// Adds a random 12-character `_key` to each object in an array that has none.
    public static func add(to value: inout JSONValue) {
        switch value {
        case .object(var object):
            var changed = false
            for index in object.values.indices {
                switch object.values[index] {
                case .array, .object:
                    var member = object.values[index]
                    if needsKeys(member) {
                        add(to: &member)
                        object.values[index] = member
                        changed = true
                    }
                default: break
                }
            }
            if changed { value = .object(object) }
        case .array(var items):
            guard needsKeys(value) else { return }
            for index in items.indices {
                if case .object(var object) = items[index], object["_key"] == nil {
                    object["_key"] = .string(randomToken(length: 12))
                    items[index] = .object(object)
                }
                add(to: &items[index])
            }
            value = .array(items)
        default:
            return
        }
    }

    /// Whether anything inside `value` lacks a key, so that documents already keyed are not copied.
    private static func needsKeys(_ value: JSONValue) -> Bool {
        switch value {
        case .object(let object): return object.values.contains(where: needsKeys)
        case .array(let items):
            return items.contains { item in
                if case .object(let object) = item, object["_key"] == nil { return true }
                return needsKeys(item)
            }
        default: return false
        }
    }
}
