import Prometheus

/// The service's metrics, in Prometheus' text format at `/metrics`. The registry hands out one
/// counter per name and labels, so that each is made where it is counted.
struct ServerMetrics: Sendable {
    let registry = PrometheusCollectorRegistry()
    private let queueDepth: Gauge
    private let checkDuration: DurationHistogram

    init() {
        queueDepth = registry.makeGauge(
            descriptor: Self.name("queue_depth", unit: "", help: "Webhook jobs waiting or being judged"))
        checkDuration = registry.makeDurationHistogram(
            descriptor: Self.name("check_duration", unit: "seconds", help: "Time to judge and record one check"),
            buckets: [
                .milliseconds(10), .milliseconds(50), .milliseconds(100), .milliseconds(500), .seconds(1),
                .seconds(5), .seconds(30),
            ])
    }

    /// A decision made, by repository and verdict (`allow`, `warn`, `deny`, `error`).
    func checked(repository: String, verdict: String, duration: Duration) {
        registry.makeCounter(
            descriptor: Self.name("checks", unit: "total", help: "Decisions made, by repository and verdict"),
            labels: [("repository", repository), ("verdict", verdict)]
        ).increment()
        checkDuration.record(duration)
    }

    /// A webhook delivery answered, by forge and outcome (`queued`, `ignored`, `replay`,
    /// `unauthorized`, `malformed`, `unknown-repository`, `queue-full`).
    func delivery(forge: String, outcome: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "webhook_deliveries", unit: "total", help: "Webhook deliveries, by forge and outcome"),
            labels: [("forge", forge), ("outcome", outcome)]
        ).increment()
    }

    /// A delivery whose signature or token did not match.
    func signatureFailure(forge: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "webhook_signature_failures", unit: "total",
                help: "Webhook deliveries refused for a missing or wrong signature"), labels: [("forge", forge)]
        ).increment()
    }

    /// A status the forge did not take after every retry.
    func statusFailure(forge: String) {
        registry.makeCounter(
            descriptor: Self.name(
                "status_post_failures", unit: "total", help: "Commit statuses not posted after every retry"),
            labels: [("forge", forge)]
        ).increment()
    }

    /// `changegate_NAME_UNIT`.
    private static func name(_ name: String, unit: String, help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(namespace: "changegate", metricName: name, unitName: unit, helpText: help)
    }

    func setQueueDepth(_ depth: Int) { queueDepth.set(Int64(depth)) }

    /// The text `/metrics` answers.
    func exposition() -> String { registry.emitToString() }
}
