import CMariaDB
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Reads a connection's answers with one blocking `recv`, bounded by `SO_RCVTIMEO` (the read
/// timeout), instead of Connector/C's own three system calls per answer.
///
/// Connector/C's socket read (`pvio_socket_read`, 3.3) always passes `MSG_DONTWAIT`: the first
/// `recv` of each answer finds nothing yet and fails with `EAGAIN`, then `poll` waits up to the
/// read timeout, then a second `recv` takes the answer. The socket itself is blocking after the
/// connect, so a plain `recv` waits in the kernel instead, once. Same outcome on a server that
/// does not answer in time: after the read timeout the read fails with `ETIMEDOUT`, which the
/// connector reports as a lost connection (`CR_SERVER_LOST`), as after its `poll` timed out.
///
/// Installed per connection after the connect (the handshake keeps the connector's read), by
/// pointing the connection's I/O layer at a copy of its method table with `read` replaced.
/// Left alone: TLS connections (their reads go through OpenSSL) and a socket that is not in
/// blocking mode.
enum BlockingRead {
    /// The connector's socket method table and the copy with our `read` (their addresses),
    /// made from the first connection and kept for the process: every plain connection shares
    /// the connector's one table; a connection with another table is left alone.
    private static let tables = Mutex<(original: UInt, replaced: UInt)?>(nil)

    /// Switches `mysql`'s reads to the blocking one, with `SO_RCVTIMEO` set to the read timeout
    /// the connector waits for in `poll` (`readTimeout` seconds). False when left alone.
    @discardableResult
    static func install(on mysql: UnsafeMutablePointer<MYSQL>, readTimeout: Int) -> Bool {
        guard let pvio = mysql.pointee.net.pvio, pvio.pointee.ctls == nil, let methods = pvio.pointee.methods,
            let isBlocking = methods.pointee.is_blocking, isBlocking(pvio) != 0,
            let setTimeout = methods.pointee.set_timeout, methods.pointee.get_handle != nil
        else { return false }
        let original = UInt(bitPattern: methods)
        let replacedAddress: UInt? = tables.withLock { tables in
            if let known = tables { return known.original == original ? known.replaced : nil }
            let copy = UnsafeMutablePointer<PVIO_METHODS>.allocate(capacity: 1)
            copy.initialize(to: methods.pointee)
            copy.pointee.read = { pvio, buffer, length in BlockingRead.read(pvio, buffer, length) }
            let replaced = UInt(bitPattern: copy)
            tables = (original, replaced)
            return replaced
        }
        guard let replaced = replacedAddress.flatMap(UnsafeMutablePointer<PVIO_METHODS>.init(bitPattern:)) else { return false }
        // The bound of each recv. Connector/C 3.3 sets it too at the end of the connect; set
        // here again, by the connector's own setter, so that it never rests on that.
        guard setTimeout(pvio, PVIO_READ_TIMEOUT, Int32(clamping: readTimeout)) == 0 else { return false }
        pvio.pointee.methods = replaced
        return true
    }

    /// Whether `mysql` reads through `install`'s blocking read.
    static func isInstalled(on mysql: UnsafeMutablePointer<MYSQL>) -> Bool {
        guard let methods = mysql.pointee.net.pvio?.pointee.methods else { return false }
        let address = UInt(bitPattern: methods)
        return tables.withLock { $0?.replaced == address }
    }

    /// `pvio_socket_read`'s contract: bytes read, 0 at the peer's shutdown, -1 with `errno` set.
    private static func read(_ pvio: UnsafeMutablePointer<MARIADB_PVIO>?, _ buffer: UnsafeMutablePointer<UInt8>?, _ length: Int) -> Int {
        guard let pvio, let getHandle = pvio.pointee.methods?.pointee.get_handle else { return -1 }
        var socket: Int32 = -1
        guard getHandle(pvio, &socket) == 0 else { return -1 }
        while true {
            let count = recv(socket, buffer, length, 0)
            if count >= 0 { return count }
            switch errno {
            case EINTR: continue
            case EAGAIN, EWOULDBLOCK:
                errno = ETIMEDOUT  // SO_RCVTIMEO ran out: what the connector's poll reports
                return -1
            default: return -1
            }
        }
    }
}
