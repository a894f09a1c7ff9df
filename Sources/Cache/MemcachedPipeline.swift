#if canImport(Glibc)
    import Glibc
#endif

/// The request path's memcached traffic in one write: the rate limiter's `noreply` increments and
/// the request's `get`, sent together on a connection of the client's own, then the `get`'s answer
/// read back; and a miss's `noreply` stores, on the same connection.
///
/// libmemcached cannot batch them: it flushes every `incr` on its own (`memcached_vdo(..., true)`
/// in its `auto.cc`, whatever `BUFFER_REQUESTS` says; that behaviour only holds back stores), so
/// a counted read made two sends. This speaks just those two commands of the text protocol (and
/// `set … noreply`), to one server only (with several, keys are placed by libmemcached's ketama and the client keeps
/// its two-step path).
///
/// Failures behave as libmemcached's: the connection is closed, a timeout comes back as
/// `CacheError.timeout` (the client then suspends the server), anything else as `.unavailable`,
/// and no connect is tried again for `retryTimeoutSeconds`. Any reply it did not expect (an error
/// line, bytes after `END`) closes the connection too, so it never reads a stale answer.
final class MemcachedPipeline {
    private let server: MemcachedServer
    private let connectTimeoutMilliseconds: Int32
    private let pollTimeoutMilliseconds: Int32
    private let retryTimeoutSeconds: Int
    private var socket: Int32 = -1
    /// No connect before this instant, after a failure.
    private var retryAt: ContinuousClock.Instant?
    // The buffers below are kept between calls: the request path allocates none. Their
    // accesses are not checked for exclusivity at run time (a `swift_beginAccess` and
    // `endAccess` per use): the pipeline belongs to one thread's client, and no method lends a
    // buffer out while another mutates it (`sizing` and `found` must not call the client).
    @exclusivity(unchecked) private var output: [UInt8] = []
    @exclusivity(unchecked) private var input: [UInt8] = Array(repeating: 0, count: 16 * 1024)
    /// Each key of the `get` being answered: its index in `keys + increments`, and where its
    /// wire form lies in `output` (an answered key is matched against those bytes).
    @exclusivity(unchecked) private var requested: [(index: Int, wire: Range<Int>)] = []
    /// Each value of the answer: its key's index and where its data lies in `input`.
    @exclusivity(unchecked) private var answered: [(index: Int, data: Range<Int>)] = []

    init(_ configuration: MemcachedConfiguration) {
        precondition(configuration.servers.count == 1, "the pipeline speaks to one server")
        server = configuration.servers[0]
        connectTimeoutMilliseconds = Int32(clamping: configuration.connectTimeoutMilliseconds)
        // At least 1 ms: a zero SO_RCVTIMEO would mean no timeout at all.
        pollTimeoutMilliseconds = max(1, Int32(clamping: configuration.pollTimeoutMilliseconds))
        retryTimeoutSeconds = configuration.retryTimeoutSeconds
        output.reserveCapacity(1024)
        requested.reserveCapacity(16)
        answered.reserveCapacity(16)
    }

    deinit { close() }

    var isConnected: Bool { socket >= 0 }

    /// Sends `incr <key> 1 noreply` for each of `increments`, then one `get` of `keys` and
    /// `increments` (each key once), in one write; once the whole answer is read, tells `sizing`
    /// the values' total length, then hands over each value found with its index in
    /// `keys + increments`. Keys are the caller's (validated, see `CacheKey`): they go out with
    /// `prefix` as `CacheKey.wireKey` makes them, written straight into the buffer.
    func incrementAndGet(
        prefix: String, increments: [String], keys: [String], sizing: (Int) -> Void, found: (Int, UnsafeRawBufferPointer) -> Void
    ) throws {
        try connectIfNeeded()
        output.removeAll(keepingCapacity: true)
        for key in increments {
            append("incr ")
            try appendWire(key, prefix)
            append(" 1 noreply\r\n")
        }
        append("get")
        requested.removeAll(keepingCapacity: true)
        for index in 0..<(keys.count + increments.count) {
            output.append(0x20)
            let start = output.count
            try appendWire(Self.key(index, keys, increments), prefix)
            if isRequested(start..<output.count) {
                output.removeLast(output.count - start + 1)  // each key once: the first index keeps it
            } else {
                requested.append((index, start..<output.count))
            }
        }
        append("\r\n")
        do {
            try send()
            try readValues()
        } catch {
            fail()
            throw error
        }
        sizing(answered.reduce(0) { $0 + $1.data.count })
        input.withUnsafeBytes { input in
            for value in answered { found(value.index, UnsafeRawBufferPointer(rebasing: input[value.data])) }
        }
    }

