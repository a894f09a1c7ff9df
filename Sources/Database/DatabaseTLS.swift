import Foundation
import Glibc

/// TLS to the database server, from the database URL's query options. The names are those of
/// MariaDB's own client options (`mariadb --ssl-ca=...`); `_` may stand for `-`, as in my.cnf:
///
///     ?ssl=true&ssl-ca=/etc/library-api/db-ca.pem
///
/// * `ssl` (`true`/`false`): TLS required; the connection fails rather than fall back to plain
///   text. Any other option below except `ssl-verify-server-cert=false` implies it.
/// * `ssl-verify-server-cert` (default `true` once TLS is on): the server's certificate must
///   chain to `ssl-ca`/`ssl-capath` (else the system's CAs) and name the host of the URL.
/// * `ssl-ca`, `ssl-capath`, `ssl-crl`: CA file, CA folder, revocation list.
/// * `ssl-cert`, `ssl-key`: a client certificate and its key (both or neither).
/// * `ssl-cipher`, `tls-version` (e.g. `TLSv1.2,TLSv1.3`): passed to Connector/C as they are.
///
/// Files must be absolute paths, readable when the process starts.
public struct DatabaseTLS: Sendable, Equatable {
    public var required = false
    public var verifyServerCertificate = true
    public var caFile: String?
    public var caPath: String?
    public var crlFile: String?
    public var certificateFile: String?
    public var keyFile: String?
    public var cipher: String?
    public var versions: String?

    public init() {}

    /// Whether `ssl=false` was said explicitly: then no other TLS option makes sense.
    private var explicitlyOff = false

    /// Takes one URL option; false when `name` is not a TLS option.
    mutating func accept(option name: String, value: String) throws(DatabaseError) -> Bool {
        let name = name.replacingOccurrences(of: "_", with: "-")
        switch name {
        case "ssl":
            required = try Self.boolean(name, value)
            explicitlyOff = !required
            return true
        case "ssl-verify-server-cert":
            verifyServerCertificate = try Self.boolean(name, value)
            if verifyServerCertificate { required = true }
            return true
        case "ssl-ca": caFile = try Self.readableFile(name, value)
        case "ssl-capath": caPath = try Self.readableFile(name, value, folder: true)
        case "ssl-crl": crlFile = try Self.readableFile(name, value)
        case "ssl-cert": certificateFile = try Self.readableFile(name, value)
        case "ssl-key": keyFile = try Self.readableFile(name, value)
        case "ssl-cipher": cipher = try Self.text(name, value)
        case "tls-version": versions = try Self.text(name, value)
        default: return false
        }
        required = true
        return true
    }

    /// After every option: refuses combinations that cannot mean what the operator wants.
    func check() throws(DatabaseError) {
        let named = [caFile, caPath, crlFile, certificateFile, keyFile, cipher, versions].contains { $0 != nil }
        if explicitlyOff, named || required {
            throw .invalidConfiguration("ssl=false contradicts the other ssl options of the database URL")
        }
        if (certificateFile == nil) != (keyFile == nil) {
            throw .invalidConfiguration("ssl-cert and ssl-key go together: a client certificate needs its key")
        }
    }

    /// For the configuration log line.
    var summary: String {
        guard required else { return "" }
        return verifyServerCertificate ? " (TLS, server certificate verified)" : " (TLS, server certificate NOT verified)"
    }

    private static func boolean(_ name: String, _ value: String) throws(DatabaseError) -> Bool {
        switch value.lowercased() {
        case "true", "1", "on", "yes": return true
        case "false", "0", "off", "no": return false
        default: throw .invalidConfiguration("\(name) must be true or false")
        }
    }

    private static func text(_ name: String, _ value: String) throws(DatabaseError) -> String {
        guard !value.isEmpty else { throw .invalidConfiguration("\(name) needs a value") }
        return value
    }

    private static func readableFile(_ name: String, _ path: String, folder: Bool = false) throws(DatabaseError) -> String {
        guard path.hasPrefix("/") else { throw .invalidConfiguration("\(name) must be an absolute path") }
        var status = stat()
        guard stat(path, &status) == 0, access(path, R_OK) == 0 else {
            throw .invalidConfiguration("\(name): cannot read \(path) (\(String(cString: strerror(errno))))")
        }
        let isFolder = (status.st_mode & S_IFMT) == S_IFDIR
        guard isFolder == folder else {
            throw .invalidConfiguration("\(name): \(path) is \(folder ? "not a folder" : "a folder, not a file")")
        }
        return path
    }
}
