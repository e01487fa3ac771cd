#!/usr/bin/env python3
"""Independent oracle for ChangeGate's config flattening.

Usage: python3 scripts/oracle/flatten.py [--format yaml|json] [--dump-tree] [--libyaml] FILE...

For every FILE, in argument order, prints one line of JSON:
  {"file": FILE, "ok": true, "entries": [[PATH, TYPE, VALUE], ...]}   (sorted by PATH)
  {"file": FILE, "ok": false, "error": "message"}
One bad file never stops the others.  Python 3.11 standard library + PyYAML only.
See README.md beside this file for the rules.
"""

import argparse
import json
import math
import pprint
import sys

import yaml

# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


class SameKeyCheck:
    """Mixin for a PyYAML loader.  It *refuses* (never changes) one thing: a mapping whose keys
    PyYAML merged only because Python considers them equal although they differ in type or text
    (`1` and `true`, `1` and `1.0`, `0.0` and `-0.0`).  PyYAML would silently keep one of them;
    key paths, which convert keys to strings, would have two.  There is no right answer to
    compare, so it is an error.
    """

    def construct_mapping(self, node, deep=False):
        mapping = super().construct_mapping(node, deep=deep)
        # super() has run flatten_mapping, so node.value holds the merged pairs too; the key
        # objects are cached in constructed_objects, so this constructs nothing new.
        seen = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hash(key)
                form = (type(key), key_string(key))
            except Exception:  # unhashable / unsupported: reported elsewhere
                continue
            prev = seen.get(key)
            if prev is None:
                seen[key] = form
            elif prev != form:
                raise yaml.constructor.ConstructorError(
                    "while constructing a mapping", node.start_mark,
                    "keys %r (%s) and %r (%s) are one key for PyYAML but two key paths"
                    % (prev[1], prev[0].__name__, form[1], form[0].__name__),
                    key_node.start_mark)
        return mapping


class OracleLoader(SameKeyCheck, yaml.SafeLoader):
    """PyYAML's pure-Python SafeLoader (what Patroni uses), changed in one way only:
    `tag:yaml.org,2002:timestamp` is constructed as the original scalar string (plus the
    SameKeyCheck refusal above)."""


def _timestamp_as_string(loader, node):
    return loader.construct_scalar(node)


OracleLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_string)

if getattr(yaml, "__with_libyaml__", False):
    class LibyamlLoader(SameKeyCheck, yaml.CSafeLoader):
        """For debugging only (--libyaml): libyaml's parser, the one ChangeGate links, with the
        same constructors.  The oracle itself is always the pure-Python OracleLoader."""

    LibyamlLoader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp_as_string)
else:
    LibyamlLoader = None


class OracleError(Exception):
    pass


def _reject_constant(name):
    raise OracleError("JSON: %s is not allowed (RFC 8259)" % name)


def _json_float(text):
    value = float(text)
    if math.isinf(value) or math.isnan(value):
        raise OracleError("JSON: number %s is out of range for a double" % text)
    return value


def decode(data):
    try:
        text = data.decode("utf-8", errors="strict")
    except UnicodeDecodeError as e:
        raise OracleError("invalid UTF-8: %s" % e) from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text


def load_documents(data, fmt, loader=OracleLoader):
    """Returns the list of documents of a file's bytes."""
    text = decode(data)
    if fmt == "yaml":
        return list(yaml.load_all(text, Loader=loader))
    if fmt == "json":
        return [json.loads(text, parse_constant=_reject_constant, parse_float=_json_float)]
    raise OracleError("unknown format %r" % fmt)


# --------------------------------------------------------------------------------------------
# Flattening
# --------------------------------------------------------------------------------------------

_SPECIAL = set('.[]"\\*=')
SELECTOR_FIELDS = ("name", "id", "key")


def float_string(x):
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(x)


