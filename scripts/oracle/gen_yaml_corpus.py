#!/usr/bin/env python3
"""Generates a random YAML corpus for the ChangeGate-vs-PyYAML differential test.

Usage: python3 scripts/oracle/gen_yaml_corpus.py --seed N --count C --out DIR [--stats]
                                                  [--check-libyaml]

Writes DIR/0000.yaml ... (C files, deterministic for a seed).  Every file loads with the oracle
(flatten.py) without error: a file that does not is generated again.  The scalar forms are
checked with PyYAML at start-up, in every context they are used in (block value, block list
item, flow list item, flow map value, block key, flow key); a form is only used where it loads
to the value its category expects.  Prints nothing except errors (and, with --stats, a summary
on stderr).  Python 3.11 standard library + PyYAML only.
"""

import argparse
import json
import os
import random
import sys

import yaml

sys.dont_write_bytecode = True  # no __pycache__ in the source tree
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import flatten as oracle  # noqa: E402

INT64_MIN, INT64_MAX = -(2 ** 63), 2 ** 63 - 1
MAX_BYTES = 20 * 1024
NoneType = type(None)

# --------------------------------------------------------------------------------------------
# Scalar forms.  (category, expected Python type, [texts])
# --------------------------------------------------------------------------------------------

VALUE_POOLS = [
    ("bool_yaml11", bool, "yes Yes YES no No NO on On ON off Off OFF".split()),
    ("bool_truefalse", bool, "true True TRUE false False FALSE".split()),
    ("bool_lookalike", str, "y Y n N tRUE yES Off_ oN nO truE FALSe yes_ on-call yess No! oFF".split()),
    ("null", NoneType, "~ null Null NULL".split()),
    ("null_empty", NoneType, [""]),
    ("null_lookalike", str, "nULL NuLL none None nil ~~ null_ NUL".split()),
    ("int_dec", int, ["0", "7", "42", "-17", "+5", "1_000_000", "-1_234", "9223372036854775807",
                      "-9223372036854775808", "1_", "-0", "+0", "100", "12345678901", "1__0"]),
    ("int_oct", int, ["017", "0_17", "-017", "00", "+0755", "0_", "0777", "-0_1"]),
    ("int_hex", int, ["0x1F", "0x_1f", "-0xff", "0xDEAD_beef", "0x7FFFFFFFFFFFFFFF", "+0x10", "0x0",
                      "-0x8000000000000000", "0xabc"]),
    ("int_bin", int, ["0b1010", "-0b11", "0b_1_0", "+0b1", "0b0", "0b1111_0000"]),
    ("int_sexa", int, ["1:30", "-1:30:15", "190:20:30", "+1:00", "1:5", "10:0", "9:30", "12:30:00"]),
    ("int_lookalike", str, ["0o17", "09", "0x", "0b", "1e3", "+", "0b12", "0x1G", "08", "1:60",
                            "1,000", "12e3", "0xg", "_1", "1-2", "0.0.1", "+-1", "--1", "09:30",
                            "0x1F_h"]),
    ("float", float, ["1.5", "-1.5", ".5", "1.", "1.0e+3", "1.0E-3", "1_000.5", "-0.0", "+12.5",
                      "6.8523015e+5", "0.0", "3.14159", "0.1", "1_0.0_1", "100.", "1.0e+999",
                      "-2.5E+10"]),
    ("float_special", float, [".inf", "-.Inf", "+.INF", ".Inf", "-.inf", ".nan", ".NaN", ".NAN",
                              ".INF", "+.inf"]),
    ("float_sexa", float, ["1:30.5", "-1:30:15.25", "190:20:30.15", "1:0."]),
    ("float_lookalike", str, ["1e3", "1.0e3", ".Nan", "-.nan", "inf", "NaN", "1.2.3", ".", "-.5",
                              "1.e5", "+.nan", "Infinity", ".infinity", "1.5f", "-inf", "1.0e+",
                              "1,5", "._", "._5"]),
    ("timestamp", str, ["2001-12-14", "2001-12-14t21:59:43.10-05:00", "2001-12-14 21:59:43.10 -5",
                        "2001-12-15T02:59:43.1Z", "2002-12-14", "2001-12-14 21:59:43.10",
                        "2001-12-15 2:59:43.10", "2020-02-29T12:00:00Z", "2026-11-26T00:00:00+01:00"]),
    ("str_plain", str, ["hello", "hello world", "postgres", "/var/lib/postgresql/data",
                        "http://example.com:8080/path?q=1", "foo#bar", "a:b", "-foo", "?foo",
                        "key=value", "x[0]", "héllo wörld", "日本語テキスト", "emoji 😀 ok",
                        "C:\\path\\to", "10%", "$HOME/bin", "v1.2.3", "127.0.0.1:5432", "0.0.0.0",
                        "e", "E", "a  b", "trailing.dot.", "Ünïcödé", "semi;colon", "it's",
                        'say "hi"', "a,b", "x]y", "100s", "30d", "on call", "1 2", "true story",
                        "null and void", "replica", "primary", "x=1,y=2", "a/b/c", "—dash",
                        "ελληνικά", "0x1F is hex"]),
    ("str_single", str, ["'yes'", "'123'", "'it''s'", "''", "' leading space'", "'a: b'",
                         "'#not comment'", "'1.5'", "'~'", "'null'", "'multi word'",
                         "'back\\slash'", "'x[0]'", "'Off'", "'0x1F'", "'2001-12-14'", "'='",
                         "'<<'", "'trailing '", "'\"dq\"'", "'.inf'", "'1:30'"]),
    ("str_double", str, ['"yes"', '"123"', '"a\\nb"', '"tab\\tx"', '"\\u00e9t\\u00e9"',
                         '"\\x41BC"', '"say \\"hi\\""', '"back\\\\slash"', '""', '"\\U0001F600"',
                         '"esc\\e bell\\a"', '"nbsp\\_x"', '"nel\\N"', '"ls\\L ps\\P"', '"true"',
                         '"0x1F"', '"1:30"', '"\\0nul"', '"\\r\\n"', '".inf"', '"="', '"<<"', '"~"',
                         '"null"', '"cr\\rx"', '"\\ttab"', '"emoji 😀"', '"\\u263A"', '"\\b\\f\\v"',
                         '"del\\x7f"', '"sp\\ ace"', '"1.0"', '"-0"']),
]

