/// The `geo::` namespace and `geo()`: GeoJSON and `{lat, lng}` values on the sphere
/// (see ``Geometry``). Anything that is not a valid geometry makes the function return null.
enum GeoFunctions {
    static let all: [GROQFunction] = [
        GROQFunction("global", "geo", arity: 1) { args, _ in
            Geometry(json: args[0].json).map { Value($0.geoJSON) } ?? .null
        },
        GROQFunction("geo", "latLng", arity: 2) { args, _ in
            Value(Geometry.latLng(args[0].json, args[1].json))
        },
        GROQFunction("geo", "contains", arity: 2) { args, _ in
            guard let a = Geometry(json: args[0].json), let b = Geometry(json: args[1].json) else { return .null }
            return .bool(a.contains(b))
        },
        GROQFunction("geo", "intersects", arity: 2) { args, _ in
            guard let a = Geometry(json: args[0].json), let b = Geometry(json: args[1].json) else { return .null }
            return .bool(a.intersects(b))
        },
        GROQFunction("geo", "distance", arity: 2) { args, _ in
            guard let a = Geometry(json: args[0].json), let b = Geometry(json: args[1].json),
                let metres = Geometry.distance(a, b)
            else { return .null }
            return .numberOrNull(metres)
        },
    ]
}
