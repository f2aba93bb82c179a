import Foundation

/// How `anchor serve` runs: where its data lives, what it listens on, and the limits it enforces.
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
    /// Claims of one analysis job before it is given up and its case marked `qa_failed` (a job whose
    /// process died while analysing it is claimed again after the lease; one that kills every process
    /// that runs it must not come back forever).
    public var jobMaxAttempts: Int

    /// Largest upload body, bytes, enforced while it arrives.
    public var maxUploadBytes: Int
    /// Largest body of every other request (sign-in, forms, JSON), bytes.
    public var maxBodyBytes: Int
    /// Largest total size of the files of one upload once zips are expanded, bytes.
    public var maxExpandedBytes: Int
    /// Most files in one upload (zip entries included).
    public var maxFilesPerUpload: Int
    /// Most pixels (rows × columns × frames × samples) of one image or dose object.
    public var maxPixelsPerObject: Int
    /// Most contour points in one RT Structure Set.
    public var maxContourPoints: Int

    /// Proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are believed: addresses or CIDR blocks
    /// (`10.0.0.0/8`, `::1`). Empty: the client address is the connection's peer.
    public var trustedProxies: [String]
    /// Serve plain HTTP on a loopback address: session cookies then lack `Secure`. Anywhere else the
    /// server expects to sit behind TLS.
    public var plainHTTP: Bool
    /// A browser session ends after this long without a request, seconds.
    public var sessionIdleSeconds: Double
    /// A browser session ends this long after sign-in whatever happens, seconds.
    public var sessionAbsoluteSeconds: Double
    /// Failed sign-ins per account, and per client address, before each further attempt waits (a delay
    /// that doubles with every failure, 30 s first, 15 minutes at most, over a 15-minute window).
    public var signInFailuresPerAccount: Int
    public var signInFailuresPerAddress: Int
    /// Start on a data folder that holds the demo's people (whose password is printed by `anchor demo`).
    public var allowDemoData: Bool

    public init(dataDirectory: String = "./anchor-data", hostname: String = "127.0.0.1", port: Int = 8080,
                databaseURL: String? = ProcessInfo.processInfo.environment["DATABASE_URL"], runsJobs: Bool = true,
                instanceName: String = "\(ProcessInfo.processInfo.hostName)-\(getpid())",
                jobLeaseSeconds: Double = 600, jobPollSeconds: Double = 0.5, jobMaxAttempts: Int = 3) {
        self.dataDirectory = dataDirectory
        self.hostname = hostname
        self.port = port
        self.databaseURL = databaseURL
        self.runsJobs = runsJobs
        self.instanceName = instanceName
        self.jobLeaseSeconds = jobLeaseSeconds
        self.jobPollSeconds = jobPollSeconds
        self.jobMaxAttempts = jobMaxAttempts
        // A 300-slice CT with its plan is about 160 MB; a full network upload rarely passes 500 MB.
        maxUploadBytes = 1 << 30
        maxBodyBytes = 64 << 10
        maxExpandedBytes = 1 << 30
        maxFilesPerUpload = 5000
        // 512 × 512 × 1000 frames: far beyond any planning CT or dose grid.
        maxPixelsPerObject = 512 * 512 * 1000
        maxContourPoints = 20_000_000
        trustedProxies = []
        plainHTTP = false
        // OWASP Session Management Cheat Sheet: idle 15-30 minutes for sensitive data, absolute 4-8 hours
        // to a working day.
        sessionIdleSeconds = 30 * 60
        sessionAbsoluteSeconds = 12 * 3600
        allowDemoData = false
        signInFailuresPerAccount = 5
        signInFailuresPerAddress = 50
    }

    public var sqlitePath: String { (dataDirectory as NSString).appendingPathComponent("anchor.sqlite") }
    public var objectsDirectory: String { (dataDirectory as NSString).appendingPathComponent("objects") }
    /// Where uploads are spooled while they arrive (same file system as the store).
    public var uploadsDirectory: String { (dataDirectory as NSString).appendingPathComponent("uploads") }

    /// True for 127.0.0.0/8, ::1 and `localhost`.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }
}
