/// A set of arcs with their bounding boxes, sorted along one axis, to find the arcs that may
/// meet a given box without testing every pair.
///
/// Real shapes (a country outline, a delivery zone drawn by hand) have hundreds to thousands of
/// edges, and validating a ring or intersecting two shapes compares edges pairwise. A sweep
/// over boxes sorted by their lower bound keeps that close to linear for ordinary shapes, with
/// no data structure heavier than two arrays.
struct EdgeIndex: Sendable {
    let arcs: [GreatCircleArc]
    let boxes: [Box3]
    /// Indices of `arcs`, by ascending lower bound along `axis`.
    private let order: [Int]
    private let lowerBounds: [Double]
    /// The largest extent of a box along `axis`: a box whose lower bound is further below a
    /// query than this cannot reach it.
    private let maxExtent: Double
    private let axis: Int
    /// The box around every arc.
    let bounds: Box3?

    init(_ arcs: [GreatCircleArc]) {
        self.arcs = arcs
        let boxes = arcs.map(\.bounds)
        self.boxes = boxes
        bounds = boxes.dropFirst().reduce(boxes.first) { partial, box in
            var union = partial
            union?.formUnion(box)
            return union
        }
        // Sweep along the axis on which the boxes are most spread out.
        var axis = 2
        if let all = bounds {
            let spread = [all.max.x - all.min.x, all.max.y - all.min.y, all.max.z - all.min.z]
            axis = spread.indices.max { spread[$0] < spread[$1] } ?? 2
        }
        self.axis = axis
        let order = boxes.indices.sorted { Self.lower(boxes[$0], axis) < Self.lower(boxes[$1], axis) }
        self.order = order
        lowerBounds = order.map { Self.lower(boxes[$0], axis) }
        maxExtent = boxes.map { Self.upper($0, axis) - Self.lower($0, axis) }.max() ?? 0
    }

    private static func lower(_ box: Box3, _ axis: Int) -> Double {
        axis == 0 ? box.min.x : (axis == 1 ? box.min.y : box.min.z)
    }

    private static func upper(_ box: Box3, _ axis: Int) -> Double {
        axis == 0 ? box.max.x : (axis == 1 ? box.max.y : box.max.z)
    }

    /// Calls `body` with the index of every arc whose box meets `box`, until `body` returns true;
    /// returns whether it did.
    func firstCandidate(near box: Box3, where body: (Int) -> Bool) -> Bool {
        let low = Self.lower(box, axis) - maxExtent
        let high = Self.upper(box, axis)
        var i = partitionPoint { $0 >= low }
        while i < order.count, lowerBounds[i] <= high {
            let index = order[i]
            if boxes[index].intersects(box), body(index) { return true }
            i += 1
        }
        return false
    }

    /// The first position in `lowerBounds` whose value satisfies `predicate` (which must be
    /// false then true along the sorted array).
    private func partitionPoint(_ predicate: (Double) -> Bool) -> Int {
        var lo = 0, hi = lowerBounds.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if predicate(lowerBounds[mid]) { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Whether any arc of this index shares a point with `arc`.
    func anyIntersects(_ arc: GreatCircleArc) -> Bool {
        firstCandidate(near: arc.bounds) { arcs[$0].intersects(arc) }
    }

    /// Whether any arc of this index shares a point with any arc of `other`.
    func anyIntersects(_ other: EdgeIndex) -> Bool {
        guard let mine = bounds, let theirs = other.bounds, mine.intersects(theirs) else { return false }
        // Query with the smaller set against the index of the larger.
        let (small, large) = arcs.count <= other.arcs.count ? (self, other) : (other, self)
        for (arc, box) in zip(small.arcs, small.boxes) where box.intersects(large.bounds!) {
            if large.firstCandidate(near: box, where: { large.arcs[$0].intersects(arc) }) { return true }
        }
        return false
    }
}
