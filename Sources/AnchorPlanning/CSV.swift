import Foundation

/// One field of a CSV file with where it starts, so an error can point at it.
public struct CSVField: Sendable, Equatable {
    /// The field's text, quotes removed and doubled quotes undone.
    public var text: String
    /// 1-based line of the field's first character.
    public var line: Int
    /// 1-based column (in Unicode scalars) of the field's first character.
    public var column: Int
}

/// A CSV file read as RFC 4180 text (comma separated, fields optionally in double quotes, a doubled
/// quote for a quote inside a quoted field, CRLF or LF line ends, an optional UTF-8 byte order mark),
/// with a header row naming the columns. Lines with nothing on them are skipped.
public struct CSVTable: Sendable {
    /// The file's name as given (used in errors).
    public var file: String
    /// The header names, trimmed of surrounding spaces.
    public var header: [String]
    /// The data rows; every row has exactly `header.count` fields.
    public var rows: [[CSVField]]
    /// 1-based line and column of the end of each row (where a missing field would have begun).
    var rowEnds: [(line: Int, column: Int)]

    /// Files larger than this are refused before they are read: the largest real planning table (a
    /// country's population by single year and district) is far below it.
    public static let maximumBytes = 16 << 20

    /// Reads and parses `path`; `name` is how errors name the file (defaults to the path).
    public static func read(path: String, name: String? = nil) throws -> CSVTable {
        let shown = name ?? path
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue else {
            throw PlanningError(.unreadableFile, "cannot read the file", file: shown)
        }
        guard size <= maximumBytes else {
            throw PlanningError(.unreadableFile, "the file has \(size) bytes; at most \(maximumBytes) are read", file: shown)
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw PlanningError(.unreadableFile, "cannot read the file", file: shown)
        }
        return try parse(data: data, file: shown)
    }

    /// Parses CSV bytes (UTF-8).
    public static func parse(data: Data, file: String) throws -> CSVTable {
        guard data.count <= maximumBytes else {
            throw PlanningError(.unreadableFile, "the file has \(data.count) bytes; at most \(maximumBytes) are read", file: file)
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw PlanningError(.unreadableFile, "the file is not UTF-8 text", file: file)
        }
        return try parse(text: text, file: file)
    }

    /// Parses CSV text.
    public static func parse(text: String, file: String) throws -> CSVTable {
        var records = try CSVTable.records(text, file: file)
        guard !records.isEmpty else {
            throw PlanningError(.badHeader, "the file is empty; the first line must name the columns", file: file, line: 1, column: 1)
        }
        let headerRecord = records.removeFirst()
        let header = headerRecord.fields.map { $0.text.trimmingCharacters(in: .whitespaces) }
        for (i, name) in header.enumerated() {
            if name.isEmpty {
                let f = headerRecord.fields[i]
                throw PlanningError(.badHeader, "empty column name in the header", file: file, line: f.line, column: f.column, field: i + 1)
            }
            if let j = header[..<i].firstIndex(of: name) {
                let f = headerRecord.fields[i]
                throw PlanningError(.badHeader, "column \"\(name)\" appears twice in the header (fields \(j + 1) and \(i + 1))",
                                    file: file, line: f.line, column: f.column, field: i + 1, fieldName: name)
            }
        }
        var rows: [[CSVField]] = []
        var ends: [(Int, Int)] = []
        for r in records {
            if r.fields.count > header.count {
                let f = r.fields[header.count]
                throw PlanningError(.malformedCSV, "\(r.fields.count) fields on this line; the header names \(header.count)",
                                    file: file, line: f.line, column: f.column, field: header.count + 1)
            }
            if r.fields.count < header.count {
                throw PlanningError(.malformedCSV, "\(r.fields.count) fields on this line; the header names \(header.count) (\"\(header[r.fields.count])\" is missing)",
                                    file: file, line: r.end.line, column: r.end.column, field: r.fields.count + 1, fieldName: header[r.fields.count])
            }
            rows.append(r.fields)
            ends.append(r.end)
        }
        return CSVTable(file: file, header: header, rows: rows, rowEnds: ends)
    }

    struct Record { var fields: [CSVField]; var end: (line: Int, column: Int) }

    /// Splits the text into records of fields, keeping each field's position.
    static func records(_ text: String, file: String) throws -> [Record] {
        var scalars = Array(text.unicodeScalars)
        if scalars.first == "\u{FEFF}" { scalars.removeFirst() }
        var records: [Record] = []
        var fields: [CSVField] = []
        var i = 0, line = 1, column = 1
        let n = scalars.count
        func advance() { i += 1; column += 1 }
        func newline() {
            // CRLF, LF or a lone CR end a line.
            if scalars[i] == "\r", i + 1 < n, scalars[i + 1] == "\n" { i += 1 }
            i += 1; line += 1; column = 1
        }
        func isLineEnd(_ u: Unicode.Scalar) -> Bool { u == "\n" || u == "\r" }
        while i < n || !fields.isEmpty {
            // The start of a field.
            let startLine = line, startColumn = column
            var value = String.UnicodeScalarView()
            if i < n, scalars[i] == "\"" {
                advance()
                var closed = false
                while i < n {
                    let u = scalars[i]
                    if u == "\"" {
                        if i + 1 < n, scalars[i + 1] == "\"" { value.append("\""); advance(); advance(); continue }
                        advance(); closed = true; break
                    }
                    if isLineEnd(u) {
                        value.append(u)
                        if u == "\r", i + 1 < n, scalars[i + 1] == "\n" { value.append("\n") }
                        newline(); continue
                    }
                    value.append(u); advance()
                }
                if !closed {
                    throw PlanningError(.malformedCSV, "the quoted field opened here is never closed", file: file, line: startLine, column: startColumn, field: fields.count + 1)
                }
                if i < n, scalars[i] != ",", !isLineEnd(scalars[i]) {
                    throw PlanningError(.malformedCSV, "unexpected \"\(scalars[i])\" after the closing quote; a quote inside a quoted field is written twice",
                                        file: file, line: line, column: column, field: fields.count + 1)
                }
            } else {
                while i < n, scalars[i] != ",", !isLineEnd(scalars[i]) {
                    if scalars[i] == "\"" {
                        throw PlanningError(.malformedCSV, "a quote inside an unquoted field; put the whole field in quotes and write the quote twice",
                                            file: file, line: line, column: column, field: fields.count + 1)
                    }
                    value.append(scalars[i]); advance()
                }
            }
            fields.append(CSVField(text: String(value), line: startLine, column: startColumn))
            if i < n, scalars[i] == "," { advance(); continue }
            // End of the record (a line end or the end of the text).
            let end = (line: line, column: column)
            if i < n { newline() }
            let blank = fields.count == 1 && fields[0].text.trimmingCharacters(in: .whitespaces).isEmpty
            if !blank { records.append(Record(fields: fields, end: end)) }
            fields = []
            if i >= n { break }
        }
        return records
    }
}

/// Writes CSV text: a field is quoted when it holds a comma, a quote, a line end or surrounding spaces.
public enum CSVWriter {
    public static func line(_ fields: [String]) -> String {
        fields.map(quote).joined(separator: ",")
    }

    public static func quote(_ s: String) -> String {
        let needs = s.contains(",") || s.contains("\"") || s.contains("\n") || s.contains("\r")
            || s.hasPrefix(" ") || s.hasSuffix(" ")
        return needs ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
    }
}
