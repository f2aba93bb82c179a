import AnchorRT

/// A structure made of others by union, intersection and subtraction (`Lung_L | Lung_R`,
/// `Brain - PTV`, `Brain & PTV_Margin`): evaluated per point on the sampling lattice from each
/// operand's inside/outside under its own even-odd rule (PS3.3 C.8.8.6.3), so its volume and DVH are
/// exact to the same tolerance as an ordinary structure's.
public indirect enum StructureExpression: Sendable, Equatable, CustomStringConvertible {
    /// The operand of this index.
    case operand(Int)
    case union(StructureExpression, StructureExpression)
    case intersection(StructureExpression, StructureExpression)
    case subtraction(StructureExpression, StructureExpression)

    /// Whether a point is inside, given whether it is inside each operand.
    @inlinable public func contains(_ inside: [Bool]) -> Bool {
        switch self {
        case .operand(let n): return n < inside.count && inside[n]
        case .union(let a, let b): return a.contains(inside) || b.contains(inside)
        case .intersection(let a, let b): return a.contains(inside) && b.contains(inside)
        case .subtraction(let a, let b): return a.contains(inside) && !b.contains(inside)
        }
    }

    /// True when the expression is inside where no operand is (never: such an expression would be infinite).
    public var isBounded: Bool { !contains([]) }

    /// The operand indices it uses.
    public var operands: Set<Int> {
        switch self {
        case .operand(let n): return [n]
        case .union(let a, let b), .intersection(let a, let b), .subtraction(let a, let b): return a.operands.union(b.operands)
        }
    }

    public var description: String {
        switch self {
        case .operand(let n): return "#\(n)"
        case .union(let a, let b): return "(\(a) | \(b))"
        case .intersection(let a, let b): return "(\(a) & \(b))"
        case .subtraction(let a, let b): return "(\(a) - \(b))"
        }
    }
}

extension StructureGeometry {
    /// The geometry of a derived structure from its operands' geometries (in the order of the
    /// expression's operand indices). Each operand contributes its polygons to every plane where it has
    /// one; planes of different operands at the same position (within `planeToleranceMM`) must stand for
    /// the same slab, and where an operand has no plane its slabs must not reach (else the operands are
    /// drawn on different planes and the result would depend on how they were interleaved): both throw
    /// `invalidGeometry`. Throws `emptyVolume` when no plane can hold any of it.
    public init(derived name: String, expression: StructureExpression, operands: [StructureGeometry], options: DVHOptions = .default) throws {
        guard let first = operands.first else { throw DosimetryError(.invalidGeometry, "a derived structure needs operands", structure: name) }
        for g in operands.dropFirst() where (g.frame.normal - first.frame.normal).length > 1e-6 || g.frame.aligned != first.frame.aligned
            || (g.frame.e1 - first.frame.e1).length > 1e-6 {
            throw DosimetryError(.invalidGeometry, "the structures it is made of are drawn on planes of different orientations", structure: name)
        }
        let tol = options.planeToleranceMM
        var positions: [Double] = operands.flatMap { $0.planes.map(\.w) }.sorted()
        var ws: [Double] = []
        for w in positions where ws.last.map({ w - $0 > tol }) ?? true { ws.append(w) }
        positions = ws
        var planes: [ContourPlane] = []
        for w in positions {
            var u: [Double] = [], v: [Double] = [], starts: [Int] = [0], owners: [Int] = []
            var slab: (Double, Double)?
            var present = [Bool](repeating: false, count: operands.count)
            for (n, g) in operands.enumerated() {
                if let pl = g.planes.first(where: { abs($0.w - w) <= tol }) {
                    if let s = slab, abs(s.0 - pl.slabLow) > tol || abs(s.1 - pl.slabHigh) > tol {
                        throw DosimetryError(.invalidGeometry, String(format: "its structures' planes at %.2f mm stand for different slabs (contour spacings differ): derive it from structures drawn on the same planes", w), structure: name)
                    }
                    slab = slab ?? (pl.slabLow, pl.slabHigh)
                    present[n] = true
                    for p in 0..<pl.polygonCount {
                        let s = pl.polygonStarts[p], e = pl.polygonStarts[p + 1]
                        u += pl.u[s..<e]; v += pl.v[s..<e]; starts.append(u.count); owners.append(n)
                    }
                } else if g.planes.contains(where: { w > $0.slabLow + tol && w < $0.slabHigh - tol }) {
                    throw DosimetryError(.invalidGeometry, String(format: "one of its structures reaches the plane at %.2f mm without a contour there: derive it from structures drawn on the same planes", w), structure: name)
                }
            }
            // A plane where the expression cannot be true (a subtraction's second operand alone) is left out.
            guard let (lo, hi) = slab, !u.isEmpty, present.enumerated().contains(where: { n, p in p && expression.operands.contains(n) }) else { continue }
            let onlyPresent = (0..<operands.count).map { present[$0] }
            if !expressionCanHold(expression, present: onlyPresent) { continue }
            var plane = ContourPlane(w: w, slabLow: lo, slabHigh: hi, u: u, v: v, polygonStarts: starts, absoluteAreaMM2: 0,
                                     uMin: u.min()!, uMax: u.max()!, vMin: v.min()!, vMax: v.max()!)
            plane.polygonOperands = owners
            plane.expression = expression
            plane.absoluteAreaMM2 = (0..<plane.polygonCount).reduce(0) { $0 + abs(plane.polygonArea($1)) }
            planes.append(plane)
        }
        for (a, b) in zip(planes, planes.dropFirst()) where a.slabHigh > b.slabLow + tol {
            throw DosimetryError(.invalidGeometry, String(format: "its structures' slabs overlap between the planes at %.2f and %.2f mm (drawn on interleaved planes): derive it from structures drawn on the same planes", a.w, b.w), structure: name)
        }
        guard !planes.isEmpty else { throw DosimetryError(.emptyVolume, "the derived structure is empty on every contour plane", structure: name) }
        frame = first.frame
        self.planes = planes
        nominalSpacingMM = operands.map(\.nominalSpacingMM).min() ?? first.nominalSpacingMM
        spacingSource = "derived: the contour planes of the structures it is made of"
        warnings = operands.flatMap(\.warnings)
    }
}

/// Whether the expression can be true with only the operands present (absent ones are outside everywhere).
func expressionCanHold(_ e: StructureExpression, present: [Bool]) -> Bool {
    switch e {
    case .operand(let n): return n < present.count && present[n]
    case .union(let a, let b): return expressionCanHold(a, present: present) || expressionCanHold(b, present: present)
    case .intersection(let a, let b): return expressionCanHold(a, present: present) && expressionCanHold(b, present: present)
    case .subtraction(let a, _): return expressionCanHold(a, present: present)
    }
}
