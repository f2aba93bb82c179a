/// How the phantoms scale with age. Each site is drawn once for an 18-year-old (the reference) and
/// scaled for a younger child by the ratio of a growth measure at that age to the measure at 18:
///
/// - head (posterior fossa): head circumference, 50th percentile, mean of boys and girls; WHO Child
///   Growth Standards (2006) to 5 years, Nellhaus (1968, Pediatrics 41:106) composite chart after.
/// - trunk (abdomen, mediastinum): sitting height (stature × sitting-height ratio). Stature is the CDC
///   2000 growth charts' 50th percentile (mean of boys and girls); the sitting-height ratio falls from
///   about 0.62 at one year to 0.52 in adolescence (Fredriks et al. 2005, Arch Dis Child 90:807), because
///   the legs grow faster than the trunk: a toddler's trunk is relatively large.
/// - organs that do not follow the body: the cochlea has its adult size before birth (Jeffery & Spoor
///   2004, J Anat 204:71), so it is never scaled; the eye's axial length grows from about 20.5 mm at one
///   year to 23.5 mm in adults (Gordon & Donzis 1985, Arch Ophthalmol 103:785); the lens is kept at
///   9 mm × 4 mm; breast tissue follows puberty (Tanner stages), not size.
///
/// Values are rounded 50th percentiles read from the charts; they are meant to make a 3-year-old's
/// head look like one, not to be a growth reference. Ages between table rows are interpolated linearly.
public enum Growth {
    /// (age in years, head circumference in cm).
    public static let headCircumferenceCM: [(age: Double, value: Double)] = [
        (1, 45.5), (2, 47.8), (3, 49.0), (4, 49.8), (5, 50.3), (6, 50.9), (8, 51.6),
        (10, 52.3), (12, 53.1), (14, 53.9), (16, 54.7), (18, 55.2),
    ]
    /// (age in years, stature in cm).
    public static let statureCM: [(age: Double, value: Double)] = [
        (1, 75.0), (2, 86.5), (3, 95.0), (4, 102.5), (5, 109.5), (6, 116.0), (8, 128.0),
        (10, 138.5), (12, 151.0), (14, 162.5), (16, 168.0), (18, 170.5),
    ]
    /// (age in years, sitting height / stature).
    public static let sittingHeightRatio: [(age: Double, value: Double)] = [
        (1, 0.62), (2, 0.59), (3, 0.57), (5, 0.555), (8, 0.535), (10, 0.525), (12, 0.52), (14, 0.52), (18, 0.525),
    ]
    /// (age in years, axial length of the eye in mm).
    public static let eyeAxialLengthMM: [(age: Double, value: Double)] = [
        (1, 20.5), (3, 21.5), (6, 22.2), (10, 23.0), (14, 23.4), (18, 23.6),
    ]

    /// Linear interpolation in a table sorted by age, clamped at its ends.
    public static func interpolate(_ table: [(age: Double, value: Double)], at age: Double) -> Double {
        guard let first = table.first, let last = table.last else { return .nan }
        if age <= first.age { return first.value }
        if age >= last.age { return last.value }
        for k in 1..<table.count where age <= table[k].age {
            let a = table[k - 1], b = table[k]
            return a.value + (b.value - a.value) * (age - a.age) / (b.age - a.age)
        }
        return last.value
    }

    /// Head size relative to the 18-year-old reference.
    public static func headScale(age: Double) -> Double {
        interpolate(headCircumferenceCM, at: age) / interpolate(headCircumferenceCM, at: 18)
    }

    /// Sitting height, cm.
    public static func sittingHeightCM(age: Double) -> Double {
        interpolate(statureCM, at: age) * interpolate(sittingHeightRatio, at: age)
    }

    /// Trunk size relative to the 18-year-old reference.
    public static func trunkScale(age: Double) -> Double {
        sittingHeightCM(age: age) / sittingHeightCM(age: 18)
    }

    /// Radius of the eye globe, mm (half the axial length).
    public static func eyeRadiusMM(age: Double) -> Double { interpolate(eyeAxialLengthMM, at: age) / 2 }
}
