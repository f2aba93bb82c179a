import AnchorRT
import Foundation

/// The parameters of a consensus of several raters' delineations of one structure.
public struct ConsensusOptions: Sendable, Equatable {
    /// How the raters are combined.
    public enum Method: String, Sendable, CaseIterable {
        /// STAPLE (Warfield, Zou and Wells, IEEE Trans Med Imaging 2004;23(7):903-921): the true
        /// segmentation and each rater's sensitivity and specificity estimated together by
        /// expectation-maximisation on the raters' binary masks.
        case staple
        /// Majority vote: the fraction of raters who include a point.
        case majority
    }

    public var method: Method = .staple
    /// The consensus is where the probability (STAPLE's posterior, or the fraction of raters) is above
    /// this. Default 0.5.
    public var threshold: Double = 0.5
    /// Pixel spacing of the masks in the contour planes, mm. Default 0.5 mm.
    public var pixelSpacingMM: Double = 0.5
    /// Margin of background around the raters' contours, mm: the masks (and so each rater's
    /// specificity) cover the box of all contours grown by this. Default 5 mm.
    public var marginMM: Double = 5
    /// EM stops when no sensitivity or specificity changes by more than this, or after `maximumIterations`.
    public var convergence: Double = 1e-10
    public var maximumIterations: Int = 1000
    /// The slab convention the raters' contours are read with.
    public var geometry: DVHOptions = .default

    /// The defaults.
    public init() {}

    /// Throws `invalidGeometry` for values out of range.
    public func validate() throws {
        guard threshold.isFinite, threshold >= 0, threshold < 1 else { throw DosimetryError(.invalidGeometry, "the threshold must be at least 0 and below 1, not \(threshold)") }
        guard pixelSpacingMM.isFinite, pixelSpacingMM >= 0.05, pixelSpacingMM <= 10 else {
            throw DosimetryError(.invalidGeometry, "the pixel spacing must be between 0.05 and 10 mm, not \(pixelSpacingMM)")
        }
        guard marginMM.isFinite, marginMM >= 0 else { throw DosimetryError(.invalidGeometry, "the margin must be 0 mm or more, not \(marginMM)") }
    }
}

/// The raters' binary masks on one lattice: pixels of `pixelSpacingMM` in every plane any rater drew
/// on, a pixel inside a rater's structure when its centre is (the rater's plane whose slab holds the
/// plane, even-odd rule). Stored as one bit pattern per voxel (bit r for rater r).
public struct ConsensusMasks: Sendable {
    /// The frame of the planes.
    public var frame: ContourFrame
    /// Centre of pixel (0, 0) in the plane, mm; pixel (i, j) is at (u0 + i·p, v0 + j·p).
    public var u0: Double, v0: Double
    public var pixelSpacingMM: Double
    public var columns: Int, rows: Int
    /// Plane positions along the normal, mm (increasing).
    public var planeW: [Double]
    /// Thickness each plane stands for (half-way to its neighbours, the nominal spacing at the ends), mm.
    public var planeThickness: [Double]
    public var raterCount: Int
    /// Bit r of voxel (i + columns·(j + rows·k)) is rater r's decision.
    public var patterns: [UInt64]

    /// Rater r's mask, 0 or 1 per voxel (column fastest, then row, then plane).
    public func mask(rater r: Int) -> [UInt8] { patterns.map { UInt8(($0 >> UInt64(r)) & 1) } }

