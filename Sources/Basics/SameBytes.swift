#if canImport(Glibc)
    import Glibc
#endif

extension UnsafeRawBufferPointer {
    /// Whether both hold the same bytes: the lengths, then one `memcmp` (not a generic
    /// `elementsEqual`, which walks them byte by byte).
    public func hasSameBytes(as other: UnsafeRawBufferPointer) -> Bool {
        count == other.count && (count == 0 || memcmp(baseAddress!, other.baseAddress!, count) == 0)
    }
}

extension String {
    /// Whether both strings hold the same bytes: what a cache key is compared by (`==` is
    /// canonical equivalence, which equates different bytes). Native strings are compared by one
    /// `memcmp` of their contiguous UTF-8.
    public func hasSameUTF8(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let compared = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                UnsafeRawBufferPointer(mine).hasSameBytes(as: UnsafeRawBufferPointer(theirs))
            }
        }
        return (compared ?? nil) ?? utf8.elementsEqual(other.utf8)
    }
}