def key_string(k):
    """A map key (or a list selector value) as a string."""
    t = type(k)
    if t is str:
        return k
    if t is bool:
        return "true" if k else "false"
    if t is int:
        return str(k)
    if t is float:
        return float_string(k)
    if k is None:
        return "null"
    raise OracleError("unsupported key type %s" % t.__name__)


def needs_quote(s):
    if s == "":
        return True
    for c in s:
        o = ord(c)
        if o <= 0x20 or o == 0x7F or c in _SPECIAL:
            return True
    return False


def quote(s):
    """A path segment or selector value: as is, or quoted and escaped when needed."""
    if not needs_quote(s):
        return s
    out = ['"']
    for c in s:
        o = ord(c)
        if c == "\\":
            out.append("\\\\")
        elif c == '"':
            out.append('\\"')
        elif c == "\n":
            out.append("\\n")
        elif c == "\t":
            out.append("\\t")
        elif c == "\r":
            out.append("\\r")
        elif o < 0x20 or o == 0x7F:
            out.append("\\u%04X" % o)
        else:
            out.append(c)
    out.append('"')
    return "".join(out)


def _selector_ok(v):
    return type(v) in (str, int, bool)


def list_selector(items):
    """The field (name, id, key) that identifies every element of a list, or None."""
    if not items or not all(type(el) is dict for el in items):
        return None
    for field in SELECTOR_FIELDS:
        forms = []
        for el in items:
            if field not in el or not _selector_ok(el[field]):
                break
            forms.append(key_string(el[field]))
        else:
            if len(set(forms)) == len(forms):
                return field, forms
    return None


class Flattener:
    def __init__(self, max_entries):
        self.entries = []
        self.stack = set()  # ids of the containers on the current path
        self.max_entries = max_entries

    def leaf(self, path, typ, value):
        if len(self.entries) >= self.max_entries:
            raise OracleError("more than %d entries" % self.max_entries)
        self.entries.append([path, typ, value])

    def walk(self, value, prefix):
        t = type(value)
        if value is None:
            self.leaf(prefix, "null", None)
        elif t is bool:
            self.leaf(prefix, "bool", value)
        elif t is int:
            self.leaf(prefix, "int", value)
        elif t is float:
            self.leaf(prefix, "float", value if math.isfinite(value) else float_string(value))
        elif t is str:
            self.leaf(prefix, "str", value)
        elif t is list:
            if not value:
                self.leaf(prefix, "list", [])
                return
            self.enter(value)
            sel = list_selector(value)
            for j, el in enumerate(value):
                if sel is None:
                    seg = "[%d]" % j
                else:
                    seg = "[%s=%s]" % (sel[0], quote(sel[1][j]))
                self.walk(el, prefix + seg)
            self.stack.discard(id(value))
        elif t is dict:
            if not value:
                self.leaf(prefix, "map", {})
                return
            self.enter(value)
            for k, v in value.items():
                seg = quote(key_string(k))
                self.walk(v, prefix + "." + seg if prefix else seg)
            self.stack.discard(id(value))
        else:
            raise OracleError("unsupported type %s" % t.__name__)

    def enter(self, container):
        if id(container) in self.stack:
            raise OracleError("recursive alias")
        self.stack.add(id(container))


def document_identity(doc):
    """`KIND/NAME` or `KIND/NAMESPACE/NAME` of a Kubernetes-style document, else None."""
    if type(doc) is dict:
        kind, meta = doc.get("kind"), doc.get("metadata")
        if type(kind) is str and type(meta) is dict and type(meta.get("name")) is str:
            ns = meta.get("namespace")
            if type(ns) is str:
                return "%s/%s/%s" % (kind, ns, meta["name"])
            return "%s/%s" % (kind, meta["name"])
    return None


