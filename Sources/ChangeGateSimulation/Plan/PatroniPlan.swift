import ChangeGate

/// What a Patroni simulation runs, worked out from a configuration file before anything starts:
/// the dynamic settings and member tags that decide failover, and everything else said, not used.
///
/// The cluster is built from an allow-list of the file's failover settings, never from the file
/// itself: a configuration under review is untrusted, and Patroni's files can make it run programs
/// (`postgresql.callbacks`, `bootstrap.post_bootstrap`, `restore_command`, …), load libraries
/// (`shared_preload_libraries`) or write where they say (`data_dir`). ``ignoredCommands`` lists
/// the keys of that kind the file had, so the report can say they were not run.
public struct PatroniPlan: Sendable, Hashable {
    /// One Patroni member: its name and the tags that decide whether it may be promoted.
    public struct Member: Sendable, Hashable {
        public var name: String
        public var tags: [Setting]
        /// Where its name and tags came from, for the report.
        public var origin: String
    }

    /// A setting as it goes into the cluster's configuration.
    public struct Setting: Sendable, Hashable {
        public var key: String
        public var value: ConfigValue
    }

    /// A difference between the file and what runs (``PlanNote``).
    public typealias Note = PlanNote

    /// The file the plan came from.
    public var file: String
    public var scope: String
    /// `bootstrap.dcs` as the cluster gets it, in the file's order.
    public var dcs: [Setting]
    /// The cluster's members, in start order: the first is started alone and becomes the leader.
    public var members: [Member]
    /// Generic keys translated into Patroni settings (`failover.mode: manual` → `pause: true`).
    public var translations: [Note]
    /// Timers the run shortened or Patroni itself adjusts, against the file's values.
    public var adjustments: [Note]
    /// Keys of the file that name a program, a library or a path to run or write: not used.
    public var ignoredCommands: [String]
    /// What the failover model computes from the file itself (the gate's figures).
    public var fileAssessments: [FailoverAssessment]
    /// What the failover model computes from the settings the cluster runs with: the bound each
    /// measured time is compared with.
    public var runAssessment: FailoverAssessment

    /// A dynamic setting's value as the cluster gets it.
    public func dcsValue(_ key: String) -> ConfigValue? { dcs.last { $0.key == key }?.value }

    /// Whether the model says automatic failover is possible: on the file (every model that reads
    /// it, the generic block's included) and on what runs.
    public var modelSaysPossible: Bool { fileAssessments.allSatisfy(\.possible) && runAssessment.possible }
}
