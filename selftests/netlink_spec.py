#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0
"""Check Documentation/netlink/specs/fastipc.yaml against the code.

Against kmod/uapi/fastipc.h: every command and attribute, by name and by
number (enum fastipc_genl_cmd, enum fastipc_genl_attr, and the enum of
each nested attribute set: its enum-name), the family name, version and
multicast group.  Against kmod/netlink.c: the policy (which attributes a
request may carry, their types and range checks), the operations (do,
dump, admin-perm) and the attributes each reply, event and nest puts,
with their types.  Every mismatch is printed; the exit status is 1
if there was one, 0 otherwise.

Used by selftests/netlink_spec.bats; --spec, --header and --kernel point
it at other files (the test feeds it broken copies).
"""
import argparse
import os
import re
import sys

import yaml

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

# Constants the kernel code uses in policies.
CONSTS = {
    "FASTIPC_MSG_SIZE_LIMIT": 0x40000000,
    "FASTIPC_NAME_MAX": 63,
    "FASTIPC_NAME_LEN": 64,
    "FASTIPC_BUSY_POLL_MAX_US": 10000,
    "U64_MAX": 2**64 - 1,
    "U32_MAX": 2**32 - 1,
}

errors = []


def err(msg):
    errors.append(msg)


def c_name(prefix, name):
    return (prefix + name).upper().replace("-", "_")


def strip_comments(text):
    text = re.sub(r"/\*.*?\*/", "", text, flags=re.S)
    return re.sub(r"//[^\n]*", "", text)


def evaluate(expr):
    """A small C constant expression: numbers, known names, + - * ( )."""
    expr = expr.strip()
    expr = re.sub(r"(0x[0-9a-fA-F]+|\d+)(ULL|UL|LL|U|L)\b", r"\1", expr)
    for name, value in CONSTS.items():
        expr = re.sub(r"\b%s\b" % name, str(value), expr)
    if not re.fullmatch(r"[0-9a-fA-Fx+\-*() ]+", expr):
        raise ValueError("cannot evaluate %r" % expr)
    return eval(expr, {"__builtins__": {}})  # digits and operators only


def header_enum(text, enum):
    """[(NAME, value)] of a C enum, without the __*MAX and *_MAX entries."""
    m = re.search(r"enum\s+%s\s*\{(.*?)\};" % enum, text, re.S)
    if not m:
        err("header: no enum %s" % enum)
        return []
    out, value = [], 0
    for item in m.group(1).split(","):
        item = item.strip()
        if not item:
            continue
        name, _, val = item.partition("=")
        name = name.strip()
        if name.endswith("_MAX") and val.strip().startswith("__"):
            continue  # FOO_MAX = __FOO_MAX - 1: an alias, not an entry
        if val.strip():
            v = val.strip()
            value = dict(out)[v] if v in dict(out) else evaluate(v)
        if not name.startswith("__"):
            out.append((name, value))
        value += 1
    return out


def header_define(text, name):
    m = re.search(r"#define\s+%s\s+(\S+)" % name, text)
    if not m:
        err("header: no #define %s" % name)
        return None
    v = m.group(1)
    return v.strip('"') if v.startswith('"') else int(v, 0)


def spec_enum(entries, prefix, what):
    """[(C name, value)]: values count up, 'value' pins one."""
    out, value = [], 0
    for e in entries:
        if "value" in e:
            value = e["value"]
        out.append((c_name(prefix, e["name"]), value))
        value += 1
    names = [n for n, _ in out]
    if len(set(names)) != len(names):
        err("spec: duplicate %s names" % what)
    return out


def compare_enum(what, spec, header):
    if spec == header:
        return
    sd, hd = dict(spec), dict(header)
    for name in hd:
        if name not in sd:
            err("%s %s: in the header, not in the spec" % (what, name))
        elif sd[name] != hd[name]:
            err("%s %s: %d in the spec, %d in the header" % (what, name, sd[name], hd[name]))
    for name in sd:
        if name not in hd:
            err("%s %s: in the spec, not in the header" % (what, name))
    if [n for n, _ in spec if n in hd] != [n for n, _ in header if n in sd]:
        err("%s: the order differs between spec and header" % what)


def function_body(code, name):
    m = re.search(r"\b%s\s*\([^)]*\)\s*\{" % re.escape(name), code)
    if not m:
        err("kernel: no function %s" % name)
        return ""
    depth, i = 1, m.end()
    while depth and i < len(code):
        depth += {"{": 1, "}": -1}.get(code[i], 0)
        i += 1
    return code[m.end():i]


PUT_TYPES = {
    "nla_put_u32": "u32",
    "nla_put_u64_64bit": "u64",
    "fastipc_nl_put_u64": "u64",
    "nla_put_string": "string",
    "nla_put_flag": "flag",
    "nla_nest_start": "nest",
}


