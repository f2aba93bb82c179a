import Foundation

/// A JSON value with ordered object keys, so the output reads in its documented order.
public enum PlanningJSON: Sendable {
    case null
    case number(Double)
    case string(String)
    case array([PlanningJSON])
    case object([(String, PlanningJSON)])

    public static func from(_ v: Double?) -> PlanningJSON { v.map { $0.isFinite ? .number($0) : .null } ?? .null }

    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(&out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(_ out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .number(let d):
            if !d.isFinite { out += "null" }
            else if d == d.rounded() && abs(d) < 1e15 { out += String(Int(d)) }
            else { out += String(d) }
        case .string(let s): PlanningJSON.escape(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            out += "["
            for (n, v) in a.enumerated() {
                if n > 0 { out += "," }
                if let i = indent { out += "\n" + String(repeating: "  ", count: i + 1) }
                v.write(&out, indent: indent.map { $0 + 1 })
            }
            if let i = indent { out += "\n" + String(repeating: "  ", count: i) }
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (n, (k, v)) in o.enumerated() {
                if n > 0 { out += "," }
                if let i = indent { out += "\n" + String(repeating: "  ", count: i + 1) }
                PlanningJSON.escape(k, into: &out)
                out += indent == nil ? ":" : ": "
                v.write(&out, indent: indent.map { $0 + 1 })
            }
            if let i = indent { out += "\n" + String(repeating: "  ", count: i) }
            out += "}"
        }
    }

    static func escape(_ s: String, into out: inout String) {
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 { out += String(format: "\\u%04x", u.value) } else { out.unicodeScalars.append(u) }
            }
        }
        out += "\""
    }
}
