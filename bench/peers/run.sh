#!/usr/bin/env bash
# Runs cmd/durable-bench (ours) and the peers side by side in interleaved
# rounds and prints a markdown table with ratios taken within each round.
#
#   bench/peers/run.sh                 # 3 rounds, -n 500 -k 1 -f 1000 -reps 300
#   ROUNDS=5 bench/peers/run.sh -n 2000 -reps 200
#   STORES="ours-sqlite dbos-sqlite" bench/peers/run.sh
#
# Arguments are passed to every run unchanged (the same flags for ours and
# every peer). Each round runs, in this order: ours on sqlite, DBOS on
# sqlite, go-workflows on sqlite, ours on Redis, go-workflows on Redis. All
# binaries are built once at the start, from the working tree as it is then.
# Redis: a private redis-server on a free port in a temporary directory
# with no persistence (--save '' --appendonly no, as docs/redis.md
# measures), flushed before every Redis run. Raw JSON lines and stderr are
# kept in $OUT (default: a temporary directory, printed at the end).
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
rounds=${ROUNDS:-3}
stores=${STORES:-ours-sqlite dbos-sqlite go-workflows-sqlite ours-redis go-workflows-redis}
scenarios=${SCENARIOS:-sequence,fanout,latency}
if [ $# -eq 0 ]; then
	set -- -n 500 -k 1 -f 1000 -reps 300
fi
out=${OUT:-$(mktemp -d /tmp/peers-run-XXXXXX)}
mkdir -p "$out"

echo "building into $out/bin ..." >&2
(cd "$root" && go build -o "$out/bin/durable-bench" ./cmd/durable-bench)
(cd "$here" && go build -o "$out/bin/peers" . && go build -o "$out/bin/peers-table" ./table)

redis_pid=
cleanup() {
	if [ -n "$redis_pid" ]; then
		kill "$redis_pid" 2>/dev/null || true
		wait "$redis_pid" 2>/dev/null || true
	fi
}
trap cleanup EXIT

case " $stores " in
*redis*)
	command -v redis-server >/dev/null || { echo "redis-server missing: run make redis" >&2; exit 1; }
	# A free port: one that nothing answers on.
	while :; do
		port=$((20000 + RANDOM % 40000))
		(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null || break
	done
	mkdir -p "$out/redis"
	redis-server --port "$port" --bind 127.0.0.1 --dir "$out/redis" --save '' --appendonly no \
		--logfile "$out/redis/redis.log" &
	redis_pid=$!
	for _ in $(seq 50); do
		redis-cli -p "$port" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	redis-cli -p "$port" ping >/dev/null
	export RedisConnection="127.0.0.1:$port"
	;;
esac

{
	echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
	echo "uptime before: $(uptime)"
	echo "go: $(go version)"
	echo "cpu: $(nproc) x $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
	echo "args: $*"
} >"$out/machine.txt"

results="$out/results.jsonl"
: >"$results"
for round in $(seq "$rounds"); do
	for store in $stores; do
		case $store in
		ours-*) cmd=("$out/bin/durable-bench" -store "${store#ours-}") ;;
		*) cmd=("$out/bin/peers" -store "$store") ;;
		esac
		case $store in
		*redis) redis-cli -p "$port" flushall >/dev/null ;;
		esac
		echo "round $round: $store (load $(cut -d' ' -f1-3 /proc/loadavg))" >&2
		start=$(date +%s%N)
		# Each JSON line gets the round and the store's label in front.
		if ! "${cmd[@]}" -scenarios "$scenarios" "$@" 2>"$out/$store.$round.err" >"$out/$store.$round.json"; then
			echo "  FAILED, see $out/$store.$round.err:" >&2
			tail -3 "$out/$store.$round.err" >&2
		fi
		sed "s/^{/{\"round\":$round,\"label\":\"$store\",/" "$out/$store.$round.json" >>"$results"
		grep -h "redis commands" "$out/$store.$round.err" >&2 || true
		echo "  $(((($(date +%s%N) - start) / 1000000))) ms" >&2
	done
done
echo "uptime after: $(uptime)" >>"$out/machine.txt"

# Redis commands per orchestration: the sequence scenario alone, once per
# Redis store, counted by the server (INFO commandstats, printed by each
# binary on stderr). The counts include the benchmark client's status
# polls, which differ by library. COMMANDS=0 skips this.
commands=
if [ "${COMMANDS:-1}" != 0 ] && [ -n "$redis_pid" ]; then
	commands="| store | sequence | Redis commands | per orchestration |
|---|---|---|---|"
	for store in $stores; do
		case $store in
		ours-redis) cmd=("$out/bin/durable-bench" -store redis) ;;
		*redis) cmd=("$out/bin/peers" -store "$store") ;;
		*) continue ;;
		esac
		redis-cli -p "$port" flushall >/dev/null
		echo "commands: $store" >&2
		"${cmd[@]}" -scenarios sequence "$@" >"$out/$store.commands.json" 2>"$out/$store.commands.err" || true
		total=$(grep -o 'redis commands: total [0-9]*' "$out/$store.commands.err" | grep -o '[0-9]*$' || echo 0)
		n=$(grep -o '"n":[0-9]*' "$out/$store.commands.json" | grep -o '[0-9]*$' || echo 0)
		k=$(grep -o '"k":[0-9]*' "$out/$store.commands.json" | grep -o '[0-9]*$' || echo 0)
		if [ "$n" -gt 0 ]; then
			commands+="
| $store | $n × $k activities | $total | $((total / n)) |"
		fi
	done
fi

cat "$out/machine.txt"
echo
"$out/bin/peers-table" <"$results"
if [ -n "$commands" ]; then
	echo
	echo "Redis commands per orchestration (sequence alone, one run each):"
	echo
	echo "$commands"
fi
echo
echo "raw results: $results" >&2
