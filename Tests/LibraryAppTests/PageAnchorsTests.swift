import Database
import Storage
import Testing
@testable import LibraryApp

@Suite struct PageAnchorsTests {
    struct ReadFailed: Error {}

    /// Anchors of a list of `rows` rows whose sort value is the row's position.
    static func anchors(rows: Int) -> [PageAnchors.Anchor] {
        stride(from: 0, to: rows, by: PageAnchors.spacing).map { PageAnchors.Anchor(value: .int(Int64($0)), id: Int64($0) + 1) }
    }

    @Test func shallowPagesPagesPastTheEndAndHugeListsUseOffset() throws {
        let anchors = PageAnchors()
        var reads = 0
        let read = {
            reads += 1; return Self.anchors(rows: 1000)
        }
        #expect(try anchors.start(of: "l", offset: PageAnchors.spacing - 1, total: 1000, stamp: "1", readAnchors: read) == nil)
        #expect(try anchors.start(of: "l", offset: 1000, total: 1000, stamp: "1", readAnchors: read) == nil)
        #expect(try anchors.start(of: "l", offset: 100, total: PageAnchors.maximumRows + 1, stamp: "1", readAnchors: read) == nil)
        #expect(reads == 0)
    }

    @Test func aDeepPageStartsAtTheNearestAnchorBeforeIt() throws {
        let anchors = PageAnchors()
        let start = try anchors.start(of: "l", offset: 100, total: 1000, stamp: "1") { Self.anchors(rows: 1000) }
        let spacing = PageAnchors.spacing
        #expect(
            start
                == PageAnchors.Start(
                    anchor: .init(value: .int(Int64(100 / spacing * spacing)), id: Int64(100 / spacing * spacing) + 1),
                    skip: 100 % spacing))
    }

    @Test func keysAreReadOncePerStampAndAgainAfterAWrite() throws {
        let anchors = PageAnchors()
        var reads = 0
        let read = {
            reads += 1; return Self.anchors(rows: 1000)
        }
        for offset in [40, 500, 999] { _ = try anchors.start(of: "l", offset: offset, total: 1000, stamp: "1", readAnchors: read) }
        #expect(reads == 1)
        _ = try anchors.start(of: "other", offset: 40, total: 1000, stamp: "1", readAnchors: read)
        #expect(reads == 2)
        _ = try anchors.start(of: "l", offset: 40, total: 1000, stamp: "2", readAnchors: read)
        #expect(reads == 3)
    }

    @Test func aFailedReadIsForgottenAndAListThatGrewUsesOffset() throws {
        let anchors = PageAnchors()
        #expect(throws: ReadFailed.self) {
            try anchors.start(of: "l", offset: 40, total: 1000, stamp: "1") { throw ReadFailed() }
        }
        // read again (not stuck "reading"), but it holds fewer rows than the total now says
        var reads = 0
        let start = try anchors.start(of: "l", offset: 900, total: 1000, stamp: "1") {
            reads += 1; return Self.anchors(rows: 500)
        }
        #expect(start == nil)
        #expect(reads == 1)
    }

    @Test func whileOneWorkerReadsTheOthersUseOffset() throws {
        let anchors = PageAnchors()
        let inner = try anchors.start(of: "l", offset: 40, total: 1000, stamp: "1") { () throws -> [PageAnchors.Anchor] in
            // another worker asks meanwhile: it must not wait for, nor repeat, this read
            let other = try anchors.start(of: "l", offset: 40, total: 1000, stamp: "1") {
                Issue.record("read twice"); return []
            }
            #expect(other == nil)
            return Self.anchors(rows: 1000)
        }
        #expect(inner != nil)
    }
}