def puts_of(body):
    """{attribute: type} of the nla_put*() and nla_nest_start() calls in a function body."""
    out = {}
    for fn, attr in re.findall(r"\b(nla_put_\w+|nla_nest_start|fastipc_nl_put_u64)\s*\(\s*\w+\s*,\s*(FASTIPC_A_\w+)", body):
        out[attr] = PUT_TYPES.get(fn, fn)
    return out


def parse_policy(code):
    """{attribute: (type, checks)} of fastipc_nl_policy."""
    ranges = {}
    for name, body in re.findall(r"netlink_range_validation\s+(\w+)\s*=\s*\{(.*?)\};", code, re.S):
        fields = dict(re.findall(r"\.(min|max)\s*=\s*([^,}]+)", body))
        ranges[name] = {k: evaluate(v) for k, v in fields.items()}
    m = re.search(r"nla_policy\s+fastipc_nl_policy\s*\[[^\]]*\]\s*=\s*\{(.*?)\n\};", code, re.S)
    if not m:
        err("kernel: no fastipc_nl_policy")
        return {}
    policy = {}
    entries = re.split(r"\[(FASTIPC_A_\w+)\]\s*=", m.group(1))[1:]
    for attr, val in zip(entries[0::2], entries[1::2]):
        val = " ".join(val.split()).rstrip(", ")
        checks = {}
        t = re.search(r"NLA_(NUL_STRING|STRING|U8|U16|U32|U64|S32|S64|FLAG|BINARY)", val)
        typ = {"NUL_STRING": "string", "STRING": "string"}.get(t.group(1), t.group(1).lower()) if t else "?"
        if "NLA_POLICY_FULL_RANGE" in val:
            r = re.search(r"&(\w+)", val)
            checks = dict(ranges.get(r.group(1), {})) if r else {}
        elif "NLA_POLICY_MIN" in val:
            checks["min"] = evaluate(re.search(r"NLA_POLICY_MIN\([^,]+,\s*([^)]+)\)", val).group(1))
        elif "NLA_POLICY_MAX" in val:
            checks["max"] = evaluate(re.search(r"NLA_POLICY_MAX\([^,]+,\s*([^)]+)\)", val).group(1))
        elif "NLA_POLICY_RANGE" in val:
            lo, hi = re.search(r"NLA_POLICY_RANGE\([^,]+,\s*([^,]+),\s*([^)]+)\)", val).groups()
            checks = {"min": evaluate(lo), "max": evaluate(hi)}
        ln = re.search(r"\.len\s*=\s*([^,}]+)", val)
        if ln:
            checks["max-len"] = evaluate(ln.group(1))
        if checks.get("max") == CONSTS["U64_MAX"] and typ == "u64":
            del checks["max"]
        policy[attr] = (typ, checks)
    return policy


