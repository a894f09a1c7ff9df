import Foundation
import Testing
@testable import Database

/// Migration files: reading, naming and splitting into statements (no server needed).
@Suite struct MigrationFileTests {
    /// The path of the repository's `sql/` folder.
    static let migrationsDirectory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("sql").path

    @Test func splitsStatementsAtLinesEndingInSemicolon() {
        let sql = """
            -- a comment; with a semicolon
            CREATE TABLE a (
                x INT -- inline
            );

            INSERT INTO a VALUES (1);
            INSERT INTO a VALUES (2)
            """
        #expect(
            Migration.statements(in: sql) == [
                "CREATE TABLE a (\n    x INT -- inline\n)", "INSERT INTO a VALUES (1)", "INSERT INTO a VALUES (2)",
            ])
    }

    @Test func aDelimiterLineKeepsAProcedureBodyInOneStatement() {
        let sql = """
            CREATE TABLE a (x INT);

            DELIMITER //
            CREATE PROCEDURE p()
            BEGIN
                INSERT INTO a VALUES (1);
                SELECT x FROM a;
            END //
            delimiter ;
            INSERT INTO a VALUES (2);
            """
        #expect(
            Migration.statements(in: sql) == [
                "CREATE TABLE a (x INT)",
                "CREATE PROCEDURE p()\nBEGIN\n    INSERT INTO a VALUES (1);\n    SELECT x FROM a;\nEND",
                "INSERT INTO a VALUES (2)",
            ])
    }

    @Test func loadsTheRepositoryMigrationsInOrder() throws {
        let migrations = try Migration.load(fromDirectory: Self.migrationsDirectory)
        #expect(migrations.first?.version == 1)
        #expect(migrations.first?.name == "users")
        #expect(migrations.map(\.version) == migrations.map(\.version).sorted())
    }

    @Test func badFileNamesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("migrations-\(UUID())")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try "SELECT 1;".write(to: dir.appendingPathComponent("first.sql"), atomically: true, encoding: .utf8)
        #expect(throws: MigrationError.self) { try Migration.load(fromDirectory: dir.path) }
    }
}