    /// Sends `set <key> 0 <exptime> <bytes> noreply` and the value, in one write; memcached
    /// answers nothing (see `MemcachedClient.setWithoutReply`). `key` is valid (`CacheKey`).
    func setWithoutReply(prefix: String, key: String, _ value: [UInt8], expiration exptime: Int) throws {
        try connectIfNeeded()
        output.removeAll(keepingCapacity: true)
        append("set ")
        try appendWire(key, prefix)
        output.append(contentsOf: " 0 \(exptime) \(value.count) noreply\r\n".utf8)
        output.append(contentsOf: value)
        append("\r\n")
        do {
            try send()
        } catch {
            fail()
            throw error
        }
    }

    private static func key(_ index: Int, _ keys: [String], _ increments: [String]) -> String {
        index < keys.count ? keys[index] : increments[index - keys.count]
    }

    /// Whether the wire form at `output[wire]` is one already requested: compared byte for byte
    /// (String's == would equate canonically equivalent keys with different bytes), lengths first.
    private func isRequested(_ wire: Range<Int>) -> Bool {
        output.withUnsafeBytes { sent in
            requested.contains { key in
                key.wire.count == wire.count
                    && memcmp(sent.baseAddress! + key.wire.lowerBound, sent.baseAddress! + wire.lowerBound, wire.count) == 0
            }
        }
    }

    private func appendWire(_ key: String, _ prefix: String) throws {
        if CacheKey.goesAsIs(key, prefix: prefix) {
            append(bytesOf: prefix)
            append(bytesOf: key)
        } else {
            output.append(contentsOf: try CacheKey.wireKey(key, prefix: prefix))
        }
    }

    /// A string's bytes copied in one go: a native string's UTF-8 lies contiguous, where
    /// appending its `utf8` view walks it through the view's iterator.
    private func append(bytesOf text: String) {
        if text.utf8.withContiguousStorageIfAvailable({ output.append(contentsOf: $0) }) == nil {
            output.append(contentsOf: text.utf8)
        }
    }

    /// A literal's bytes, from the binary's constant storage.
    private func append(_ literal: StaticString) {
        output.append(contentsOf: UnsafeBufferPointer(start: literal.utf8Start, count: literal.utf8CodeUnitCount))
    }

    // MARK: The answer

    /// Reads `VALUE <key> <flags> <bytes>` blocks up to `END`, noting each value (`answered`).
    private func readValues() throws {
        answered.removeAll(keepingCapacity: true)
        var start = 0, end = 0
        while true {
            // Every complete block in input[start..<end], parsed inside one access to each buffer
            // (a class's array property costs a checked access per use).
            let needed = try output.withUnsafeBytes { sent in
                try input.withUnsafeBufferPointer { received in
                    try Self.parseBlocks(received, from: &start, to: end, sent: sent, requested: requested, into: &answered)
                }
            }
            guard let needed else { return }  // END
            if needed > input.count { input.append(contentsOf: repeatElement(0, count: needed - input.count)) }
            if end == input.count { input.append(contentsOf: repeatElement(0, count: input.count)) }
            end += try receive(into: end)
        }
    }

