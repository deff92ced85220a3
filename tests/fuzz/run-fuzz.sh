#!/bin/sh
# run-fuzz.sh SECONDS CORPUS CRASHES SEEDS_SH FUZZER... - what `make fuzz` runs.
#
# Seeds CORPUS/<target> from SEEDS_SH's output (kept in CORPUS.seeds) when it
# is missing, then runs each FUZZER (a libFuzzer program; its base name is the target
# name) for SECONDS seconds over CORPUS/<target>, one after the other, with
# crash files written to CRASHES/<target>/.  Extra libFuzzer flags come from
# $FUZZ_FLAGS (default -timeout=30); a dictionary tests/fuzz/<target>.dict
# next to this script is used when present.  Prints one line per target:
#   fuzz_macho: 1234567 runs in 600 s, no crash
#   fuzz_plist: 4567 runs in 12 s, CRASH: CRASHES/fuzz_plist/crash-...
# and exits 1 when any target crashed.  Full logs: CORPUS/../<target>.log.
set -u
[ $# -ge 5 ] || { echo "usage: $0 SECONDS CORPUS CRASHES SEEDS_SH FUZZER..." >&2; exit 2; }
secs=$1 corpus=$2 crashes=$3 seeds=$4
shift 4
here=$(CDPATH='' cd -- "$(dirname -- "$0")" && pwd)
logdir=$(dirname -- "$corpus")
status=0
for prog in "$@"; do
	t=$(basename -- "$prog")
	if [ ! -d "$corpus/$t" ]; then
		if [ ! -d "$corpus.seeds" ]; then
			echo "run-fuzz: building the seed corpora (tests/fuzz/seeds.sh)"
			rm -rf -- "$corpus.seeds.tmp"
			if ! sh "$seeds" "$corpus.seeds.tmp" >/dev/null; then
				rm -rf -- "$corpus.seeds.tmp"
				exit 1
			fi
			mv -- "$corpus.seeds.tmp" "$corpus.seeds"
		fi
		mkdir -p -- "$corpus"
		cp -R -- "$corpus.seeds/$t" "$corpus/$t"
	fi
	mkdir -p -- "$crashes/$t"
	dict=
	[ -f "$here/$t.dict" ] && dict=-dict=$here/$t.dict
	: >"$logdir/$t.start"
	start=$(date +%s)
	# shellcheck disable=SC2086
	"$prog" -max_total_time="$secs" -print_final_stats=1 -artifact_prefix="$crashes/$t/" \
		${FUZZ_FLAGS--timeout=30} $dict "$corpus/$t" >"$logdir/$t.log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	runs=$(sed -n 's/^Done \([0-9]*\) runs in .*/\1/p' "$logdir/$t.log" | tail -1)
	[ -n "$runs" ] || runs=$(sed -n 's/^stat::number_of_executed_units: *\([0-9]*\).*/\1/p' "$logdir/$t.log" | tail -1)
	[ -n "$runs" ] || runs=$(sed -n 's/^#\([0-9]*\): cov:.*/\1/p' "$logdir/$t.log" | tail -1) # -fork=N
	new=$(find "$crashes/$t" -type f -newer "$logdir/$t.start" | tr '\n' ' ')
	rm -f -- "$logdir/$t.start"
	if [ "$rc" -eq 0 ] && [ -z "$new" ]; then
		echo "$t: ${runs:-?} runs in $took s, no crash"
	else
		status=1
		echo "$t: ${runs:-?} runs in $took s, CRASH (exit $rc): ${new:-no crash file}"
		grep -m1 -E 'ERROR: (AddressSanitizer|libFuzzer|UndefinedBehaviorSanitizer)|runtime error:' "$logdir/$t.log" | sed 's/^/  /'
	fi
done
exit $status