TAGGED = [
    ("!!str 123", str), ("!!str yes", str), ("!!str ~", str), ("!!str 1.5", str), ("!!str", str),
    ("!!str 2001-12-14", str), ("!!str 0x1F", str), ("!!str null", str), ("!!str 1:30", str),
    ('!!int "42"', int), ("!!int '0x1F'", int), ('!!int "-7"', int), ("!!int 017", int),
    ('!!int "1_000"', int), ("!!int 12", int), ("!!int '0b101'", int),
    ("!!float 1", float), ('!!float "1.5"', float), ("!!float -3", float), ("!!float .inf", float),
    ("!!float 2.5", float), ("!!float '1_000.5'", float),
    ("!!bool yes", bool), ('!!bool "false"', bool), ("!!bool On", bool), ("!!bool true", bool),
    ("!!bool 'NO'", bool),
    ('!!null ""', NoneType), ("!!null ~", NoneType), ("!!null null", NoneType),
]

KEY_POOLS = [
    ("key_plain", None, ["name", "id", "key", "kind", "metadata", "namespace", "labels",
                         "annotations", "spec", "data", "port", "host", "enabled", "ttl",
                         "loop_wait", "retry_timeout", "maximum_lag_on_failover",
                         "max_connections", "data_dir", "replicas", "image", "config", "servers",
                         "items", "value", "listen", "connect_address", "failover",
                         "synchronous_mode", "postgresql", "parameters", "users", "ключ", "名前",
                         "café", "kebab-case", "snake_case", "CamelCase", "k1", "bootstrap", "dcs",
                         "primary", "standby", "weights", "🔑", "instances", "storage", "size"]),
    ("key_quote", str, ["app.kubernetes.io/name", "a b", "'\"'", '""', "''", "x[0]", '"*"',
                        "'a=b'", "a=b", "'back\\slash'", '"tab\\there"', '"new\\nline"',
                        '"ctl\\x01"', '"del\\x7f"', '" lead"', "'a\"b'", '"[x]"', "a.b.c", "'='",
                        '"cr\\rx"', '"sp "', '"a\\\\b"', "foo*bar", '"nb\\_sp"', "with space inside",
                        '"\\u00e9.\\u00e8"', "'*'", "'.'", '"x]"', "example.com/annotation",
                        "key.with.dots", "'\\'", "'**'", "'[name=x]'", '"\\e"']),
    ("key_int", int, ["1", "42", "0x10", "017", "-3", "1:30", "0b11", "1_000", "0", "7"]),
    ("key_bool", bool, ["yes", "no", "true", "false", "on", "off", "On", "TRUE"]),
    ("key_null", NoneType, ["~", "null", "Null", "NULL"]),
    ("key_float", float, ["1.5", "-2.25", ".5", "1.0e+3", "0.25"]),
    ("key_strlook", str, ["'1'", '"true"', "'null'", '"yes"', "'1.5'", "'~'", '"0x10"', "'7'"]),
    ("key_ts", str, ["2001-12-14", "2020-01-01T00:00:00Z"]),
    ("key_lookalike", str, ["y", "n", "0o17", "09", "Yes_", "nil", "1e3", "-.5"]),
]

SELECTOR_POOL = ["web", "db", "api", "cache-1", "a.b", "has space", "服务", '"quoted.name"', "x[1]",
                 "worker-2", "main", "'sq'", "a=b", "''", "replica", "primary", "1", "2", "3", "10",
                 "0x1F", "017", "-1", "yes", "no", "true", "false", "'1'", '"2"', "'3'", "On"]

K8S_KINDS = ["Deployment", "Service", "ConfigMap", "Secret", "StatefulSet", "Cluster", "Pod",
             "PodDisruptionBudget", "postgresql"]
K8S_NAMES = ["web", "db", "api", "cluster-example", "pg-main", "my.app", "cache-1", "frontend",
             "'quoted-name'", "svc.v2", "patroni", "a b"]
K8S_NAMESPACES = ["default", "prod", "staging", "kube-system", '"team.a"', "cnpg-system"]

WORDS = ["alpha", "beta", "gamma", "delta", "quick", "brown", "fox", "jumps", "over", "lazy",
         "dog", "ünïcode", "日本", "x=1", "a-b", "path/to", "v1.2", "50%", "failover", "replica",
         "ελλη", "tail", "42", "yes", "null", "emoji😀", "(paren)", "semi;", "ok!", "a'b"]

ANCHOR_NAMES = ["base", "defaults", "a1", "db-common", "x_y", "shared", "tpl", "A", "common",
                "net", "s", "v1"]

VALUE_WEIGHTS = {
    "str_plain": 20, "str_single": 6, "str_double": 8, "int_dec": 8, "int_oct": 3, "int_hex": 3,
    "int_bin": 2, "int_sexa": 2.5, "int_lookalike": 3, "float": 5, "float_special": 3,
    "float_sexa": 1.5, "float_lookalike": 2, "bool_yaml11": 5, "bool_truefalse": 4,
    "bool_lookalike": 3, "null": 3, "null_empty": 2, "null_lookalike": 1.5, "timestamp": 3,
    "tagged": 3,
}
KEY_WEIGHTS = {"key_plain": 60, "key_quote": 10, "key_int": 5, "key_bool": 4, "key_null": 2,
               "key_float": 2, "key_strlook": 4, "key_ts": 1, "key_lookalike": 3}

CONTEXTS = ("bval", "bseq", "fseq", "fmap", "bkey", "fkey", "bcom")


def _same(a, b):
    return type(a) is type(b) and repr(a) == repr(b)


def _load(text):
    return yaml.load(text, Loader=oracle.OracleLoader)