    /// Notes the value of each complete block in `input[start..<end]` (its key's index, where
    /// its data lies), moving `start` past them; nil once `END` is read, else the buffer size the
    /// next block needs (its header read, not all its data yet) or 0 (no whole line yet).
    private static func parseBlocks(
        _ input: UnsafeBufferPointer<UInt8>, from start: inout Int, to end: Int, sent: UnsafeRawBufferPointer,
        requested: [(index: Int, wire: Range<Int>)], into answered: inout [(index: Int, data: Range<Int>)]
    ) throws -> Int? {
        while let lineEnd = lineEnd(input, from: start, to: end) {
            if lineEnd - start == 3, input[start] == 0x45, input[start + 1] == 0x4E, input[start + 2] == 0x44 {  // END
                guard lineEnd + 2 == end else { throw CacheError.other(code: -1, message: "bytes after END") }
                return nil
            }
            guard let header = valueHeader(in: input, start, lineEnd) else {
                throw CacheError.other(
                    code: -1, message: "unexpected reply: \(String(decoding: input[start..<lineEnd].prefix(80), as: UTF8.self))")
            }
            let dataStart = lineEnd + 2, dataEnd = dataStart + header.length
            guard dataEnd + 2 <= end else { return dataEnd + 2 }  // the block is not all here yet
            guard input[dataEnd] == 0x0D, input[dataEnd + 1] == 0x0A else {
                throw CacheError.other(code: -1, message: "value not ended by CRLF")
            }
            // The answered key against the wire forms as the request wrote them, byte for byte.
            let key = header.key
            if let asked = requested.first(where: {
                $0.wire.count == key.count
                    && memcmp(sent.baseAddress! + $0.wire.lowerBound, input.baseAddress! + key.lowerBound, key.count) == 0
            }) {
                answered.append((asked.index, dataStart..<dataEnd))
            }
            start = dataEnd + 2
        }
        return 0
    }

    /// The index of the CR of the first CRLF in input[from..<to]: CRs found by `memchr`.
    private static func lineEnd(_ input: UnsafeBufferPointer<UInt8>, from: Int, to: Int) -> Int? {
        var i = from
        while i < to - 1, let cr = memchr(input.baseAddress! + i, 0x0D, to - 1 - i) {
            i = UnsafeRawPointer(input.baseAddress!).distance(to: cr)
            if input[i + 1] == 0x0A { return i }
            i += 1
        }
        return nil
    }

    /// The key's range and the data's length of a `VALUE <key> <flags> <bytes>` line.
    private static func valueHeader(in input: UnsafeBufferPointer<UInt8>, _ start: Int, _ end: Int) -> (key: Range<Int>, length: Int)? {
        guard end - start > 6, input[start] == 0x56, input[start + 1] == 0x41, input[start + 2] == 0x4C,  // "VALUE "
            input[start + 3] == 0x55, input[start + 4] == 0x45, input[start + 5] == 0x20
        else { return nil }
        let keyStart = start + 6
        guard let keyEnd = space(in: input, keyStart, end), let flagsEnd = space(in: input, keyEnd + 1, end) else { return nil }
        // The length, then nothing or " <cas>".
        var length = 0, i = flagsEnd + 1
        while i < end, input[i] != 0x20 {
            let digit = Int(input[i]) - 0x30
            guard (0...9).contains(digit), length < 1 << 40 else { return nil }
            length = length * 10 + digit
            i += 1
        }
        guard i > flagsEnd + 1 else { return nil }
        return (keyStart..<keyEnd, length)
    }

    /// The index of the first space in input[from..<to], found by `memchr`.
    private static func space(in input: UnsafeBufferPointer<UInt8>, _ from: Int, _ to: Int) -> Int? {
        guard from < to, let found = memchr(input.baseAddress! + from, 0x20, to - from) else { return nil }
        return UnsafeRawPointer(input.baseAddress!).distance(to: found)
    }

    // MARK: The socket

    private func send() throws {
        var sent = 0
        while sent < output.count {
            let n = output.withUnsafeBytes { Glibc.send(socket, $0.baseAddress! + sent, $0.count - sent, Int32(MSG_NOSIGNAL)) }
            if n > 0 {
                sent += n
            } else if n < 0 && errno == EINTR {
                continue
            } else if n < 0 && errno == EAGAIN {
                throw CacheError.timeout("no write within \(pollTimeoutMilliseconds) ms")  // SO_SNDTIMEO
            } else {
                throw CacheError.unavailable("write failed: \(String(cString: strerror(errno)))")
            }
        }
    }

