@testable import AnchorServer
import Fluent
import Foundation
import Testing
import VaporTesting

extension ServerTests {
    /// Concurrent claims never take the same job (on PostgreSQL through FOR UPDATE SKIP LOCKED), and a
    /// job whose claim outlived its lease is claimed again.
    @Test(arguments: Backend.available)
    func concurrentClaimsTakeDistinctJobsAndStaleClaimsAreRetaken(_ backend: Backend) async throws {
        try await TestServer.with(backend) { app, config in
            for _ in 0..<3 { try await TestServer.upload(app, as: Network.email("submitter", "partner-p")) }
            #expect(try await Job.query(on: app.db).count() == 3)
            let claimed = try await withThrowingTaskGroup(of: UUID?.self) { group in
                for n in 0..<4 {
                    var c = config
                    c.instanceName = "instance-\(n)"
                    let cfg = c
                    group.addTask { try await JobWorker.claim(db: app.db, config: cfg) }
                }
                var ids: [UUID?] = []
                for try await id in group { ids.append(id) }
                return ids
            }
            let taken = claimed.compactMap { $0 }
            #expect(taken.count == 3, "\(claimed)")
            #expect(Set(taken).count == 3, "a job was claimed twice")
            #expect(try await JobWorker.claim(db: app.db, config: config) == nil)
            // An instance that died holding a job: after the lease, another instance takes it over.
            let job = try #require(try await Job.find(taken[0], on: app.db))
            job.lockedAt = Date().addingTimeInterval(-config.jobLeaseSeconds - 5)
            try await job.save(on: app.db)
            #expect(try await JobWorker.claim(db: app.db, config: config) == taken[0])
        }
    }
}
