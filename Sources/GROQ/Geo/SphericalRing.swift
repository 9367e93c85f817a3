import Foundation

/// One closed ring of a polygon, validated, as arcs on the sphere.
///
/// GeoJSON lets a ring run either way round, and on a sphere every ring splits the surface in
/// two. GROQ documents are drawn by people, not by tools that honour RFC 7946's winding rule, so
/// the ring is taken to bound the smaller of the two regions (at most a hemisphere): the vertices
/// are stored so that this region lies on the left of every edge, whichever way they were given.
struct SphericalRing: Sendable {
    /// The distinct vertices, without the closing repeat, interior on the left.
    let vertices: [SpherePoint]
    /// The edges, `vertices[i]` to `vertices[i + 1]` (wrapping round).
    let edges: EdgeIndex
    /// A point known to be strictly inside, from which containment of any point is decided by
    /// counting edge crossings along a path to it.
    let interiorReference: SpherePoint

    /// Validates a GeoJSON linear ring; `nil` unless it is closed, has at least three distinct
    /// vertices, no repeated vertex (consecutive or not), no edge between antipodal points and
    /// no two edges that cross or touch other than consecutive edges at their shared vertex.
    ///
    /// These are the rules S2-style loop validation applies, and the conformance suite expects
    /// `geo()` to reject a ring with a repeated consecutive vertex (which planar validators
    /// accept) as well as a self-crossing one.
    init?(_ positions: [GeoPosition]) {
        guard positions.count >= 4 else { return nil }
        let points = positions.map(SpherePoint.init)
        guard let first = points.first, let last = points.last,
            first.angle(to: last) <= GeoTolerance.coincident
        else { return nil }
        var vertices = Array(points.dropLast())
        guard vertices.count >= 3 else { return nil }

        // Edges must be proper arcs: neither degenerate (a repeated vertex) nor between
        // antipodes (where the shorter great circle is undefined).
        for i in vertices.indices {
            let length = vertices[i].angle(to: vertices[(i + 1) % vertices.count])
            guard length > GeoTolerance.coincident, length < .pi - 1e-9 else { return nil }
        }
        if Self.signedTurning(vertices) < 0 { vertices.reverse() }
        let arcs = vertices.indices.map { GreatCircleArc(vertices[$0], vertices[($0 + 1) % vertices.count]) }
        let edges = EdgeIndex(arcs)
        guard !Self.selfIntersects(edges) else { return nil }

        self.vertices = vertices
        self.edges = edges
        guard let reference = Self.interiorReference(arcs) else { return nil }
        interiorReference = reference
    }

    /// The sum of the signed turning angles at the vertices, positive for left turns. By
    /// Gauss–Bonnet it is 2π minus the area on the left, so it is positive exactly when the
    /// left-hand region is the smaller one.
    private static func signedTurning(_ v: [SpherePoint]) -> Double {
        var total = 0.0
        let n = v.count
        for i in 0..<n {
            let previous = v[(i + n - 1) % n], here = v[i], next = v[(i + 1) % n]
            let incoming = previous.cross(here), outgoing = here.cross(next)
            total += atan2(here.dot(incoming.cross(outgoing)), incoming.dot(outgoing))
        }
        return total
    }

    /// Whether two edges meet anywhere except consecutive edges at their shared vertex.
    private static func selfIntersects(_ edges: EdgeIndex) -> Bool {
        let arcs = edges.arcs
        let n = arcs.count
        for i in 0..<n {
            let arc = arcs[i]
            let hit = edges.firstCandidate(near: edges.boxes[i]) { j in
                guard j > i else { return false }
                let other = arcs[j]
                if j == i + 1 || (i == 0 && j == n - 1) {
                    // Consecutive edges share one vertex; they must not fold back onto each other.
                    let (first, second) = j == i + 1 ? (arc, other) : (other, arc)
                    return first.contains(second.b) || second.contains(first.a)
                }
                return arc.intersects(other)
            }
            if hit { return true }
        }
        return false
    }

    /// A point just left of the middle of the first edge, nearer to it than to any other edge,
    /// so certainly inside.
    private static func interiorReference(_ arcs: [GreatCircleArc]) -> SpherePoint? {
        let edge = arcs[0]
        let middle = edge.midpoint
        var clearance = edge.length / 4
        for other in arcs.dropFirst() {
            clearance = min(clearance, other.distance(to: middle) / 4)
        }
        guard clearance > GeoTolerance.coincident * 4 else { return nil }
        return edge.probe(side: 1, offset: min(GeoTolerance.probeOffset, clearance))
    }

    /// Where a point lies relative to the ring's interior (the region on its left).
    func locate(_ p: SpherePoint) -> GeoLocation {
        let probe = Box3(p).padded(by: 2 * GeoTolerance.coincident)
        if edges.firstCandidate(near: probe, where: { edges.arcs[$0].contains(p) }) { return .boundary }
        return crossingsAreOdd(from: p, to: interiorReference) ? .outside : .inside
    }

    /// Whether a path of great-circle legs from `p` to `q` crosses the ring an odd number of
    /// times. Legs are kept under a right angle so each is a well-defined shorter arc.
    private func crossingsAreOdd(from p: SpherePoint, to q: SpherePoint) -> Bool {
        if p.dot(q) < 0.5 {
            let sum = p + q
            let middle = sum.norm > 1e-6 ? sum.normalized : p.orthogonal
            return crossingsAreOdd(from: p, to: middle) != crossingsAreOdd(from: middle, to: q)
        }
        let leg = GreatCircleArc(p, q)
        var odd = false
        _ = edges.firstCandidate(near: leg.bounds) { index in
            if Self.legCrosses(leg, edges.arcs[index]) { odd.toggle() }
            return false
        }
        return odd
    }

    /// Whether `edge` crosses `leg`, counting a vertex that lies exactly on the leg's great
    /// circle as being on its left. That half-open rule makes a path through a vertex count
    /// one crossing when the ring passes over the path there and none or two when it only
    /// touches it, as in planar ray casting.
    private static func legCrosses(_ leg: GreatCircleArc, _ edge: GreatCircleArc) -> Bool {
        let sideA: Double = orientation(leg.a, leg.b, edge.a) >= 0 ? 1 : -1
        let sideB: Double = orientation(leg.a, leg.b, edge.b) >= 0 ? 1 : -1
        guard sideA != sideB else { return false }
        let start = orientation(edge.a, edge.b, leg.a)
        let end = orientation(edge.a, edge.b, leg.b)
        return start * sideA < 0 && end * sideA > 0
    }

    /// Points just outside the ring's region (`side` −1) or just inside it (`side` +1), one
    /// beside the middle of each edge: witnesses for "what lies across this boundary".
    func probes(side: Double) -> [SpherePoint] {
        edges.arcs.map { arc in
            arc.probe(side: side, offset: min(GeoTolerance.probeOffset, arc.length / 4))
        }
    }
}

/// Where a point lies relative to a region.
enum GeoLocation: Sendable, Equatable {
    case inside
    case boundary
    case outside
}