    /// Builds the masks. Throws `invalidGeometry` when a rater's planes are not parallel to the first's,
    /// or when the lattice would exceed 200 million voxels.
    public init(raters: [StructureSet.ROI], options: ConsensusOptions) throws {
        guard raters.count >= 2, raters.count <= 64 else {
            throw DosimetryError(.invalidGeometry, "a consensus needs 2 to 64 raters, not \(raters.count)")
        }
        let fr = try ContourFrame(roi: raters[0])
        frame = fr
        let geoms = try raters.map { try fr.geometry(of: $0, options: options.geometry) }
        let p = options.pixelSpacingMM
        var uLo = Double.infinity, uHi = -Double.infinity, vLo = Double.infinity, vHi = -Double.infinity
        for g in geoms { for pl in g.planes { uLo = min(uLo, pl.uMin); uHi = max(uHi, pl.uMax); vLo = min(vLo, pl.vMin); vHi = max(vHi, pl.vMax) } }
        uLo -= options.marginMM; uHi += options.marginMM; vLo -= options.marginMM; vHi += options.marginMM
        // Pixel centres half-way between multiples of p (the lattice does not depend on the order of the
        // raters, and contours drawn on whole millimetres never pass through a centre: a centre on an
        // edge would be inside on one side of the box and outside on the other, shifting it half a pixel).
        let i0 = Int((uLo / p).rounded(.down)), i1 = Int((uHi / p).rounded(.up))
        let j0 = Int((vLo / p).rounded(.down)), j1 = Int((vHi / p).rounded(.up))
        u0 = (Double(i0) + 0.5) * p; v0 = (Double(j0) + 0.5) * p
        columns = i1 - i0 + 1; rows = j1 - j0 + 1
        pixelSpacingMM = p
        raterCount = raters.count
        let tol = options.geometry.planeToleranceMM
        var ws = geoms.flatMap { $0.planes.map(\.w) }.sorted()
        ws = ws.reduce(into: [Double]()) { acc, x in if acc.last.map({ x - $0 > tol }) ?? true { acc.append(x) } }
        planeW = ws
        let nominal = geoms.map(\.nominalSpacingMM).sorted()[geoms.count / 2]
        planeThickness = ws.indices.map { k in
            let below = k > 0 ? (ws[k] - ws[k - 1]) / 2 : nominal / 2
            let above = k + 1 < ws.count ? (ws[k + 1] - ws[k]) / 2 : nominal / 2
            return min(below, nominal / 2 * options.geometry.gapFactor) + min(above, nominal / 2 * options.geometry.gapFactor)
        }
        let total = columns * rows * ws.count
        guard total <= 200_000_000 else {
            throw DosimetryError(.invalidGeometry, "the consensus lattice would be \(columns) x \(rows) x \(ws.count) voxels; use a coarser pixel spacing")
        }
        var pat = [UInt64](repeating: 0, count: total)
        var rowsV = ScanRows(from: 0, to: 0, band: 1, breaks: [])
        let (rv0, nrows) = ((Double(j0) + 0.5) * p, j1 - j0 + 1)
        rowsV.v = (0..<nrows).map { rv0 + Double($0) * p }
        rowsV.height = [Double](repeating: p, count: nrows)
        let (cu0, nc) = (u0, columns)
        for (k, w) in ws.enumerated() {
            for (r, g) in geoms.enumerated() {
                guard let kp = g.planeIndex(containing: w) else { continue }
                let x = PlaneCrossings(plane: g.planes[kp], rows: rowsV)
                let bit = UInt64(1) << UInt64(r)
                for j in 0..<rows {
                    var s = x.starts[j]
                    let base = nc * (j + rows * k)
                    while s + 1 < x.starts[j + 1] {
                        let a = x.u[s], b = x.u[s + 1]
                        s += 2
                        // Pixels whose centre lies in [a, b).
                        let ia = max(Int(((a - cu0) / p).rounded(.up)), 0), ib = min(Int(((b - cu0) / p).rounded(.up)) - 1, nc - 1)
                        if ia <= ib { for i in ia...ib { pat[base + i] |= bit } }
                    }
                }
            }
        }
        patterns = pat
    }
}

/// STAPLE's estimate (Warfield et al. 2004, binary case, section II): the probability that each voxel
/// is in the true structure and each rater's sensitivity p and specificity q.
public struct StapleEstimate: Sendable {
    /// Sensitivity and specificity of each rater.
    public var sensitivity: [Double], specificity: [Double]
    /// Prior probability of the structure: the raters' mean foreground fraction (as in ITK's filter).
    public var prior: Double
    public var iterations: Int
    public var converged: Bool
    /// Posterior probability of each distinct pattern of decisions.
    public var posterior: [UInt64: Double]

