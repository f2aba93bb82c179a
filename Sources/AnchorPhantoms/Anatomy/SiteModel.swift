import AnchorRT

/// One structure of a phantom: its TG-263 name (AAPM Report 263, 2018), RT ROI Interpreted Type
/// (PS3.3 C.8.8.8), display colour and the solid it is.
public struct PhantomStructure: Sendable {
    public var name: String
    /// EXTERNAL, ORGAN, GTV, CTV or PTV.
    public var interpretedType: String
    public var color: (r: Int, g: Int, b: Int)
    public var solid: Solid

    public init(_ name: String, _ interpretedType: String, _ color: (Int, Int, Int), _ solid: Solid) {
        self.name = name
        self.interpretedType = interpretedType
        self.color = (color.0, color.1, color.2)
        self.solid = solid
    }
}

/// One tissue painted into the CT: voxels inside `solid` get `hounsfield`; later layers paint over
/// earlier ones.
struct TissueLayer: Sendable {
    var solid: Solid
    var hounsfield: Float
    init(_ solid: Solid, _ hounsfield: Float) { self.solid = solid; self.hounsfield = hounsfield }
}

/// A treatment beam of the site's technique: IEC gantry angle (degrees) and relative weight.
struct BeamSetup: Sendable {
    var name: String
    var gantry: Double
    var weight: Double
}

/// Everything a site builder decides: anatomy, CT, prescription and beam arrangement.
struct SiteModel: Sendable {
    /// Structures in ROI number order.
    var structures: [PhantomStructure]
    /// CT tissues in painting order, over air.
    var layers: [TissueLayer]
    /// Region scanned: in-plane field of view and the z range of the slices, mm.
    var scan: Bounds
    var pixelSpacingMM: Double
    var sliceSpacingMM: Double
    var doseSpacingMM: Double
    var sex: String
    var diagnosis: String
    var prescriptionGy: Double
    var fractions: Int
    var beams: [BeamSetup]
    /// Extra volume the apertures must cover beside the PTV (whole vertebral bodies in the flank).
    var apertureInclude: [String] = []
    /// Fraction of the PTV's volume, from its inferior end, that the leaves shield (ptv-underdose).
    var shieldedVolumeFraction: Double = 0

    func structure(_ name: String) -> PhantomStructure? { structures.first { $0.name == name } }
    var external: Solid { structures.first { $0.interpretedType == "EXTERNAL" }!.solid }
    var ptv: Solid { structure("PTV")!.solid }
}

/// Colours by structure kind, so the phantoms look alike in any viewer.
enum Palette {
    static let external = (0, 255, 0)
    static let gtv = (255, 0, 0)
    static let ctv = (255, 128, 0)
    static let ptv = (0, 128, 255)
    static let organs: [(Int, Int, Int)] = [
        (255, 255, 0), (255, 0, 255), (0, 255, 255), (128, 0, 255), (255, 128, 128), (128, 255, 128),
        (128, 128, 255), (200, 150, 50), (50, 200, 150), (150, 50, 200), (255, 200, 0), (0, 200, 100),
    ]
    static func organ(_ n: Int) -> (Int, Int, Int) { organs[n % organs.count] }
}

extension Vec3 {
    /// Component-wise scaling.
    func scaled(_ s: Double) -> Vec3 { self * s }
}

/// Rounds a spacing to 0.05 mm within limits.
func roundedSpacing(_ v: Double, min lo: Double, max hi: Double) -> Double {
    (Swift.min(Swift.max(v, lo), hi) * 20).rounded(.up) / 20
}
