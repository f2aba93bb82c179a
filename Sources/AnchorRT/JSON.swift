import Foundation

/// A JSON value with ordered object keys, so output reads in a stable, documented order.
public enum JSON: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    case int(Int)
    case string(String)
    case array([JSON])
    case object([(String, JSON)])

    public static func == (a: JSON, b: JSON) -> Bool { a.serialized() == b.serialized() }

    public static func from(_ v: Double?) -> JSON { v.map { $0.isFinite ? .number($0) : .null } ?? .null }
    public static func from(_ v: Int?) -> JSON { v.map { .int($0) } ?? .null }
    public static func from(_ v: String?) -> JSON { v.map { .string($0) } ?? .null }
    public static func numbers(_ v: [Double]) -> JSON { .array(v.map { .number($0) }) }

    public func serialized(pretty: Bool = true) -> String {
        var out = ""
        write(&out, indent: pretty ? 0 : nil)
        return out
    }

    private func write(_ out: inout String, indent: Int?) {
        switch self {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .int(let i): out += String(i)
        case .number(let d):
            if !d.isFinite { out += "null" }
            else if d == d.rounded() && abs(d) < 1e15 { out += String(Int(d)) }
            else { out += String(d) }
        case .string(let s): JSON.escape(s, into: &out)
        case .array(let a):
            if a.isEmpty { out += "[]"; return }
            // Arrays of numbers stay on one line.
            let flat = indent == nil || a.allSatisfy { if case .number = $0 { return true }; if case .int = $0 { return true }; return false }
            out += "["
            for (n, v) in a.enumerated() {
                if n > 0 { out += flat ? (indent == nil ? "," : ", ") : "," }
                if !flat, let i = indent { out += "\n" + String(repeating: "  ", count: i + 1) }
                v.write(&out, indent: indent.map { $0 + 1 })
            }
            if !flat, let i = indent { out += "\n" + String(repeating: "  ", count: i) }
            out += "]"
        case .object(let o):
            if o.isEmpty { out += "{}"; return }
            out += "{"
            for (n, (k, v)) in o.enumerated() {
                if n > 0 { out += "," }
                if let i = indent { out += "\n" + String(repeating: "  ", count: i + 1) }
                JSON.escape(k, into: &out)
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