class Form:
    """One scalar spelling, with the value it loads to and the contexts where it does so."""

    def __init__(self, cat, text):
        self.cat = cat
        self.text = text
        self.ok = dict.fromkeys(CONTEXTS, False)
        self.value = None
        self.loaded = False
        self._validate()

    def _validate(self):
        """Loads the form in every context; the value is the one of the first context that
        loads (block value, flow list, flow map); a context is usable when it loads to that
        same value."""
        t = self.text
        sp = " " + t if t else ""

        def load(src):
            try:
                return True, _load(src)
            except Exception:  # noqa: BLE001 — PyYAML refuses the form here
                return False, None

        probes = [
            ("bval", "k:%s\n" % sp, lambda d: d["k"] if list(d) == ["k"] else None),
            ("fseq", "[%s, z]" % t, lambda d: d[0] if len(d) == 2 and d[1] == "z" else None),
            ("fmap", "{k: %s, z: 1}" % t, lambda d: d["k"] if list(d) == ["k", "z"] else None),
        ]
        for ctx, src, get in probes:
            if ctx == "fseq" and not t:
                continue
            ok, d = load(src)
            if ok:
                try:
                    self.value = get(d)
                except Exception:  # noqa: BLE001
                    continue
                if self.value is not None or (ctx != "fseq" and d.get("k", 0) is None):
                    self.loaded = True
                    break
        if not self.loaded:
            return
        v = self.value

        def check(src, pred):
            ok, d = load(src)
            try:
                return ok and bool(pred(d))
            except Exception:  # noqa: BLE001
                return False

        one = lambda d, i: isinstance(d, list) and len(d) == 2 and _same(d[i], v)  # noqa: E731
        val = lambda d, k, order: (isinstance(d, dict) and list(d) == order  # noqa: E731
                                   and _same(d[k], v))
        self.ok["bval"] = check("k:%s\n" % sp, lambda d: val(d, "k", ["k"]))
        self.ok["bseq"] = check("-%s\n" % sp, lambda d: isinstance(d, list) and len(d) == 1
                                and _same(d[0], v))
        self.ok["bcom"] = check("k:%s # comment\n" % sp, lambda d: val(d, "k", ["k"]))
        # first and last place, with and without the padding the renderer may write
        self.ok["fseq"] = bool(t) and all(
            check(src % t, lambda d, i=i: one(d, i))
            for src, i in (("[%s, z]", 0), ("[z, %s]", 1), ("[ %s,z ]", 0), ("[ z,%s ]", 1)))
        self.ok["fmap"] = all(
            check(src % t, lambda d, o=o: val(d, "k", o))
            for src, o in (("{k: %s, z: 1}", ["k", "z"]), ("{z: 1, k: %s}", ["z", "k"]),
                           ("{ k: %s,z: 1 }", ["k", "z"]), ("{ z: 1,k: %s }", ["z", "k"])))
        if not t:
            return

        def key_ok(d):
            if not (isinstance(d, dict) and len(d) == 2):
                return False
            k = next(iter(d))
            oracle.key_string(k)
            return _same(k, v) and d[k] == 1

        self.ok["bkey"] = check("%s: 1\nzz: 2\n" % t, key_ok)
        self.ok["fkey"] = check("{%s: 1, zz: 2}" % t, key_ok)


_FORM_CACHE = {}


def form(cat, text):
    f = _FORM_CACHE.get((cat, text))
    if f is None:
        f = _FORM_CACHE[(cat, text)] = Form(cat, text)
    return f


def build_pools():
    """Validated value and key forms, by category.  Reports (stderr) forms whose value has the
    wrong type, and categories left empty."""
    values, keys, errors = {}, {}, []
    for cat, typ, texts in VALUE_POOLS:
        keep = []
        for t in texts:
            f = form(cat, t)
            if not f.loaded:
                continue  # PyYAML refuses it: not a form the corpus can use
            if type(f.value) is not typ:
                errors.append("%s: %r loads as %r, not %s" % (cat, t, f.value, typ.__name__))
                continue
            keep.append(f)
        values[cat] = keep
    tagged = []
    for t, typ in TAGGED:
        f = form("tagged", t)
        if f.loaded and type(f.value) is typ:
            tagged.append(f)
        elif f.loaded:
            errors.append("tagged: %r loads as %r" % (t, f.value))
    values["tagged"] = tagged
    for cat, typ, texts in KEY_POOLS:
        keep = []
        for t in texts:
            f = form(cat, t)
            if not (f.ok["bkey"] or f.ok["fkey"]):
                continue
            if typ is not None and type(f.value) is not typ:
                errors.append("%s: key %r loads as %r" % (cat, t, f.value))
                continue
            keep.append(f)
        keys[cat] = keep
    for pools in (values, keys):
        for cat, lst in pools.items():
            if not lst:
                errors.append("category %s has no usable form" % cat)
    return values, keys, errors


# --------------------------------------------------------------------------------------------
# The tree the generator builds, then renders
# --------------------------------------------------------------------------------------------


class Scal:
    def __init__(self, f, anchor=None):
        self.f, self.anchor = f, anchor


class Multi:
    """A multi-line scalar (block context only)."""

    def __init__(self, kind, header, lines, needs_indicator=False):
        self.kind = kind          # literal, folded, mplain, mdquote, msquote
        self.header = header      # text after "key: " / "- " on the first line
        self.lines = lines        # (extra indent, text); text "" is an empty line
        self.needs_indicator = needs_indicator


class Alias:
    def __init__(self, name):
        self.name = name


class Key:
    def __init__(self, f=None, alias=None, value=None, explicit=False):
        self.f, self.alias, self.explicit = f, alias, explicit
        self.value = f.value if f is not None else value
        self.identity = ("f", f.cat, f.text) if f is not None else ("alias", alias)


class Merge:
    def __init__(self, kind, names=(), inline=None):
        self.kind, self.names, self.inline = kind, list(names), inline


class MapN:
    def __init__(self, flow):
        self.flow, self.entries, self.merge, self.merge_pos = flow, [], None, 0
        self.anchor = self.tag = None
        self.ml = False  # multi-line flow
        self.reg = None


class SeqN:
    def __init__(self, flow):
        self.flow, self.items = flow, []
        self.anchor = self.tag = None
        self.ml = False


class KeyReg:
    """The keys of one (merged) map: string form -> identity, to keep key paths unique."""

    def __init__(self):
        self.by_str = {}
        self.values = []

    def check(self, identity, value):
        s = oracle.key_string(value)
        if s in self.by_str:
            return "same" if self.by_str[s] == identity else "conflict"
        for v in self.values:
            if type(v) is not type(value) and v == value:
                return "conflict"
            if type(v) is float and type(value) is float and v == value:
                return "conflict"  # 0.0 and -0.0
        return "new"

    def add(self, identity, value):
        s = oracle.key_string(value)
        if s not in self.by_str:
            self.by_str[s] = identity
            self.values.append(value)

    def items(self):
        return list(self.by_str.items())

    def compatible(self, other):
        return all(self.check(ident, val) != "conflict"
                   for ident, val in zip(other.by_str.values(), other.values))

    def merge_from(self, other):
        for (s, ident), val in zip(other.by_str.items(), other.values):
            self.add(ident, val)


# --------------------------------------------------------------------------------------------
# Generation
# --------------------------------------------------------------------------------------------