def document_prefixes(docs):
    """(document, prefix) for every non-empty YAML document: a prefix never depends on the others."""
    ranks = {}
    out = []
    for doc in docs:
        if doc is None:
            continue
        cid = document_identity(doc)
        rank = ranks.get(cid, 0)
        ranks[cid] = rank + 1
        if cid is None:
            prefix = "" if rank == 0 else "[doc=%d]" % rank
        else:
            prefix = "[doc=%s]" % quote(cid if rank == 0 else "%s#%d" % (cid, rank))
        out.append((doc, prefix))
    return out


def flatten_documents(docs, fmt="yaml", max_entries=1_000_000):
    fl = Flattener(max_entries)
    if fmt != "yaml":
        for doc in docs:
            fl.walk(doc, "")
    else:
        for doc, prefix in document_prefixes(docs):
            fl.walk(doc, prefix)
    entries = sorted(fl.entries, key=lambda e: e[0])
    for a, b in zip(entries, entries[1:]):
        if a[0] == b[0]:
            raise OracleError("duplicate key path %s" % a[0])
    return entries


def _check_unicode(obj):
    # Lone surrogates (PyYAML turns "\ud800" into one) are not Unicode scalar values: a Swift
    # String cannot hold them, and libyaml rejects such escapes.
    json.dumps(obj, ensure_ascii=False).encode("utf-8")


def process_bytes(data, fmt, max_entries=1_000_000, loader=OracleLoader):
    """The result object for one file's bytes (never raises for bad input)."""
    try:
        docs = load_documents(data, fmt, loader)
        entries = flatten_documents(docs, fmt, max_entries)
        try:
            _check_unicode(entries)
        except UnicodeEncodeError:
            raise OracleError("a string holds a surrogate code point (not valid Unicode)") from None
        return {"ok": True, "entries": entries}
    except RecursionError:
        return {"ok": False, "error": "nested too deeply"}
    except Exception as e:  # noqa: BLE001 — any failure is this file's error, never a crash
        msg = str(e) or type(e).__name__
        return {"ok": False, "error": msg}


def format_of(path, forced):
    if forced:
        return forced
    lower = path.lower()
    if lower.endswith((".yaml", ".yml")):
        return "yaml"
    if lower.endswith(".json"):
        return "json"
    return None


def main(argv=None):
    ap = argparse.ArgumentParser(description="Flatten YAML/JSON files into ChangeGate key paths.")
    ap.add_argument("--format", choices=("yaml", "json"))
    ap.add_argument("--dump-tree", action="store_true",
                    help="print the loaded documents (Python repr) instead of key paths")
    ap.add_argument("--max-entries", type=int, default=1_000_000,
                    help="a file with more leaves is an error (alias bombs)")
    ap.add_argument("--libyaml", action="store_true",
                    help="debugging: parse YAML with libyaml (PyYAML's CSafeLoader) instead of "
                         "the pure-Python SafeLoader; not the oracle")
    ap.add_argument("files", nargs="+", metavar="FILE")
    args = ap.parse_args(argv)
    loader = OracleLoader
    if args.libyaml:
        if LibyamlLoader is None:
            ap.error("this PyYAML was built without libyaml")
        loader = LibyamlLoader

    out = sys.stdout
    for path in args.files:
        fmt = format_of(path, args.format)
        try:
            with open(path, "rb") as f:
                data = f.read()
        except OSError as e:
            data, read_error = None, "cannot read: %s" % e
        if fmt is None:
            result = {"ok": False, "error": "unknown format (name it with --format)"}
        elif data is None:
            result = {"ok": False, "error": read_error}
        elif args.dump_tree:
            try:
                docs = load_documents(data, fmt, loader)
                out.write("# %s: %d document(s)\n%s\n" % (path, len(docs), pprint.pformat(docs)))
            except Exception as e:  # noqa: BLE001
                out.write("# %s: error: %s\n" % (path, e))
            out.flush()
            continue
        else:
            result = process_bytes(data, fmt, args.max_entries, loader)
        line = {"file": path}
        line.update(result)
        out.write(json.dumps(line, ensure_ascii=True) + "\n")
        out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main())
