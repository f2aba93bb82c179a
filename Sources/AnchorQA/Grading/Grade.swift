/// The review grade of one constraint, in the EORTC/SIOP-Europe vocabulary (per protocol, acceptable
/// variation, unacceptable variation), plus `notEvaluable` when the value could not be had.
///
/// Ordered from best to worst. `notEvaluable` ranks above an acceptable variation and below an
/// unacceptable one: a plan with a required structure missing cannot be passed automatically, but a
/// measured unacceptable variation is the stronger finding.
public enum Grade: String, Sendable, Comparable, CaseIterable {
    case perProtocol = "per_protocol"
    case acceptableVariation = "acceptable_variation"
    case notEvaluable = "not_evaluable"
    case unacceptableVariation = "unacceptable_variation"

    var severity: Int {
        switch self {
        case .perProtocol: return 0
        case .acceptableVariation: return 1
        case .notEvaluable: return 2
        case .unacceptableVariation: return 3
        }
    }

    public static func < (a: Grade, b: Grade) -> Bool { a.severity < b.severity }

    /// Words for a person: "per protocol", "acceptable variation" ...
    public var label: String { rawValue.replacingOccurrences(of: "_", with: " ") }
}