class FileGen:
    def __init__(self, rng, vpools, kpools):
        self.rng = rng
        self.vpools, self.kpools = vpools, kpools
        self.stats = set()

    # ---- small helpers ------------------------------------------------------------------
    def chance(self, p):
        return self.rng.random() < p

    def wchoice(self, weights):
        cats = list(weights)
        return self.rng.choices(cats, [weights[c] for c in cats])[0]

    def new_anchor(self):
        for _ in range(20):
            name = self.rng.choice(ANCHOR_NAMES)
            if self.chance(0.3):
                name += str(self.rng.randint(1, 99))
            if name not in self.doc_anchor_names:
                self.doc_anchor_names.append(name)
                return name
        name = "anc%d" % len(self.doc_anchor_names)
        self.doc_anchor_names.append(name)
        return name

    def start_doc(self):
        self.anchors = []  # (name, kind, node-or-form)
        self.doc_anchor_names = []

    # ---- scalars ------------------------------------------------------------------------
    def pick_form(self, ctx, cats=None):
        weights = VALUE_WEIGHTS if cats is None else {c: VALUE_WEIGHTS[c] for c in cats}
        for _ in range(30):
            cat = self.wchoice(weights)
            cands = [f for f in self.vpools[cat] if f.ok[ctx]]
            if cands:
                return self.rng.choice(cands)
        return form("str_plain", "fallback")

    def gen_scalar(self, ctx, cats=None, anchor=True):
        f = self.pick_form(ctx, cats)
        self.stats.add(f.cat)
        node = Scal(f)
        if anchor and f.text and self.chance(self.p_anchor * 0.5) and not f.text.startswith("!!"):
            node.anchor = self.new_anchor()
            self.anchors.append((node.anchor, "scalar", f))
            self.stats.add("anchor_scalar")
        return node

    def gen_multi(self):
        r = self.rng
        kind = self.wchoice({"literal": 40, "folded": 30, "mplain": 15, "mdquote": 10, "msquote": 5})
        self.stats.add("multi_" + kind)
        if kind in ("literal", "folded"):
            chomp = r.choice(["", "-", "+"])
            self.stats.add("chomp_" + {"": "clip", "-": "strip", "+": "keep"}[chomp] + "_" + kind)
            lines = []
            n = r.randint(1, 5)
            for i in range(n):
                if i > 0 and self.chance(0.2):
                    lines.append((0, ""))
                extra = 0
                if self.chance(0.2 if kind == "folded" else 0.15):
                    extra = r.randint(1, 4)
                text = " ".join(r.choice(WORDS) for _ in range(r.randint(1, 6)))
                if self.chance(0.08):
                    text = "# not a comment " + text
                if self.chance(0.05):
                    text = "key: value - " + text
                lines.append((extra, text))
            for _ in range(r.choice([0, 0, 0, 1, 2])):
                lines.append((0, ""))
            needs = lines[0][0] > 0
            if needs:
                self.stats.add("block_indicator")
            header = (">" if kind == "folded" else "|")
            return Multi(kind, header + "%s" + chomp, lines, needs)
        words = lambda a, b: " ".join(r.choice(WORDS) for _ in range(r.randint(a, b)))  # noqa: E731
        if kind == "mplain":
            first = r.choice(["alpha", "beta", "Lorem", "ünï", "path/to", "x"]) + " " + words(0, 3)
            first = first.strip()
            lines = []
            for _ in range(r.randint(1, 3)):
                if self.chance(0.2):
                    lines.append((0, ""))
                lines.append((r.randint(0, 2), r.choice(["more", "and", "then", "ok", "zeta"])
                              + " " + words(0, 3)))
            for i, (e, t) in enumerate(lines):
                lines[i] = (e, t.replace("yes", "yep").replace("null", "nul").replace("'", "").strip())
            return Multi(kind, first, lines)
        if kind == "mdquote":
            esc = ["\\t", "\\u00e9", "\\x41", '\\"', "\\\\", "\\n"]
            first = '"' + words(1, 3) + " " + r.choice(esc)
            lines = []
            n = r.randint(1, 3)
            for i in range(n):
                if self.chance(0.2):
                    lines.append((0, ""))
                t = words(1, 3)
                if self.chance(0.3):
                    t += " " + r.choice(esc)
                if i < n - 1 and self.chance(0.2):
                    t += "\\"  # escaped line break: the lines join without a space
                    self.stats.add("dquote_line_continuation")
                lines.append((r.randint(0, 1), t))
            e, t = lines[-1]
            lines[-1] = (e, t + '"')
            return Multi(kind, first, lines)
        first = "'" + words(1, 3).replace("'", "''")
        lines = []
        for _ in range(r.randint(1, 2)):
            if self.chance(0.2):
                lines.append((0, ""))
            lines.append((r.randint(0, 1), words(1, 3).replace("'", "''")))
        e, t = lines[-1]
        lines[-1] = (e, t + "'")
        return Multi(kind, first, lines)

    # ---- keys ---------------------------------------------------------------------------
    def pick_key(self, reg, flow, allow_dup=False):
        for _ in range(25):
            if not flow and self.chance(0.03):
                scal = [(n, f) for (n, k, f) in self.anchors
                        if k == "scalar" and type(f.value) in (str, int, bool)]
                if scal:
                    name, f = self.rng.choice(scal)
                    key = Key(alias=name, value=f.value)
                    st = reg.check(key.identity, key.value)
                    if st == "new" or (st == "same" and allow_dup):
                        reg.add(key.identity, key.value)
                        self.stats.add("alias_key")
                        return key
                    continue
            cat = self.wchoice(KEY_WEIGHTS)
            cands = [f for f in self.kpools[cat] if f.ok["fkey" if flow else "bkey"]]
            if not cands:
                continue
            f = self.rng.choice(cands)
            key = Key(f)
            st = reg.check(key.identity, key.value)
            if st == "new" or (st == "same" and allow_dup):
                reg.add(key.identity, key.value)
                self.stats.add(cat)
                if not flow and self.chance(0.015):
                    key.explicit = True
                    self.stats.add("explicit_key")
                return key
        return None

    # ---- values -------------------------------------------------------------------------
    def gen_value(self, depth, ctx):
        """ctx: bval (block map value), bseq (block list item), fseq, fmap."""
        flow = ctx in ("fseq", "fmap")
        deep_ok = depth < self.max_depth and self.budget > 0
        self.budget -= 1
        w = {"scalar": 55}
        if deep_ok:
            if flow:
                w.update(fmap=10, fseq=10, keyed=2)
            else:
                w.update(bmap=14, bseq=8, keyed=5, fmap=4, fseq=4, multi=7)
        else:
            if not flow:
                w.update(multi=5)
        if self.anchors:
            w["alias"] = 8 * self.p_alias
        w["empty"] = 3
        what = self.wchoice(w)
        if what == "scalar":
            return self.gen_scalar(ctx)
        if what == "multi":
            return self.gen_multi()
        if what == "alias":
            name, kind, _ = self.rng.choice(self.anchors)
            self.stats.add("alias_" + kind)
            return Alias(name)
        if what == "empty":
            if self.chance(0.5):
                self.stats.add("empty_map")
                n = MapN(True)
            else:
                self.stats.add("empty_list")
                n = SeqN(True)
            n.reg = KeyReg()
            return n
        if what in ("bmap", "fmap"):
            if not flow and what == "fmap":
                self.stats.add("flow_in_block")
            return self.gen_map(depth, what == "fmap" or flow)
        if what in ("bseq", "fseq"):
            if not flow and what == "fseq":
                self.stats.add("flow_in_block")
            return self.gen_seq(depth, what == "fseq" or flow)
        return self.gen_keyed_list(depth, flow or self.chance(0.2))

    def maybe_anchor(self, node, kind):
        if self.chance(self.p_anchor):
            node.anchor = self.new_anchor()
            self.anchors.append((node.anchor, kind, node))
            self.stats.add("anchor_" + kind)

    def gen_map(self, depth, flow, forced=(), nmin=1, nmax=None, allow_merge=True):
        """A map.  forced: (key form, thunk) entries; every value is generated in the order it
        is written, so an alias never comes before its anchor."""
        r = self.rng
        m = MapN(flow)
        reg = KeyReg()
        merged_keys = []
        map_anchors = [(n, node) for (n, k, node) in self.anchors if k == "map" and node.reg.by_str]
        if allow_merge and map_anchors and self.chance(self.p_merge):
            kind = self.wchoice({"single": 55, "list": 35, "inline": 10})
            if kind == "inline":
                inline = MapN(True)
                inline.reg = KeyReg()
                for _ in range(r.randint(1, 3)):
                    k = self.pick_key(inline.reg, True)
                    if k is not None:
                        inline.entries.append((k, self.gen_scalar("fmap", anchor=False)))
                if inline.entries:
                    m.merge = Merge("inline", inline=inline)
                    reg.merge_from(inline.reg)
            else:
                want = 1 if kind == "single" else r.randint(2, 3)
                chosen = []
                cands = list(map_anchors)
                r.shuffle(cands)
                if self.chance(0.5):  # prefer anchored maps that merge themselves
                    cands.sort(key=lambda c: c[1].merge is None)
                for name, node in cands:
                    if len(chosen) == want:
                        break
                    if reg.compatible(node.reg):
                        reg.merge_from(node.reg)
                        chosen.append((name, node))
                if chosen:
                    if kind == "list" and len(chosen) == 1 and self.chance(0.5):
                        kind = "single"
                    m.merge = Merge(kind, names=[n for n, _ in chosen])
                    for _, node in chosen:
                        if node.merge is not None:
                            self.stats.add("merge_nested")
            if m.merge is not None:
                self.stats.add("merge_" + m.merge.kind)
                merged_keys = [ident for s, ident in reg.items() if ident[0] == "f"]
        for kf, _ in forced:
            key = Key(kf)
            reg.add(key.identity, key.value)
        if nmax is None:
            nmax = [7, 6, 5, 4, 3, 3, 2, 2][min(depth, 7)] * self.width
        n = r.randint(0, 3) if forced else r.randint(nmin, max(nmin, nmax))
        slots = [("rand", None)] * n + [("forced", x) for x in forced]
        if merged_keys and self.chance(0.6):
            for ident in r.sample(merged_keys, min(len(merged_keys), r.randint(1, 2))):
                slots.append(("override", ident))
        r.shuffle(slots)
        if self.chance(self.p_dup):
            slots.insert(r.randint(1, len(slots)), ("dup", None))
        vctx = "fmap" if flow else "bval"
        kctx = "fkey" if flow else "bkey"
        entries = []
        for what, x in slots:
            if what == "rand":
                key = self.pick_key(reg, flow)
                if key is not None:
                    entries.append((key, self.gen_value(depth + 1, vctx)))
            elif what == "forced":
                kf, thunk = x
                entries.append((Key(kf), thunk()))
            elif what == "override":
                f = form(x[1], x[2])
                if f.ok[kctx]:
                    entries.append((Key(f), self.gen_value(depth + 1, vctx)))
                    self.stats.add("merge_override")
            else:
                cands = [k for k, _ in entries if k.f is not None and k.f.ok[kctx]]
                if cands:
                    entries.append((Key(r.choice(cands).f), self.gen_value(depth + 1, vctx)))
                    self.stats.add("dup_key")
        m.entries = entries
        if m.merge is not None:
            m.merge_pos = r.randint(0, len(entries))
            if m.merge_pos > 0:
                self.stats.add("merge_after_keys")
        m.reg = reg
        if flow:
            m.ml = self.chance(0.15) and len(entries) > 1
            self.stats.add("flow_map")
        else:
            self.stats.add("block_map")
        if self.chance(0.01):
            m.tag = "!!map"
            self.stats.add("tag_map")
        self.maybe_anchor(m, "map")
        return m

    def gen_seq(self, depth, flow):
        r = self.rng
        s = SeqN(flow)
        n = r.randint(1, [6, 6, 5, 4, 4, 3, 3, 2][min(depth, 7)])
        scalars_only = self.chance(0.4)
        if scalars_only:
            self.stats.add("list_of_scalars")
        ctx = "fseq" if flow else "bseq"
        for _ in range(n):
            if scalars_only:
                self.budget -= 1
                s.items.append(self.gen_scalar(ctx))
            else:
                s.items.append(self.gen_value(depth + 1, ctx))
        if any(isinstance(i, SeqN) and i.items for i in s.items):
            self.stats.add("nested_list")
        s.reg = KeyReg()
        if flow:
            s.ml = self.chance(0.15) and n > 1
            self.stats.add("flow_list")
        else:
            self.stats.add("block_list")
        if self.chance(0.01):
            s.tag = "!!seq"
            self.stats.add("tag_seq")
        self.maybe_anchor(s, "list")
        return s

    def selector_values(self, n, unique, flow):
        ctx = "fmap" if flow else "bval"
        pool = [form("sel", t) for t in SELECTOR_POOL]
        pool = [f for f in pool if f.ok[ctx]]
        self.rng.shuffle(pool)
        out, seen = [], []
        for f in pool:
            s = oracle.key_string(f.value)
            if s in seen:
                continue
            seen.append(s)
            out.append(f)
            if len(out) == n:
                break
        if not unique and len(out) >= 2:
            out[-1] = out[0]
        return out

    def gen_keyed_list(self, depth, flow):
        r = self.rng
        mode = self.wchoice({"name": 35, "name_dup": 10, "id": 12, "key": 10, "mixed": 10,
                             "name_bad_then_id": 8, "name_then_key_samestr": 5})
        self.stats.add("keyed_" + mode)
        n = r.randint(2, 4)
        s = SeqN(flow)
        ctx = "fmap" if flow else "bval"
        vals = self.selector_values(n, mode != "name_dup", flow)
        n = len(vals)
        ids = self.selector_values(n, True, flow)
        const = lambda f: (lambda: Scal(f))  # noqa: E731
        for j in range(n):
            forced = []
            if mode in ("name", "name_dup"):
                forced.append((form("key_plain", "name"), const(vals[j])))
                if self.chance(0.3):
                    forced.append((form("key_plain", "id"), const(ids[j % len(ids)])))
            elif mode == "id":
                forced.append((form("key_plain", "id"), const(vals[j])))
            elif mode == "key":
                forced.append((form("key_plain", "key"), const(vals[j])))
            elif mode == "mixed":
                field = r.choice(["name", "id", "key"])
                forced.append((form("key_plain", field), const(vals[j])))
            elif mode == "name_bad_then_id":
                if j == n - 1:
                    bad = self.wchoice({"null": 3, "float": 2, "list": 1, "missing": 2})
                    if bad in ("null", "float"):
                        forced.append((form("key_plain", "name"),
                                       lambda bad=bad: self.gen_scalar(ctx, [bad])))
                    elif bad == "list":
                        def bad_list():
                            sq = SeqN(True)
                            sq.items = [self.gen_scalar("fseq")]
                            sq.reg = KeyReg()
                            return sq
                        forced.append((form("key_plain", "name"), bad_list))
                else:
                    forced.append((form("key_plain", "name"), const(vals[j])))
                forced.append((form("key_plain", "id"), const(ids[j % len(ids)])))
            else:  # names equal as strings (1 and '1'), keys unique
                pair = [form("sel", "1"), form("sel", "'1'")]
                forced.append((form("key_plain", "name"), const(pair[j] if j < 2 else vals[j])))
                forced.append((form("key_plain", "key"), const(ids[j % len(ids)])))
            self.budget -= len(forced)
            s.items.append(self.gen_map(depth + 1, flow, forced=forced, allow_merge=True))
        s.reg = KeyReg()
        if flow:
            s.ml = self.chance(0.3)
        self.maybe_anchor(s, "list")
        return s

    # ---- documents ----------------------------------------------------------------------
    def gen_k8s(self, ident):
        kind, ns, name = ident
        meta_flow = self.chance(0.15)
        meta_forced = [(form("key_plain", "name"), lambda: Scal(form("sel", name)))]
        if ns is not None:
            meta_forced.append((form("key_plain", "namespace"), lambda: Scal(form("sel", ns))))
        if self.chance(0.5):
            def labels():
                lab = MapN(meta_flow or self.chance(0.3))
                lab.reg = KeyReg()
                lab.entries.append((Key(form("key_quote", "app.kubernetes.io/name")),
                                    Scal(form("sel", name if not name.startswith("'") else "web"))))
                if self.chance(0.5):
                    lab.entries.append((Key(form("key_plain", "k1")), self.gen_scalar("fmap")))
                return lab
            meta_forced.append((form("key_plain", "labels"), labels))
        forced = [(form("key_plain", "kind"), lambda: Scal(form("sel", kind))),
                  (form("key_plain", "metadata"),
                   lambda: self.gen_map(1, meta_flow, forced=meta_forced, allow_merge=False))]
        return self.gen_map(0, False, forced=forced, allow_merge=False)

    def gen_root(self, kind):
        if kind == "map":
            return self.gen_map(0, self.chance(0.05), nmin=2, nmax=8)
        if kind == "list":
            self.stats.add("root_list")
            if self.chance(0.3):
                return self.gen_keyed_list(0, self.chance(0.2))
            return self.gen_seq(0, self.chance(0.1))
        if kind == "scalar":
            self.stats.add("root_scalar")
            if self.chance(0.2):
                m = self.gen_multi()
                if not m.needs_indicator:
                    return m
            return self.gen_scalar("bseq")
        self.stats.add("empty_doc")
        return None

    def gen_file(self, shrink=1):
        r = self.rng
        self.stats = set()
        self.max_depth = r.choice([2, 3, 3, 4, 4, 5, 5, 6, 6, 6, 7])
        self.budget = r.choice([r.randint(5, 30), r.randint(5, 30), r.randint(30, 120),
                                r.randint(30, 120), r.randint(120, 260)]) // shrink
        self.width = r.choice([1, 1, 1, 2])
        if self.width > 1:
            self.budget *= 2
        self.p_anchor = r.choice([0.0, 0.08, 0.15, 0.3])
        self.p_alias = r.choice([0.5, 1.0, 2.0])
        self.p_merge = r.choice([0.0, 0.3, 0.6, 0.9])
        self.p_dup = r.choice([0.0, 0.0, 0.03, 0.1])
        docs = []
        mode = self.wchoice({"single": 68, "multi": 22, "k8s": 9, "zero": 1})
        if mode == "single":
            kind = self.wchoice({"map": 85, "list": 9, "scalar": 4, "null": 2})
            self.start_doc()
            docs.append(self.gen_root(kind))
        elif mode == "zero":
            self.stats.add("zero_docs")
        elif mode == "multi":
            self.stats.add("multi_doc")
            for _ in range(r.randint(2, 5)):
                self.start_doc()
                kind = self.wchoice({"map": 60, "list": 15, "scalar": 15, "null": 10})
                docs.append(self.gen_root(kind))
                self.budget = max(self.budget, 3)
        else:
            self.stats.update(["multi_doc", "k8s"])
            ids = []
            for _ in range(r.randint(2, 6)):
                self.start_doc()
                if ids and self.chance(0.15):
                    ident = r.choice(ids)
                    self.stats.add("k8s_duplicate_id")
                else:
                    ns = r.choice(K8S_NAMESPACES) if self.chance(0.4) else None
                    ident = (r.choice(K8S_KINDS), ns, r.choice(K8S_NAMES))
                    if ns is not None:
                        self.stats.add("k8s_namespace")
                ids.append(ident)
                if self.chance(0.1):
                    docs.append(self.gen_root("map"))
                    self.stats.add("k8s_mixed_plain_doc")
                else:
                    docs.append(self.gen_k8s(ident))
                self.budget = max(self.budget, 5)
        return docs