    /// Reads what has arrived into input[at...] (which has room), waiting up to the poll timeout.
    /// A blocking `recv` bounded by `SO_RCVTIMEO`: one system call per answer, where `poll` then
    /// `recv` made two.
    private func receive(into at: Int) throws -> Int {
        while true {
            let n = input.withUnsafeMutableBytes { recv(socket, $0.baseAddress! + at, $0.count - at, 0) }
            if n > 0 { return n }
            if n == 0 { throw CacheError.unavailable("the server closed the connection") }
            if errno == EAGAIN { throw CacheError.timeout("no read within \(pollTimeoutMilliseconds) ms") }
            if errno != EINTR { throw CacheError.unavailable("read failed: \(String(cString: strerror(errno)))") }
        }
    }

    private func connectIfNeeded() throws {
        guard socket < 0 else { return }
        if let retryAt, ContinuousClock.now < retryAt { throw CacheError.unavailable("server in its retry back-off") }
        retryAt = nil
        do {
            socket = try connect()
            try blockWithTimeouts(socket)
        } catch {
            fail()
            throw error
        }
    }

    /// Connected, the socket blocks, each send and receive bounded by the poll timeout.
    private func blockWithTimeouts(_ fd: Int32) throws {
        var timeout = timeval(
            tv_sec: Int(pollTimeoutMilliseconds / 1000), tv_usec: Int(pollTimeoutMilliseconds % 1000) * 1000)
        let flags = fcntl(fd, F_GETFL)
        guard flags >= 0, fcntl(fd, F_SETFL, flags & ~O_NONBLOCK) == 0,
            setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0,
            setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) == 0
        else { throw CacheError.unavailable("socket options failed: \(String(cString: strerror(errno)))") }
    }

    /// Closes the connection and holds off the next connect for the retry timeout.
    private func fail() {
        close()
        retryAt = .now + .seconds(retryTimeoutSeconds)
    }

    private func close() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
    }

    /// A non-blocking stream socket connected to the server within the connect timeout.
    private func connect() throws -> Int32 {
        switch server {
        case let .unixSocket(path):
            var address = sockaddr_un()
            address.sun_family = sa_family_t(AF_UNIX)
            let bytes = Array(path.utf8)
            guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else { throw CacheError.unavailable("socket path too long") }
            withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
            return try withUnsafePointer(to: &address) {
                try $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    try connect(family: AF_UNIX, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
                }
            }
        case let .tcp(host, port):
            var hints = addrinfo()
            hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
            var list: UnsafeMutablePointer<addrinfo>?
            guard getaddrinfo(host, String(port), &hints, &list) == 0, let list else {
                throw CacheError.unavailable("cannot resolve \(host)")
            }
            defer { freeaddrinfo(list) }
            let fd = try connect(family: list.pointee.ai_family, list.pointee.ai_addr, list.pointee.ai_addrlen)
            var on: Int32 = 1
            setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &on, socklen_t(MemoryLayout<Int32>.size))
            return fd
        }
    }

    private func connect(family: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) throws -> Int32 {
        let fd = Glibc.socket(family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw CacheError.unavailable("socket failed: \(String(cString: strerror(errno)))") }
        if Glibc.connect(fd, address, length) == 0 { return fd }
        guard errno == EINPROGRESS else {
            let message = String(cString: strerror(errno))
            Glibc.close(fd)
            throw CacheError.unavailable("connect failed: \(message)")
        }
        var entry = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        var error: Int32 = 0
        var size = socklen_t(MemoryLayout<Int32>.size)
        guard poll(&entry, 1, connectTimeoutMilliseconds) == 1, getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) == 0, error == 0 else {
            Glibc.close(fd)
            throw CacheError.unavailable("connect failed or timed out")
        }
        return fd
    }
}
