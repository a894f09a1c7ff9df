import CMariaDB

/// The MYSQL_BIND array that receives one row at a time, and the decoding of each column.
///
/// Buffers are sized from the result's `max_length` (the statement sets
/// STMT_ATTR_UPDATE_MAX_LENGTH and stores the result first), so values normally fit; a value that
/// still does not (MYSQL_DATA_TRUNCATED) is fetched again whole with `mysql_stmt_fetch_column`.
/// Every buffer stays at a fixed address from `mysql_stmt_bind_result` to the last fetch of a
/// result. A prepared statement keeps its binding for the next execution (`fits`, `grow`): a
/// list page's 13 columns are not allocated, classified and freed again for every query.
final class ResultBinding {
    enum Kind: Equatable { case integer(unsigned: Bool), real, dateTime, text, binary }

    /// A binding whose buffers hold more than this in all is not kept for the next execution
    /// (each connection caches up to `statementCacheLimit` statements).
    static let largestKeptBuffers = 16 * 1024

    let binds: UnsafeMutablePointer<MYSQL_BIND>
    let kinds: [Kind]
    private let count: Int
    private let lengths: UnsafeMutablePointer<UInt>
    private let nulls: UnsafeMutablePointer<my_bool>
    private let errors: UnsafeMutablePointer<my_bool>
    private var buffers: [UnsafeMutableRawPointer] = []

