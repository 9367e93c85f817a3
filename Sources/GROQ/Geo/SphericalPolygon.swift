/// A validated polygon on the sphere: an outer ring and zero or more holes.
///
/// The polygon is the closed region inside the outer ring and outside every hole, so its
/// boundary (hole rings included) belongs to it: a point on the edge of a delivery zone is in
/// the zone, and a point on the shore of a lake cut out of a park is in the park.
struct SphericalPolygon: Sendable {
    let shell: SphericalRing
    let holes: [SphericalRing]
    /// Every edge of every ring.
    let edges: EdgeIndex
    /// A box around the whole region, not just its boundary: a ring around a pole encloses the
    /// pole, which lies beyond the box of the ring's edges.
    let bounds: Box3

    /// Validates GeoJSON polygon rings (outer ring first); `nil` unless every ring is valid, no
    /// two rings meet, every hole lies inside the outer ring and no hole lies inside another.
    init?(_ rings: [[GeoPosition]]) {
        guard let first = rings.first, let shell = SphericalRing(first) else { return nil }
        var holes: [SphericalRing] = []
        for positions in rings.dropFirst() {
            guard let hole = SphericalRing(positions) else { return nil }
            holes.append(hole)
        }
        let all = [shell] + holes
        for i in all.indices {
            for j in all.indices where j > i {
                guard !all[i].edges.anyIntersects(all[j].edges) else { return nil }
            }
        }
        // Rings that do not meet are nested or apart, so one vertex tells which.
        for (i, hole) in holes.enumerated() {
            guard shell.locate(hole.vertices[0]) == .inside else { return nil }
            for (j, other) in holes.enumerated() where j != i {
                guard other.locate(hole.vertices[0]) == .outside else { return nil }
            }
        }
        self.shell = shell
        self.holes = holes
        edges = EdgeIndex(all.flatMap(\.edges.arcs))

        var bounds = shell.edges.bounds!
        let axes = [
            SpherePoint(x: 1, y: 0, z: 0), SpherePoint(x: -1, y: 0, z: 0), SpherePoint(x: 0, y: 1, z: 0),
            SpherePoint(x: 0, y: -1, z: 0), SpherePoint(x: 0, y: 0, z: 1), SpherePoint(x: 0, y: 0, z: -1),
        ]
        // The furthest point of the region along an axis is on its boundary or is the axis
        // point itself (the only interior extremum of a coordinate on the sphere).
        for axis in axes where shell.locate(axis) != .outside {
            bounds.formUnion(Box3(axis))
        }
        self.bounds = bounds
    }

    /// Where a point lies relative to the polygon (inside the shell, outside the holes).
    func locate(_ p: SpherePoint) -> GeoLocation {
        guard bounds.contains(p) else { return .outside }
        switch shell.locate(p) {
        case .outside: return .outside
        case .boundary: return .boundary
        case .inside:
            for hole in holes {
                switch hole.locate(p) {
                case .inside: return .outside
                case .boundary: return .boundary
                case .outside: continue
                }
            }
            return .inside
        }
    }

    /// Points just outside the polygon beside each of its edges (in the holes, for hole edges).
    var outsideProbes: [SpherePoint] {
        shell.probes(side: -1) + holes.flatMap { $0.probes(side: 1) }
    }

    /// Points just inside the polygon beside each of its edges.
    var insideProbes: [SpherePoint] {
        shell.probes(side: 1) + holes.flatMap { $0.probes(side: -1) }
    }

    /// One vertex of the polygon, to decide containment once boundaries are known not to meet.
    var representative: SpherePoint { shell.vertices[0] }
}
