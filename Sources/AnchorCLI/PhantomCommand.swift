import AnchorPhantoms
import AnchorRT
import ArgumentParser
import Foundation

/// `anchor phantom --site SITE --age YEARS [--variant VARIANT] [--seed N] --out DIR [--json]`, and
/// `anchor phantom --list`.
struct PhantomCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "phantom",
        abstract: "Write a synthetic paediatric DICOM-RT case: CT series, RT Structure Set, RT Plan, RT Dose.",
        discussion: """
        The anatomy is built from simple solids scaled to the child's age (head circumference for the head, \
        sitting height for the trunk), with TG-263 structure names. The plan is a static photon plan, and the \
        dose comes from a simple documented beam model (depth dose times a penumbra-blurred aperture around the \
        PTV), normalised so that the PTV's median dose is the prescription. It is a phantom, not a clinical case \
        or a dose calculation. Variants other than 'acceptable' carry one deliberate deviation for a reviewer \
        to find. The same options and seed give the same files, byte for byte.

        Files are written atomically into DIR (created if absent) as CT.0001.dcm ..., RS.dcm, RP.dcm, RD.dcm; \
        files of an earlier phantom there are replaced. Exit status: 0 on success, 64 for a bad option, 73 \
        when the files cannot be written.
        """
    )

    @Option(help: "Site: posterior-fossa, abdomen or mediastinum (see --list).")
    var site: String?

    @Option(help: "Age in years, 1 to 18.")
    var age: Int?

    @Option(help: "Variant: acceptable, or a deviation the site offers (see --list).")
    var variant: String = "acceptable"

    @Option(help: "Seed for the individual differences in anatomy and the CT noise.")
    var seed: UInt64 = 1

    @Option(help: "Folder to write the files into (created if absent).")
    var out: String?

    @Flag(help: "Print a JSON summary (snake_case keys) instead of text.")
    var json = false

    @Flag(help: "List the sites and their variants, and exit.")
    var list = false

    func run() throws {
        if list {
            printList()
            return
        }
        guard let site else { throw ValidationError("missing --site; valid: \(PhantomSite.allCases.map(\.rawValue).joined(separator: ", "))") }
        guard let age else { throw ValidationError("missing --age (years, 1-18)") }
        guard let out else { throw ValidationError("missing --out DIR") }
        let spec: PhantomSpec
        do {
            spec = try PhantomSpec(site: site, ageYears: age, variant: variant, seed: seed)
        } catch let e as PhantomError {
            throw ValidationError(e.message)
        }
        let progress = ProgressLine("Generating \(spec.patientID)", enabled: !json)
        let steps = ["CT", "structures", "plan", "dose"]
        let phantom = PhantomGenerator.generate(spec) { step in
            progress.update((steps.firstIndex(of: step) ?? 0) + 1, steps.count + 1)
        }
        let paths: [String]
        do {
            paths = try PhantomGenerator.write(phantom, to: out)
        } catch let e as PhantomError {
            progress.finish()
            printError("error: \(e.message)")
            throw ExitCode(73) // EX_CANTCREAT
        }
        progress.update(steps.count + 1, steps.count + 1)
        progress.finish()
        let summary = PhantomSummary(phantom: phantom, directory: out, paths: paths)
        if json {
            print(summary.json.serialized())
        } else {
            print(summary.text, terminator: "")
        }
    }

    func printList() {
        if json {
            print(JSON.object([("sites", .array(PhantomSite.allCases.map { s in
                .object([("site", .string(s.rawValue)), ("description", .string(s.summary)),
                         ("variants", .array(s.variants.map { v in
                             .object([("variant", .string(v.rawValue)), ("expected_finding", .string(v.expectedFinding))])
                         }))])
            })), ("ages", .array([.int(PhantomSpec.ages.lowerBound), .int(PhantomSpec.ages.upperBound)]))]).serialized())
            return
        }
        var out = "Sites (ages \(PhantomSpec.ages.lowerBound)-\(PhantomSpec.ages.upperBound) years):\n"
        for s in PhantomSite.allCases {
            out += "  \(s.rawValue): \(s.summary)\n"
            for v in s.variants { out += "    --variant \(v.rawValue)   finding: \(v.expectedFinding)\n" }
        }
        print(out, terminator: "")
    }
}

/// What `anchor phantom` reports about the case it wrote.
struct PhantomSummary {
    let phantom: PhantomCase
    let directory: String
    let paths: [String]

    var bytes: Int {
        paths.reduce(0) { $0 + (((try? FileManager.default.attributesOfItem(atPath: $1))?[.size] as? NSNumber)?.intValue ?? 0) }
    }