    init(fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int) {
        self.count = max(count, 1)
        binds = .allocate(capacity: self.count)
        binds.initialize(repeating: MYSQL_BIND(), count: self.count)
        lengths = .allocate(capacity: self.count)
        lengths.initialize(repeating: 0, count: self.count)
        nulls = .allocate(capacity: self.count)
        nulls.initialize(repeating: 0, count: self.count)
        errors = .allocate(capacity: self.count)
        errors.initialize(repeating: 0, count: self.count)

        var kinds: [Kind] = []
        for index in 0..<count {
            let field = fields[index]
            let kind = Self.kind(of: field)
            kinds.append(kind)
            let size: Int
            switch kind {
            case .integer(let unsigned):
                binds[index].buffer_type = MYSQL_TYPE_LONGLONG
                binds[index].is_unsigned = unsigned ? 1 : 0
                size = MemoryLayout<Int64>.size
            case .real:
                binds[index].buffer_type = MYSQL_TYPE_DOUBLE
                size = MemoryLayout<Double>.size
            case .dateTime:
                binds[index].buffer_type = MYSQL_TYPE_DATETIME
                size = MemoryLayout<MYSQL_TIME>.size
            case .text, .binary:
                binds[index].buffer_type = kind.isText ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB
                size = max(Int(field.max_length), 1)
            }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 16)
            buffers.append(buffer)
            binds[index].buffer = buffer
            binds[index].buffer_length = UInt(size)
            binds[index].length = lengths + index
            binds[index].is_null = nulls + index
            binds[index].error = errors + index
        }
        self.kinds = kinds
    }

    deinit {
        for buffer in buffers { buffer.deallocate() }
        binds.deinitialize(count: count)
        binds.deallocate()
        lengths.deallocate()
        nulls.deallocate()
        errors.deallocate()
    }

    /// Whether a new result of the statement has the same column kinds (the server re-prepares a
    /// statement after a table change, and its columns may change with it).
    func fits(fields: UnsafeMutablePointer<MYSQL_FIELD>, count: Int) -> Bool {
        guard count == kinds.count else { return false }
        for index in 0..<count where Self.kind(of: fields[index]) != kinds[index] { return false }
        return true
    }

    /// Makes each text buffer hold the new result's longest value (`max_length`), as `init` does.
    func grow(to fields: UnsafeMutablePointer<MYSQL_FIELD>) {
        // Numbers and dates have fixed-size slots (their `max_length` is a display width).
        for index in 0..<kinds.count where kinds[index] == .text || kinds[index] == .binary {
            let needed = Int(fields[index].max_length)
            guard needed > Int(binds[index].buffer_length) else { continue }
            buffers[index].deallocate()
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: needed, alignment: 16)
            buffers[index] = buffer
            binds[index].buffer = buffer
            binds[index].buffer_length = UInt(needed)
        }
    }

    /// Whether the buffers are small enough, together, to keep between executions.
    var isWorthKeeping: Bool {
        (0..<kinds.count).reduce(0) { $0 + Int(binds[$1].buffer_length) } <= Self.largestKeptBuffers
    }

    /// Decodes the row that the last `mysql_stmt_fetch` put into the buffers, after `values`.
    func appendCurrentRow(
        to values: inout [DatabaseValue], statement: UnsafeMutablePointer<MYSQL_STMT>
    ) throws(DatabaseError) {
        for (index, kind) in kinds.enumerated() {
            if nulls[index] != 0 {
                values.append(.null)
                continue
            }
            let buffer = buffers[index]
            switch kind {
            case .integer(let unsigned):
                if unsigned {
                    let number = buffer.load(as: UInt64.self)
                    // BIGINT UNSIGNED beyond Int64 only as text, never silently wrapped.
                    values.append(Int64(exactly: number).map { .int($0) } ?? .string(String(number)))
                } else {
                    values.append(.int(buffer.load(as: Int64.self)))
                }
            case .real:
                values.append(.double(buffer.load(as: Double.self)))
            case .dateTime:
                let time = buffer.load(as: MYSQL_TIME.self)
                values.append(DateTimeConversion.date(from: time).map { .date($0) } ?? .null)
            case .text, .binary:
                let length = Int(lengths[index])
                if length > Int(binds[index].buffer_length) {
                    let bytes = try fetchWhole(column: index, length: length, statement: statement)
                    values.append(kind.isText ? .string(String(decoding: bytes, as: UTF8.self)) : .bytes(bytes))
                } else {
                    // Text straight from the buffer: no byte array made and freed on the way.
                    let stored = UnsafeRawBufferPointer(start: buffer, count: length)
                    values.append(kind.isText ? .string(String(decoding: stored, as: UTF8.self)) : .bytes(Array(stored)))
                }
            }
        }
    }

    /// The truncation fallback: fetch one long value into a buffer of its real size.
    private func fetchWhole(
        column: Int, length: Int, statement: UnsafeMutablePointer<MYSQL_STMT>
    ) throws(DatabaseError) -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        var fetchedLength: UInt = 0
        let status = bytes.withUnsafeMutableBytes { target -> Int32 in
            var bind = MYSQL_BIND()
            bind.buffer_type = binds[column].buffer_type
            bind.buffer = target.baseAddress
            bind.buffer_length = UInt(length)
            return withUnsafeMutablePointer(to: &fetchedLength) { lengthPointer in
                bind.length = lengthPointer
                return mysql_stmt_fetch_column(statement, &bind, UInt32(column), 0)
            }
        }
        guard status == 0 else { throw PreparedStatement.error(of: statement) }
        return Array(bytes.prefix(Int(fetchedLength)))
    }

    private static func kind(of field: MYSQL_FIELD) -> Kind {
        let binaryCharset: UInt32 = 63
        switch field.type {
        case MYSQL_TYPE_TINY, MYSQL_TYPE_SHORT, MYSQL_TYPE_INT24, MYSQL_TYPE_LONG,
            MYSQL_TYPE_LONGLONG, MYSQL_TYPE_YEAR:
            return .integer(unsigned: field.flags & UInt32(UNSIGNED_FLAG) != 0)
        case MYSQL_TYPE_FLOAT, MYSQL_TYPE_DOUBLE:
            return .real
        case MYSQL_TYPE_DATE, MYSQL_TYPE_DATETIME, MYSQL_TYPE_TIMESTAMP, MYSQL_TYPE_NEWDATE:
            return .dateTime
        case MYSQL_TYPE_TINY_BLOB, MYSQL_TYPE_MEDIUM_BLOB, MYSQL_TYPE_LONG_BLOB, MYSQL_TYPE_BLOB,
            MYSQL_TYPE_VAR_STRING, MYSQL_TYPE_STRING, MYSQL_TYPE_VARCHAR, MYSQL_TYPE_GEOMETRY,
            MYSQL_TYPE_BIT:
            return field.charsetnr == binaryCharset ? .binary : .text
        default:
            // DECIMAL, TIME, ENUM, SET, JSON, NULL: as text.
            return .text
        }
    }
}

extension ResultBinding.Kind {
    var isText: Bool { if case .text = self { true } else { false } }
}