def parse_ops(code):
    """{command: {'do', 'dump', 'admin-perm'}} of fastipc_nl_ops."""
    m = re.search(r"genl_ops\s+fastipc_nl_ops\s*\[\]\s*=\s*\{(.*?)\n\};", code, re.S)
    if not m:
        err("kernel: no fastipc_nl_ops")
        return {}
    ops = {}
    for block in re.findall(r"\{(.*?)\}", m.group(1), re.S):
        cmd = re.search(r"\.cmd\s*=\s*(\w+)", block)
        if not cmd:
            continue
        what = set()
        if re.search(r"\.doit\s*=", block):
            what.add("do")
        if re.search(r"\.dumpit\s*=", block):
            what.add("dump")
        if "GENL_ADMIN_PERM" in block:
            what.add("admin-perm")
        ops[cmd.group(1)] = what
    return ops


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--spec", default=os.path.join(ROOT, "Documentation/netlink/specs/fastipc.yaml"))
    ap.add_argument("--header", default=os.path.join(ROOT, "kmod/uapi/fastipc.h"))
    ap.add_argument("--kernel", default=os.path.join(ROOT, "kmod"),
                    help="the module's source folder (netlink.c and the files that send events)")
    args = ap.parse_args()

    with open(args.spec) as f:
        spec = yaml.safe_load(f)
    with open(args.header) as f:
        header = strip_comments(f.read())
    code_files = {}
    for fn in sorted(os.listdir(args.kernel)):
        if fn.endswith(".c"):
            with open(os.path.join(args.kernel, fn)) as f:
                code_files[fn] = strip_comments(f.read())
    code = code_files.get("netlink.c", "")
    if not code:
        err("kernel: no netlink.c in %s" % args.kernel)

    # ---- the spec on its own ----
    if spec.get("protocol") != "genetlink-legacy":
        err("spec: protocol is %r, not genetlink-legacy" % spec.get("protocol"))
    sets = {s["name"]: s for s in spec.get("attribute-sets", [])}
    if list(sets)[:1] != ["fastipc"]:
        err("spec: expected the attribute set 'fastipc' first, found %s" % list(sets))
    aset = sets.get("fastipc", {"attributes": [], "name-prefix": ""})
    attr_prefix = aset.get("name-prefix", "fastipc-")
    by_name = {a["name"]: a for a in aset["attributes"]}
    # The other sets are nests' contents: each named by a nest attribute.
    nested = {}
    for a in aset["attributes"]:
        if a.get("type") == "nest":
            if a.get("nested-attributes") not in sets or a.get("nested-attributes") == "fastipc":
                err("spec: nest %s names no nested attribute set" % a["name"])
            else:
                nested[a["name"]] = sets[a["nested-attributes"]]
        elif "nested-attributes" in a:
            err("spec: %s has nested-attributes but is no nest" % a["name"])
    for name in sets:
        if name != "fastipc" and name not in [n["name"] for n in nested.values()]:
            err("spec: attribute set %s is nested in no attribute" % name)
    ops = spec.get("operations", {})
    op_prefix = ops.get("name-prefix", "fastipc-")
    groups = [g["name"] for g in spec.get("mcast-groups", {}).get("list", [])]

    def op_attrs(op, kind, part):
        sub = op.get(kind) or {}
        sub = sub.get(part) if part else sub
        return list((sub or {}).get("attributes", []))

    for op in ops.get("list", []):
        for kind, part in (("do", "request"), ("do", "reply"), ("dump", "request"),
                           ("dump", "reply"), ("event", None)):
            for a in op_attrs(op, kind, part):
                if a not in by_name:
                    err("spec: operation %s %s uses unknown attribute %s" % (op["name"], kind, a))
        if "event" in op and op.get("mcgrp") not in groups:
            err("spec: event %s names no known multicast group" % op["name"])

    # ---- spec against the uapi header ----
    compare_enum("attribute", spec_enum(aset["attributes"], attr_prefix, "attribute"),
                 header_enum(header, "fastipc_genl_attr"))
    for nset in {n["name"]: n for n in nested.values()}.values():
        if "enum-name" not in nset:
            err("spec: attribute set %s has no enum-name" % nset["name"])
            continue
        compare_enum("attribute", spec_enum(nset["attributes"], nset.get("name-prefix", ""),
                                            "attribute of %s" % nset["name"]),
                     header_enum(header, c_name("", nset["enum-name"]).lower()))
    compare_enum("command", spec_enum(ops.get("list", []), op_prefix, "operation"),
                 header_enum(header, "fastipc_genl_cmd"))
    if header_define(header, "FASTIPC_GENL_NAME") != spec.get("name"):
        err("family name: %r in the header, %r in the spec" %
            (header_define(header, "FASTIPC_GENL_NAME"), spec.get("name")))
    if header_define(header, "FASTIPC_GENL_VERSION") != spec.get("version"):
        err("family version: %r in the header, %r in the spec" %
            (header_define(header, "FASTIPC_GENL_VERSION"), spec.get("version")))
    for key in ("c-family-name", "c-version-name"):
        if key in spec and not re.search(r"#define\s+%s\b" % c_name("", spec[key]), header):
            err("spec: %s %s is not defined in the header" % (key, spec[key]))
    if groups != [header_define(header, "FASTIPC_GENL_MCGRP_EVENTS")]:
        err("multicast groups: %s in the spec, %r in the header" %
            (groups, header_define(header, "FASTIPC_GENL_MCGRP_EVENTS")))

    # ---- spec against the kernel code ----
    policy = parse_policy(code)
    requested = set()
    for op in ops.get("list", []):
        requested |= set(op_attrs(op, "do", "request")) | set(op_attrs(op, "dump", "request"))
    for name in sorted(requested):
        a = by_name.get(name)
        cname = c_name(attr_prefix, name)
        if cname not in policy:
            err("policy: %s is a request attribute in the spec but has no policy entry" % cname)
            continue
        typ, checks = policy[cname]
        if a and a.get("type") != typ:
            err("policy: %s is %s in the kernel, %s in the spec" % (cname, typ, a.get("type")))
        if a and dict(a.get("checks") or {}) != checks:
            err("policy: %s checks %s in the kernel, %s in the spec" % (cname, checks, a.get("checks") or {}))
    for cname in sorted(policy):
        if cname not in {c_name(attr_prefix, n) for n in requested}:
            err("policy: %s is accepted by the kernel but no request in the spec has it" % cname)

    kops = parse_ops(code)
    for op in ops.get("list", []):
        cname = c_name(op_prefix, op["name"])
        if op["name"] == "unspec":
            continue
        if "event" in op:
            if cname in kops:
                err("ops: %s is an event in the spec but a request in the kernel" % cname)
            if not any(re.search(r"\b%s\b" % cname, c) for fn, c in code_files.items() if fn != "netlink.c") \
                    and not re.search(r"fastipc_nl_notify\w*\([^;]*\b%s\b" % cname, code):
                err("events: nothing in the kernel sends %s" % cname)
            continue
        want = set()
        if "do" in op:
            want.add("do")
        if "dump" in op:
            want.add("dump")
        if "admin-perm" in (op.get("flags") or []):
            want.add("admin-perm")
        if cname not in kops:
            err("ops: %s is in the spec but not in fastipc_nl_ops" % cname)
        elif kops[cname] != want:
            err("ops: %s is %s in the kernel, %s in the spec" %
                (cname, sorted(kops[cname]), sorted(want)))
    for cname in kops:
        if cname not in {c_name(op_prefix, o["name"]) for o in ops.get("list", [])}:
            err("ops: %s is in the kernel but not in the spec" % cname)

    # What the replies, events and nests carry.  A nest's contents are
    # put by the function named for it; those are checked against its set.
    nest_fill = {"ch-sub": "fastipc_nl_fill_sub"}
    nest_puts = {}
    for name, nset in nested.items():
        if name not in nest_fill:
            err("spec: the checker knows no function that fills nest %s" % name)
            continue
        prefix = nset.get("name-prefix", "")
        inner = {c_name(prefix, a["name"]): a.get("type") for a in nset["attributes"]
                 if a.get("type") not in ("unused", "pad")}
        puts = puts_of(function_body(code, nest_fill[name]))
        nest_puts[name] = puts
        for cname in sorted(set(inner) | {p for p in puts if p.startswith(c_name(prefix, ""))}):
            if cname not in inner:
                if cname != c_name(prefix, "pad"):
                    err("nest %s: the kernel puts %s, the spec does not list it" % (name, cname))
            elif cname not in puts:
                err("nest %s: the spec lists %s, the kernel does not put it" % (name, cname))
            elif puts[cname] != inner[cname]:
                err("nest %s: %s is put as %s, the spec says %s" % (name, cname, puts[cname], inner[cname]))
        if not by_name[name].get("multi-attr"):
            err("spec: nest %s is not multi-attr (the kernel puts one per entry)" % name)
    inner_names = set()
    for nset in nested.values():
        inner_names |= {c_name(nset.get("name-prefix", ""), a["name"]) for a in nset["attributes"]}

    def check_puts(where, body, attrs):
        puts = puts_of(body)
        puts.pop("FASTIPC_A_PAD", None)
        for k in inner_names:
            puts.pop(k, None)
        want = {c_name(attr_prefix, a): by_name[a].get("type") for a in attrs if a in by_name}
        for cname in sorted(set(puts) | set(want)):
            if cname not in want:
                err("%s: the kernel puts %s, the spec does not list it" % (where, cname))
            elif cname not in puts:
                err("%s: the spec lists %s, the kernel does not put it" % (where, cname))
            elif puts[cname] != want[cname]:
                err("%s: %s is put as %s, the spec says %s" % (where, cname, puts[cname], want[cname]))

    replies = {
        "channel-get": ["fastipc_nl_fill_channel", "fastipc_nl_fill_sub"],
        "stats-get": ["fastipc_nl_stats_get"],
        "config-get": ["fastipc_nl_config_get"],
    }
    for op in ops.get("list", []):
        if op["name"] in replies:
            body = "\n".join(function_body(code, fn) for fn in replies[op["name"]])
            check_puts("reply of %s" % op["name"], body, op_attrs(op, "do", "reply"))
            if "dump" in op and op_attrs(op, "dump", "reply") != op_attrs(op, "do", "reply"):
                err("spec: %s dump and do replies differ (the kernel fills both alike)" % op["name"])
        elif "event" in op:
            check_puts("event %s" % op["name"], function_body(code, "fastipc_nl_fill_channel"),
                       op_attrs(op, "event", None))
        elif op_attrs(op, "do", "reply"):
            err("spec: %s has a reply, the kernel sends none" % op["name"])
    if "FASTIPC_GENL_MCGRP_EVENTS" not in code:
        err("kernel: the events group is not registered from FASTIPC_GENL_MCGRP_EVENTS")

    for e in errors:
        print("netlink spec: " + e)
    if not errors:
        print("netlink spec: %s matches %s and %s (%d attributes, %d commands)" %
              (os.path.relpath(args.spec, ROOT), os.path.relpath(args.header, ROOT),
               os.path.relpath(args.kernel, ROOT), len(aset["attributes"]), len(ops.get("list", []))))
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
