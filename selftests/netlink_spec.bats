#!/usr/bin/env bats
# SPDX-License-Identifier: GPL-2.0
# Documentation/netlink/specs/fastipc.yaml, the family's netlink spec, is
# kept in sync with the code: selftests/netlink_spec.py compares it with
# the uapi header (command and attribute names and numbers, family name,
# version, group) and with kmod/netlink.c (policy, ops and their flags,
# what replies and events carry).  Needs python3 with PyYAML, not the
# module: it runs on the host as well as in the test VM.

bats_require_minimum_version 1.5.0

setup() {
	ROOT=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
	CHECK=$ROOT/selftests/netlink_spec.py
	SPEC=$ROOT/Documentation/netlink/specs/fastipc.yaml
	python3 -c 'import yaml' 2>/dev/null || skip "no python3 with PyYAML"
}

# mutate NAME PYTHON: a copy of the spec changed by PYTHON (acting on the
# parsed YAML `s`), as $BATS_TEST_TMPDIR/NAME.yaml.
mutate() {
	python3 - "$SPEC" "$BATS_TEST_TMPDIR/$1.yaml" "$2" <<'PY'
import sys, yaml
src, dst, code = sys.argv[1:4]
s = yaml.safe_load(open(src))
attrs = s["attribute-sets"][0]["attributes"]
ops = {o["name"]: o for o in s["operations"]["list"]}
exec(code)
yaml.safe_dump(s, open(dst, "w"))
PY
}

@test "the spec matches the uapi header and kmod/netlink.c" {
	run python3 "$CHECK"
	echo "$output"
	[[ $status -eq 0 ]]
	[[ $output == "netlink spec: Documentation/netlink/specs/fastipc.yaml matches"* ]]
}

@test "the spec numbers every attribute and command of the header" {
	# Independent of the checker: count the enum entries in the header.
	local nattr ncmd
	nattr=$(sed -n '/^enum fastipc_genl_attr {/,/^};/p' "$ROOT/kmod/uapi/fastipc.h" |
		grep -cE '^\s+FASTIPC_A_[A-Z0-9_]+,')
	ncmd=$(sed -n '/^enum fastipc_genl_cmd {/,/^};/p' "$ROOT/kmod/uapi/fastipc.h" |
		grep -cE '^\s+FASTIPC_CMD_[A-Z0-9_]+,')
	run python3 -c '
import sys, yaml
s = yaml.safe_load(open(sys.argv[1]))
print(len(s["attribute-sets"][0]["attributes"]), len(s["operations"]["list"]))' "$SPEC"
	[[ $output == "$nattr $ncmd" ]] || { echo "spec: $output, header: $nattr $ncmd"; false; }
}

@test "the check fails on a spec that disagrees with the code" {
	local name want
	local -A cases=(
		[swap]='attrs[5], attrs[6] = attrs[6], attrs[5]|FASTIPC_A_CH_GID: 6 in the spec, 5 in the header'
		[renumber]='attrs[3]["value"] = 40|FASTIPC_A_CH_ID: 40 in the spec'
		[rename]='attrs[4]["name"] = "ch-owner"|FASTIPC_A_CH_OWNER: in the spec, not in the header'
		[type]='attrs[8]["type"] = "u64"|FASTIPC_A_CH_MAX_MSGS is u32 in the kernel, u64 in the spec'
		[range]='attrs[10]["checks"]["max"] = 4096|FASTIPC_A_CH_MAX_MSG_SIZE checks'
		[perm]='ops["config-set"].pop("flags")|FASTIPC_CMD_CONFIG_SET is'
		[nodump]='ops["channel-get"].pop("dump")|FASTIPC_CMD_CHANNEL_GET is'
		[request]='ops["channel-set"]["do"]["request"]["attributes"].append("ch-queued-msgs")|FASTIPC_A_CH_QUEUED_MSGS is a request attribute'
		[noreq]='ops["config-set"]["do"]["request"] = {"attributes": ["cfg-max-window"]}|is accepted by the kernel but no request'
		[opmissing]='s["operations"]["list"].pop()|FASTIPC_CMD_EVENT_QUEUE_FULL: in the header, not in the spec'
		[version]='s["version"] = 2|family version'
		[group]='s["mcast-groups"]["list"][0]["name"] = "notify"|multicast groups'
		[badref]='ops["stats-get"]["do"]["reply"]["attributes"].append("st-bogus")|unknown attribute st-bogus'
		[subtype]='s["attribute-sets"][1]["attributes"][3]["type"] = "u32"|nest ch-sub: FASTIPC_A_SUB_BACKLOG is put as u64, the spec says u32'
		[subswap]='a = s["attribute-sets"][1]["attributes"]; a[2], a[3] = a[3], a[2]|FASTIPC_A_SUB_PID: 3 in the spec, 2 in the header'
		[subevent]='ops["event-queue-full"]["event"]["attributes"].append("ch-sub")|event event-queue-full: the spec lists FASTIPC_A_CH_SUB, the kernel does not put it'
		[subreply]='ops["channel-get"]["do"]["reply"]["attributes"].remove("ch-sub")|the kernel puts FASTIPC_A_CH_SUB, the spec does not list it'
	)
	for name in "${!cases[@]}"; do
		mutate "$name" "${cases[$name]%%|*}"
		want=${cases[$name]#*|}
		run python3 "$CHECK" --spec "$BATS_TEST_TMPDIR/$name.yaml"
		[[ $status -eq 1 ]] || { echo "$name: status $status: $output"; false; }
		[[ $output == *"$want"* ]] || { echo "$name: wanted '$want' in: $output"; false; }
	done
}

@test "the check fails on a header that disagrees with the spec" {
	local h=$BATS_TEST_TMPDIR/fastipc.h
	# A new attribute in the middle renumbers the ones after it.
	sed 's/^\tFASTIPC_A_CH_CTIME,/\tFASTIPC_A_CH_ATIME,\n&/' \
		"$ROOT/kmod/uapi/fastipc.h" >"$h"
	run python3 "$CHECK" --header "$h"
	[[ $status -eq 1 ]]
	[[ $output == *"FASTIPC_A_CH_ATIME: in the header, not in the spec"* ]]
	[[ $output == *"FASTIPC_A_CH_CTIME: 7 in the spec, 8 in the header"* ]]
}

@test "the check fails when the kernel's policy or ops change" {
	local k=$BATS_TEST_TMPDIR/kmod
	mkdir -p "$k"
	cp "$ROOT"/kmod/*.c "$k/"
	sed -i 's/\.flags = GENL_ADMIN_PERM,//' "$k/netlink.c"
	sed -i 's/\[FASTIPC_A_CFG_MAX_CHANNELS\] = NLA_POLICY_MIN(NLA_U32, 1)/[FASTIPC_A_CFG_MAX_CHANNELS] = NLA_POLICY_MIN(NLA_U32, 2)/' "$k/netlink.c"
	run python3 "$CHECK" --kernel "$k"
	[[ $status -eq 1 ]]
	[[ $output == *"FASTIPC_CMD_CONFIG_SET is ['do'] in the kernel"* ]]
	[[ $output == *"FASTIPC_A_CFG_MAX_CHANNELS checks {'min': 2}"* ]]
}
