// AnchorPhantoms: synthetic paediatric DICOM-RT cases (CT, RT Structure Set, RT Plan, RT Dose) for the
// demo and the tests. See AnchorPhantoms.docc for the anatomy, the age scaling, the CT numbers, the
// dose model and the variants. Entry points: `PhantomSpec`, `PhantomGenerator.generate(_:)`,
// `PhantomGenerator.write(_:to:)`.
import AnchorRT
