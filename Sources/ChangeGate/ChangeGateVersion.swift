/// ChangeGate's own version, recorded in reports and audit records.
public enum ChangeGateVersion {
    public static let current = "0.1.0"
}
