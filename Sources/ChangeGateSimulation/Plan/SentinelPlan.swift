import ChangeGate

/// What a Sentinel simulation runs, worked out from a `sentinel.conf` before anything starts: the
/// monitored master's quorum and timers, everything else said, not used.
///
/// The cluster's files are written from four integers of the file, never from the file itself:
/// a configuration under review is untrusted, and Sentinel's files can make it run programs
/// (`sentinel notification-script`, `client-reconfig-script`), load modules or write where they
/// say (`dir`, `logfile`). ``ignoredCommands`` lists the keys of that kind the file had.
public struct SentinelPlan: Sendable, Hashable {
    /// The master name the cluster's Sentinels monitor: ours, not the file's (a name is written
    /// into the cluster's files, and the file's is untrusted text).
    public static let masterName = "simulated"
    /// Sentinels the cluster runs, and Redis servers (a master and two replicas).
    public static let sentinelCount = 3
    public static let serverCount = 3

    /// The file the plan came from.
    public var file: String
    /// The master of the file that is simulated (its `sentinel monitor` name), and its address
    /// there, for the report.
    public var master: String
    public var fileAddress: String
    /// The values the Sentinels run with.
    public var quorum: Int
    public var downAfterMilliseconds: Int
    public var failoverTimeout: Int
    public var parallelSyncs: Int
    /// Values rewritten for the local cluster: the master's name and address, masters not run.
    public var rewrites: [PlanNote]
    /// Timers the run changed (`--timers fast`).
    public var adjustments: [PlanNote]
    /// Keys of the file that name a program, a module or a path: not used.
    public var ignoredCommands: [String]
    /// What the failover model computes from the file itself (the gate's figures), for the
    /// simulated master (and the generic block, when the file has one).
    public var fileAssessments: [FailoverAssessment]
    /// What the failover model computes from what runs (three Sentinels that know each other): the
    /// bound each measured time is compared with.
    public var runAssessment: FailoverAssessment

    /// Whether the model says automatic failover is possible, on the file and on what runs.
    public var modelSaysPossible: Bool {
        fileAssessments.allSatisfy(\.possible) && runAssessment.possible
    }
}
