import AnchorRT

// AnchorDosimetry: dose on structures. Structure voxelisation with fractional occupancy
// (`StructureGeometry`, `SamplingLattice`, `StructureMask`), DVHs and their metrics (`DVHCalculator`,
// `DVH`, `DVHMetric`), all on AnchorRT's `StructureSet` and `DoseGrid`. See AnchorDosimetry.docc.
