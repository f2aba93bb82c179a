import Foundation

/// How `anchor serve` runs: where its data lives and what it listens on.
public struct ServerConfig: Sendable {
    /// Data folder: the SQLite database (`anchor.sqlite`) and the content-addressed file store (`objects/`).
    public var dataDirectory: String
    public var hostname: String
    public var port: Int
    /// PostgreSQL URL (`postgres://user:pass@host:5432/db`); SQLite in the data folder when nil.
    public var databaseURL: String?
    /// Run the background analysis worker in this process.
    public var runsJobs: Bool
    /// Name of this instance in the jobs table (which instance holds a job).
    public var instanceName: String
    /// How long a claimed job may run before another instance may take it over, seconds.
    public var jobLeaseSeconds: Double
    /// Poll interval of the job worker, seconds.
    public var jobPollSeconds: Double

    public init(dataDirectory: String = "./anchor-data", hostname: String = "127.0.0.1", port: Int = 8080,
                databaseURL: String? = ProcessInfo.processInfo.environment["DATABASE_URL"], runsJobs: Bool = true,
                instanceName: String = "\(ProcessInfo.processInfo.hostName)-\(getpid())",
                jobLeaseSeconds: Double = 600, jobPollSeconds: Double = 0.5) {
        self.dataDirectory = dataDirectory
        self.hostname = hostname
        self.port = port
        self.databaseURL = databaseURL
        self.runsJobs = runsJobs
        self.instanceName = instanceName
        self.jobLeaseSeconds = jobLeaseSeconds
        self.jobPollSeconds = jobPollSeconds
    }

    public var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("anchor.sqlite") }
    public var objectsDirectory: String { (dataDirectory as NSString).appendingPathComponent("objects") }
}
