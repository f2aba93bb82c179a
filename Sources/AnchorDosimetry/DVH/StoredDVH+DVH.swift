import AnchorRT

extension DoseGrid.StoredDVH {
    /// The planning system's DVH as a `DVH` (PS3.3 C.8.8.4 RT DVH: DVH Data holds pairs of bin width and
    /// volume, doses scaled by DVH Dose Scaling; for a CUMULATIVE DVH a bin's volume receives at least its
    /// lower edge, for a DIFFERENTIAL DVH it lies within the bin). Volumes in PERCENT are turned into cc
    /// with `structureVolumeCC`. Throws `undefinedMetric` when the DVH is empty, its bins are not of one
    /// width, its dose is not in Gy, or its volume unit cannot be turned into cc.
    public func dvh(structureVolumeCC: Double?) throws -> DVH {
        guard (doseUnits ?? "GY").uppercased() == "GY" else {
            throw DosimetryError(.undefinedMetric, "the stored DVH's dose is in \(doseUnits ?? "?"), not GY")
        }
        guard data.count >= 2 else { throw DosimetryError(.undefinedMetric, "the stored DVH has no data") }
        let pairs = stride(from: 0, to: data.count - 1, by: 2).map { (width: data[$0] * doseScaling, volume: data[$0 + 1]) }
        let width = pairs[0].width
        guard width > 0, pairs.allSatisfy({ abs($0.width - width) <= 1e-6 * max(width, 1) }) else {
            throw DosimetryError(.undefinedMetric, "the stored DVH's bins are not of one width")
        }
        var volumeScale = 1.0
        switch (volumeUnits ?? "CM3").uppercased() {
        case "CM3": volumeScale = 1
        case "PERCENT":
            guard let v = structureVolumeCC, v > 0 else { throw DosimetryError(.undefinedMetric, "the stored DVH is in percent and the structure's volume is unknown") }
            volumeScale = v / 100
        default: throw DosimetryError(.undefinedMetric, "the stored DVH's volume unit \(volumeUnits ?? "?") cannot be turned into cc")
        }
        let volumes = pairs.map { $0.volume * volumeScale }
        var differential: [Double]
        if (type ?? "CUMULATIVE").uppercased() == "CUMULATIVE" {
            differential = volumes.indices.map { k in max(volumes[k] - (k + 1 < volumes.count ? volumes[k + 1] : 0), 0) }
        } else {
            differential = volumes
        }
        let total = differential.reduce(0, +)
        guard total > 0 else { throw DosimetryError(.undefinedMetric, "the stored DVH holds no volume") }
        let firstBin = differential.firstIndex { $0 > 0 } ?? 0
        let lastBin = differential.lastIndex { $0 > 0 } ?? 0
        let mean = differential.enumerated().reduce(0.0) { $0 + $1.element * (Double($1.offset) + 0.5) * width } / total
        // The stored statistics (C.8.8.4: DVH Minimum, Maximum, Mean Dose, in the DVH's dose units) win
        // over what the bins give.
        return DVH(binWidthGy: width, differentialCC: differential,
                   minGy: minimumDose ?? Double(firstBin) * width, maxGy: maximumDose ?? Double(lastBin + 1) * width,
                   meanGy: meanDose ?? mean)
    }
}
