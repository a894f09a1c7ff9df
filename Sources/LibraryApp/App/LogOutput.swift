import Foundation
import Glibc
import Synchronization

/// Where log lines go: a file descriptor (standard error), written either line by line or,
/// for a server, through a buffer flushed when it fills and at least every `flushInterval` —
/// as nginx's `access_log ... buffer= flush=`. One access line per request would otherwise be
/// one `write(2)` per request. Lines at `warning` and above are written at once, with
/// everything buffered before them, so the order of lines is kept.
public final class LogOutput: Sendable {
    private let fileDescriptor: Int32
    private let buffer = Mutex<[UInt8]>([])
    private let capacity: Int
    private let buffered: Bool

    /// Unbuffered: each line is written when it is logged (commands that run and exit).
    public static let standardError = LogOutput(fileDescriptor: STDERR_FILENO, bufferBytes: 0)

    public init(fileDescriptor: Int32, bufferBytes: Int) {
        self.fileDescriptor = fileDescriptor
        capacity = bufferBytes
        buffered = bufferBytes > 0
    }

    func write(_ line: [UInt8], urgent: Bool) {
        guard buffered else { return writeAll(line) }
        let full: [UInt8]? = buffer.withLock { pending in
            pending.append(contentsOf: line)
            guard urgent || pending.count >= capacity else { return nil }
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if let full { writeAll(full) }
    }

    /// Writes out whatever is buffered (the flusher calls it; so does shutdown).
    public func flush() {
        let pending: [UInt8] = buffer.withLock { pending in
            defer { pending.removeAll(keepingCapacity: true) }
            return pending
        }
        if !pending.isEmpty { writeAll(pending) }
    }

    /// Flushes every `interval` seconds on a thread of its own, for the life of the process.
    public func startFlushing(every interval: Double) {
        guard buffered else { return }
        let thread = Thread { [self] in
            while true {
                Thread.sleep(forTimeInterval: interval)
                flush()
            }
        }
        thread.name = "log-flusher"
        thread.start()
    }

    private func writeAll(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(fileDescriptor, raw.baseAddress! + offset, raw.count - offset)
                if written <= 0 { if errno == EINTR { continue } else { return } }
                offset += written
            }
        }
    }
}