# --------------------------------------------------------------------------------------------
# Rendering
# --------------------------------------------------------------------------------------------


class Renderer:
    def __init__(self, rng, stats):
        self.rng = rng
        self.stats = stats
        self.p_comment = rng.choice([0.0, 0.05, 0.15, 0.3])
        self.p_blank = rng.choice([0.0, 0.05, 0.15])
        self.p_tail_comment = rng.choice([0.0, 0.05, 0.2])
        self.step = rng.choice([2, 2, 2, 4, 1, 3])  # preferred indentation of the file
        self.indentless = rng.choice([0.0, 0.5, 1.0])
        self.compact = rng.choice([0.3, 0.8, 1.0])

    def chance(self, p):
        return self.rng.random() < p

    def istep(self):
        if self.chance(0.1):
            self.stats.add("indent_mixed")
            return self.rng.randint(1, 5)
        return self.step

    def comment_text(self):
        r = self.rng
        return r.choice(["# ", "#", "#  "]) + r.choice(
            ["note", "TODO: check", "key: value", "- item", "ünïcode — comment", "---", "{a: 1}",
             "changed by alice", "'quoted'", "\"dq\"", "# nested #", ""])

    def trivia(self, lines, col):
        if self.chance(self.p_blank):
            lines.append("")
            self.stats.add("blank_line")
        if self.chance(self.p_comment):
            lines.append(" " * self.rng.randint(0, col) + self.comment_text())
            self.stats.add("comment_line")

    def tail(self):
        if self.chance(self.p_tail_comment):
            self.stats.add("comment_trailing")
            return " " * self.rng.randint(1, 3) + self.comment_text()
        return ""

    # inline text of a scalar, alias or single-line flow collection
    def inline(self, node):
        r = self.rng
        if isinstance(node, Scal):
            t = node.f.text
            if node.anchor:
                t = "&%s %s" % (node.anchor, t)
            return t
        if isinstance(node, Alias):
            return "*" + node.name
        pre = ""
        if node.anchor:
            pre += "&%s " % node.anchor
        if node.tag:
            pre += node.tag + " "
        sep = r.choice([", ", ", ", ","])
        pad = r.choice(["", "", " "])
        if isinstance(node, MapN):
            parts = self.flow_map_parts(node)
            if not parts:
                return pre + r.choice(["{}", "{}", "{ }"])
            return pre + "{" + pad + sep.join(parts) + pad + "}"
        parts = [self.inline(i) for i in node.items]
        if not parts:
            return pre + r.choice(["[]", "[]", "[ ]"])
        return pre + "[" + pad + sep.join(parts) + pad + "]"

    def merge_text(self, merge):
        if merge.kind == "inline":
            return "<<: " + self.inline(merge.inline)
        if merge.kind == "single":
            return "<<: *" + merge.names[0]
        return "<<: [" + ", ".join("*" + n for n in merge.names) + "]"

    def flow_map_parts(self, m):
        parts = []
        for key, val in m.entries:
            kt = key.f.text
            vt = self.inline(val)
            parts.append(kt + ":" + (" " + vt if vt else " "))
        if m.merge is not None:
            parts.insert(m.merge_pos, self.merge_text(m.merge))
        return parts

    def flow_ml(self, node, col):
        """A multi-line flow collection: returns (opening text, following lines)."""
        self.stats.add("flow_multiline")
        pre = ""
        if node.anchor:
            pre += "&%s " % node.anchor
        if node.tag:
            pre += node.tag + " "
        inner = col + max(2, self.step)
        if isinstance(node, MapN):
            parts, o, c = self.flow_map_parts(node), "{", "}"
        else:
            parts, o, c = [self.inline(i) for i in node.items], "[", "]"
        lines = []
        trailing = self.chance(0.3)
        for i, p in enumerate(parts):
            last = i == len(parts) - 1
            line = " " * inner + p + ("," if not last or trailing else "")
            if self.chance(self.p_comment + 0.1):
                line += "  # c%d" % i
                self.stats.add("comment_in_flow")
            lines.append(line)
        lines.append(" " * (col + self.rng.choice([1, max(1, inner - col)])) + c)
        return pre + o, lines

    def is_inline(self, node):
        if isinstance(node, (Scal, Alias)):
            return True
        if isinstance(node, (MapN, SeqN)):
            empty = not (node.entries if isinstance(node, MapN) else node.items) and \
                (not isinstance(node, MapN) or node.merge is None)
            return empty or (node.flow and not node.ml)
        return False

    def multi_lines(self, node, content_col, parent_indent):
        """Header and the lines of a multi-line scalar, content at content_col."""
        if node.kind in ("literal", "folded"):
            if node.needs_indicator or self.chance(0.05):
                n = content_col - parent_indent
                if not 1 <= n <= 9:
                    content_col = parent_indent + 2
                    n = 2
                header = node.header % str(n)
                if node.needs_indicator is False:
                    self.stats.add("block_indicator")
            else:
                header = node.header % ""
            if self.chance(0.1):
                header += " # header comment"
            lines = ["" if not t else " " * (content_col + e) + t for e, t in node.lines]
            return header, lines
        lines = ["" if not t else " " * (content_col + e) + t for e, t in node.lines]
        return node.header, lines

    def entry(self, head, val, col):
        """Lines of one block-map entry; head is the indented "key:" text."""
        r = self.rng
        if isinstance(val, Scal) and val.f.text == "":
            return [head + (self.tail() if self.chance(0.5) else "")]
        if self.is_inline(val):
            t = self.inline(val)
            if isinstance(val, (MapN, SeqN)) and not (
                    val.entries if isinstance(val, MapN) else val.items):
                pass
            elif isinstance(val, (MapN, SeqN)):
                self.stats.add("flow_in_block")
            line = head + " " + t
            if not isinstance(val, Scal) or val.f.ok["bcom"]:
                line += self.tail()
            if isinstance(val, Scal) and self.chance(0.02):
                line += " " * r.randint(1, 3)
                self.stats.add("trailing_space")
            return [line]
        if isinstance(val, Multi):
            ccol = col + self.istep()
            header, lines = self.multi_lines(val, ccol, col)
            return [head + " " + header] + lines
        if isinstance(val, (MapN, SeqN)) and val.flow:
            o, lines = self.flow_ml(val, col)
            return [head + " " + o] + lines
        line = head
        if val.anchor:
            line += " &" + val.anchor
        if val.tag:
            line += " " + val.tag
        line += self.tail()
        if isinstance(val, MapN):
            return [line] + self.block_map(val, col + self.istep())
        if self.chance(self.indentless):
            self.stats.add("indentless_list")
            return [line] + self.block_seq(val, col)
        return [line] + self.block_seq(val, col + self.istep())

    def block_map(self, m, col):
        lines = []
        items = [("entry", k, v) for k, v in m.entries]
        if m.merge is not None:
            items.insert(m.merge_pos, ("merge", None, m.merge))
        for i, (what, key, val) in enumerate(items):
            if i > 0:
                self.trivia(lines, col)
            ind = " " * col
            if what == "merge":
                lines.append(ind + self.merge_text(val) + self.tail())
                continue
            if key.alias is not None:
                kt = "*%s " % key.alias
            else:
                kt = key.f.text
            if key.explicit and self.is_inline(val) and not (isinstance(val, Scal) and val.f.text == ""):
                lines.append(ind + "? " + kt)
                lines.append(ind + ": " + self.inline(val))
                continue
            lines.extend(self.entry(ind + kt + ":", val, col))
        return lines

    def item(self, node, col):
        r = self.rng
        dash = " " * col + "-"
        if isinstance(node, Scal) and node.f.text == "":
            return [dash]
        if self.is_inline(node):
            tail = self.tail() if not isinstance(node, Scal) or node.f.ok["bcom"] else ""
            return [dash + " " + self.inline(node) + tail]
        if isinstance(node, Multi):
            ccol = col + 2 + r.choice([0, 0, 1, 2])
            header, lines = self.multi_lines(node, ccol, col)
            return [dash + " " + header] + lines
        if node.flow:
            o, lines = self.flow_ml(node, col)
            return [dash + " " + o] + lines
        if node.anchor or node.tag:
            line = dash + ("" if not node.anchor else " &" + node.anchor) + \
                ("" if not node.tag else " " + node.tag)
            sub = col + max(2, self.istep())
            body = self.block_map(node, sub) if isinstance(node, MapN) else self.block_seq(node, sub)
            return [line] + body
        if self.chance(self.compact):
            sp = r.choice([1, 1, 1, 1, 2, 3])
            if isinstance(node, SeqN):
                sp = 1
                self.stats.add("compact_nested_list")
            else:
                self.stats.add("compact_map_in_list")
            sub = col + 1 + sp
            body = self.block_map(node, sub) if isinstance(node, MapN) else self.block_seq(node, sub)
            body[0] = dash + " " * sp + body[0][sub:]
            return body
        sub = col + self.istep()
        body = self.block_map(node, sub) if isinstance(node, MapN) else self.block_seq(node, sub)
        return [dash + self.tail()] + body

    def block_seq(self, s, col):
        lines = []
        for i, it in enumerate(s.items):
            if i > 0:
                self.trivia(lines, col)
            lines.extend(self.item(it, col))
        return lines

    def document(self, node):
        """(text on the '---' line or None, lines of the document body)."""
        if node is None:
            return "", []
        if isinstance(node, Multi):
            # a root block scalar: libyaml and PyYAML count an indentation indicator from 0
            header, lines = self.multi_lines(node, 2, 0)
            return header, lines
        if self.is_inline(node):
            return self.inline(node), []
        if isinstance(node, (MapN, SeqN)) and node.flow:
            o, lines = self.flow_ml(node, 0)
            return o, lines
        col = 0
        if isinstance(node, MapN) and self.chance(0.03):
            col = self.rng.randint(1, 2)
            self.stats.add("root_indented")
        if isinstance(node, MapN):
            return None, self.block_map(node, col)
        return None, self.block_seq(node, col)

    def file(self, docs):
        r = self.rng
        out = []
        if self.chance(0.3):
            out.append(self.comment_text())
            self.stats.add("comment_line")
        directive = self.chance(0.02) and docs
        if directive:
            out.append("%YAML 1.1")
            self.stats.add("directive")
        ended = False
        for i, doc in enumerate(docs):
            inline, body = self.document(doc)
            explicit = (i > 0 or directive or doc is None or inline is not None
                        or self.chance(0.4) or ended)
            if i == 0 and inline and not directive and self.chance(0.3) and \
                    not isinstance(doc, Multi) and doc is not None and not body:
                explicit = False  # a bare root scalar / flow collection
            if explicit:
                self.stats.add("doc_start")
                line = "---"
                if inline:
                    line += " " + inline
                elif self.chance(0.1):
                    line += " # document %d" % i
                out.append(line)
            elif inline is not None:
                out.append(inline)
            out.extend(body)
            ended = False
            if self.chance(0.12):
                out.append("...")
                ended = True
                self.stats.add("doc_end")
            if i < len(docs) - 1 and self.chance(self.p_comment + 0.1):
                out.append(self.comment_text())
                self.stats.add("comment_between_docs")
        if not docs:
            out.append(self.comment_text())
            out.append("")
        text = "\n".join(out)
        if not self.chance(0.03):
            text += "\n"
        else:
            self.stats.add("no_final_newline")
        if self.chance(0.02):
            text = text.replace("\n", "\r\n")
            self.stats.add("crlf")
        data = text.encode("utf-8")
        if self.chance(0.02):
            data = b"\xef\xbb\xbf" + data
            self.stats.add("bom")
        return data


