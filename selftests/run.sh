#!/usr/bin/env bash
# Run warren's test suites and report in KTAP with one closing line
# "N passed, N failed, N skipped". Exit status 1 if anything failed.
#
#   selftests/run.sh [unit|fuzz|progs|e2e|e2e:NAME,...|vm ...]
#
# Default: unit fuzz progs e2e, on this kernel. "vm" tests the VM runner
# (scripts/vmtest.sh) from the host; make check-vm runs it, then progs and
# e2e inside VMs.
#
# Each suite prints its own KTAP; this renumbers the results into one plan.
# A suite that exits non-zero without reporting a failure (a crash, a
# sanitizer report) counts as a failure of its own.
set -u
cd "$(dirname "$0")/.."
O=${O:-build}
export WARREN_BUILD=$O

suites=("$@")
[ ${#suites[@]} -eq 0 ] && suites=(unit fuzz progs e2e)

if [ "$(id -u)" -ne 0 ]; then
	echo "run.sh: the suites need root (BPF, network namespaces)" >&2
	exit 1
fi

passed=0 failed=0 skipped=0 n=0
echo "TAP version 13"

# run_one NAME CMD...: run a KTAP-printing command, fold its results into ours.
run_one() {
	local name=$1 line rc=1 nfail=0
	shift
	echo "# === $name"
	while IFS= read -r line; do
		case "$line" in
		"ok "*|"not ok "*)
			local status=${line%% *} rest
			[ "$status" = not ] && status="not ok" || status="ok"
			rest=${line#"$status" }
			rest=${rest#* }	# drop the suite's own number
			n=$((n + 1))
			if [ "$status" = "not ok" ]; then
				failed=$((failed + 1)); nfail=$((nfail + 1))
			elif [[ "$rest" == *"# SKIP"* ]]; then
				skipped=$((skipped + 1))
			else
				passed=$((passed + 1))
			fi
			echo "$status $n $name: $rest"
			;;
		__rc=*) rc=${line#__rc=} ;;
		"TAP version"*|1..*) ;;
		"#"*) echo "$line" ;;
		*) echo "# $line" ;;
		esac
	done < <("$@" 2>&1; echo "__rc=$?")
	if [ "$rc" != 0 ] && [ "$nfail" -eq 0 ]; then
		n=$((n + 1)); failed=$((failed + 1))
		echo "not ok $n $name # exited with status $rc"
	fi
}

for s in "${suites[@]}"; do
	case "$s" in
	unit)
		for t in "$O"/selftests/unit/test_*; do
			run_one "unit/$(basename "$t")" "$t"
		done ;;
	fuzz)
		for t in "$O"/selftests/fuzz/fuzz_*; do
			run_one "fuzz/$(basename "$t")" bash selftests/fuzz/run_fuzz.sh "$t"
		done ;;
	progs)
		run_one progs "$O/selftests/test_progs"
		run_one mesh_progs "$O/selftests/test_mesh_progs"
		run_one reply_progs "$O/selftests/test_reply_progs"
		run_one event_progs "$O/selftests/test_event_progs"
		run_one dns_fast_progs "$O/selftests/test_dns_fast" ;;
	e2e)
		for t in selftests/e2e/test_*.sh; do
			run_one "e2e/$(basename "$t" .sh)" bash "$t"
		done ;;
	e2e:*)	# e2e:NAME,NAME...: those tests only (make check-vm's kernel-facing set)
		IFS=, read -ra names <<<"${s#e2e:}"
		for t in "${names[@]}"; do
			if [ ! -f "selftests/e2e/$t.sh" ]; then
				echo "run.sh: no e2e test $t" >&2; exit 2
			fi
			run_one "e2e/$t" bash "selftests/e2e/$t.sh"
		done ;;
	vm)
		for t in selftests/vm/test_*.sh; do
			run_one "vm/$(basename "$t" .sh)" bash "$t"
		done ;;
	*)
		echo "run.sh: unknown suite $s" >&2; exit 2 ;;
	esac
done

echo "1..$n"
echo "$passed passed, $failed failed, $skipped skipped"
[ "$failed" -eq 0 ]
