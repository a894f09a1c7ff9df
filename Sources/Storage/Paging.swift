/// Which rows of a list a page holds: `limit` rows after skipping `offset`.
package struct Paging: Sendable, Equatable {
    package var offset: Int
    package var limit: Int

    package init(offset: Int, limit: Int) {
        self.offset = offset
        self.limit = limit
    }
}
