/// The parameters of the DVH calculation, in one documented value. The defaults are the geometry
/// convention of dicompyler-core and plastimatch, so that numbers compare; change them knowingly.
///
/// Geometry (PS3.3 C.8.8.6: a closed planar contour is a polygon on one plane, the last point joined
/// to the first; contours on one plane combine by the inner-contour (even-odd) rule, C.8.8.6.3):
/// - every contour plane stands for a slab centred on it, reaching half-way to each neighbouring plane
///   of the same ROI (`EndCap.halfSpacing`: the first and last plane reach out half the nominal spacing);
/// - a gap between planes larger than `gapFactor` times the ROI's nominal spacing (median distance
///   between its consecutive planes) is a gap in the structure: both neighbours then reach out only half
///   the nominal spacing;
/// - on one plane, a point is inside when a ray from it crosses the plane's contours an odd number of
///   times: a contour nested in another is a hole, disjoint contours are parts of one structure.
public struct DVHOptions: Sendable, Equatable {
    /// How the first and last contour plane of an ROI end the structure.
    public enum EndCap: String, Sendable {
        /// The end planes reach out half the nominal contour spacing, like every other plane (default;
        /// dicompyler-core and plastimatch).
        case halfSpacing = "half_spacing"
        /// The structure ends exactly on its first and last plane (the end slabs reach inward only), so
        /// a structure drawn on n planes at spacing s is (n - 1)·s thick.
        case flat = "flat"
    }

    /// What part of space the dose grid covers.
    public enum GridExtent: String, Sendable {
        /// Between the centres of the outermost voxels, where trilinear interpolation is defined (default).
        case voxelCentres = "voxel_centres"
        /// Out to the outer faces of the outermost voxels; in the outer half voxel the dose is the
        /// interpolated dose of the nearest point between the centres (constant extrapolation).
        case voxelEdges = "voxel_edges"
    }

    /// How the dose inside a structure is sampled.
    public enum DoseSampling: String, Sendable {
        /// Trilinear interpolation on the structure's sub-voxel lattice (default; see `DVHCalculator`).
        case trilinear = "trilinear"
        /// The dose grid's voxel centres inside each contour plane's polygons, with dose interpolated
        /// linearly between frames to the plane; each centre stands for a pixel by the plane's slab
        /// (the convention of many planning systems and of dicompyler-core's default).
        case voxelCentre = "voxel-centre"
    }

    /// How dose is sampled. Default `.trilinear`.
    public var doseSampling: DoseSampling = .trilinear

    /// Width of the DVH bins, Gy (the dose grid's units when they are RELATIVE). Bin b holds the volume
    /// whose dose d satisfies b·w ≤ d < (b+1)·w. Metrics interpolate linearly inside a bin, so they are
    /// within one bin width of the sorted-sample values. Default 0.001 Gy.
    public var binWidthGy: Double = 0.001

    /// Sets the lattice spacing of each structure: h = max(`minimumSampleSpacingMM`, ∛(volume / N)), no
    /// coarser than the dose grid (`SamplingLattice.choose`), so small structures are sampled finely and
    /// large ones at about one cell per dose voxel. The cells actually evaluated are fewer than N, as
    /// dose along the contour normal is integrated exactly rather than sampled. Default 200 000 (h about
    /// 1/60 of a structure's size: D2-D98 within 0.1% of the dose range on the phantoms).
    public var targetSamplesPerStructure: Int = 200_000

    /// Finest sample spacing, mm (bounds the work on tiny structures). Default 0.05 mm.
    public var minimumSampleSpacingMM: Double = 0.05

    /// Most cells per dose voxel along each in-plane axis. Default 64.
    public var maximumSubdivisionsPerVoxel: Int = 64

    /// Contour spacing used for every ROI instead of the median distance between its planes, mm
    /// (for instance the CT slice spacing). Nil: measured per ROI.
    public var contourSpacingMM: Double? = nil

    /// Spacing used for an ROI drawn on one plane only (no neighbour to measure), mm: normally the
    /// median plane spacing of the whole structure set or the CT slice spacing. Nil: the dose grid's
    /// frame spacing.
    public var singlePlaneSpacingMM: Double? = nil

    /// A gap between consecutive planes larger than this multiple of the nominal spacing separates
    /// two parts of the structure. Default 1.5.
    public var gapFactor: Double = 1.5

    /// Contours whose planes are closer than this along the normal are on the same plane, mm. Default 0.05.
    public var planeToleranceMM: Double = 0.05

    /// How the first and last contour plane end a structure. Default `.halfSpacing`.
    public var endCap: EndCap = .halfSpacing
    /// What part of space the dose grid covers. Default `.voxelCentres`.
    public var gridExtent: GridExtent = .voxelCentres

    /// Compute structures (and slabs of large structures) in parallel.
    public var parallel: Bool = true

    /// The defaults.
    public init() {}

    /// The defaults (the convention of dicompyler-core and plastimatch).
    public static let `default` = DVHOptions()

    /// One sentence saying which geometry convention these options apply; printed with every result.
    public var conventionDescription: String {
        var s = "slab: each contour plane stands for a slab centred on it reaching half-way to its neighbouring planes"
        switch endCap {
        case .halfSpacing: s += " (first and last plane reach out half the nominal spacing)"
        case .flat: s += " (structure ends flat on its first and last plane)"
        }
        if let c = contourSpacingMM {
            s += "; nominal spacing \(c) mm for every ROI"
        } else {
            s += "; nominal spacing = median distance between the ROI's planes"
        }
        s += "; gaps over \(gapFactor)x the nominal spacing are gaps in the structure"
        s += "; contours on one plane combine by the even-odd rule (nested contours are holes, disjoint contours are parts)"
        if doseSampling == .voxelCentre {
            return s + "; dose at the dose grid's voxel centres inside each contour plane, interpolated linearly between frames to the plane"
        }
        switch gridExtent {
        case .voxelCentres: s += "; dose by trilinear interpolation, grid covers the space between its outermost voxel centres"
        case .voxelEdges: s += "; dose by trilinear interpolation, grid covers out to its outermost voxel faces"
        }
        return s
    }
}
