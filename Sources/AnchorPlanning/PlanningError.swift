/// The one error type of AnchorPlanning: a data file that cannot be read, a CSV that is malformed or
/// holds a value outside its domain, a scenario that cannot be applied. An error in a file names the
/// file, the 1-based line and column (column in Unicode scalars, so an editor can jump to it) and the
/// CSV field (its 1-based number and header name, so a spreadsheet user can find it).
public struct PlanningError: Error, Sendable, CustomStringConvertible, Equatable {
    public enum Code: String, Sendable {
        /// A data or scenario file could not be read (missing, too large, not UTF-8).
        case unreadableFile = "unreadable_file"
        /// The CSV text itself is broken: an unterminated quote, a stray quote, a wrong number of fields.
        case malformedCSV = "malformed_csv"
        /// The CSV header lacks a required column, repeats one or has one the format does not know.
        case badHeader = "bad_header"
        /// A field holds something that is not a value of its column (not a number, out of its range,
        /// a range that does not contain the value, an unknown status).
        case invalidValue = "invalid_value"
        /// Two rows say the same thing (the same country, or the same group and age band).
        case duplicateRow = "duplicate_row"
        /// The files do not fit together: a group without a utilisation, an age band without an
        /// incidence rate, overlapping age bands, an unknown country.
        case inconsistentData = "inconsistent_data"
        /// The scenario file is not valid JSON or YAML, or names something the model does not have.
        case invalidScenario = "invalid_scenario"
        /// A country the caller asked for is not in the data.
        case unknownCountry = "unknown_country"
    }

    public var code: Code
    public var message: String
    /// The file concerned (its name as given), when there is one.
    public var file: String?
    /// 1-based line in `file`.
    public var line: Int?
    /// 1-based column in `file`, counted in Unicode scalars, of the start of the field concerned.
    public var column: Int?
    /// 1-based number of the CSV field concerned.
    public var field: Int?
    /// Header name of the CSV field (or the scenario key path) concerned.
    public var fieldName: String?

    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil, column: Int? = nil,
                field: Int? = nil, fieldName: String? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
        self.column = column
        self.field = field
        self.fieldName = fieldName
    }

    /// `file:line:column: field N (name): message`, the shape compilers use so editors can jump there.
    public var description: String {
        var s = ""
        if let f = file {
            s += f
            if let l = line { s += ":\(l)"; if let c = column { s += ":\(c)" } }
            s += ": "
        } else if let l = line {
            s += "line \(l): "
        }
        switch (field, fieldName) {
        case let (n?, name?): s += "field \(n) (\(name)): "
        case let (n?, nil): s += "field \(n): "
        case let (nil, name?): s += "\(name): "
        default: break
        }
        return s + message
    }
}
