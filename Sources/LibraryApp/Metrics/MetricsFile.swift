import Glibc
import Synchronization

/// One process's counter slots, in a file of its own under the metrics directory, mapped
/// shared: an increment is an atomic add to memory (no system call, no lock), and any process
/// of the pool can read every file to add them up (`PoolMetrics`), as Prometheus' Python
/// client does in multi-process mode.
///
/// The file is locked (`flock`) for the life of the process: the kernel drops the lock when the
/// process ends, however it ends, which is how a scrape tells a dead process's file from a live
/// one. Without a directory the slots live in private memory: the process sees only itself.
///
/// File: a 64-byte header (magic, byte length of the names, slot count, pid), the slot names
/// (`MetricsLayout.Slot.encoded`, one a line), then the slots, 64-byte aligned, 8 bytes each.
final class MetricsFile: @unchecked Sendable {  // the slots are atomics; the rest never changes
    static let magic: [UInt8] = Array("LIBAPIM1".utf8)
    static let headerBytes = 64
    static let suffix = ".metrics"

    let layout: MetricsLayout
    let slots: UnsafeMutablePointer<Atomic<UInt64>>
    /// The file's name in the directory (nil: private memory).
    let name: String?

    /// Private memory: the metrics of this process alone (no directory, unit tests).
    init(layout: MetricsLayout) {
        self.layout = layout
        slots = .allocate(capacity: layout.slots.count)
        for index in 0..<layout.slots.count { (slots + index).initialize(to: Atomic(0)) }
        name = nil
    }

    struct Failure: Error, CustomStringConvertible {
        let description: String
    }

    /// Creates this process's file in `directory` (made if missing), under a temporary name
    /// until it is locked: a scrape never takes a file being made for a dead one.
    init(layout: MetricsLayout, directory: String) throws(Failure) {
        self.layout = layout
        mkdir(directory, 0o755)
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let name = "\(getpid())-\(now.tv_sec)-\(now.tv_nsec)\(Self.suffix)"
        let temporary = "\(directory)/.\(name).new"
        let fd = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw Failure(description: "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        // Kept open and locked until the process ends.
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            close(fd)
            throw Failure(description: "cannot lock \(temporary): \(String(cString: strerror(errno)))")
        }
        let names = Array(layout.slots.map(\.encoded).joined(separator: "\n").utf8)
        let slotsOffset = Self.slotsOffset(namesBytes: names.count)
        let size = slotsOffset + layout.slots.count * 8
        var header = Self.magic
        func append32(_ value: UInt32) { withUnsafeBytes(of: value.littleEndian) { header.append(contentsOf: $0) } }
        append32(UInt32(names.count))
        append32(UInt32(layout.slots.count))
        append32(UInt32(bitPattern: getpid()))
        header += [UInt8](repeating: 0, count: Self.headerBytes - header.count)
        guard ftruncate(fd, off_t(size)) == 0,
            pwrite(fd, header, header.count, 0) == header.count,
            pwrite(fd, names, names.count, off_t(Self.headerBytes)) == names.count,
            let mapped = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0), mapped != MAP_FAILED
        else {
            let reason = String(cString: strerror(errno))
            close(fd)
            unlink(temporary)
            throw Failure(description: "cannot set up \(temporary): \(reason)")
        }
        slots = (mapped + slotsOffset).bindMemory(to: Atomic<UInt64>.self, capacity: layout.slots.count)
        guard rename(temporary, "\(directory)/\(name)") == 0 else {
            throw Failure(description: "cannot rename \(temporary): \(String(cString: strerror(errno)))")
        }
        self.name = name
    }

    static func slotsOffset(namesBytes: Int) -> Int {
        (headerBytes + namesBytes + 63) / 64 * 64
    }

    @inline(__always) func add(_ amount: UInt64, at index: Int) {
        slots[index].wrappingAdd(amount, ordering: .relaxed)
    }

    @inline(__always) func set(_ value: UInt64, at index: Int) {
        slots[index].store(value, ordering: .relaxed)
    }

    func value(at index: Int) -> UInt64 {
        slots[index].load(ordering: .relaxed)
    }
}
