import Fluent
import Vapor

/// A centre of the network: an anchor centre (reviews) or a partner centre (submits).
final class Centre: Model, @unchecked Sendable {
    static let schema = "centres"
    enum Kind: String, Codable, CaseIterable, Sendable { case anchor, partner }

    @ID(key: .id) var id: UUID?
    @Field(key: "name") var name: String
    @Field(key: "kind") var kind: String
    /// Secret for deterministic de-identification of this centre's uploads (hex; never leaves the server).
    @Field(key: "deid_secret") var deidSecret: String
    @Timestamp(key: "created_at", on: .create) var createdAt: Date?

    init() {}
    init(id: UUID? = nil, name: String, kind: Kind, deidSecret: String) {
        self.id = id
        self.name = name
        self.kind = kind.rawValue
        self.deidSecret = deidSecret
    }
}

/// Which anchor centre reviews a partner centre's cases.
final class CentreLink: Model, @unchecked Sendable {
    static let schema = "centre_links"
    @ID(key: .id) var id: UUID?
    @Parent(key: "partner_id") var partner: Centre
    @Parent(key: "anchor_id") var anchor: Centre
    init() {}
    init(partnerID: UUID, anchorID: UUID) {
        self.$partner.id = partnerID
        self.$anchor.id = anchorID
    }
}
