/// One server's answer to `MemcachedClient.health()`.
public struct ServerStatus: Sendable, Equatable {
    public let server: MemcachedServer
    public let isReachable: Bool
    /// Items stored on this server (`curr_items`): shows how keys spread over the servers.
    public let currentItems: UInt64
    public let uptimeSeconds: UInt64
    public let version: String

    public init(server: MemcachedServer, isReachable: Bool, currentItems: UInt64 = 0, uptimeSeconds: UInt64 = 0, version: String = "") {
        self.server = server
        self.isReachable = isReachable
        self.currentItems = currentItems
        self.uptimeSeconds = uptimeSeconds
        self.version = version
    }
}
