/// `diff::changedAny(before, after, selector)` and `diff::changedOnly(…)`: whether the parts of a
/// document a selector picks changed between two versions.
enum Diff {
    enum PathElement: Hashable { case key(String), index(Int) }
    typealias KeyPath = [PathElement]

    static func changed(only: Bool, before: JSONValue, after: JSONValue, selector: Selector, scope: Scope) throws(GROQError) -> Bool {
        if only {
            let selected = try paths(selector, in: before, scope: scope)
            for diffPath in differingPaths(before, after) {
                // Every mutation moves `_rev` and `_updatedAt`: counting them, nothing would
                // ever have changed "only" what the selector names.
                if diffPath.count == 1, case .key(let key) = diffPath[0], key == "_rev" || key == "_updatedAt" { continue }
                let covered = selected.contains { prefix in prefix.count <= diffPath.count && Array(diffPath.prefix(prefix.count)) == prefix }
                if !covered { return false }
            }
            return true
        }
        let beforePaths = try paths(selector, in: before, scope: scope)
        let afterPaths = try paths(selector, in: after, scope: scope)
        if beforePaths.count != afterPaths.count { return true }
        for path in beforePaths {
            for (i, element) in path.enumerated() {
                if case .index = element {
                    let prefix = Array(path.prefix(i))
                    guard case .array(let a)? = value(at: prefix, in: before), case .array(let b)? = value(at: prefix, in: after),
                        a.count == b.count
                    else { return true }
                }
            }
            if value(at: path, in: before) != value(at: path, in: after) { return true }
        }
        return false
    }

    static func value(at path: KeyPath, in root: JSONValue) -> JSONValue? {
        var current: JSONValue? = root
        for element in path {
            switch (element, current) {
            case (.key(let k), .object(let o)?): current = o[k]
            case (.index(let i), .array(let a)?): current = i >= 0 && i < a.count ? a[i] : nil
            default: return nil
            }
        }
        return current
    }

    static func paths(_ selector: Selector, in root: JSONValue, scope: Scope) throws(GROQError) -> [KeyPath] {
        switch selector {
        case .group(let inner):
            return try paths(inner, in: root, scope: scope)
        case .tuple(let members):
            var result: [KeyPath] = []
            for member in members { result += try paths(member, in: root, scope: scope) }
            return result
        case .attribute(let base, let name):
            guard let base else { return [[.key(name)]] }
            return try paths(base, in: root, scope: scope).map { $0 + [.key(name)] }
        case .arrayCoerce(let base):
            var result: [KeyPath] = []
            for path in try paths(base, in: root, scope: scope) {
                if case .array(let items)? = value(at: path, in: root) {
                    for i in items.indices { result.append(path + [.index(i)]) }
                }
            }
            return result
        case .filter(let base, let condition):
            var result: [KeyPath] = []
            let frame = scope.frameForChildren()
            for path in try paths(base, in: root, scope: scope) {
                if case .array(let items)? = value(at: path, in: root) {
                    for (i, item) in items.enumerated()
                    where try Evaluator.evaluate(condition, scope.nested(Value(item), parent: frame)).isTrue {
                        result.append(path + [.index(i)])
                    }
                }
            }
            return result
        case .anywhere(let condition):
            var result: [KeyPath] = []
            try anywhere(condition, root, [], scope, &result)
            return result
        case .nested(let base, let nested):
            var result: [KeyPath] = []
            for path in try paths(base, in: root, scope: scope) {
                let inner = value(at: path, in: root) ?? .null
                for innerPath in try paths(nested, in: inner, scope: scope) { result.append(path + innerPath) }
            }
            return result
        }
    }

    private static func anywhere(_ condition: Node, _ value: JSONValue, _ base: KeyPath, _ scope: Scope, _ out: inout [KeyPath]) throws(GROQError) {
        switch value {
        case .array(let items):
            for (i, item) in items.enumerated() { try anywhere(condition, item, base + [.index(i)], scope, &out) }
        case .object(let object):
            let frame = scope.frameForChildren()
            if try Evaluator.evaluate(condition, scope.nested(.object(object), parent: frame, hidden: true)).isTrue {
                out.append(base)
            }
            for (key, member) in object { try anywhere(condition, member, base + [.key(key)], scope, &out) }
        default:
            break
        }
    }

    /// The paths at which `before` and `after` differ, breadth first.
    static func differingPaths(_ before: JSONValue, _ after: JSONValue) -> [KeyPath] {
        var queue: [KeyPath] = [[]]
        var out: [KeyPath] = []
        var head = 0
        while head < queue.count {
            let path = queue[head]
            head += 1
            let b = value(at: path, in: before) ?? .null, a = value(at: path, in: after) ?? .null
            switch (b, a) {
            case (.object(let x), .object(let y)):
                if x != y {
                    var keys = Array(x.keys)
                    for k in y.keys where x[k] == nil { keys.append(k) }
                    for k in keys { queue.append(path + [.key(k)]) }
                }
            case (.array(let x), .array(let y)):
                if x.count != y.count { out.append(path) } else if x != y {
                    for i in y.indices { queue.append(path + [.index(i)]) }
                }
            default:
                if b != a { out.append(path) }
            }
        }
        return out
    }
}
