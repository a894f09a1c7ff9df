import CMariaDB

/// The MYSQL_BIND array for a statement's parameters, with every buffer it points to.
///
/// Made once per prepared statement and filled again for each execution (`set`): each parameter
/// has a slot for a number or a date, and a byte buffer for text or bytes that grows to the
/// longest value it was given (a buffer above `largestKeptBuffer` is freed after the execution).
/// All memory is allocated by hand so that it stays at one address from `mysql_stmt_bind_param`
/// until `mysql_stmt_execute` returns.
final class ParameterBinding {
    static let largestKeptBuffer = 16 * 1024
    /// A slot holds any scalar a parameter binds: Int64, Double or MYSQL_TIME.
    private static let slotSize = (max(MemoryLayout<MYSQL_TIME>.size, MemoryLayout<Int64>.size) + 15) & ~15

    let binds: UnsafeMutablePointer<MYSQL_BIND>
    private let count: Int
    private let lengths: UnsafeMutablePointer<UInt>
    private let slots: UnsafeMutableRawPointer
    private var buffers: [UnsafeMutableRawPointer?]
    private var capacities: [Int]

    init(count parameterCount: Int) {
        count = max(parameterCount, 1)
        binds = .allocate(capacity: count)
        binds.initialize(repeating: MYSQL_BIND(), count: count)
        lengths = .allocate(capacity: count)
        lengths.initialize(repeating: 0, count: count)
        slots = .allocate(byteCount: count * Self.slotSize, alignment: 16)
        buffers = Array(repeating: nil, count: count)
        capacities = Array(repeating: 0, count: count)
    }

    deinit {
        for buffer in buffers { buffer?.deallocate() }
        binds.deinitialize(count: count)
        binds.deallocate()
        lengths.deallocate()
        slots.deallocate()
    }

    /// Binds `values`, one per parameter (the caller checked the count).
    func set(_ values: [DatabaseValue]) {
        for (index, value) in values.enumerated() {
            binds[index] = MYSQL_BIND()
            bind(value, at: index)
        }
    }

    /// Frees the buffers a long value grew past `largestKeptBuffer`.
    func releaseLargeBuffers() {
        for index in 0..<count where capacities[index] > Self.largestKeptBuffer {
            buffers[index]?.deallocate()
            buffers[index] = nil
            capacities[index] = 0
        }
    }

    private func bind(_ value: DatabaseValue, at index: Int) {
        switch value {
        case .null:
            binds[index].buffer_type = MYSQL_TYPE_NULL
        case let .int(number):
            binds[index].buffer_type = MYSQL_TYPE_LONGLONG
            binds[index].buffer = store(number, at: index)
        case let .double(number):
            binds[index].buffer_type = MYSQL_TYPE_DOUBLE
            binds[index].buffer = store(number, at: index)
        case let .date(date):
            binds[index].buffer_type = MYSQL_TYPE_DATETIME
            binds[index].buffer = store(DateTimeConversion.mysqlTime(from: date), at: index)
        case let .string(text):
            binds[index].buffer_type = MYSQL_TYPE_STRING
            let copied: Void? = text.utf8.withContiguousStorageIfAvailable { storeBytes(UnsafeRawBufferPointer($0), at: index) }
            if copied == nil { Array(text.utf8).withUnsafeBytes { storeBytes($0, at: index) } }
        case let .bytes(bytes):
            binds[index].buffer_type = MYSQL_TYPE_BLOB
            bytes.withUnsafeBytes { storeBytes($0, at: index) }
        }
    }

    private func store<T>(_ value: T, at index: Int) -> UnsafeMutableRawPointer {
        let slot = slots + index * Self.slotSize
        slot.storeBytes(of: value, as: T.self)
        return slot
    }

    private func storeBytes(_ bytes: UnsafeRawBufferPointer, at index: Int) {
        if bytes.count > capacities[index] || buffers[index] == nil {
            buffers[index]?.deallocate()
            capacities[index] = max(bytes.count, 16)
            buffers[index] = .allocate(byteCount: capacities[index], alignment: 1)
        }
        let buffer = buffers[index]!
        if let base = bytes.baseAddress { buffer.copyMemory(from: base, byteCount: bytes.count) }
        lengths[index] = UInt(bytes.count)
        binds[index].buffer = buffer
        binds[index].buffer_length = UInt(bytes.count)
        binds[index].length = lengths + index
    }
}
