import Testing
@testable import Database

/// Classification of server messages, without a server.
@Suite struct ErrorClassificationTests {
    @Test func duplicateKeyNamesTheIndex() {
        let error = DatabaseError.classify(code: 1062, message: "Duplicate entry 'a@b.c' for key 'uq_users_email'")
        #expect(error == .duplicateKey(key: "uq_users_email"))
        #expect(!error.description.contains("a@b.c"))
    }

    @Test func duplicateKeyIsNotFooledByTheValue() {
        let error = DatabaseError.classify(
            code: 1062, message: "Duplicate entry 'x for key 'evil'' for key 'users.uq_users_username'")
        #expect(error == .duplicateKey(key: "uq_users_username"))
    }

    @Test func constraintsAreNamed() {
        #expect(
            DatabaseError.classify(code: 4025, message: "CONSTRAINT `chk_users_role` failed for `db`.`users`")
                == .checkConstraint(constraint: "chk_users_role"))
        let fk =
            "Cannot add or update a child row: a foreign key constraint fails (`db`.`revoked_tokens`, "
            + "CONSTRAINT `fk_revoked_tokens_user` FOREIGN KEY (`user_id`) REFERENCES `users` (`id`))"
        #expect(DatabaseError.classify(code: 1452, message: fk) == .foreignKey(constraint: "fk_revoked_tokens_user"))
    }

    @Test func lostConnectionsAndDeadlocks() {
        for code in [2002, 2006, 2013, 1927, 1053] {
            #expect(DatabaseError.classify(code: code, message: "").isRetryable)
        }
        #expect(DatabaseError.classify(code: 1213, message: "") == .deadlock(code: 1213))
        #expect(DatabaseError.classify(code: 1205, message: "") == .deadlock(code: 1205))
        // Galera: a certification failure is 1213 too; a node that is not synced answers 1047.
        #expect(
            DatabaseError.classify(code: 1213, message: "Deadlock found when trying to get lock; try restarting transaction")
                == .deadlock(code: 1213))
        #expect(
            DatabaseError.classify(code: 1047, message: "WSREP has not yet prepared node for application use")
                == .unavailable(code: 1047, message: "WSREP has not yet prepared node for application use"))
        // Any failure to connect is "unavailable", even access denied.
        guard case .unavailable = DatabaseError.classify(code: 1045, message: "", connecting: true) else {
            Issue.record("connect failure not unavailable")
            return
        }
    }

    @Test func otherMessagesLoseTheirQuotedValues() {
        let error = DatabaseError.classify(code: 1366, message: "Incorrect integer value: 'hunter2' for column `db`.`t`.`n` at row 1")
        #expect(error == .other(code: 1366, message: "Incorrect integer value: '?' for column `db`.`t`.`n` at row 1"))
        #expect(
            DatabaseError.redacted("Can't connect through socket '/run/x.sock' (2)")
                == "Can't connect through socket '?' (2)")
        #expect(DatabaseError.redacted("Data too long: 'O'Brien's secret' at row 1") == "Data too long: '?' at row 1")
    }
}
