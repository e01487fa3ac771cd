import PolicyDSL
import Testing

/// Invalid policies, each with the exact place and words of its first error.
@Suite("Invalid policies")
struct InvalidPolicyTests {
    static let cases: [(source: String, line: Int, column: Int, message: String)] = [
        (
            "polcy \"x\"", 1, 1,
            "expected a declaration (`policy`, `files`, `group`, `trust`, `watch`, `risk`, `deny`, `warn`, `require`, `freeze`, `reverts`, `owners`, `secret`, `identity`, `identities`, `ignore`, `rto`), found `polcy`"
        ),
        ("policy x", 1, 8, "expected the policy's name in double quotes, found `x`"),
        (
            "policy \"x\"\nfiles db/*.yaml", 2, 7,
            "expected a path glob in double quotes, or `detect SYSTEM`, found `db`"
        ),
        ("policy \"x\"\nfiles \"a\" as xml", 2, 14, "unknown format `xml`"),
        ("policy \"x\"\ngroup dba = \"alice\"", 2, 13, "expected `[` to start the list of identities, found a string"),
        ("policy \"x\"\ngroup dba = [\"a\" \"b\"]", 2, 18, "expected `,` or `]`, found a string"),
        ("policy \"x\"\ngroup = [\"a\"]", 2, 7, "expected the group's name, found `=`"),
        ("policy \"x\"\nwatch \"a.b\" weight", 2, 19, "expected a weight, found the end of the file"),
        (
            "policy \"x\"\nwatch \"a.b\" weigth 5", 2, 13,
            "expected `weight` and a number after the watched patterns, found `weigth`"
        ),
        ("policy \"x\"\nwatch \"a.b\" weight 1.5", 2, 20, "expected a weight, a whole number"),
        ("policy \"x\"\nwatch \"a.b\" weight 5 tag", 2, 25, "expected a tag name, found the end of the file"),
        ("policy \"x\"\nrisk 10 \"r\"", 2, 12, "expected `when` and a condition, found the end of the file"),
        ("policy \"x\"\nrisk \"r\" when true", 2, 6, "expected points, like +30 or -25, found a string"),
        ("policy \"x\"\nrisk +10 \"r\" when", 2, 18, "expected a value or a field, found the end of the file"),
        ("policy \"x\"\ndeny when true", 2, 6, "expected the rule's name in double quotes, found `when`"),
        ("policy \"x\"\ndeny \"d\" true", 2, 10, "expected `when` and a condition, found `true`"),
        ("policy \"x\"\nwarn \"w\" when risk >", 2, 21, "expected a value or a field, found the end of the file"),
        ("policy \"x\"\nrequire \"r\" {\n  reviewer >= 1\n}", 3, 3, "expected a requirement, found `reviewer`"),
        (
            "policy \"x\"\nrequire \"r\" {\n  reviewers 1\n}", 3, 13,
            "expected `>=`, `>` or `==` after `reviewers`, found a number"
        ),
        (
            "policy \"x\"\nrequire \"r\" {\n  tests \"a\"\n}", 4, 1,
            "expected `passed` after the test patterns, found `}`"
        ),
        (
            "policy \"x\"\nrequire \"r\" {\n  risk > 5\n}", 3, 8,
            "expected `<` or `<=` after `risk` in a requirement, found `>`"
        ),
        (
            "policy \"x\"\nrequire \"r\" {\n  reviewers >= 1", 3, 17,
            "expected `}` to close the block, found the end of the file"
        ),
        (
            "policy \"x\"\nrequire \"r\" when true\n  reviewers >= 1\n}", 3, 3,
            "expected `{` to start the requirement block, found `reviewers`"
        ),
        (
            "policy \"x\"\nfreeze \"f\" from 2026-11-26 to", 2, 30,
            "expected the end, like 2026-12-01T00:00Z, found the end of the file"
        ),
        ("policy \"x\"\nfreeze \"f\" from 2026-13-01 to 2026-12-01", 2, 17, "invalid date"),
        (
            "policy \"x\"\nfreeze \"f\" from 2026-11-26T00:00 to 2026-12-01T00:00Z", 2, 17,
            "a timestamp with a time needs a time zone (Z or ±hh:mm)"
        ),
        (
            "policy \"x\"\nfreeze \"f\" from 2026-11-26 until 2026-12-01", 2, 28,
            "expected `to` and the freeze's end, found `until`"
        ),
        (
            "policy \"x\"\nrequire \"r\" {\n  reviewers >= 1\n} override oncall", 4, 12,
            "expected `by` after `override`, found `oncall`"
        ),
        ("policy \"x\"\ndeny \"d\" when risk > 5 > 3", 2, 24, "comparisons cannot be chained; join them with `and`"),
        ("policy \"x\"\ndeny \"d\" when (risk > 5", 2, 24, "expected `)`, found the end of the file"),
        ("policy \"x\"\ndeny \"d\" when risk > 5 && true", 2, 24, "unexpected `&&`; write `and`"),
        (
            "policy \"x\"\ndeny \"d\" when !true", 2, 15,
            "unexpected `!`; write `not` for negation or `!=` for inequality"
        ),
        ("policy \"x\"\ndeny 'd' when true", 2, 6, "strings are written in double quotes"),
        (
            "policy \"x\"\ndeny \"d\" when any change key == \"a\"", 2, 26,
            "expected `(` and a condition after `any change`, found `key`"
        ),
        ("policy \"x\"\ndeny \"d\" when risk > 5m5", 2, 24, "the last number of a duration needs a unit"),
        ("policy \"x\"\ndeny \"d\" when now > 2026-02-30", 2, 21, "invalid date"),
        ("policy \"x\"\ndeny \"d\" when actor == \"unterminated", 2, 24, "unterminated string"),
        ("policy \"x\"\ndeny \"d\" when [1, 2", 2, 20, "expected `,` or `]` in the list, found the end of the file"),
        ("policy \"x\"\ndeny \"d\" when risk in [1 2]", 2, 26, "expected `,` or `]` in the list, found a number"),
        (
            "policy \"x\"\ndeny \"d\" when len(\"a\" \"b\")", 2, 23,
            "expected `,` or `)` in the call of `len`, found a string"
        ),
        ("policy \"x\"\ndeny \"d\" when \"a\" > 3", 2, 15, "cannot compare a string with a number"),
        ("policy \"x\"\ndeny \"d\" when reviewer > 1", 2, 15, "unknown field or group `reviewer`"),
        (
            "policy \"x\"\ndeny \"d\" when key == \"a\"", 2, 15,
            "`key` is a field of a change, and there is no current change here"
        ),
        (
            "policy \"x\"\ndeny \"d\" when head(\"a.b\") > 1", 2, 15,
            "`head(…)` reads the current file, and there is no current file here"
        ),
        (
            "policy \"x\"\ndeny \"d\" when any file (kind == \"added\")", 2, 25,
            "`kind` is a field of a change, and there is no current change here"
        ),
        (
            "policy \"x\"\nrisk +5 \"r\" when risk > 10", 2, 18,
            "a risk line cannot read `risk`: the total is what risk lines add up to"
        ),
        ("policy \"x\"\ndeny \"d\" when true\ndeny \"d\" when false", 3, 6, "a rule named \"d\" already exists"),
        ("policy \"x\"\nrequire \"r\" {\n  reviewers >= 1 from dba\n}", 3, 23, "unknown group `dba`"),
        (
            "policy \"x\"\ngroup dba = [\"a\"]\nrequire \"r\" {\n  reviewers >= 1 from dbas\n}", 4, 23,
            "unknown group `dbas`"
        ),
        ("policy \"x\"\ngroup dba = [\"a\"]\ngroup dba = [\"b\"]", 3, 7, "group `dba` is declared twice"),
        ("policy \"x\"\npolicy \"y\"", 2, 1, "a second `policy` declaration"),
        ("policy \"x\"\ndeny \"d\" when risk + \"a\" > 1", 2, 15, "cannot add a number and a string"),
        ("policy \"x\"\ndeny \"d\" when risk", 2, 15, "a condition must be true or false; this is a number"),
        ("policy \"x\"\ndeny \"d\" when not risk", 2, 19, "`not` needs a condition; this is a number"),
        ("policy \"x\"\ndeny \"d\" when risk and true", 2, 15, "`and` joins conditions; this is a number"),
        ("policy \"x\"\ndeny \"d\" when lenn(\"a\") > 1", 2, 15, "unknown function `lenn`"),
        ("policy \"x\"\ndeny \"d\" when len(\"a\", \"b\") > 1", 2, 15, "`len` takes 1 argument, not 2"),
        (
            "policy \"x\"\ndeny \"d\" when actor matches 5", 2, 29,
            "`matches` takes a pattern in double quotes, or a list of them"
        ),
        (
            "policy \"x\"\ndeny \"d\" when actor in \"abc\"", 2, 24,
            "`in` needs a list or a group on its right; this is a string"
        ),
        (
            "policy \"x\"\ndeny \"d\" when any change (key matches \"a[b\")", 2, 39,
            "invalid key-path pattern: `[` without a closing `]`"
        ),
        ("policy \"x\"\nwatch \"a..b\" weight 5", 2, 7, "invalid key-path pattern: empty segment between dots"),
        ("policy \"x\"\nwatch \"a.b\" weight -5", 2, 20, "a weight cannot be negative"),
        ("policy \"x\"\nfreeze \"f\" from 2026-12-01 to 2026-11-26", 2, 31, "the freeze ends before it starts"),
        ("policy \"x\"\ngroup risk = [\"a\"]", 2, 7, "`risk` is a field of the language and cannot name a group"),
        ("policy \"x\"\ndeny \"d\" when now - 5 > now", 2, 15, "cannot subtract a timestamp and a number"),
        (
            "policy \"x\"\ndeny \"d\" when count change (key) > 1", 2, 29,
            "`count change (…)` needs a condition; this is a string"
        ),
        (
            "policy \"x\"\nrequire \"r\" override by nobody {\n}", 2, 13,
            "expected `{` to start the requirement block, found `override`"
        ),
        (
            "policy \"x\"\ndeny \"d\" when tags has \"a\"", 2, 15,
            "`tags` is a field of a change, and there is no current change here"
        ),
        (
            "policy \"x\"\ndeny \"d\" when any change (new > old * 2) and file == \"x\"", 2, 46,
            "`file` is a field of a file, and there is no current file here"
        ),
        ("policy \"x\"\ngroup dba from \"missing-file.txt\"", 2, 16, "cannot read group file \"missing-file.txt\""),
        ("policy \"x\"\ndeny \"d\" when any changes (true)", 2, 19, "expected `change` or `file` after `any`"),
        ("policy \"x\"\ndeny \"d\" when now - 2026-01-01 > 100000000000000w", 2, 34, "duration out of range"),
        ("policy \"x\"\ndeny \"d\" when now - 2026-01-01 > 99999999999999999999s", 2, 34, "duration out of range"),
        ("policy \"x\"\ndeny \"d\" when now - 2026-01-01 > 9223372036854775807s1s", 2, 34, "duration out of range"),
        (
            "policy \"x\"\nrequire \"r\" {\n  reviewers > 9223372036854775807\n}", 3, 15,
            "more than 1,000 reviewers can never be met"
        ),
        (
            "policy \"x\"\nrisk +9223372036854775807 \"a\" when true", 2, 6,
            "risk points beyond ±1000000 make every other line meaningless"
        ),
        (
            "policy \"x\"\nfiles \"a\"\nwatch \"a\" weight 2000000", 3, 18,
            "a weight above 1000000 makes every other risk meaningless"
        ),
        (
            "policy \"x\"\ngroup dba = [\" alice@example.com\"]", 2, 14,
            "an identity with spaces around it never matches; write \"alice@example.com\""
        ),
        ("policy \"x\"\ndeny \"d\" when", 2, 14, "expected a value or a field, found the end of the file"),
        (
            "policy \"x\"\ntrust reviewers", 2, 7,
            "expected `trailers` after `trust` (`trust trailers` or `trust unauthenticated pushes`), found `reviewers`"
        ),
        ("policy \"x\"\ntrust trailers \"Signed-off-by\"", 2, 16, "unknown trailer \"Signed-off-by\""),
        ("policy \"x\"\ntrust trailers committed by bots", 2, 29, "unknown group `bots`"),
        ("policy \"x\"\ntrust trailers committed bots", 2, 26, "expected `by` after `committed`, found `bots`"),
        ("policy \"x\"\ntrust trailers \"Tested\"\ntrust trailers", 3, 1, "a second `trust trailers` declaration"),
        ("policy \"x\"\nidentity \"f@example.com\" = []", 2, 10, "\"f@example.com\" is not a login"),
        (
            "policy \"x\"\nidentity \"frank\" = [\"frank\"]", 2, 21,
            "\"frank\" is not an e-mail address (write it as name@host)"
        ),
        (
            "policy \"x\"\nidentity \"a\" = [\"x@example.com\"]\nidentity \"b\" = [\"X@example.com\"]", 3, 17,
            "\"X@example.com\" is given to both \"a\" and \"b\""
        ),
        ("policy \"x\"\nidentity \"a\" = []\nidentity \"A\" = []", 3, 10, "identity \"A\" is declared twice"),
        (
            "policy \"x\"\ntrust trailers signed \"k\"", 2, 23,
            "expected `with` after `signed` (`signed with \"FILE\"`), found a string"
        ),
        (
            "policy \"x\"\ntrust trailers signed with \"keys\"", 2, 28,
            "cannot read allowed-signers file \"keys\" (or it is empty)"
        ),
        (
            "policy \"x\"\nidentities \"people\"", 2, 12,
            "expected `from` after `identities` (`identities from \"FILE\"`), found a string"
        ),
    ]

    @Test("each invalid policy is refused with the exact line, column and message")
    func diagnostics() {
        #expect(Self.cases.count >= 60)
        for (source, line, column, message) in Self.cases {
            let result = PolicyCompiler.compile([SourceFile(path: "t.policy", text: source + "\n")])
            #expect(result.program == nil, "compiled: \(source)")
            guard let first = result.errors.first else {
                Issue.record("no error for: \(source)")
                continue
            }
            #expect(first.location.line == line && first.location.column == column, "\(source)\n\(first)")
            #expect(first.message == message, "\(source)")
            #expect(first.description == "t.policy:\(line):\(column): error: \(message)")
        }
    }
}