    /// PTV dose-volume points from the dose grid's voxels inside the PTV solid.
    var ptv: (d98: Double, d95: Double, d50: Double, d2: Double)? {
        let s = phantom.doseSamples(in: "PTV")
        guard !s.isEmpty else { return nil }
        func d(_ percent: Double) -> Double { s[min(s.count - 1, max(0, Int((Double(s.count) * (1 - percent / 100)).rounded(.down))))] }
        return (d(98), d(95), d(50), d(2))
    }

    var json: JSON {
        let c = phantom, g = c.ctGrid, p = c.plan
        var dose: [(String, JSON)] = [("max_gy", .number(round4(c.dose.maxValue)))]
        if let v = ptv {
            dose += [("ptv_d98_gy", .number(round4(v.d98))), ("ptv_d95_gy", .number(round4(v.d95))),
                     ("ptv_d50_gy", .number(round4(v.d50))), ("ptv_d2_gy", .number(round4(v.d2)))]
        }
        return .object([
            ("patient_id", .string(c.spec.patientID)),
            ("site", .string(c.spec.site.rawValue)),
            ("age_years", .int(c.spec.ageYears)),
            ("variant", .string(c.spec.variant.rawValue)),
            ("seed", .string(String(c.spec.seed))),
            ("expected_finding", .string(c.spec.variant.expectedFinding)),
            ("diagnosis", .string(c.diagnosis)),
            ("sex", .from(c.context.patientSex)),
            ("directory", .string(directory)),
            ("files", .array(paths.map { .string($0) })),
            ("bytes", .int(bytes)),
            ("ct", .object([("columns", .int(g.columns)), ("rows", .int(g.rows)), ("slices", .int(g.frames)),
                            ("spacing_mm", .numbers([g.spacingI, g.spacingJ, g.spacing.k]))])),
            ("structures", .array(c.structureSet.rois.map { r in
                .object([("number", .int(r.number)), ("name", .string(r.name)), ("type", .from(r.interpretedType)),
                         ("contours", .int(r.contours.count)), ("points", .int(r.pointCount))])
            })),
            ("prescription", .object([("dose_gy", .number(c.prescriptionGy)), ("fractions", .int(c.fractions)),
                                      ("dose_per_fraction_gy", .number(round4(c.prescriptionGy / Double(c.fractions)))),
                                      ("target", .string("PTV")), ("normalisation", .string("PTV D50 = prescription"))])),
            ("beams", .array(p.beams.map { b in
                .object([("number", .int(b.number)), ("name", .string(b.name)), ("gantry_angle", .number(b.gantryAngle)),
                         ("energy_mv", .number(b.energyMV)), ("meterset_mu", .number(b.metersetMU)), ("beam_dose_gy", .number(b.beamDoseGy)),
                         ("isocenter_mm", .numbers(b.isocenter.array))])
            })),
            ("dose", .object(dose + [("grid", .array([.int(c.dose.grid.columns), .int(c.dose.grid.rows), .int(c.dose.grid.frames)])),
                                     ("spacing_mm", .number(c.dose.grid.spacingI))])),
        ])
    }

    var text: String {
        let c = phantom, g = c.ctGrid
        func f(_ v: Double) -> String { String(format: "%.2f", v) }
        var out = "Wrote \(paths.count) files to \(directory) (\(String(format: "%.1f", Double(bytes) / 1_048_576)) MB)\n"
        out += "  patient \(c.spec.patientID): \(c.spec.site.rawValue), \(c.spec.ageYears) y, \(c.context.patientSex ?? "?"), \(c.diagnosis)\n"
        out += "  variant \(c.spec.variant.rawValue), seed \(c.spec.seed); expected finding: \(c.spec.variant.expectedFinding)\n"
        out += "  CT \(g.columns) x \(g.rows) x \(g.frames), spacing \(f(g.spacingI)) x \(f(g.spacingJ)) x \(f(g.spacing.k)) mm\n"
        out += "  \(c.structureSet.rois.count) structures: \(c.structureSet.rois.map(\.name).joined(separator: ", "))\n"
        out += "  plan: \(formatNumber(c.prescriptionGy)) Gy in \(c.fractions) fractions, \(c.plan.beams.count) beams (gantry \(c.plan.beams.map { formatNumber($0.gantryAngle) }.joined(separator: ", ")))\n"
        if let v = ptv {
            let rx = c.prescriptionGy
            out += "  PTV: D98 \(f(v.d98)) Gy (\(pct(v.d98, rx))), D95 \(f(v.d95)) Gy (\(pct(v.d95, rx))), D50 \(f(v.d50)) Gy, D2 \(f(v.d2)) Gy (\(pct(v.d2, rx))); max \(f(c.dose.maxValue)) Gy\n"
        }
        return out
    }

    func pct(_ v: Double, _ rx: Double) -> String { String(format: "%.1f%%", 100 * v / rx) }
    func round4(_ v: Double) -> Double { (v * 10000).rounded() / 10000 }
    func formatNumber(_ v: Double) -> String { v == v.rounded() ? String(Int(v)) : String(format: "%g", v) }
}
