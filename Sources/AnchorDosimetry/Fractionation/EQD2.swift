import AnchorRT

/// Equivalent dose in 2 Gy fractions by the linear-quadratic model:
/// EQD2 = D · (d + α/β) / (2 + α/β), with d = D / n the dose per fraction (Withers HR, Thames HD,
/// Peters LJ. A new isoeffect curve for change in dose per fraction. Radiother Oncol 1983;1:187-191;
/// notation of Bentzen SM et al. Bioeffect modeling and equieffective dose concepts in radiation
/// oncology. Radiother Oncol 2012;105:266-268). It assumes complete repair between fractions and no
/// repopulation.
public enum EQD2 {
    /// Default α/β for late-responding normal tissue, Gy (Joiner MC, van der Kogel AJ, eds. Basic
    /// Clinical Radiobiology, 4th ed. 2009, the chapter on the linear-quadratic approach to
    /// fractionation: late reactions mostly 1-5 Gy, 3 Gy the customary value).
    public static let lateEffectsAlphaBetaGy = 3.0
    /// Default α/β for tumours and early-responding tissue, Gy (same source: 7-20 Gy, 10 Gy customary).
    public static let tumourAlphaBetaGy = 10.0

    /// EQD2 of a total dose `doseGy` given in `fractions` equal fractions, Gy. Zero and negative doses stay as they are.
    @inlinable public static func convert(doseGy: Double, fractions: Int, alphaBetaGy: Double) -> Double {
        guard doseGy > 0 else { return doseGy }
        let d = doseGy / Double(fractions)
        return doseGy * (d + alphaBetaGy) / (2 + alphaBetaGy)
    }

    /// The dose grid with every voxel's dose replaced by its EQD2 (each voxel's own dose per fraction
    /// D / n), so DVHs computed from it are EQD2 DVHs. Throws `invalidGeometry` for fractions < 1 or
    /// α/β ≤ 0.
    public static func grid(_ dose: DoseGrid, fractions: Int, alphaBetaGy: Double) throws -> DoseGrid {
        guard fractions >= 1 else { throw DosimetryError(.invalidGeometry, "EQD2 needs at least one fraction, not \(fractions)") }
        guard alphaBetaGy > 0, alphaBetaGy.isFinite else { throw DosimetryError(.invalidGeometry, "α/β must be a positive dose in Gy, not \(alphaBetaGy)") }
        var out = dose
        out.values = dose.values.map { Float(convert(doseGy: Double($0), fractions: fractions, alphaBetaGy: alphaBetaGy)) }
        out.doseType = "EQD2"
        return out
    }
}
