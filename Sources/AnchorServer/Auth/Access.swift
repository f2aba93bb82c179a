import Fluent
import Vapor

/// The one place that decides which cases a person may see (../shared/ARCHITECTURE.md, People and
/// access): their own centre's cases, the cases assigned to them for review, and for coordinators and
/// admins of an anchor centre, the cases of the partner centres it reviews. Every case query goes
/// through here; a case outside it answers 404, exactly as a case that does not exist.
enum Access {
    /// Partner centres reviewed by the user's centre (coordinators and admins only).
    static func reviewedCentreIDs(for user: User, on db: Database) async throws -> [UUID] {
        guard user.roleValue == .coordinator || user.roleValue == .admin || user.roleValue == .reviewer else { return [] }
        let links = try await CentreLink.query(on: db).filter(\.$anchor.$id == user.$centre.id).all()
        return links.map { $0.$partner.id }
    }

    /// Cases visible to `user`.
    static func cases(for user: User, on db: Database) async throws -> QueryBuilder<ReviewCase> {
        let userID = try user.requireID()
        let partners = user.roleValue == .reviewer ? [] : try await reviewedCentreIDs(for: user, on: db)
        return ReviewCase.query(on: db).group(.or) { or in
            or.filter(\.$centre.$id == user.$centre.id)
            or.filter(\.$reviewer.$id == userID)
            if !partners.isEmpty { or.filter(\.$centre.$id ~~ partners) }
        }
    }

    /// One case, or 404 when it does not exist or is not visible.
    static func find(_ id: UUID?, for user: User, on db: Database) async throws -> ReviewCase {
        guard let id, let c = try await cases(for: user, on: db).filter(\.$id == id).first() else {
            throw Abort(.notFound, reason: "No such case.")
        }
        return c
    }
}
