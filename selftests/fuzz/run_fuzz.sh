#!/usr/bin/env bash
# Run one libFuzzer target in KTAP: replay its seed corpus, then fuzz for a
# bounded time (FUZZ_SECONDS, default 20) from a copy of the corpus, so the
# tree is never modified. A crash prints the input as hex.
#
#   selftests/fuzz/run_fuzz.sh BUILD/selftests/fuzz/fuzz_NAME
set -u
bin=$1
name=$(basename "$bin")
corpus=$(cd "$(dirname "$0")" && pwd)/corpus/$name
secs=${FUZZ_SECONDS:-20}

echo "TAP version 13"
echo "1..2"
if [ ! -x "$bin" ]; then
	echo "ok 1 $name corpus replay # SKIP $bin not built (needs clang with libFuzzer)"
	echo "ok 2 $name fuzzing # SKIP $bin not built"
	exit 0
fi
work=$(mktemp -d "/tmp/warren-fuzz.$name.XXXX")
trap 'rm -rf "$work"' EXIT
fail=0

report() {	# report N NAME LOG
	local crash
	if [ "$4" -eq 0 ]; then
		echo "ok $1 $name $2"
		return
	fi
	fail=1
	echo "not ok $1 $name $2"
	grep -E "ERROR|SUMMARY|==[0-9]+==|#[0-9]+ " "$3" | head -20 | sed 's/^/# /'
	for crash in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -e "$crash" ] || continue
		echo "# input $crash:"
		od -An -tx1 "$crash" | head -16 | sed 's/^/#  /'
	done
}

n=$(ls "$corpus" 2>/dev/null | wc -l)
"$bin" -runs=0 -artifact_prefix="$work/" "$corpus" >"$work/replay.log" 2>&1
report 1 "corpus replay ($n seeds)" "$work/replay.log" $?

mkdir -p "$work/corpus"
cp "$corpus"/* "$work/corpus/" 2>/dev/null
"$bin" -max_total_time="$secs" -rss_limit_mb=1024 -timeout=5 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" >"$work/fuzz.log" 2>&1
rc=$?
grep -E "^stat::number_of_executed_units|^stat::peak_rss" "$work/fuzz.log" | sed 's/^/# /'
report 2 "fuzzing for ${secs}s" "$work/fuzz.log" $rc
exit $fail
