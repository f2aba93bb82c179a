/// Date arithmetic for de-identification on DICOM's DA, DT and AS forms (PS3.5 Table 6.2-1), on the
/// proleptic Gregorian calendar with the days-from-civil algorithm (H. Hinnant, "chrono-Compatible
/// Low-Level Date Algorithms"), so results do not depend on the machine's time zone or locale.
enum DateShift {
    /// Days since 1970-01-01 of a civil date.
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    /// The civil date of a day count since 1970-01-01.
    static func civil(_ z0: Int) -> (year: Int, month: Int, day: Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    /// Parses `YYYYMMDD` (or the ACR-NEMA `YYYY.MM.DD` that PS3.5 6.2 still mentions); nil when not a real date.
    static func parseDate(_ text: String) -> (year: Int, month: Int, day: Int)? {
        let digits = text.filter { $0 != "." }
        guard digits.count == 8, digits.allSatisfy({ $0.isASCII && $0.isNumber }),
              let y = Int(digits.prefix(4)), let m = Int(digits.dropFirst(4).prefix(2)), let d = Int(digits.suffix(2)),
              (1...12).contains(m), d >= 1, d <= daysInMonth(y, m) else { return nil }
        return (y, m, d)
    }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    static func format(_ d: (year: Int, month: Int, day: Int)) -> String {
        func pad(_ v: Int, _ n: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, n - s.count)) + s }
        return pad(d.year, 4) + pad(d.month, 2) + pad(d.day, 2)
    }

    /// A DA value moved by `offset` days; nil when it is not a date.
    static func shiftDate(_ text: String, by offset: Int) -> String? {
        guard let d = parseDate(text) else { return nil }
        let y = civil(days(year: d.year, month: d.month, day: d.day) + offset)
        guard y.year >= 1 && y.year <= 9999 else { return nil }
        return format(y)
    }

    /// A DT value (`YYYY[MM[DD[HH[MM[SS[.F]]]]]][&ZZXX]`) with its date part moved by `offset` days and the
    /// rest kept; the precision written is the precision read. Nil when it does not parse.
    static func shiftDateTime(_ text: String, by offset: Int) -> String? {
        let chars = Array(text)
        var n = 0
        while n < chars.count && chars[n].isASCII && chars[n].isNumber { n += 1 }
        let dateDigits = min(n, 8)
        guard dateDigits == 4 || dateDigits == 6 || dateDigits == 8 else { return nil }
        let year = String(chars[0..<4])
        let month = dateDigits >= 6 ? String(chars[4..<6]) : "01"
        let day = dateDigits == 8 ? String(chars[6..<8]) : "01"
        guard let shifted = shiftDate(year + month + day, by: offset) else { return nil }
        // A value given to the year or month only is moved by its first day and written to the same precision.
        return String(shifted.prefix(dateDigits)) + String(chars[dateDigits...])
    }

    /// Patient's Age (AS, PS3.5 Table 6.2-1: `nnnD`, `nnnW`, `nnnM` or `nnnY`) at `reference` for a patient
    /// born on `birth`: days under a month, months under two years (so a child's age keeps its resolution),
    /// then years. Ages of 90 years and more are written `090Y`, the aggregation of HIPAA's Safe Harbor
    /// method (45 CFR 164.514(b)(2)(i)(C)). Nil when either date is missing or the reference precedes birth.
    static func age(birth: String, at reference: String) -> String? {
        guard let b = parseDate(birth), let r = parseDate(reference) else { return nil }
        let dayCount = days(year: r.year, month: r.month, day: r.day) - days(year: b.year, month: b.month, day: b.day)
        guard dayCount >= 0 else { return nil }
        let months = (r.year - b.year) * 12 + (r.month - b.month) - (r.day < b.day ? 1 : 0)
        func pad3(_ v: Int) -> String { let s = String(v); return String(repeating: "0", count: max(0, 3 - s.count)) + s }
        if months < 1 { return pad3(dayCount) + "D" }
        if months < 24 { return pad3(months) + "M" }
        return pad3(min(months / 12, 90)) + "Y"
    }

    /// Caps an AS value at 90 years (HIPAA Safe Harbor, as in `age`); other values unchanged.
    static func capAge(_ text: String) -> String {
        guard text.count == 4, text.hasSuffix("Y"), let years = Int(text.prefix(3)), years > 90 else { return text }
        return "090Y"
    }
}
