import PolicyDSL
import Testing

/// A policy file's bytes become text strictly: invalid UTF-8 is refused with its position.
@Suite("Source decoding")
struct SourceDecodingTests {
    private static func decodingError(_ path: String, _ bytes: [UInt8]) -> SourceFile.EncodingError? {
        let result = Result { () throws(SourceFile.EncodingError) in try SourceFile(path: path, bytes: bytes) }
        if case .failure(let error) = result { return error }
        return nil
    }

    @Test(
        "invalid UTF-8 is refused at the line and column of the first bad sequence",
        arguments: [
            ([0xC3, 0x28], "bytes 0xC3 0x28: a 2-byte character cut short"),
            ([0x80], "byte 0x80: a continuation byte that continues no character"),
            ([0xC0, 0xAF], "byte 0xC0: a byte that never occurs in UTF-8"),
            ([0xE0, 0x80, 0x80], "bytes 0xE0 0x80: an overlong encoding"),
            ([0xED, 0xA0, 0x80], "bytes 0xED 0xA0: a UTF-16 surrogate, which UTF-8 never encodes"),
            ([0xF4, 0x90, 0x80, 0x80], "bytes 0xF4 0x90: beyond U+10FFFF, the last code point"),
            ([0xFF], "byte 0xFF: a byte that never occurs in UTF-8"),
        ] as [([UInt8], String)])
    func invalidUTF8(sequence: [UInt8], problem: String) {
        // Line 3; "  # é…" puts the bad bytes at column 6 with a two-byte character before them.
        let bytes = Array("policy \"p\"\n\n  # é".utf8) + sequence + Array(" rest\n".utf8)
        let error = Self.decodingError("policies/x.policy", bytes)
        #expect(error?.description == "invalid UTF-8 at policies/x.policy:3:6 (\(problem))")
        #expect(error?.location.offset == 18)
    }

    @Test("a sequence cut short by the end of the file, and valid UTF-8, decode as they should")
    func utf8Edges() throws {
        let error = Self.decodingError("x.policy", Array("policy \"p\"\n#".utf8) + [0xE2, 0x82])
        #expect(
            error?.description
                == "invalid UTF-8 at x.policy:2:2 (bytes 0xE2 0x82: a 3-byte character cut short by the end of the file)"
        )
        let text = "policy \"ünïcødé €𝄞\"\n"
        let decoded = try SourceFile(path: "x.policy", bytes: Array(text.utf8))
        #expect(decoded.text == text)
        #expect(PolicyCompiler.compile([decoded]).errors.isEmpty)
    }
}