# --------------------------------------------------------------------------------------------
# Checking one generated file
# --------------------------------------------------------------------------------------------


def acceptable(data):
    if len(data) > MAX_BYTES:
        return False, "too large"
    res = oracle.process_bytes(data, "yaml")
    if not res["ok"]:
        return False, res["error"]
    for path, typ, value in res["entries"]:
        if typ == "int" and not INT64_MIN <= value <= INT64_MAX:
            return False, "int out of range"
    return True, res


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, required=True)
    ap.add_argument("--count", type=int, required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--stats", action="store_true", help="print corpus statistics on stderr")
    ap.add_argument("--check-libyaml", action="store_true",
                    help="also parse every file with libyaml (PyYAML's CSafeLoader) and report, "
                         "as an error, each file where it differs from the pure-Python oracle; "
                         "the corpus itself does not change")
    args = ap.parse_args(argv)
    if args.check_libyaml and oracle.LibyamlLoader is None:
        print("gen_yaml_corpus: this PyYAML was built without libyaml", file=sys.stderr)
        return 2

    vpools, kpools, errors = build_pools()
    for e in errors:
        print("gen_yaml_corpus: " + e, file=sys.stderr)
    if any(e.startswith("category") for e in errors):
        return 1
    for t in SELECTOR_POOL + K8S_KINDS + K8S_NAMES + K8S_NAMESPACES:
        f = form("sel", t)
        if not f.ok["bval"] or type(f.value) not in (str, int, bool):
            print("gen_yaml_corpus: selector form %r unusable" % t, file=sys.stderr)
            return 1

    os.makedirs(args.out, exist_ok=True)
    rng = random.Random(args.seed)
    counts, retries, reasons = {}, 0, {}
    gen = FileGen(rng, vpools, kpools)
    status = 0
    for i in range(args.count):
        for attempt in range(200):
            docs = gen.gen_file(shrink=1 if attempt < 2 else 4)
            rend = Renderer(rng, gen.stats)
            data = rend.file(docs)
            ok, res = acceptable(data)
            if ok:
                break
            retries += 1
            reasons[res.split("\n")[0][:80]] = reasons.get(res.split("\n")[0][:80], 0) + 1
        else:
            print("gen_yaml_corpus: file %d: no acceptable file after 200 attempts" % i,
                  file=sys.stderr)
            status = 1
            continue
        name = os.path.join(args.out, "%04d.yaml" % i)
        with open(name, "wb") as f:
            f.write(data)
        if args.check_libyaml:
            other = oracle.process_bytes(data, "yaml", loader=oracle.LibyamlLoader)
            if json.dumps(other, sort_keys=True) != json.dumps(res, sort_keys=True):
                print("gen_yaml_corpus: %s: libyaml reads it differently: %s"
                      % (name, other.get("error", "other entries")), file=sys.stderr)
                status = 1
        for s in gen.stats:
            counts[s] = counts.get(s, 0) + 1
    if args.stats:
        print("files: %d, regenerated: %d" % (args.count, retries), file=sys.stderr)
        for reason, n in sorted(reasons.items(), key=lambda kv: -kv[1]):
            print("  rejected %4d × %s" % (n, reason), file=sys.stderr)
        for s in sorted(counts):
            print("%6d  %s" % (counts[s], s), file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
