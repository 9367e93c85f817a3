import Foundation

/// The shorter great-circle arc between two distinct, non-antipodal points: one edge of a line
/// or a polygon ring.
///
/// Every predicate GROQ's geo functions need reduces to a handful of questions about arcs: how
/// far a point is from one, whether two of them meet and where. Answering them here, once,
/// keeps the polygon and predicate code free of trigonometry.
struct GreatCircleArc: Sendable {
    let a: SpherePoint
    let b: SpherePoint
    /// `a × b`, pointing to the left of the direction of travel; its length is sin(arc length).
    let normal: SpherePoint
    /// `normal` at unit length.
    let unitNormal: SpherePoint

    init(_ a: SpherePoint, _ b: SpherePoint) {
        self.a = a
        self.b = b
        normal = a.cross(b)
        unitNormal = normal.normalized
    }

    /// Arc length in radians.
    var length: Double { a.angle(to: b) }

    /// The point halfway along the arc.
    var midpoint: SpherePoint { (a + b).normalized }

    /// Whether the closest point of the full great circle to `p` falls within this arc, i.e. `p`
    /// lies in the lune spanned by the two planes through the poles of the circle and `a`, `b`.
    private func spans(_ p: SpherePoint) -> Bool {
        a.cross(p).dot(normal) >= 0 && p.cross(b).dot(normal) >= 0
    }

    /// The angular distance from `p` to the nearest point of this arc, in radians.
    func distance(to p: SpherePoint) -> Double {
        if spans(p) {
            // Distance to the great circle: the angle between p and its plane.
            let sine = abs(p.dot(unitNormal))
            return asin(min(1, sine))
        }
        return min(p.angle(to: a), p.angle(to: b))
    }

    /// Whether `p` lies on this arc, within `GeoTolerance.coincident`.
    func contains(_ p: SpherePoint) -> Bool {
        distance(to: p) <= GeoTolerance.coincident
    }

    /// Whether the two arcs cross at a single point interior to both, with every endpoint
    /// strictly off the other arc's great circle (the robust four-orientation test of S2).
    func properlyCrosses(_ other: GreatCircleArc) -> Bool {
        let c = other.a, d = other.b
        let acb = -sign(orientation(a, b, c))
        let bda = sign(orientation(a, b, d))
        guard acb != 0, acb == bda else { return false }
        let cbd = -sign(orientation(c, d, b))
        let dac = sign(orientation(c, d, a))
        return cbd == acb && dac == acb
    }

    /// Whether the arcs share at least one point: they cross, or one touches the other.
    func intersects(_ other: GreatCircleArc) -> Bool {
        contains(other.a) || contains(other.b) || other.contains(a) || other.contains(b)
            || properlyCrosses(other)
    }

    /// The points where `other` meets this arc, to split this arc into pieces that each lie
    /// wholly on one side of `other`: the crossing point, or the endpoints of `other` that touch
    /// this arc (which also covers arcs overlapping along the same great circle).
    func meetingPoints(with other: GreatCircleArc) -> [SpherePoint] {
        var points: [SpherePoint] = []
        if contains(other.a) { points.append(other.a) }
        if contains(other.b) { points.append(other.b) }
        if points.isEmpty, !other.contains(a), !other.contains(b), properlyCrosses(other) {
            var x = normal.cross(other.normal).normalized
            // Of the two antipodal intersections of the circles, take the one on this arc.
            if x.dot(a + b) < 0 { x = -x }
            points.append(x)
        }
        return points
    }

    /// A point `offset` radians from the midpoint of this arc, to its left (`side` +1) or right
    /// (`side` −1): a probe for what lies just beside the edge.
    func probe(side: Double, offset: Double) -> SpherePoint {
        (midpoint + (side * tan(offset)) * unitNormal).normalized
    }

    /// The axis-aligned box around this arc, padded by the coincidence tolerance, for cheap
    /// rejection of far-apart edges.
    var bounds: Box3 {
        var box = Box3(a)
        box.formUnion(Box3(b))
        // An arc can bulge past its endpoints along an axis; the furthest point of the great
        // circle along axis e is e projected onto the circle's plane, if that lies on the arc.
        let axes = [SpherePoint(x: 1, y: 0, z: 0), SpherePoint(x: 0, y: 1, z: 0), SpherePoint(x: 0, y: 0, z: 1)]
        for e in axes {
            let along = e - e.dot(unitNormal) * unitNormal
            guard along.norm > 1e-15 else { continue }
            let top = along.normalized
            if spans(top) { box.formUnion(Box3(top)) }
            if spans(-top) { box.formUnion(Box3(-top)) }
        }
        return box.padded(by: 2 * GeoTolerance.coincident)
    }
}

@inline(__always)
private func sign(_ v: Double) -> Int { v > 0 ? 1 : (v < 0 ? -1 : 0) }

/// An axis-aligned box in 3-space around part of the sphere.
struct Box3: Sendable {
    var min: SpherePoint
    var max: SpherePoint

    init(_ p: SpherePoint) {
        min = p
        max = p
    }

    mutating func formUnion(_ o: Box3) {
        min = SpherePoint(x: Swift.min(min.x, o.min.x), y: Swift.min(min.y, o.min.y), z: Swift.min(min.z, o.min.z))
        max = SpherePoint(x: Swift.max(max.x, o.max.x), y: Swift.max(max.y, o.max.y), z: Swift.max(max.z, o.max.z))
    }

    func padded(by d: Double) -> Box3 {
        var box = self
        box.min = SpherePoint(x: min.x - d, y: min.y - d, z: min.z - d)
        box.max = SpherePoint(x: max.x + d, y: max.y + d, z: max.z + d)
        return box
    }

    func intersects(_ o: Box3) -> Bool {
        min.x <= o.max.x && o.min.x <= max.x && min.y <= o.max.y && o.min.y <= max.y
            && min.z <= o.max.z && o.min.z <= max.z
    }

    func contains(_ p: SpherePoint) -> Bool {
        p.x >= min.x && p.x <= max.x && p.y >= min.y && p.y <= max.y && p.z >= min.z && p.z <= max.z
    }
}
