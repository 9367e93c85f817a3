import GROQ
import OrderedCollections

/// Finds the references (`{"_ref": "…"}`) anywhere in a document.
enum ReferenceScan {
    /// Every id the document references, strongly or weakly.
    static func targets(in document: JSONValue) -> Set<String> {
        var targets = Set<String>()
        InMemoryDataset.collectReferences(document, into: &targets)
        return targets
    }

    /// The ids the document references strongly: `_weak` is absent or false. A reference whose
    /// target is the document itself never dangles, so it is left out.
    static func strongTargets(in document: JSONValue) -> Set<String> {
        var targets = Set<String>()
        collectStrong(document, into: &targets)
        if let id = document["_id"]?.stringValue { targets.remove(id) }
        return targets
    }

    private static func collectStrong(_ value: JSONValue, into targets: inout Set<String>) {
        switch value {
        case .array(let items):
            for item in items { collectStrong(item, into: &targets) }
        case .object(let object):
            if case .string(let ref)? = object["_ref"], object["_weak"]?.boolValue != true { targets.insert(ref) }
            for (_, member) in object { collectStrong(member, into: &targets) }
        default:
            break
        }
    }

    /// `strengthened(_:)` for a document object.
    static func strengthened(_ object: JSONObject) -> JSONObject {
        strengthened(.object(object)).objectValue ?? object
    }

    /// The document with every `_strengthenOnPublish` reference made strong (or left weak when
    /// its `weak` flag says so), as publishing does.
    static func strengthened(_ value: JSONValue) -> JSONValue {
        switch value {
        case .array(let items):
            return .array(items.map(strengthened))
        case .object(var object):
            if object["_ref"] != nil, let strengthen = object["_strengthenOnPublish"] {
                object.removeValue(forKey: "_strengthenOnPublish")
                if strengthen["weak"]?.boolValue == true { object["_weak"] = true } else { object.removeValue(forKey: "_weak") }
                return .object(object)
            }
            for (key, member) in object {
                switch member {
                case .array, .object: object[key] = strengthened(member)
                default: break
                }
            }
            return .object(object)
        default:
            return value
        }
    }
}
