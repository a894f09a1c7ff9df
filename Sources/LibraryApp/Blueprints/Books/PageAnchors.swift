import Storage
import Synchronization

/// Where the deep pages of a book list start. `LIMIT ? OFFSET n` walks n index entries before
/// its page: on 10,000 books a deep page cost MariaDB 1–4 ms, nearly all the cost of a list
/// page that misses the answer cache. With the sort key of every `spacing`-th row of the list
/// at hand, a page starts at the nearest such row by a range condition on the sort index and
/// walks fewer than `spacing` entries more (~0.2 ms, wherever the page is).
///
/// The keys of one list (its filters and sort) are read in one pass over its index the first
/// time a deep page of it is asked for under a stamp — the one of the list's cached count
/// (`ListCountCache`), so every write that can move a row of the list voids them on every
/// process: any change of a book for every list, a loan or hold only for lists filtered on
/// `available` — and kept by the process. While one worker reads them the others page with OFFSET.
/// A page read while a write commits may start a row early or late, as an OFFSET read a moment
/// earlier or later would; its answer carries the older stamp, so it is not served after the write.
final class PageAnchors: Sendable {
    /// The sort key of one row of a list (`Storage` reads them).
    typealias Anchor = BookListAnchor
    /// Where a page starts: at an anchor, after skipping some more rows of the list.
    typealias Start = BookListStart

    static let spacing = 32
    /// Lists kept per process (each at most `maximumRows / spacing` anchors, ~60 bytes each).
    static let maximumLists = 64
    /// A longer list pages with OFFSET: reading its keys would cost more than a page saves.
    static let maximumRows = 200_000

    private enum Entry {
        case reading
        case ready(stamp: String, anchors: [Anchor])
    }

    private let lists = Mutex<[String: Entry]>([:])

    /// Where the page at `offset` of the list `key` (of `total` rows, under `stamp`) starts, or nil
    /// to page with OFFSET: a shallow page, an unsuitable list, or keys another worker is reading.
    /// `readAnchors` reads the sort keys of rows 0, `spacing`, 2 × `spacing`, ... of the list.
    func start(
        of key: String, offset: Int, total: Int, stamp: String,
        readAnchors: () throws -> [Anchor]
    ) throws -> Start? {
        guard offset >= Self.spacing, offset < total, total <= Self.maximumRows else { return nil }
        let known: [Anchor]? = lists.withLock { lists in
            switch lists[key] {
            case let .ready(stamp: current, anchors)? where current == stamp:
                return anchors
            case .reading?:
                return []  // someone else reads them: OFFSET this time
            default:
                if lists.count >= Self.maximumLists { lists.removeAll() }
                lists[key] = .reading
                return nil
            }
        }
        let anchors: [Anchor]
        if let known {
            anchors = known
        } else {
            do {
                anchors = try readAnchors()
            } catch {
                lists.withLock { _ = $0.removeValue(forKey: key) }
                throw error
            }
            lists.withLock { $0[key] = .ready(stamp: stamp, anchors: anchors) }
        }
        let index = offset / Self.spacing
        guard index < anchors.count else { return nil }  // the list grew since: OFFSET
        return Start(anchor: anchors[index], skip: offset % Self.spacing)
    }
}
