/// CT numbers of the phantom tissues, Hounsfield units at 120 kVp: representative values of the ranges
/// in Schneider, Bortfeld & Schlegel 2000 (Phys Med Biol 45:459, tables 1 and 2) for adult tissues,
/// with paediatric lungs (denser than adults': more blood and tissue per volume of air) and cortical
/// bone that gains mineral with age (a one-year-old's skull is far from an adult's 1000+ HU).
/// Each voxel also gets Gaussian noise (`noiseHU` standard deviation), drawn from the case's seed, so
/// the images look like CT rather than a drawing.
public enum Tissue {
    public static let air: Float = -1000
    public static let bowelGas: Float = -900
    public static let fat: Float = -90
    public static let csf: Float = 8
    public static let vitreous: Float = 10
    public static let brain: Float = 35
    public static let kidney: Float = 35
    public static let softTissue: Float = 40
    public static let bowel: Float = 40
    public static let blood: Float = 45
    public static let muscle: Float = 50
    public static let tumour: Float = 48
    public static let liver: Float = 60
    public static let lens: Float = 90
    public static let thyroid: Float = 95
    public static let cartilage: Float = 120
    public static let cancellousBone: Float = 260
    public static let noiseHU: Float = 8

    /// Lung parenchyma: about -700 HU at one year to -820 HU at eighteen.
    public static func lung(age: Double) -> Float { Float(-700 - 120 * min(max((age - 1) / 17, 0), 1)) }

    /// Cortical bone: about 700 HU at one year to 1150 HU at eighteen.
    public static func corticalBone(age: Double) -> Float { Float(700 + 450 * min(max((age - 1) / 17, 0), 1)) }
}
