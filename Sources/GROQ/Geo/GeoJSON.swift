/// Reading and writing the JSON forms of a geometry.
///
/// Parsing is strict about structure (the conformance suite expects `geo()` to give null for a
/// Point with one number, a Polygon whose coordinates are a flat list, a geopoint object with
/// `lat` only or with both `lng` and `lon`) and lenient about extra members, which documents
/// routinely carry (`_type`, `alt`, GeoJSON foreign members) and which `geo()` drops.
extension Geometry.Shape {
    init?(json: JSONValue) {
        guard case .object(let object) = json else { return nil }
        guard let type = object["type"] else {
            guard let position = Self.latLngPosition(object) else { return nil }
            self = .point(position)
            return
        }
        guard case .string(let name) = type else { return nil }
        if name == "GeometryCollection" {
            guard case .array(let members)? = object["geometries"], !members.isEmpty else { return nil }
            var geometries: [Geometry] = []
            for member in members {
                guard let geometry = Geometry(json: member) else { return nil }
                geometries.append(geometry)
            }
            self = .geometryCollection(geometries)
            return
        }
        guard let coordinates = object["coordinates"] else { return nil }
        switch name {
        case "Point":
            guard let p = Self.position(coordinates) else { return nil }
            self = .point(p)
        case "MultiPoint":
            guard let ps = Self.nonEmptyList(coordinates, Self.position) else { return nil }
            self = .multiPoint(ps)
        case "LineString":
            guard let line = Self.positions(coordinates) else { return nil }
            self = .lineString(line)
        case "MultiLineString":
            guard let lines = Self.nonEmptyList(coordinates, Self.positions) else { return nil }
            self = .multiLineString(lines)
        case "Polygon":
            guard let rings = Self.nonEmptyList(coordinates, Self.positions) else { return nil }
            self = .polygon(rings)
        case "MultiPolygon":
            guard let polygons = Self.nonEmptyList(coordinates, { Self.nonEmptyList($0, Self.positions) }) else {
                return nil
            }
            self = .multiPolygon(polygons)
        default:
            // Feature, FeatureCollection and unknown types are not geometries.
            return nil
        }
    }

    /// `{"lat": n, "lng": n}` or `{"lat": n, "lon": n}`; having both `lng` and `lon` is ambiguous.
    private static func latLngPosition(_ object: JSONObject) -> GeoPosition? {
        guard case .number(let lat)? = object["lat"] else { return nil }
        let lng: Double
        switch (object["lng"], object["lon"]) {
        case (.number(let value)?, nil), (nil, .number(let value)?): lng = value
        default: return nil
        }
        return checked(GeoPosition(lng: lng, lat: lat))
    }

    /// A GeoJSON position: `[lng, lat]`, in range, optionally followed by more numbers
    /// (altitude, measure) that GROQ ignores.
    private static func position(_ json: JSONValue) -> GeoPosition? {
        guard case .array(let numbers) = json, numbers.count >= 2,
            case .number(let lng) = numbers[0], case .number(let lat) = numbers[1],
            numbers.allSatisfy({ $0.numberValue != nil })
        else { return nil }
        return checked(GeoPosition(lng: lng, lat: lat))
    }

    private static func checked(_ p: GeoPosition) -> GeoPosition? {
        p.lat.isFinite && p.lng.isFinite && abs(p.lat) <= 90 && abs(p.lng) <= 180 ? p : nil
    }

    /// A non-empty array of positions (a line or a ring; their own rules apply later).
    private static func positions(_ json: JSONValue) -> [GeoPosition]? {
        nonEmptyList(json, position)
    }

    private static func nonEmptyList<T>(_ json: JSONValue, _ element: (JSONValue) -> T?) -> [T]? {
        guard case .array(let items) = json, !items.isEmpty else { return nil }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for item in items {
            guard let value = element(item) else { return nil }
            result.append(value)
        }
        return result
    }

    /// The normalised GeoJSON object: `type` and `coordinates` / `geometries` only.
    var geoJSON: JSONValue {
        func position(_ p: GeoPosition) -> JSONValue { .array([.number(p.lng), .number(p.lat)]) }
        func line(_ ps: [GeoPosition]) -> JSONValue { .array(ps.map(position)) }
        func polygon(_ rings: [[GeoPosition]]) -> JSONValue { .array(rings.map(line)) }
        let type: String
        let body: (String, JSONValue)
        switch self {
        case .point(let p): (type, body) = ("Point", ("coordinates", position(p)))
        case .multiPoint(let ps): (type, body) = ("MultiPoint", ("coordinates", line(ps)))
        case .lineString(let ps): (type, body) = ("LineString", ("coordinates", line(ps)))
        case .multiLineString(let lines): (type, body) = ("MultiLineString", ("coordinates", .array(lines.map(line))))
        case .polygon(let rings): (type, body) = ("Polygon", ("coordinates", polygon(rings)))
        case .multiPolygon(let polygons):
            (type, body) = ("MultiPolygon", ("coordinates", .array(polygons.map(polygon))))
        case .geometryCollection(let members):
            (type, body) = ("GeometryCollection", ("geometries", .array(members.map(\.geoJSON))))
        }
        var object = JSONObject()
        object["type"] = .string(type)
        object[body.0] = body.1
        return .object(object)
    }
}