    /// Runs EM on the patterns: voxels with the same decisions have the same posterior, so each E and M
    /// step costs one pass over the distinct patterns, not over the voxels.
    public init(patterns: [UInt64], raters: Int, initial: Double = 0.99999, convergence: Double = 1e-10, maximumIterations: Int = 1000) {
        var counts: [UInt64: Int] = [:]
        for x in patterns { counts[x, default: 0] += 1 }
        let keys = Array(counts.keys), n = keys.map { Double(counts[$0]!) }
        let total = Double(patterns.count)
        var fg = 0.0
        for (k, c) in zip(keys, n) { fg += Double(k.nonzeroBitCount) * c }
        let f = min(max(fg / (Double(raters) * max(total, 1)), 1e-12), 1 - 1e-12)
        var p = [Double](repeating: initial, count: raters), q = [Double](repeating: initial, count: raters)
        var w = [Double](repeating: 0, count: keys.count)
        var iterations = 0, converged = false
        while iterations < maximumIterations {
            iterations += 1
            // E-step (eq. 14-16): W = f·Π(p or 1−p) / (f·Π(p or 1−p) + (1−f)·Π(1−q or q)), in logs.
            for (m, key) in keys.enumerated() {
                var la = log(f), lb = log(1 - f)
                for r in 0..<raters {
                    if (key >> UInt64(r)) & 1 == 1 { la += log(max(p[r], 1e-300)); lb += log(max(1 - q[r], 1e-300)) }
                    else { la += log(max(1 - p[r], 1e-300)); lb += log(max(q[r], 1e-300)) }
                }
                w[m] = 1 / (1 + exp(lb - la))
            }
            // M-step (eq. 18-19).
            var sw = 0.0, s1w = 0.0
            for m in keys.indices { sw += w[m] * n[m]; s1w += (1 - w[m]) * n[m] }
            var change = 0.0
            for r in 0..<raters {
                var tp = 0.0, tn = 0.0
                for (m, key) in keys.enumerated() {
                    if (key >> UInt64(r)) & 1 == 1 { tp += w[m] * n[m] } else { tn += (1 - w[m]) * n[m] }
                }
                let np = sw > 0 ? tp / sw : p[r], nq = s1w > 0 ? tn / s1w : q[r]
                change = max(change, abs(np - p[r]), abs(nq - q[r]))
                p[r] = np; q[r] = nq
            }
            if change < convergence { converged = true; break }
        }
        sensitivity = p; specificity = q; prior = f
        self.iterations = iterations
        self.converged = converged
        posterior = Dictionary(uniqueKeysWithValues: zip(keys, w))
    }
}

/// A consensus of several raters: the consensus contour, the 50 % level of the probability map, and
/// each rater's performance.
public struct ConsensusResult: Sendable {
    /// Each rater's sensitivity and specificity against the consensus probability (STAPLE's own
    /// estimates; for majority vote, against the majority consensus).
    public struct Rater: Sendable {
        public var name: String
        public var sensitivity: Double
        public var specificity: Double
        /// Voxels the rater includes, in cc (pixel area × plane thickness).
        public var maskVolumeCC: Double
    }
    public var method: ConsensusOptions.Method
    public var threshold: Double
    public var raters: [Rater]
    /// Closed planar contours of the consensus (probability above the threshold), patient coordinates.
    public var consensus: [StructureSet.Contour]
    /// Closed planar contours of the probability map's 50 % level.
    public var halfLevel: [StructureSet.Contour]
    /// Voxel volumes of the consensus and of the 50 % level, cc.
    public var consensusVolumeCC: Double
    public var halfLevelVolumeCC: Double
    /// STAPLE's prior, iterations and convergence (nil for majority vote).
    public var prior: Double?
    public var iterations: Int?
    public var converged: Bool?
    /// The lattice: pixel spacing, columns, rows, planes.
    public var pixelSpacingMM: Double
    public var lattice: (columns: Int, rows: Int, planes: Int)
    /// The probability of each voxel (column fastest, then row, then plane).
    public var probability: [Double]
}

