import Fluent
import FluentSQL
import Vapor

/// Runs queued jobs in the background of `anchor serve`. Jobs live in the `jobs` table, so they
/// survive a restart; a job is claimed with one atomic UPDATE (with `FOR UPDATE SKIP LOCKED` on
/// PostgreSQL, so several instances share the queue without taking the same job twice). A job whose
/// claim is older than the lease (its instance died) is claimed again.
final class JobWorker: LifecycleHandler, @unchecked Sendable {
    let config: ServerConfig
    private var task: Task<Void, Never>?

    init(config: ServerConfig) { self.config = config }

    func didBootAsync(_ app: Application) async throws {
        let cfg = config
        task = Task.detached {
            while !Task.isCancelled {
                var worked = false
                do { worked = try await JobWorker.runOne(app: app, config: cfg) } catch {
                    app.logger.error("job worker: \(error)")
                }
                if !worked { try? await Task.sleep(nanoseconds: UInt64(cfg.jobPollSeconds * 1e9)) }
            }
        }
    }

    func shutdownAsync(_ app: Application) async {
        task?.cancel()
        await task?.value
    }

    /// Claims and runs one job; false when there was none.
    @discardableResult
    static func runOne(app: Application, config: ServerConfig) async throws -> Bool {
        guard let jobID = try await claim(db: app.db, config: config) else { return false }
        guard let job = try await Job.find(jobID, on: app.db) else { return true }
        do {
            try await Analysis.run(versionID: job.versionID, app: app)
            job.state = Job.State.done.rawValue
            job.error = nil
        } catch {
            job.state = job.attempts >= 3 ? Job.State.failed.rawValue : Job.State.queued.rawValue
            job.error = "\(error)"
            app.logger.error("job \(jobID) failed: \(error)")
        }
        job.lockedAt = nil
        job.lockedBy = nil
        try await job.save(on: app.db)
        return true
    }

    /// Atomically moves one queued (or abandoned) job to running and returns its id.
    static func claim(db: Database, config: ServerConfig) async throws -> UUID? {
        guard let sql = db as? SQLDatabase else { return nil }
        let now = Date()
        let staleBefore = now.addingTimeInterval(-config.jobLeaseSeconds)
        let isPostgres = sql.dialect.name == "postgresql"
        let lockClause = isPostgres ? SQLRaw("FOR UPDATE SKIP LOCKED") : SQLRaw("")
        let row = try await sql.raw("""
            UPDATE jobs SET state = 'running', locked_at = \(bind: now), locked_by = \(bind: config.instanceName), attempts = attempts + 1
            WHERE id = (SELECT id FROM jobs
                        WHERE state = 'queued' OR (state = 'running' AND locked_at < \(bind: staleBefore))
                        ORDER BY queued_at LIMIT 1 \(lockClause))
            RETURNING id
            """).first()
        return try row?.decode(column: "id", as: UUID.self)
    }
}
