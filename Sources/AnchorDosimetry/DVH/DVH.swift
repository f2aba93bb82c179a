/// A dose-volume histogram of one structure's covered volume, binned at `binWidthGy`, with the exact
/// sums behind volume, mean, minimum and maximum. Doses are in Gy (in the dose grid's units when they
/// are RELATIVE), volumes in cc.
///
/// Bin b holds the volume whose dose d satisfies b·w ≤ d < (b + 1)·w. Between bin edges the cumulative
/// DVH is taken as linear (dose uniform inside a bin), so every metric read from it is within one bin
/// width of the value from the sorted samples, and it never leaves [minGy, maxGy].
public struct DVH: Sendable, Equatable {
    /// Width of the bins, Gy.
    public var binWidthGy: Double
    /// Differential DVH: volume with dose in bin b, cc.
    public var differentialCC: [Double]
    /// Cumulative DVH at the bin edges: `cumulativeCC[b]` is the volume receiving at least b·w Gy, cc
    /// (one more entry than `differentialCC`; the last is 0).
    public var cumulativeCC: [Double]
    /// Volume the DVH describes (the structure's covered volume), cc.
    public var volumeCC: Double
    /// Minimum and maximum dose over the samples and the contour vertices on their slab faces, Gy.
    public var minGy: Double
    public var maxGy: Double
    /// Volume-weighted mean dose, Gy.
    public var meanGy: Double

    /// A DVH from a differential histogram (volumes in cc) and its exact statistics.
    public init(binWidthGy: Double, differentialCC: [Double], minGy: Double, maxGy: Double, meanGy: Double) {
        var diff = differentialCC
        while let last = diff.last, last == 0, diff.count > 1 { diff.removeLast() }
        self.binWidthGy = binWidthGy
        self.differentialCC = diff
        var cum = [Double](repeating: 0, count: diff.count + 1)
        var running = 0.0
        for b in stride(from: diff.count - 1, through: 0, by: -1) {
            running += diff[b]
            cum[b] = running
        }
        cumulativeCC = cum
        volumeCC = running
        self.minGy = minGy
        self.maxGy = maxGy
        self.meanGy = meanGy
    }

    /// True when no volume was sampled.
    public var isEmpty: Bool { volumeCC <= 0 }

    /// Volume receiving at least `doseGy`, cc (VxGy in cc).
    public func volumeCC(atDoseGy d: Double) -> Double {
        guard volumeCC > 0 else { return 0 }
        if d <= minGy { return volumeCC }
        if d > maxGy { return 0 }
        let x = d / binWidthGy
        let b = Int(x.rounded(.down))
        guard b >= 0 else { return volumeCC }
        guard b < differentialCC.count else { return 0 }
        let frac = x - Double(b)
        return cumulativeCC[b + 1] + (1 - frac) * differentialCC[b]
    }

    /// Volume receiving at least `doseGy`, percent of `volumeCC` (VxGy).
    public func volumePercent(atDoseGy d: Double) -> Double {
        volumeCC > 0 ? 100 * volumeCC(atDoseGy: d) / volumeCC : 0
    }

    /// Dxcc: the minimum dose received by the hottest `cc` cubic centimetres, Gy. Nil when `cc` is more
    /// than the volume (the hottest x cc do not exist) or the DVH is empty; D0cc is the maximum dose.
    public func dose(atVolumeCC cc: Double) -> Double? {
        guard volumeCC > 0, cc >= 0 else { return nil }
        if cc == 0 { return maxGy }
        // Volumes equal up to rounding of the sums count as the whole structure.
        if cc > volumeCC * (1 + 1e-9) { return nil }
        if cc >= volumeCC { return minGy }
        // Last bin edge b with cumulative[b] >= cc (cumulative is non-increasing).
        var lo = 0, hi = cumulativeCC.count - 1
        while lo < hi {
            let mid = (lo + hi + 1) / 2
            if cumulativeCC[mid] >= cc { lo = mid } else { hi = mid - 1 }
        }
        let b = lo
        guard b < differentialCC.count, differentialCC[b] > 0 else { return min(max(Double(b) * binWidthGy, minGy), maxGy) }
        let frac = (cumulativeCC[b] - cc) / differentialCC[b]
        let d = (Double(b) + frac) * binWidthGy
        return min(max(d, minGy), maxGy)
    }

    /// Dx%: the minimum dose received by the hottest `percent` % of the volume, Gy (D100% is the minimum,
    /// D0% the maximum). Nil for an empty DVH or a percentage outside 0...100.
    public func dose(atVolumePercent percent: Double) -> Double? {
        guard volumeCC > 0, percent >= 0, percent <= 100 else { return nil }
        if percent == 100 { return minGy }
        return dose(atVolumeCC: percent / 100 * volumeCC)
    }

    /// The cumulative DVH in percent of the volume, at the doses of `cumulative(stepGy:)`.
    public func cumulativePercent(stepGy: Double) -> (doseGy: [Double], volumePercent: [Double]) {
        let c = cumulative(stepGy: stepGy)
        return (c.doseGy, c.volumeCC.map { volumeCC > 0 ? 100 * $0 / volumeCC : 0 })
    }

    /// The differential DVH in cc per Gy at the bin centres ((b + 0.5)·w).
    public var differentialCCPerGy: (doseGy: [Double], ccPerGy: [Double]) {
        (differentialCC.indices.map { (Double($0) + 0.5) * binWidthGy }, differentialCC.map { $0 / binWidthGy })
    }

    /// The cumulative DVH resampled at 0, step, 2·step ... up to the first dose above the maximum:
    /// `volumeCC[n]` is the volume receiving at least `doseGy[n]`.
    public func cumulative(stepGy: Double) -> (doseGy: [Double], volumeCC: [Double]) {
        guard stepGy > 0, volumeCC > 0 else { return ([0], [volumeCC]) }
        // Doses as n / (1/step) when 1/step is whole, so 0.01-steps print as 0.03, not 0.030000000000000002.
        let inverse = 1 / stepGy
        let whole = abs(inverse - inverse.rounded()) < 1e-9
        let count = Int((max(maxGy, 0) / stepGy).rounded(.down)) + 2
        var doses = [Double](), vols = [Double]()
        doses.reserveCapacity(count); vols.reserveCapacity(count)
        for n in 0..<count {
            let d = whole ? Double(n) / inverse.rounded() : Double(n) * stepGy
            doses.append(d)
            vols.append(volumeCC(atDoseGy: d))
        }
        return (doses, vols)
    }
}