/// Builds a consensus of several raters' delineations of one structure.
public enum ContourConsensus {
    public static func compute(raters: [StructureSet.ROI], options: ConsensusOptions = .init()) throws -> ConsensusResult {
        try options.validate()
        let masks = try ConsensusMasks(raters: raters, options: options)
        return compute(masks: masks, names: raters.map(\.name), options: options)
    }

    public static func compute(masks: ConsensusMasks, names: [String], options: ConsensusOptions) -> ConsensusResult {
        let R = masks.raterCount
        var table: [UInt64: Double] = [:]
        var staple: StapleEstimate? = nil
        switch options.method {
        case .staple:
            let s = StapleEstimate(patterns: masks.patterns, raters: R, convergence: options.convergence, maximumIterations: options.maximumIterations)
            table = s.posterior
            staple = s
        case .majority:
            for x in Set(masks.patterns) { table[x] = Double(x.nonzeroBitCount) / Double(R) }
        }
        let prob = masks.patterns.map { table[$0] ?? 0 }
        let plane = masks.columns * masks.rows
        let pixelArea = masks.pixelSpacingMM * masks.pixelSpacingMM
        func volume(_ include: (Int) -> Bool) -> Double {
            var v = 0.0
            for k in masks.planeW.indices {
                var c = 0
                for x in (k * plane)..<((k + 1) * plane) where include(x) { c += 1 }
                v += Double(c) * pixelArea * masks.planeThickness[k]
            }
            return v / 1000
        }
        var raters: [ConsensusResult.Rater] = []
        for r in 0..<R {
            let bit = UInt64(1) << UInt64(r)
            var sens = 0.0, spec = 0.0
            if let s = staple { sens = s.sensitivity[r]; spec = s.specificity[r] } else {
                var tp = 0, fn = 0, tn = 0, fp = 0
                for x in masks.patterns.indices {
                    let inC = prob[x] > options.threshold, inR = masks.patterns[x] & bit != 0
                    switch (inC, inR) { case (true, true): tp += 1; case (true, false): fn += 1; case (false, false): tn += 1; case (false, true): fp += 1 }
                }
                sens = tp + fn > 0 ? Double(tp) / Double(tp + fn) : 0
                spec = tn + fp > 0 ? Double(tn) / Double(tn + fp) : 0
            }
            raters.append(.init(name: r < names.count ? names[r] : "rater \(r + 1)", sensitivity: sens, specificity: spec,
                                maskVolumeCC: volume { masks.patterns[$0] & bit != 0 }))
        }
        func contours(level: Double) -> [StructureSet.Contour] {
            var out: [StructureSet.Contour] = []
            for (k, w) in masks.planeW.enumerated() {
                let slice = Array(prob[(k * plane)..<((k + 1) * plane)])
                for poly in MarchingSquares.isolines(slice, columns: masks.columns, rows: masks.rows, level: level) {
                    let pts = poly.map { masks.frame.grid.origin + masks.frame.grid.rowDirection * (masks.u0 + $0.0 * masks.pixelSpacingMM)
                        + masks.frame.grid.columnDirection * (masks.v0 + $0.1 * masks.pixelSpacingMM) + masks.frame.normal * w }
                    out.append(.init(geometricType: .closedPlanar, points: pts))
                }
            }
            return out
        }
        return ConsensusResult(
            method: options.method, threshold: options.threshold, raters: raters,
            consensus: contours(level: options.threshold), halfLevel: contours(level: 0.5),
            consensusVolumeCC: volume { prob[$0] > options.threshold }, halfLevelVolumeCC: volume { prob[$0] > 0.5 },
            prior: staple?.prior, iterations: staple?.iterations, converged: staple?.converged,
            pixelSpacingMM: masks.pixelSpacingMM, lattice: (masks.columns, masks.rows, masks.planeW.count), probability: prob)
    }
}

