/// Servers this client has set aside after a timeout, and until when.
///
/// libmemcached puts a TCP server in its retry back-off (and ejects it) only when a *connect*
/// fails: a hung server whose kernel still accepts connections (SIGSTOP, a stuck event loop) would
/// cost a full poll timeout on every call. So the client suspends such a server itself, for the
/// retry timeout, and hashes over the others meanwhile: the same continuum libmemcached's
/// ejection gives, since ketama points depend only on each server's own name.
struct ServerSuspensions {
    private var until: [Int: ContinuousClock.Instant] = [:]
    private let all: [Int]

    init(serverCount: Int) {
        all = Array(0..<serverCount)
    }

    mutating func suspend(_ index: Int, seconds: Int) {
        until[index] = .now + .seconds(seconds)
    }

    /// Indices of the servers in use now, in configuration order; expired suspensions end.
    mutating func live() -> [Int] {
        if until.isEmpty { return all }
        let now = ContinuousClock.now
        until = until.filter { $0.value > now }
        return all.filter { until[$0] == nil }
    }
}
