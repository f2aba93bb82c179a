import AnchorQA
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor protocols [--json]`: the protocol library and the late-effect models;
/// `anchor protocols show ID [--json]`: one set (or model) with the source of every number.
struct ProtocolsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "protocols",
        abstract: "List the protocol library (ids for `anchor check --protocol`) and the late-effect models.",
        discussion: """
        The library holds reference sets for review support, not a substitute for the trial protocol \
        documents; every constraint names its source, where in it the number is, and how sure the reading \
        is. `anchor protocols show ID` prints one set or late-effect model with its sources. Exit status \
        65 if a library file cannot be read.
        """,
        subcommands: [List.self, Show.self],
        defaultSubcommand: List.self
    )

    /// `anchor protocols [list] [--json]`.
    struct List: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "list",
            abstract: "List every set (indications, age bands, constraint count) and every late-effect model (the default)."
        )

        @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
        var json = false

        func run() throws {
            let library = ProtocolLibrary.bundled()
            let models = LateEffectLibrary.bundled()
            if json {
                print(ProtocolsCommand.document(library, models: models).serialized())
            } else {
                let idWidth = library.protocols.map(\.id.count).max() ?? 0
                for p in library.protocols {
                    let kind = p.kind == .constraintSet ? "constraint set" : "protocol"
                    let bands = ProtocolsCommand.ageBands(p)
                    print("\(p.id.padding(toLength: idWidth, withPad: " ", startingAt: 0))  v\(p.version)  \(p.name) [\(kind), \(p.constraints.count) constraints\(bands.isEmpty ? "" : ", age bands " + bands.joined(separator: "; "))]")
                    let pad = String(repeating: " ", count: idWidth + 2)
                    if !p.indications.isEmpty { print(pad + "for: \(p.indications.joined(separator: "; "))") }
                    print(pad + "source: \(p.source)")
                }
                print("\nLate-effect models (estimates beside the grades, never graded):")
                let w = models.models.map(\.id.count).max() ?? 0
                for m in models.models {
                    print("\(m.id.padding(toLength: w, withPad: " ", startingAt: 0))  v\(m.version)  \(m.endpoint) (\(m.organs.map(\.structure).joined(separator: ", "))); \(m.shortCitation)")
                }
            }
            let errors = library.errors + models.errors
            for e in errors { printError("error: \(e)") }
            if !errors.isEmpty { throw ExitCode(ExitStatus.dataError) }
        }
    }

    /// A number as a protocol writes it: `54`, `58.9`.
    static func number(_ v: Double) -> String { String(format: "%g", v) }

    /// The distinct age bands of a set's constraints, in file order.
    static func ageBands(_ p: TreatmentProtocol) -> [String] {
        var out: [String] = []
        for c in p.constraints { if let b = c.ageBand?.text, !out.contains(b) { out.append(b) } }
        return out
    }

    /// `protocols`: id, name, version, kind, source, indications, age_bands, prescription_gy,
    /// constraint_count, structures, file; `late_effect_models`: id, version, endpoint, organs, kind,
    /// metric, citation, doi, pmid, confidence, age_band; `errors`.
    static func document(_ library: ProtocolLibrary, models: LateEffectLibrary) -> JSON {
        .object([
            ("protocols", .array(library.protocols.map { p in
                var structures: [String] = []
                for c in p.constraints where !structures.contains(c.structure) { structures.append(c.structure) }
                return .object([
                    ("id", .string(p.id)), ("name", .string(p.name)), ("version", .string(p.version)),
                    ("kind", .string(p.kind.rawValue)), ("source", .string(p.source)),
                    ("indications", .array(p.indications.map { .string($0) })),
                    ("age_bands", .array(ageBands(p).map { .string($0) })),
                    ("prescription_gy", .from(p.prescriptionGy)),
                    ("constraint_count", .int(p.constraints.count)),
                    ("structures", .array(structures.map { .string($0) })),
                    ("file", .from(p.file.map { ($0 as NSString).lastPathComponent })),
                ])
            })),
            ("late_effect_models", .array(models.models.map(modelDocument))),
            ("errors", .array((library.errors + models.errors).map { .string($0.description) })),
        ])
    }

    static func modelDocument(_ m: LateEffectModel) -> JSON {
        .object([
            ("id", .string(m.id)), ("version", .string(m.version)), ("endpoint", .string(m.endpoint)),
            ("organs", .array(m.organs.map { .string($0.structure) })), ("kind", .string(m.kind.rawValue)),
            ("metric", .string(m.kind == .partialVolume ? m.points.map(\.metric.description).joined(separator: ", ") : m.metric.description)),
            ("citation", .string(m.citation)), ("doi", .from(m.doi)), ("pmid", .from(m.pmid)), ("locator", .string(m.locator)),
            ("confidence", .string(m.confidence)), ("age_band", .from(m.ageBand?.text)), ("cohort", .string(m.cohort)),
        ])
    }

    /// `anchor protocols show ID`.
    struct Show: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "show",
            abstract: "Print one reference set (or late-effect model) with the source of every number.",
            discussion: "Exit status: 0, or 64 for an unknown id (the valid ids are listed)."
        )

        @Argument(help: "A set id from `anchor protocols`, or a late-effect model id.")
        var id: String

        @Flag(help: "Print one JSON document (snake_case keys) instead of text.")
        var json = false

        func run() throws {
            let library = ProtocolLibrary.bundled()
            let models = LateEffectLibrary.bundled()
            if let p = library.find(id: id) {
                print(json ? Show.document(p).serialized() : Show.text(p), terminator: json ? "\n" : "")
            } else if let m = models.find(id: id) {
                print(json ? ProtocolsCommand.modelDocument(m).serialized() : Show.text(m), terminator: json ? "\n" : "")
            } else {
                printError("error: unknown id '\(id)'; sets: \(library.ids.joined(separator: ", ")); late-effect models: \(models.models.map(\.id).joined(separator: ", "))")
                throw ExitCode(ExitStatus.usage)
            }
        }

        /// The set with every constraint's limits, source, locator, confidence and note.
        static func document(_ p: TreatmentProtocol) -> JSON {
            .object([
                ("id", .string(p.id)), ("name", .string(p.name)), ("version", .string(p.version)), ("kind", .string(p.kind.rawValue)),
                ("source", .string(p.source)), ("indications", .array(p.indications.map { .string($0) })),
                ("age_bands", .array(ageBands(p).map { .string($0) })), ("notes", .from(p.notes)),
                ("constraints", .array(p.constraints.map { c in
                    .object([
                        ("structure", .string(c.structure)), ("aliases", .array(c.aliases.map { .string($0) })),
                        ("metric", .string(c.metric.description)), ("per_protocol", .string(c.perProtocol.text)),
                        ("acceptable", .from(c.isObjective ? nil : c.acceptable?.text)), ("objective", .bool(c.isObjective)),
                        ("age_band", .from(c.ageBand?.text)), ("optional", .bool(c.optional)),
                        ("source", .from(c.source)), ("locator", .from(c.locator)), ("confidence", .from(c.confidence)),
                        ("note", .from(c.note)),
                    ])
                })),
            ])
        }

        static func text(_ p: TreatmentProtocol) -> String {
            var out = "\(p.name) [\(p.id) v\(p.version), \(p.kind == .constraintSet ? "constraint set" : "protocol")]\n"
            if !p.indications.isEmpty { out += "For: \(p.indications.joined(separator: "; "))\n" }
            out += "Source: \(p.source)\n"
            if let n = p.notes { out += "Notes: \(n)\n" }
            out += "\n"
            var sources: [String] = []
            for (n, c) in p.constraints.enumerated() {
                var limit = c.perProtocol.text
                if c.isObjective { limit += " (objective: beyond it is an acceptable variation)" } else if let a = c.acceptable { limit += " (acceptable \(a.text); beyond: unacceptable)" } else { limit += " (beyond: unacceptable)" }
                var flags: [String] = []
                if let b = c.ageBand { flags.append("age \(b.text)") }
                if c.optional { flags.append("optional") }
                let src = c.source.map { s -> Int in
                    if let i = sources.firstIndex(of: s) { return i + 1 }
                    sources.append(s)
                    return sources.count
                }
                out += "\(n + 1). \(c.structure) \(c.metric) \(limit)" + (flags.isEmpty ? "" : " [\(flags.joined(separator: ", "))]") + (src.map { " [\($0)]" } ?? "") + "\n"
                if let l = c.locator { out += "   where: \(l)\n" }
                if let k = c.confidence { out += "   confidence: \(k)\n" }
                if let note = c.note { out += "   note: \(note)\n" }
            }
            if !sources.isEmpty {
                out += "\nSources:\n"
                for (n, s) in sources.enumerated() { out += "[\(n + 1)] \(s)\n" }
            }
            return out
        }

        static func text(_ m: LateEffectModel) -> String {
            var out = "\(m.endpoint) [\(m.id) v\(m.version), late-effect model, \(m.kind.rawValue)]\n"
            out += "Organs: \(m.organs.map(\.structure).joined(separator: ", "))" + (m.combine == .each ? "" : " (\(m.combine.rawValue))") + "\n"
            out += "Cohort: \(m.cohort)\n"
            if let b = m.ageBand { out += "Ages: \(b.text) years\n" }
            out += "Dose: \(m.kind == .partialVolume ? "per point" : m.metric.description) in EQD2, alpha/beta \(ProtocolsCommand.number(m.alphaBetaGy)) Gy: \(m.alphaBetaNote)\n"
            let groups: [(String?, [LateEffectModel.Point])] = m.strata.isEmpty ? [(nil, m.points)] : m.strata.map { ($0.label, $0.points) }
            for (label, points) in groups {
            if let label { out += "  \(label):\n" }
            for p in points {
                let risk: String
                switch (p.riskLowPercent, p.riskHighPercent) {
                case let (l?, h?) where l == h: risk = "\(ProtocolsCommand.number(l)) %"
                case let (l?, h?): risk = "\(ProtocolsCommand.number(l))-\(ProtocolsCommand.number(h)) %"
                case let (l?, nil): risk = "at least \(ProtocolsCommand.number(l)) %"
                case let (nil, h?): risk = (p.highIsStrict ? "below " : "at most ") + "\(ProtocolsCommand.number(h)) %"
                default: risk = "?"
                }
                out += (label == nil ? "  " : "    ") + "\(p.metric) \(ProtocolsCommand.number(p.doseGy)) Gy: \(risk)" + (p.note.map { " (\($0))" } ?? "") + "\n"
            }
            }
            for b in m.bins { out += "  \(ProtocolsCommand.number(b.fromGy))-\(b.toGy.map(ProtocolsCommand.number) ?? "") Gy: \(ProtocolsCommand.number(b.riskPercent)) %\n" }
            if let hr = m.hazardRatioPer10Gy { out += "  hazard ratio \(ProtocolsCommand.number(hr)) per 10 Gy\n" }
            out += "Between points: \(m.interpolation == .logit ? "logit-linear interpolation" : "the range of the two points")\n"
            for c in m.chemotherapy { out += "Chemotherapy \(c.agent): \(c.note)\n" }
            if let n = m.notes { out += "Notes: \(n)\n" }
            out += "Source: \(m.sourceText)\nRead: \(m.howRead); confidence: \(m.confidence)\n"
            return out
        }
    }
}