/// Isolines of a sampled map (marching squares): closed polygons around the pixels whose value is
/// above `level`, vertices on the segments between pixel centres by linear interpolation, in pixel
/// index coordinates. Pixels outside the map count as 0, so every polygon closes. Saddle cells are
/// resolved by the mean of their four corners. Outer boundaries run anticlockwise, holes clockwise
/// (inside on the left); collinear vertices are dropped.
public enum MarchingSquares {
    public static func isolines(_ f: [Double], columns nc: Int, rows nr: Int, level: Double) -> [[(Double, Double)]] {
        @inline(__always) func value(_ i: Int, _ j: Int) -> Double { (i >= 0 && j >= 0 && i < nc && j < nr) ? f[i + nc * j] : 0 }
        // Crossing points are keyed by the grid segment they lie on: horizontal segment (i, j)-(i+1, j)
        // is 2·id, vertical (i, j)-(i, j+1) is 2·id + 1, with id = (i + 1) + (nc + 2)·(j + 1).
        let stride = nc + 2
        @inline(__always) func hKey(_ i: Int, _ j: Int) -> Int { 2 * ((i + 1) + stride * (j + 1)) }
        @inline(__always) func vKey(_ i: Int, _ j: Int) -> Int { 2 * ((i + 1) + stride * (j + 1)) + 1 }
        var next: [Int: Int] = [:]
        var point: [Int: (Double, Double)] = [:]
        for j in -1..<nr {
            for i in -1..<nc {
                // Corners anticlockwise: (i, j), (i+1, j), (i+1, j+1), (i, j+1).
                let cx = [i, i + 1, i + 1, i], cy = [j, j, j + 1, j + 1]
                let val = (0..<4).map { value(cx[$0], cy[$0]) }
                let inside = val.map { $0 > level }
                if inside.allSatisfy({ $0 }) || !inside.contains(true) { continue }
                // Edge e runs from corner e to corner e+1.
                let keys = [hKey(i, j), vKey(i + 1, j), hKey(i, j + 1), vKey(i, j)]
                var outs: [Int] = [], ins: [Int] = []     // in→out and out→in edges, anticlockwise order
                for e in 0..<4 {
                    let a = e, b = (e + 1) % 4
                    guard inside[a] != inside[b] else { continue }
                    let t = (level - val[a]) / (val[b] - val[a])
                    point[keys[e]] = (Double(cx[a]) + t * Double(cx[b] - cx[a]), Double(cy[a]) + t * Double(cy[b] - cy[a]))
                    if inside[a] { outs.append(e) } else { ins.append(e) }
                }
                if outs.count == 1 {
                    next[keys[outs[0]]] = keys[ins[0]]
                } else {
                    // Saddle: corners 0 and 2 on one side. Centre inside: the inside joins across the
                    // cell, each in→out edge runs to the next out→in edge; else to the previous one.
                    let centreInside = val.reduce(0, +) / 4 > level
                    for e in outs {
                        let target = centreInside ? (e + 1) % 4 : (e + 3) % 4
                        next[keys[e]] = keys[target]
                    }
                }
            }
        }
        var polygons: [[(Double, Double)]] = []
        var visited = Set<Int>()
        for start in next.keys.sorted() where !visited.contains(start) {
            var poly: [(Double, Double)] = []
            var k = start
            while !visited.contains(k), let p = point[k], let n = next[k] {
                visited.insert(k)
                poly.append(p)
                k = n
            }
            // Drop repeated and collinear vertices.
            var clean: [(Double, Double)] = []
            for p in poly where clean.last.map({ $0 != p }) ?? true { clean.append(p) }
            var changed = true
            while changed && clean.count > 3 {
                changed = false
                var out: [(Double, Double)] = []
                let n = clean.count
                for x in 0..<n {
                    let a = out.last ?? clean[(x + n - 1) % n], b = clean[x], c = clean[(x + 1) % n]
                    let cross = (b.0 - a.0) * (c.1 - b.1) - (b.1 - a.1) * (c.0 - b.0)
                    let dot = (b.0 - a.0) * (c.0 - b.0) + (b.1 - a.1) * (c.1 - b.1)
                    if abs(cross) < 1e-12 && dot > 0 { changed = true; continue }
                    out.append(b)
                }
                clean = out
            }
            if clean.count >= 3 { polygons.append(clean) }
        }
        return polygons
    }
}
