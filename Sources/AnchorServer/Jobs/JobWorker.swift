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
            var lastPurge = Date.distantPast
            while !Task.isCancelled {
                if Date().timeIntervalSince(lastPurge) > 300 {
                    lastPurge = Date()
                    do { try await Housekeeping.purge(app: app, config: cfg) } catch { app.logger.error("housekeeping: \(error)") }
                }
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
        try await giveUpExhausted(app: app, config: config)
        guard let jobID = try await claim(db: app.db, config: config) else { return false }
        guard let job = try await Job.find(jobID, on: app.db) else { return true }
        do {
            try await Analysis.run(versionID: job.versionID, app: app)
            job.state = Job.State.done.rawValue
            job.error = nil
        } catch {
            let reason = ServerPaths.scrub("\(error)", dataDirectory: config.dataDirectory)
            if job.attempts >= config.jobMaxAttempts {
                job.state = Job.State.failed.rawValue
                try? await Analysis.markFailed(versionID: job.versionID, reason: "The analysis failed \(job.attempts) times and was given up: \(reason)", on: app.db)
            } else {
                job.state = Job.State.queued.rawValue
            }
            job.error = reason
            app.logger.error("job \(jobID) failed: \(reason)")
        }
        job.lockedAt = nil
        job.lockedBy = nil
        try await job.save(on: app.db)
        return true
    }

    /// Jobs whose every claim ended without an answer (the process running them died each time: a file
    /// that kills the analysis would otherwise kill every instance again after every restart) are marked
    /// failed once they have used their attempts, and their case `qa_failed` with the reason.
    static func giveUpExhausted(app: Application, config: ServerConfig) async throws {
        let staleBefore = Date().addingTimeInterval(-config.jobLeaseSeconds)
        let exhausted = try await Job.query(on: app.db)
            .filter(\.$attempts >= config.jobMaxAttempts)
            .group(.or) { or in
                or.filter(\.$state == Job.State.queued.rawValue)
                or.group(.and) { and in
                    and.filter(\.$state == Job.State.running.rawValue)
                    and.filter(\.$lockedAt < staleBefore)
                }
            }.all()
        for job in exhausted {
            let reason = "The analysis was started \(job.attempts) times and never finished (the server stopped while analysing these files each time); it was given up after \(config.jobMaxAttempts) attempts."
            // Only the instance that moves the job out of its state reports it.
            guard let sql = app.db as? SQLDatabase else { continue }
            let moved = try await sql.raw("""
                UPDATE jobs SET state = 'failed', error = \(bind: reason), locked_at = NULL, locked_by = NULL
                WHERE id = \(bind: job.id!) AND state = \(bind: job.state) AND attempts = \(bind: job.attempts)
                RETURNING id
                """).all()
            guard !moved.isEmpty else { continue }
            app.logger.error("job \(job.id!) given up after \(job.attempts) attempts")
            try await Analysis.markFailed(versionID: job.versionID, reason: reason, on: app.db)
        }
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
                        WHERE (state = 'queued' OR (state = 'running' AND locked_at < \(bind: staleBefore)))
                          AND attempts < \(bind: config.jobMaxAttempts)
                        ORDER BY queued_at LIMIT 1 \(lockClause))
            RETURNING id
            """).first()
        return try row?.decode(column: "id", as: UUID.self)
    }
}

/// Periodic clean-up: expired sessions and tokens, old sign-in attempts.
enum Housekeeping {
    static func purge(app: Application, config: ServerConfig) async throws {
        try await BrowserSessions.purge(on: app.db, config: config)
        try await SignInThrottle.purge(on: app.db)
    }
}
