#if canImport(Glibc)
    import Glibc
#endif

extension String {
    /// Whether both strings hold the same bytes: what a cache key is compared by (`==` is
    /// canonical equivalence, which equates different bytes). Native strings are compared by one
    /// `memcmp` of their contiguous UTF-8, not byte by byte through the generic `elementsEqual`.
    public func hasSameUTF8(as other: String) -> Bool {
        guard utf8.count == other.utf8.count else { return false }
        let compared = utf8.withContiguousStorageIfAvailable { mine in
            other.utf8.withContiguousStorageIfAvailable { theirs in
                mine.isEmpty || memcmp(mine.baseAddress!, theirs.baseAddress!, mine.count) == 0
            }
        }
        return (compared ?? nil) ?? utf8.elementsEqual(other.utf8)
    }
}
