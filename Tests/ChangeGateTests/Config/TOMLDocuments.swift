/// TOML documents for the reader's tests: valid ones covering every part of TOML 1.0.0, and invalid
/// ones with the line where the mistake is.
enum TOMLDocuments {
    struct Valid {
        var name: String
        var text: String
    }

    struct Invalid {
        var name: String
        var text: String
        /// The line an error should point at.
        var line: Int
    }

    static let valid: [Valid] = [
        // Comments and whitespace
        Valid(
            name: "comments everywhere",
            text: #"""
                # full-line comment
                a = 1 # trailing comment
                   # indented comment
                b = "# not a comment" # comment with "quotes" and ünïcödé ✓
                #no space after the hash
                c = 'x'#no space before it
                """#),
        Valid(name: "empty file", text: ""),
        Valid(name: "only comments and blank lines", text: "# nothing here\n\n   \n\t\n# the end"),
        Valid(name: "no line break at the end", text: "a = 1"),
        Valid(name: "tabs as whitespace", text: "\ta\t=\t1\t# c\n[\tt\t]\n\tb = [\t1\t,\t2\t]\n"),
        Valid(name: "spacing around the equals sign", text: "a=1\nb   =   2\n\"c\"= 3\nd =4"),

        // Keys
        Valid(name: "bare keys", text: "bare_key = 1\nbare-key = 2\n1234 = 3\n_ = 4\n-- = 5\nA-Z_09 = 6\n"),
        Valid(
            name: "quoted keys",
            text: #"""
                "127.0.0.1" = "v1"
                "character encoding" = "v2"
                "ʎǝʞ" = "v3"
                'key2' = "v4"
                'quoted "value"' = "v5"
                "" = "empty"
                "tab\there" = "v6"
                "\u00e9" = "v7"
                'a\b' = "v8"
                """#),
        Valid(
            name: "dotted keys",
            text: #"""
                name = "Orange"
                physical.color = "orange"
                physical.shape = "round"
                site."google.com" = true
                fruit . flavor = "banana"
                fruit.\#tsize = 3
                3.14159 = "pi"
                """#),
        Valid(
            name: "dotted keys defining tables out of order",
            text: """
                apple.type = "fruit"
                orange.type = "fruit"
                apple.skin = "thin"
                orange.skin = "thick"
                apple.color = "red"
                """),
        Valid(
            name: "keys that look like other values",
            text: "true = 1\nfalse = 2\ninf = 3\nnan = 4\n1979-05-27 = 5\n0x1 = 6\n- = 7\n1e5 = 8\n"),
        Valid(name: "quoted and bare keys that differ", text: "[t]\n\"a\" = 1\nb = 2\n'b c' = 3\n\"c\\u0041\" = 4\n"),

        // Strings
        Valid(
            name: "basic string escapes",
            text: #"""
                s = "\b\t\n\f\r\"\\ é \u00E9 \U0001F600 \u0000 \u007F end"
                t = "tab\#tinside, unicode ✓ 中文 😀"
                """#),
        Valid(
            name: "literal strings",
            text: #"""
                winpath = 'C:\Users\nodejs\templates'
                winpath2 = '\\ServerX\admin$\system32\'
                quoted = 'Tom "Dubs" Preston-Werner'
                regex = '<\i\c*\s*>'
                tab = 'a\#tb'
                """#),
        Valid(name: "empty strings", text: "a = \"\"\nb = ''\nc = \"\"\"\"\"\"\nd = ''''''\n"),
        Valid(
            name: "multi-line basic string, first line break trimmed",
            text: #"""
                s = """
                Roses are red
                Violets are blue"""
                t = """no break"""
                """#),
        Valid(
            name: "line-ending backslash",
            text: #"""
                s = """\
                       The quick brown \
                       fox jumps over \
                       the lazy dog.\
                       """
                t = """The quick brown \


                  fox."""
                """#),
        Valid(
            name: "line-ending backslash followed by whitespace",
            text: "s = \"\"\"a \\  \t\n   b\\\t\n\n c\"\"\"\n"),
        Valid(
            name: "quotes inside multi-line basic strings",
            text: #"""
                str4 = """Here are two quotation marks: "". Simple enough."""
                str5 = """Here are three quotation marks: ""\"."""
                str6 = """Here are fifteen quotation marks: ""\"""\"""\"""\"""\"."""
                str7 = """"This," she said, "is just a pointless statement.""""
                """#),
        Valid(
            name: "escapes in multi-line basic strings",
            text: #"""
                s = """tab\there
                newline \"quote\" \\ backslash \u00e9 \U0001F600"""
                """#),
        Valid(
            name: "multi-line literal strings",
            text: #"""
                regex2 = '''I [dw]on't need \d{2} apples'''
                lines  = '''
                The first newline is
                trimmed in raw strings.
                   All other whitespace
                   is preserved.
                '''
                quot15 = '''Here are fifteen quotation marks: """""""""""""""'''
                apos15 = "Here are fifteen apostrophes: '''''''''''''''"
                str = ''''That,' she said, 'is still pointless.''''
                """#),
        Valid(
            name: "multi-line strings ending in quotes",
            text: "a = \"\"\"x\"\"\"\"\"\nb = '''y'''''\nc = \"\"\"z\"\"\"\"\n"),
        Valid(
            name: "strings with comment and quote characters",
            text: #"""
                a = "a # b"
                b = 'c # d'
                c = "\"quoted\""
                d = "it's"
                e = 'say "hi"'
                """#),
        Valid(
            name: "unicode in strings, keys and comments",
            text: "name = \"Ünïcödé ✓ 😀\" # ✓ комментарий\n\"ключ\" = 'значение'\n"),

        // Integers
        Valid(
            name: "decimal integers",
            text: """
                int1 = +99
                int2 = 42
                int3 = 0
                int4 = -17
                int5 = 1_000
                int6 = 5_349_221
                int7 = 53_49_221
                int8 = 1_2_3_4_5
                zero_pos = +0
                zero_neg = -0
                """),
        Valid(
            name: "hexadecimal, octal and binary integers",
            text: """
                hex1 = 0xDEADBEEF
                hex2 = 0xdeadbeef
                hex3 = 0xdead_beef
                hex4 = 0x0000
                oct1 = 0o01234567
                oct2 = 0o755
                bin1 = 0b11010110
                bin2 = 0b0001
                """),
        Valid(
            name: "64-bit limits",
            text: """
                max = 9223372036854775807
                min = -9223372036854775808
                hexmax = 0x7FFFFFFFFFFFFFFF
                octmax = 0o777777777777777777777
                binmax = 0b111111111111111111111111111111111111111111111111111111111111111
                """),

        // Floats
        Valid(
            name: "floats",
            text: """
                flt1 = +1.0
                flt2 = 3.1415
                flt3 = -0.01
                flt4 = 5e+22
                flt5 = 1e06
                flt6 = -2E-2
                flt7 = 6.626e-34
                flt8 = 224_617.445_991_228
                flt9 = 0e0
                flt10 = 1e1_0
                flt11 = -0.0
                flt12 = +0.0
                flt13 = 0.1
                flt14 = 1.7976931348623157e308
                flt15 = 5e-324
                flt16 = 1e400
                flt17 = 0.0001e-2
                """),
        Valid(
            name: "infinity and not-a-number",
            text: "sf1 = inf\nsf2 = +inf\nsf3 = -inf\nsf4 = nan\nsf5 = +nan\nsf6 = -nan\n"),

        // Booleans
        Valid(name: "booleans", text: "t = true\nf = false\narr = [true, false]\ninline = {yes = true}\n"),

        // Dates and times
        Valid(
            name: "offset date-times",
            text: """
                odt1 = 1979-05-27T07:32:00Z
                odt2 = 1979-05-27T00:32:00-07:00
                odt3 = 1979-05-27T00:32:00.999999-07:00
                odt4 = 1979-05-27 07:32:00Z
                odt5 = 1979-05-27t07:32:00z
                odt6 = 2024-06-04T13:55:00+00:00
                odt7 = 2024-06-04T13:55:00-00:00
                odt8 = 2024-06-04T13:55:00.5+05:30
                odt9 = 2024-06-04T13:55:00.100+14:00
                """),
        Valid(
            name: "local date-times",
            text: """
                ldt1 = 1979-05-27T07:32:00
                ldt2 = 1979-05-27T00:32:00.999999
                ldt3 = 1979-05-27 07:32:00
                ldt4 = 1979-05-27T07:32:00.100
                ldt5 = 2000-02-29T23:59:59
                """),
        Valid(
            name: "local dates and times",
            text: """
                ld1 = 1979-05-27
                leap = 2024-02-29
                first = 0001-01-01
                last = 9999-12-31
                lt1 = 07:32:00
                lt2 = 00:32:00.999999
                lt3 = 23:59:59.5
                lt4 = 00:00:00.000
                """),
        Valid(
            name: "dates followed by comments",
            text: "d = 1979-05-27 # birthday\nt = 1979-05-27T07:32:00 # with a time\nu = 07:32:00# at once\n"),
        Valid(name: "dates in arrays", text: "a = [1979-05-27, 1979-05-27 07:32:00, 07:32:00,1979-05-27T07:32:00Z]\n"),

        // Arrays
        Valid(
            name: "arrays",
            text: #"""
                integers = [ 1, 2, 3 ]
                colors = [ "red", "yellow", "green" ]
                nested_arrays_of_ints = [ [ 1, 2 ], [3, 4, 5] ]
                nested_mixed_array = [ [ 1, 2 ], ["a", "b", "c"] ]
                string_array = [ "all", 'strings', """are the same""", '''type''' ]
                numbers = [ 0.1, 0.2, 0.5, 1, 2, 5 ]
                contributors = [
                  "Foo Bar <foo@example.com>",
                  { name = "Baz Qux", email = "bazqux@example.com", url = "https://example.com/bazqux" }
                ]
                """#),
        Valid(
            name: "array layout: line breaks, comments, trailing commas",
            text: """
                integers2 = [
                  1, 2, 3
                ]
                integers3 = [
                  1,
                  2, # this is ok
                ]
                empty = []
                empty2 = [ ]
                empty3 = [
                  # only a comment
                ]
                nested = [[[]]]
                spaced = [ 1 , 2 ,
                  3 ,
                ]
                """),
        Valid(
            name: "mixed-type arrays",
            text: "mixed = [1, 2.0, \"three\", true, 1979-05-27, [4], {five = 5}, 'six', [], {}]\n"),
        Valid(
            name: "arrays of inline tables",
            text: """
                points = [ { x = 1, y = 2, z = 3 },
                           { x = 7, y = 8, z = 9 },
                           { x = 2, y = 4, z = 8 } ]
                nested = [[{b = 1}], [{c = 2}, {d = [3]}]]
                """),
        Valid(
            name: "deep nesting within the limit",
            text: "a = [[[[[[[[[[1]]]]]]]]]]\n[b.c.d.e.f.g.h.i]\nj = {k = {l = {m = 1}}}\n"),

        // Inline tables
        Valid(
            name: "inline tables",
            text: """
                name = { first = "Tom", last = "Preston-Werner" }
                point = { x = 1, y = 2 }
                animal = { type.name = "pug" }
                empty = {}
                spaced = {  }
                nested = { a = { b = { c = 1 } }, d = [1, {e = 2}] }
                """),
        Valid(name: "inline table with dotted keys", text: "t = { a.b = 1, a.c = 2, d = 3, a.e.f = 4 }\n"),
        Valid(
            name: "multi-line values inside an inline table",
            text: "t = { a = [\n  1,\n  2 # c\n], s = \"\"\"x\ny\"\"\", l = '''\nz''' }\n"),
        Valid(
            name: "inline table inside a table section",
            text: "[server]\nlimits = { cpu = 2, mem.max = 4 }\nname = \"s\"\n"),

        // Tables
        Valid(
            name: "tables",
            text: """
                [table-1]
                key1 = "some string"
                key2 = 123

                [table-2]
                key1 = "another string"
                key2 = 456
                """),
        Valid(
            name: "table headers with whitespace and quoted keys",
            text: """
                [dog."tater.man"]
                type.name = "pug"
                [ j . "ʞ" . 'l' ]
                [ g .  h  . i ]
                [\ta\t.\tb ]
                """),
        Valid(name: "empty tables", text: "[a]\n[b]\n[c.d]\n[table]\n"),
        Valid(name: "quoted dots make other tables", text: "[\"a.b\"]\nc = 1\n[a.b]\nd = 2\n['a'.\"b.c\"]\ne = 3\n"),
        Valid(
            name: "super-table defined after its sub-table",
            text: """
                # [x] you
                # [x.y] don't
                # [x.y.z] need these
                [x.y.z.w] # for this to work
                a = 1
                [x] # defining a super-table afterward is ok
                b = 2
                """),
        Valid(
            name: "sub-tables of tables made by dotted keys",
            text: """
                [fruit]
                apple.color = "red"
                apple.taste.sweet = true

                [fruit.apple.texture]  # you can add sub-tables
                smooth = true
                """),
        Valid(name: "header below root dotted keys", text: "a.b = 1\n[a.c]\nd = 2\n"),
        Valid(
            name: "dotted keys through a table a header only implied",
            text: """
                [a.b.c]
                x = 1
                [a]
                b.d = 2
                """),
        Valid(
            name: "top-level keys, then tables",
            text: """
                title = "TOML Example"

                [owner]
                name = "Tom Preston-Werner"
                dob = 1979-05-27T07:32:00-08:00

                [database]
                enabled = true
                ports = [ 8000, 8001, 8002 ]
                data = [ ["delta", "phi"], [3.14] ]
                temp_targets = { cpu = 79.5, case = 72.0 }

                [servers]

                [servers.alpha]
                ip = "10.0.0.1"
                role = "frontend"

                [servers.beta]
                ip = "10.0.0.2"
                role = "backend"
                """),

        // Arrays of tables
        Valid(
            name: "array of tables, with an empty element",
            text: """
                [[products]]
                name = "Hammer"
                sku = 738594937

                [[products]]  # empty table within the array

                [[products]]
                name = "Nail"
                sku = 284758393

                color = "gray"
                """),
        Valid(
            name: "nested arrays of tables",
            text: """
                [[fruits]]
                name = "apple"

                [fruits.physical]  # subtable
                color = "red"
                shape = "round"

                [[fruits.varieties]]  # nested array of tables
                name = "red delicious"

                [[fruits.varieties]]
                name = "granny smith"


                [[fruits]]
                name = "banana"

                [[fruits.varieties]]
                name = "plantain"
                """),
        Valid(name: "array of tables inside a table", text: "[a]\n[[a.b]]\nx = 1\n[[a.b]]\nx = 2\n[a.c]\ny = 3\n"),
        Valid(name: "the same sub-table in each element", text: "[[a]]\n[a.b]\nx = 1\n[[a]]\n[a.b]\nx = 2\n"),
        Valid(name: "a table a header only implied, after an array of tables", text: "[[a.b]]\nx = 1\n[a]\nc = 1\n"),
        Valid(name: "dotted keys inside elements", text: "[[a]]\nb.c = 1\n[[a]]\nb.c = 2\nb.d = 3\n"),
        Valid(name: "inline table inside an element", text: "[[a]]\nt = {x = 1}\n[[a]]\nt = {x = 2}\n"),
        Valid(
            name: "array of tables whose elements have name fields",
            text: "[[servers]]\nname = \"a\"\nport = 1\n[[servers]]\nname = \"b\"\nport = 2\n"),

        // Key order and line endings
        Valid(
            name: "keys keep the document's order", text: "zeta = 1\nalpha = 2\n[mid]\nb = 1\na = 2\n[first]\nz = 0\n"),
        Valid(name: "a late super-table keeps its sub-table first", text: "[b.c]\nx = 1\n[a]\ny = 2\n[b]\nz = 3\n"),
        Valid(
            name: "CRLF line endings everywhere",
            text:
                "a = 1\r\n[t]\r\ns = \"\"\"\r\nline1\r\nline2\"\"\"\r\nlit = '''\r\nx\r\ny'''\r\narr = [\r\n1, # c\r\n2\r\n]\r\n# comment\r\nb = \"\"\"a\\\r\n   b\"\"\"\r\n"
        ),
    ]

    static let invalid: [Invalid] = [
        // Statements and keys
        Invalid(name: "missing value", text: "a = 1\nb = \n", line: 2),
        Invalid(name: "key without `=`", text: "a = 1\nkey\n", line: 2),
        Invalid(name: "value without key", text: "= 1", line: 1),
        Invalid(name: "space inside a bare key", text: "a b = 1", line: 1),
        Invalid(name: "two statements on one line", text: "a = 1 b = 2", line: 1),
        Invalid(name: "multi-line string as a key", text: "\"\"\"key\"\"\" = 1", line: 1),
        Invalid(name: "non-ASCII bare key", text: "ʎ = 1", line: 1),
        Invalid(name: "dotted key ending in a dot", text: "\na. = 1", line: 2),
        Invalid(name: "dotted key starting with a dot", text: ".a = 1", line: 1),
        Invalid(name: "empty table header", text: "a = 1\n[]", line: 2),
        Invalid(name: "unclosed table header", text: "[a\nb = 1", line: 1),
        Invalid(name: "unclosed array-of-tables header", text: "[[a]\n", line: 1),
        Invalid(name: "extra bracket after a header", text: "[a]]", line: 1),
        Invalid(name: "text after a header", text: "[a] b = 1", line: 1),

        // Redefinitions
        Invalid(name: "key defined twice", text: "a = 1\na = 2", line: 2),
        // tomllib.load decodes UTF-8 without a signature: a byte-order mark is a bad statement.
        Invalid(name: "a leading byte-order mark", text: "\u{FEFF}a = 1\n", line: 1),
        Invalid(name: "quoted key equal to a bare one", text: "a = 1\n\"a\" = 2", line: 2),
        Invalid(name: "table defined twice", text: "[a]\nx = 1\n[a]", line: 3),
        Invalid(name: "header for a table made by dotted keys", text: "a.b = 1\n[a]", line: 2),
        Invalid(
            name: "header for a sub-table made by dotted keys",
            text: "[fruit]\napple.color = 'red'\n[fruit.apple]", line: 3),
        Invalid(name: "dotted keys into a table defined by a header", text: "[a.b]\nc = 1\n[a]\nb.d = 2", line: 4),
        Invalid(name: "header for an inline table", text: "a = {b = 1}\n[a]", line: 2),
        Invalid(name: "header below an inline table", text: "a = {b = 1}\n[a.c]", line: 2),
        Invalid(name: "dotted keys into an inline table", text: "a = {b = 1}\na.c = 2", line: 2),
        Invalid(name: "array of tables over a static array", text: "a = [1]\n[[a]]", line: 2),
        Invalid(name: "array of tables into an inline table's array", text: "a = { b = [1] }\n[[a.b]]", line: 2),
        Invalid(name: "table header over an array of tables", text: "[[a]]\n[a]", line: 2),
        Invalid(name: "array of tables over a table", text: "[a]\n[[a]]", line: 2),
        Invalid(name: "dotted keys through an integer", text: "a = 1\na.b = 2", line: 2),
        Invalid(name: "header through an integer", text: "a = 1\n\n\n[a.b]", line: 4),
        Invalid(name: "header through a key of a table", text: "[a]\nb = 1\n[a.b]", line: 3),
        Invalid(name: "header through a key of an element", text: "[[a]]\nb = 1\n[a.b]", line: 3),
        Invalid(name: "value over a table made by dotted keys", text: "a.b.c = 1\na.b = 2", line: 2),
        Invalid(name: "value over a table made by a header", text: "[a.b]\n[a]\nb = 1", line: 3),

        // Inline tables
        Invalid(name: "line break inside an inline table", text: "t = {a = 1,\n b = 2}", line: 1),
        Invalid(name: "trailing comma in an inline table", text: "x = 0\nt = {a = 1,}", line: 2),
        Invalid(name: "key twice in an inline table", text: "t = {a = 1, a = 2}", line: 1),
        Invalid(name: "dotted table overwritten in an inline table", text: "t = {a.b = 1, a = 2}", line: 1),
        Invalid(name: "unclosed inline table", text: "t = {a = 1", line: 1),

        // Strings
        Invalid(name: "unterminated basic string", text: "x = 1\ns = \"abc", line: 2),
        Invalid(name: "line break in a basic string", text: "s = \"a\nb\"", line: 1),
        Invalid(name: "invalid escape", text: "\n\ns = \"\\x41\"", line: 3),
        Invalid(name: "short \\u escape", text: "s = \"\\u12\"", line: 1),
        Invalid(name: "surrogate escape", text: "s = \"\\uD800\"", line: 1),
        Invalid(name: "escape beyond Unicode", text: "s = \"\\U00110000\"", line: 1),
        Invalid(name: "unterminated multi-line string", text: "s = \"\"\"\nabc\n", line: 1),
        Invalid(name: "control character in a multi-line literal string", text: "s = '''\nabc\n\u{7}'''", line: 3),
        Invalid(name: "NUL in a basic string", text: "a = \"nul\u{0}\"", line: 1),
        Invalid(name: "unterminated literal string", text: "a = 'abc\nb = 1", line: 1),
        Invalid(name: "six closing quotes", text: "a = \"\"\"x\"\"\"\"\"\"", line: 1),
        Invalid(name: "whitespace after a backslash mid-line", text: "a = \"\"\"x\\  y\"\"\"", line: 1),
        Invalid(name: "two strings", text: "a = 'x' 'y'", line: 1),

        // Numbers
        Invalid(name: "leading zero", text: "a = 01", line: 1),
        Invalid(name: "double underscore", text: "a = 1__0", line: 1),
        Invalid(name: "leading underscore", text: "a = _1", line: 1),
        Invalid(name: "trailing underscore", text: "a = 1_", line: 1),
        Invalid(name: "signed hexadecimal", text: "a = +0x1", line: 1),
        Invalid(name: "uppercase hex prefix", text: "a = 0X1", line: 1),
        Invalid(name: "binary digit 2", text: "a = 0b2", line: 1),
        Invalid(name: "octal digit 8", text: "a = 0o8", line: 1),
        Invalid(name: "float ending in a dot", text: "a = 1.", line: 1),
        Invalid(name: "float starting with a dot", text: "a = .5", line: 1),
        Invalid(name: "exponent without digits", text: "a = 1e", line: 1),
        Invalid(name: "dot before an exponent", text: "a = 1.e5", line: 1),
        Invalid(name: "underscore after the exponent mark", text: "a = 1e_5", line: 1),
        Invalid(name: "leading zero in a float", text: "a = 00.5", line: 1),
        Invalid(name: "infinity spelled out", text: "a = infinity", line: 1),
        Invalid(name: "NaN in capitals", text: "a = NaN", line: 1),

        // Booleans and bare words
        Invalid(name: "capitalized boolean", text: "a = True", line: 1),
        Invalid(name: "unquoted string", text: "a = 1\nb = hello", line: 2),

        // Dates and times
        Invalid(name: "February 29 of a common year", text: "d = 2023-02-29", line: 1),
        Invalid(name: "month 13", text: "d = 1979-13-01", line: 1),
        Invalid(name: "hour 24", text: "t = 24:00:00", line: 1),
        Invalid(name: "time without seconds", text: "t = 07:32", line: 1),
        Invalid(name: "one-digit offset hour", text: "d = 1979-05-27T07:32:00+7:00", line: 1),
        Invalid(name: "T without a time", text: "d = 1979-05-27T", line: 1),
        Invalid(name: "date and time without seconds", text: "d = 1979-05-27 07:32", line: 1),
        Invalid(name: "one-digit month", text: "d = 1979-5-27", line: 1),
        Invalid(name: "fraction without digits", text: "t = 07:32:00.", line: 1),

        // Arrays
        Invalid(name: "missing comma", text: "a = [1 2]", line: 1),
        Invalid(name: "double comma", text: "a = [1,,2]", line: 1),
        Invalid(name: "only a comma", text: "a = [,]", line: 1),
        Invalid(name: "unterminated array", text: "x = 0\na = [\n1,\n2\n", line: 2),

        // Characters
        Invalid(name: "control character in a comment", text: "a = 1 # bell \u{7}", line: 1),
        Invalid(name: "DEL in a comment", text: "a = 1\n# del \u{7F}", line: 2),
        Invalid(name: "lone carriage return", text: "a = 1\rb = 2", line: 1),
        Invalid(name: "NUL between statements", text: "a = 1\n\u{0}", line: 2),
        Invalid(name: "byte-order mark inside the file", text: "a = 1\n\u{FEFF}b = 2", line: 2),
    ]
}
