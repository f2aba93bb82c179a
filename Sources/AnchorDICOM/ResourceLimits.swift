/// The largest inputs the engine will work on, checked before anything of that size is allocated.
///
/// A DICOM header is a few bytes that can declare gigabytes (Rows × Columns × Number of Frames), a
/// deflate stream can expand about 1032 times (RFC 1951's longest match, 258 bytes, in 2 bits), and a
/// zip archive's central directory can point many entries at the same data. Every place that turns such
/// a declaration into memory compares it with what the input really holds and with one of these limits
/// first, and throws a clear error instead of allocating.
///
/// The defaults fit the largest real radiotherapy objects with room to spare (a 1000-slice 512×512 CT,
/// a 1 mm dose grid over a whole body, a structure set of a few million contour points) and keep one
/// object well under a few GB of memory. Override any of them per call:
/// ```swift
/// var limits = ResourceLimits.default
/// limits.maxArchiveExpandedBytes = 256 << 20
/// let entries = try ZipReader.entries(bytes, limits: limits)
/// ```
public struct ResourceLimits: Sendable, Equatable {
    /// Decoded pixel data of one object (Rows × Columns × Samples per Pixel × bytes per sample ×
    /// Number of Frames), bytes. Default 1 GiB.
    public var maxPixelDataBytes: Int
    /// Voxels of one RT Dose grid (Columns × Rows × frames). Default 2^27 (134 million; 512 MB as Float).
    public var maxDoseGridVoxels: Int
    /// Voxels of one image volume (Columns × Rows × slices). Default 2^29 (537 million; 2 GiB as Float).
    public var maxVolumeVoxels: Int
    /// Contour points of one RT Structure Set, all ROIs together. Default 2^24 (16.8 million).
    public var maxContourPoints: Int
    /// Sequence nesting depth (PS3.5 7.5). Real RT objects nest 4 to 5 deep, SR documents perhaps 20.
    /// Default 64.
    public var maxSequenceDepth: Int
    /// Bytes one deflate stream (a deflated data set, PS3.5 A.5, or one zip entry) may expand to.
    /// Default 1 GiB.
    public var maxInflatedBytes: Int
    /// Largest expanded/compressed ratio accepted once the output passes `inflateRatioFloorBytes`.
    /// Default 200: real DICOM compresses 2:1 to 50:1, an all-zero dose grid or mask more, and is small.
    public var maxInflateRatio: Int
    /// Output below this many bytes is accepted whatever its ratio (a small, mostly empty object
    /// compresses very well). Default 32 MiB.
    public var inflateRatioFloorBytes: Int
    /// Entries of one zip archive (files and folders). Default 20,000.
    public var maxArchiveEntries: Int
    /// Expanded size of all entries of one zip archive together, bytes. Default 2 GiB.
    public var maxArchiveExpandedBytes: Int

    public init(maxPixelDataBytes: Int = 1 << 30, maxDoseGridVoxels: Int = 1 << 27, maxVolumeVoxels: Int = 1 << 29,
                maxContourPoints: Int = 1 << 24, maxSequenceDepth: Int = 64, maxInflatedBytes: Int = 1 << 30,
                maxInflateRatio: Int = 200, inflateRatioFloorBytes: Int = 32 << 20,
                maxArchiveEntries: Int = 20_000, maxArchiveExpandedBytes: Int = 2 << 30) {
        self.maxPixelDataBytes = maxPixelDataBytes
        self.maxDoseGridVoxels = maxDoseGridVoxels
        self.maxVolumeVoxels = maxVolumeVoxels
        self.maxContourPoints = maxContourPoints
        self.maxSequenceDepth = maxSequenceDepth
        self.maxInflatedBytes = maxInflatedBytes
        self.maxInflateRatio = maxInflateRatio
        self.inflateRatioFloorBytes = inflateRatioFloorBytes
        self.maxArchiveEntries = maxArchiveEntries
        self.maxArchiveExpandedBytes = maxArchiveExpandedBytes
    }

    /// The defaults listed on each property.
    public static let `default` = ResourceLimits()

    /// The most bytes `compressedBytes` of deflate data may expand to under these limits: the ratio
    /// allowance or the floor, whichever is larger, never above `maxInflatedBytes`.
    public func inflateAllowance(compressedBytes: Int) -> Int {
        let (byRatio, overflow) = max(0, compressedBytes).multipliedReportingOverflow(by: max(1, maxInflateRatio))
        return min(maxInflatedBytes, max(inflateRatioFloorBytes, overflow ? Int.max : byRatio))
    }

    /// The product of `factors`, or nil when it overflows `Int` or a factor is negative: sizes read from
    /// a header are multiplied here, so that 65535 × 65535 × 65535 × 8 cannot wrap to a small number.
    public static func product(_ factors: Int...) -> Int? {
        var p = 1
        for f in factors {
            guard f >= 0 else { return nil }
            let (r, o) = p.multipliedReportingOverflow(by: f)
            if o { return nil }
            p = r
        }
        return p
    }

    /// `n` bytes as a short human-readable size (`1.0 GiB`, `844 bytes`) for error messages.
    public static func describe(bytes n: Int) -> String {
        if n < 1024 { return "\(n) bytes" }
        let units = ["KiB", "MiB", "GiB", "TiB", "PiB", "EiB"]
        var v = Double(n) / 1024
        var u = 0
        while v >= 1024 && u < units.count - 1 { v /= 1024; u += 1 }
        let rounded = (v * 10).rounded() / 10
        return "\(rounded) \(units[u])"
    }
}
