import AnchorRT

extension ContourComparisonOptions {
    /// The method, its resolution and its error bound, as `anchor contours compare --json` states them.
    public var methodJSON: JSON {
        .object([
            ("geometry", .string("slab convention: each contour plane stands for a slab reaching half-way to its neighbouring planes of the same structure (the outer planes half the structure's contour spacing out); contours on one plane combine by the even-odd rule; a gap wider than \(geometry.gapFactor)x the spacing is a gap")),
            ("volumes", .string("exact polygon areas by scanlines split at every vertex, times slab thickness; intersections by the same scanlines in bands of \(surfaceSpacingMM) mm, exact except for O(h^2) terms where an edge of one contour crosses an edge of the other")),
            ("surface", .string("the slab solid's exact boundary: every contour edge swept across its slab, and end caps (the symmetric difference of touching slabs' contours, or a whole contour where a slab ends), sampled in patches at most \(surfaceSpacingMM) mm on a side, each weighted by its area; distances from each sample to the other structure's exact surface")),
            ("surface_spacing_mm", .number(surfaceSpacingMM)),
            ("distance_error_bound_mm", .number(distanceErrorBoundMM)),
            ("hd95_mm", .string("the larger of the two directed, area-weighted 95th percentiles of the surface distances")),
            ("hd95_pooled_mm", .string("the 95th percentile of both directions' surface distances pooled, each sample weighted by its area")),
            ("msd_mm", .string("mean of the two directed area-weighted mean surface distances")),
            ("surface_dice", .string("area of both surfaces within the tolerance of the other, over the area of both (Nikolov et al. 2018)")),
            ("apl_mm", .string("added path length (Vaassen et al. 2020): per slice, the length of the reference contour farther than the tolerance from the test contour, measured every \(surfaceSpacingMM) mm; the whole contour on slices drawn in only one of the two")),
        ])
    }
}

extension ContourComparison {
    /// The pair as `anchor contours compare --json` prints it (keys in this order).
    public var json: JSON {
        let v = centroidVectorMM
        return .object([
            ("reference_name", .string(referenceName)),
            ("test_name", .string(testName)),
            ("volume_reference_cc", .number(volumeReferenceCC)),
            ("volume_test_cc", .number(volumeTestCC)),
            ("volume_intersection_cc", .number(volumeIntersectionCC)),
            ("dice", .number(dice)),
            ("jaccard", .number(jaccard)),
            ("volume_ratio", .number(volumeRatio)),
            ("centroid_distance_mm", .number(centroidDistanceMM)),
            ("centroid_vector_mm", .numbers([v.x, v.y, v.z])),
            ("false_positive_cc", .number(falsePositiveCC)),
            ("false_negative_cc", .number(falseNegativeCC)),
            ("hausdorff_mm", .number(hausdorffMM)),
            ("hd95_mm", .number(hd95MM)),
            ("hd95_pooled_mm", .number(hd95PooledMM)),
            ("msd_mm", .number(msdMM)),
            ("msd_ref_to_test_mm", .number(msdReferenceToTestMM)),
            ("msd_test_to_ref_mm", .number(msdTestToReferenceMM)),
            ("surface_dice", .number(surfaceDice)),
            ("tolerance_mm", .number(toleranceMM)),
            ("apl_mm", .number(aplMM)),
            ("hausdorff_ref_to_test_mm", .number(hausdorffReferenceToTestMM)),
            ("hausdorff_test_to_ref_mm", .number(hausdorffTestToReferenceMM)),
            ("hd95_ref_to_test_mm", .number(hd95ReferenceToTestMM)),
            ("hd95_test_to_ref_mm", .number(hd95TestToReferenceMM)),
            ("surface_area_reference_mm2", .number(surfaceAreaReferenceMM2)),
            ("surface_area_test_mm2", .number(surfaceAreaTestMM2)),
            ("surface_samples", .array([.int(sampleCounts.reference), .int(sampleCounts.test)])),
            ("slices", .array(slices.map { s in
                .object([("z_mm", .number(s.zMM)), ("dice", .number(s.dice)), ("area_reference_mm2", .number(s.areaReferenceMM2)),
                         ("area_test_mm2", .number(s.areaTestMM2)), ("apl_mm", .number(s.aplMM))])
            })),
            ("warnings", .array(warnings.map { .string($0) })),
        ])
    }

    /// Column names of `csvRow`.
    public static let csvHeader = ["reference_name", "test_name", "volume_reference_cc", "volume_test_cc", "volume_intersection_cc", "dice",
                                   "jaccard", "volume_ratio", "centroid_distance_mm", "false_positive_cc", "false_negative_cc", "hausdorff_mm",
                                   "hd95_mm", "hd95_pooled_mm", "msd_mm", "msd_ref_to_test_mm", "msd_test_to_ref_mm", "surface_dice",
                                   "tolerance_mm", "apl_mm"]

    /// The scalar metrics, in the order of `csvHeader`.
    public var csvRow: [String] {
        [referenceName, testName] + [volumeReferenceCC, volumeTestCC, volumeIntersectionCC, dice, jaccard, volumeRatio, centroidDistanceMM,
                                     falsePositiveCC, falseNegativeCC, hausdorffMM, hd95MM, hd95PooledMM, msdMM, msdReferenceToTestMM,
                                     msdTestToReferenceMM, surfaceDice, toleranceMM, aplMM].map { String($0) }
    }
}
