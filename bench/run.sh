#!/usr/bin/env bash
# Mailferry benchmark: copy a realistic generated mailbox between two local Dovecot servers
# over TLS, once from scratch (full pass) and once more unchanged (incremental pass), and
# compare with mbsync (isync) and Dovecot's own doveadm backup on the same source.
#
#   bash bench/run.sh                     # 10,000 messages (~780 MB)
#   BENCH_MESSAGES=1000 bash bench/run.sh # smaller
#
# Environment:
#   MAILFERRY_BIN      use this binary instead of building target/release/mailferry
#   BENCH_MESSAGES     messages to generate (default 10000)
#   BENCH_CONNECTIONS  passed to mailferry as --connections (default: mailferry's own)
#   BENCH_SEED         generator seed (default 20240601; same seed = same mailbox)
#   BENCH_REPEAT       rounds of every tool, each into fresh mailboxes (default 1); the table
#                      shows each tool's fastest round and lists all its times
#   KEEP=1             leave both Dovecot servers and the temp dir in place at the end
#   BENCH_WAIT_IDLE=S  wait up to S seconds for the machine to be idle before measuring
#   BENCH_NICE=N       priority of the whole benchmark (default -10; 0 = normal)
#   BENCH_TOOL_TIMEOUT=S  longest any one run may take (default 1800)
#
# Fails (exit 1) if mailferry exits non-zero, if its --json totals are not what was
# loaded (all copied on the first pass, none on the second), or if its copy differs from
# the source in any folder, message, flag, INTERNALDATE or size. The other tools' copies
# are checked the same way and their differences reported, not failed on.
#
# Needs root (Dovecot switches to the mail/dovenull/dovecot users), dovecot-imapd, openssl,
# python3. Results go to bench-out/ (git-ignored); nothing is cached between runs except
# inside the temp dir, which is removed at exit unless KEEP=1.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(dirname "$HERE")
MESSAGES=${BENCH_MESSAGES:-10000}
CONNECTIONS=${BENCH_CONNECTIONS:-}
SEED=${BENCH_SEED:-20240601}
REPEAT=${BENCH_REPEAT:-1}
KEEP=${KEEP:-0}
PW=bench-pw                       # every account's password; only ever on 127.0.0.1
TOOL_TIMEOUT=${BENCH_TOOL_TIMEOUT:-1800}  # no single run may hang the benchmark forever
OUT=$ROOT/bench-out
GEN=(python3 "$HERE/generate.py")

die() { echo "bench: ERROR: $*" >&2; exit 1; }
mkdir -p "$OUT"
STAMP=$(date +%Y%m%d-%H%M%S)
REPORT=$OUT/results-$STAMP.txt
# Everything said to the user also goes to the report file.
say() { echo "$*" | tee -a "$REPORT"; }

# ---------------------------------------------------------------------------- prerequisites
[ "$(id -u)" = 0 ] || die "run as root: Dovecot must switch to the mail, dovenull and dovecot users"
command -v dovecot >/dev/null || die "dovecot not found (apt-get install dovecot-imapd)"
command -v openssl >/dev/null || die "openssl not found"
command -v python3 >/dev/null || die "python3 not found"
# GNU time gives peak RSS and CPU time of the measured process; only install it if absent.
if [ ! -x /usr/bin/time ]; then
    echo "bench: installing GNU time"
    apt-get install -y time >/dev/null || { apt-get update >/dev/null && apt-get install -y time >/dev/null; }
fi

# ---------------------------------------------------------------------------- 1. the binary
if [ -z "${MAILFERRY_BIN:-}" ]; then
    echo "bench: cargo build --release"
    (cd "$ROOT" && cargo build --release --quiet)
    MAILFERRY_BIN=$ROOT/target/release/mailferry
fi
[ -x "$MAILFERRY_BIN" ] || die "no executable at $MAILFERRY_BIN"

# ---------------------------------------------------------------------------- 2. servers
# This is a shared 2-core machine: a compiler or test run elsewhere would take CPU from the
# servers and tools being measured. Running the benchmark (and so both Dovecot servers and
# every tool, which inherit it) at a higher priority keeps the figures close to those of an
# idle machine; the report still warns when unrelated work took a noticeable share.
# BENCH_NICE=0 to measure at normal priority.
renice -n "${BENCH_NICE:--10}" $$ >/dev/null 2>&1 || true

WORK=$(mktemp -d /tmp/mailferry-bench.XXXXXX)
# Dovecot's unprivileged processes must traverse it to reach sockets, passwd files, homes.
chmod 755 "$WORK"
CONFS=()

cleanup() {
    local rc=$?
    if [ "$KEEP" = 1 ]; then
        echo "bench: KEEP=1: servers still running, files in $WORK"
        for c in "${CONFS[@]}"; do echo "bench:   stop with: dovecot -c $c stop"; done
    else
        for c in "${CONFS[@]}"; do dovecot -c "$c" stop 2>/dev/null || true; done
        # Give the master a moment to take its children down before removing their files.
        sleep 1
        rm -rf "$WORK"
    fi
    exit $rc
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A private CA and a server certificate signed by it, so the tools do real certificate
# verification (with --ca-file / CertificateFile) and the TLS cost is part of the numbers.
# RSA 2048 because that is what most mail servers still present. CN=127.0.0.1 as well as
# the IP SAN because mbsync 1.4 matches host names against DNS SANs and the CN only.
(
    cd "$WORK"
    openssl req -x509 -newkey rsa:2048 -nodes -days 2 -keyout ca-key.pem -out ca.pem \
        -subj "/CN=Mailferry benchmark CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -newkey rsa:2048 -nodes -keyout server-key.pem -out server.csr -subj "/CN=127.0.0.1"
    printf '%s\n' "basicConstraints=critical,CA:FALSE" \
        "keyUsage=critical,digitalSignature,keyEncipherment" "extendedKeyUsage=serverAuth" \
        "subjectAltName=IP:127.0.0.1,DNS:localhost" >server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -days 2 \
        -extfile server.ext -out server-cert.pem
    chmod 644 server-key.pem   # read by Dovecot's config process after it drops root
) >"$WORK/openssl.log" 2>&1 || { cat "$WORK/openssl.log"; die "certificate generation failed"; }

# start_dovecot NAME IMAPS_PORT IMAP_PORT USER... : one instance with its own dirs and users.
start_dovecot() {
    local name=$1 imaps=$2 imap=$3; shift 3
    local d=$WORK/$name
    mkdir -p "$d/home"
    chown mail:mail "$d/home"
    : >"$d/passwd"
    for u in "$@"; do echo "$u:{PLAIN}$PW::::::" >>"$d/passwd"; done
    # Settings never share a line with an opening '{' (Dovecot's parser requires that).
    cat >"$d/dovecot.conf" <<EOF
# Generated by bench/run.sh for the $name server.
base_dir = $d/run
state_dir = $d/state
log_path = $d/dovecot.log
info_log_path = $d/dovecot.log
protocols = imap
listen = 127.0.0.1
mail_uid = mail
mail_gid = mail
first_valid_uid = 1
default_login_user = dovenull
default_internal_user = dovecot
mail_home = $d/home/%u
mail_location = sdbox:~/sdbox
# Benchmark the tools, not the disk: writes stay in the page cache like on a server with
# a write-back cache. Every tool is measured under the same setting.
mail_fsync = never
ssl = yes
ssl_cert = <$WORK/server-cert.pem
ssl_key = <$WORK/server-key.pem
# The plain port is only used by the loader and the counter, from 127.0.0.1.
disable_plaintext_auth = no
auth_mechanisms = plain login
auth_failure_delay = 0
protocol imap {
  # mailferry opens several connections per side for the same user.
  mail_max_userip_connections = 100
}
# Without this, one failed login delays every later login from 127.0.0.1.
service anvil {
  unix_listener anvil-auth-penalty {
    mode = 0
  }
}
service imap-login {
  inet_listener imap {
    port = $imap
  }
  inet_listener imaps {
    port = $imaps
    ssl = yes
  }
}
passdb {
  driver = passwd-file
  args = $d/passwd
}
userdb {
  driver = passwd-file
  args = $d/passwd
}
# Special folders exist from the start, as on real servers (the loader tolerates that).
namespace inbox {
  inbox = yes
  separator = /
  prefix =
  mailbox Sent {
    special_use = \\Sent
    auto = subscribe
  }
  mailbox Drafts {
    special_use = \\Drafts
    auto = subscribe
  }
  mailbox Trash {
    special_use = \\Trash
    auto = subscribe
  }
  mailbox Junk {
    special_use = \\Junk
    auto = subscribe
  }
}
EOF
    CONFS+=("$d/dovecot.conf")
    dovecot -c "$d/dovecot.conf" || { cat "$d/dovecot.log" 2>/dev/null; die "dovecot ($name) did not start"; }
    "${GEN[@]}" wait "$imap" || { tail -30 "$d/dovecot.log"; die "dovecot ($name) does not answer"; }
}

read -r SRC_IMAPS SRC_IMAP DST_IMAPS DST_IMAP <<<"$("${GEN[@]}" ports 4)"
start_dovecot src "$SRC_IMAPS" "$SRC_IMAP" alice
# One destination server, one fresh user per tool and round, so no run sees another's copies.
DST_USERS=()
for n in $(seq 1 "$REPEAT"); do DST_USERS+=("ferry$n" "mbsync$n" "imapsync$n" "doveadm$n"); done
start_dovecot dst "$DST_IMAPS" "$DST_IMAP" "${DST_USERS[@]}"
SRC_CONF=$WORK/src/dovecot.conf
DST_CONF=$WORK/dst/dovecot.conf

# ---------------------------------------------------------------------------- 3. the mailbox
say "Mailferry benchmark $STAMP: $("$MAILFERRY_BIN" --version 2>/dev/null || echo mailferry) at $MAILFERRY_BIN (work tree at $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'))"
say "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//'), $(awk '/MemTotal/{printf "%.0f GiB", $2/1048576}' /proc/meminfo) RAM"
echo "bench: generating and loading $MESSAGES messages (seed $SEED)"
# Loaded over the plain port with pipelined APPENDs from parallel workers: not measured.
LOAD=$("${GEN[@]}" load --port "$SRC_IMAP" --user alice --password "$PW" \
    --messages "$MESSAGES" --seed "$SEED" --workers 3) || die "loading the source failed"
echo "$LOAD" >"$WORK/load.json"
SRC_COUNT=$("${GEN[@]}" count --port "$SRC_IMAP" --user alice --password "$PW")
read -r SRC_MSGS SRC_BYTES <<<"$(python3 -c 'import json,sys; c=json.loads(sys.argv[1]); print(c["messages"], c["bytes"])' "$SRC_COUNT")"
[ "$SRC_MSGS" = "$MESSAGES" ] || die "source holds $SRC_MSGS messages, expected $MESSAGES"
say "$(python3 - "$LOAD" <<'EOF'
import json, sys
l = json.loads(sys.argv[1])
print(f"source mailbox: {l['messages']} messages, {l['bytes']/1e6:.1f} MB in {len(l['folders'])} folders "
      f"(loaded in {l['load_seconds']} s, not measured)")
print(f"  sizes: {l['under_50k']} of 2-50 KB, {l['attach_100k_2m']} of 100 KB-2 MB with attachments, {l['over_20m']} of 20-30 MB")
print("  folders: " + ", ".join(f"{k} {v}" for k, v in sorted(l["folders"].items(), key=lambda kv: -kv[1])))
EOF
)"

# ---------------------------------------------------------------------------- timing helpers
# CPU seconds used so far by both Dovecot servers (masters + all their processes, including
# the per-connection imap processes already gone) and by the whole machine. Dovecot's share
# says how much of a run is server work; the machine's total minus tool and Dovecot shows
# whether something unrelated (someone's build) competed for the 2 cores.
cpu_seconds() { "${GEN[@]}" cpu "$WORK/src/run/master.pid" "$WORK/dst/run/master.pid"; }

# timed DIR CMD... : runs CMD under GNU time -v, stdout/stderr/time/cpu into DIR.
timed() {
    local dir=$1; shift
    mkdir -p "$dir"
    sync   # start each run without the previous run's dirty pages being written back
    local b0 b1 rc=0
    b0=$(cpu_seconds)
    /usr/bin/time -v -o "$dir/time.txt" timeout "$TOOL_TIMEOUT" "$@" >"$dir/stdout" 2>"$dir/stderr" || rc=$?
    # Let Dovecot reap the imap processes of the connections just closed, so their CPU
    # time is in the master's account when we read it.
    sleep 0.5
    b1=$(cpu_seconds)
    python3 -c "import sys; a, b = sys.argv[1].split(), sys.argv[2].split(); print(*(round(float(y) - float(x), 2) for x, y in zip(a, b)))" "$b0" "$b1" >"$dir/cpu.txt"
    return $rc
}

# count_dest USER FILE : what really arrived for USER on the destination, as JSON in FILE.
count_dest() {
    "${GEN[@]}" count --port "$DST_IMAP" --user "$1" --password "$PW" >"$2"
}
count_of() { python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"; }

# check_totals DIR EXPECTED_COPIED : mailferry's own JSON report must match what we loaded.
check_totals() {
    python3 - "$1/stdout" "$2" "$MESSAGES" <<'EOF'
import json, sys
path, want_copied, n = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
try:
    r = json.load(open(path))
except Exception as e:
    sys.exit(f"mailferry printed no JSON report ({e})")
t = r["totals"]
problems = []
if r["status"] != "synced":
    problems.append(f"status is {r['status']!r}")
if t["messages_in_source"] != n:
    problems.append(f"messages_in_source {t['messages_in_source']} != {n}")
if t["copied"] != want_copied:
    problems.append(f"copied {t['copied']} != {want_copied}")
if t["failed"] or t["skipped"]:
    problems.append(f"failed {t['failed']}, skipped {t['skipped']}")
if want_copied == 0 and t["previously_copied"] + t["already_present"] != n:
    problems.append(f"previously_copied {t['previously_copied']} + already_present {t['already_present']} != {n}")
if problems:
    sys.exit("mailferry report is wrong: " + "; ".join(problems) + "\ntotals: " + json.dumps(t))
print(json.dumps(t))
EOF
}

# fidelity USER : compare the source with USER's copy message by message (folder,
# Message-ID, flags, INTERNALDATE, size). Prints a summary line and examples; non-zero if any
# difference. Run on the first round only: it is a check, not part of the timing.
fidelity() {
    "${GEN[@]}" compare --port "$SRC_IMAP" --user alice --port-b "$DST_IMAP" --user-b "$1" \
        --password "$PW" --strict
}

# wait_idle: on a shared machine, wait (up to BENCH_WAIT_IDLE seconds, default 0) for a 5 s
# window in which less than 10 % of the CPU was busy, so other work does not skew the runs.
wait_idle() {
    local limit=${BENCH_WAIT_IDLE:-0} start=$SECONDS a b busy
    while :; do
        a=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
        sleep 5
        b=$(awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $5+$6}' /proc/stat)
        busy=$(echo "$a $b" | awk '{d = ($3-$1) + ($4-$2); print (d > 0) ? int(100 * ($3-$1) / d) : 0}')
        if [ "$busy" -lt 10 ] || [ $((SECONDS - start)) -ge "$limit" ]; then
            say "CPU busy (other work) in the 5 s before measuring: $busy %"
            return
        fi
    done
}

export MF_BENCH_SRC_PW=$PW MF_BENCH_DST_PW=$PW
# Runs of each kind, as comma-separated result dirs (one per round).
MF1_DIRS="" MF2_DIRS="" MB_DIRS="" IS_DIRS="" DA_DIRS=""
add() { local -n list=$1; list=${list:+$list,}$2; }

# ---------------------------------------------------------------------------- 4. mailferry
# mailferry_round N : full pass into the empty mailbox ferryN, then the same command again.
mailferry_round() {
    local n=$1 R R2
    local args=(migrate
        --source "imaps://alice@127.0.0.1:$SRC_IMAPS"
        --dest "imaps://ferry$n@127.0.0.1:$DST_IMAPS"
        --source-password-env MF_BENCH_SRC_PW --dest-password-env MF_BENCH_DST_PW
        --ca-file "$WORK/ca.pem" --state-dir "$WORK/mailferry-state-$n" --json)
    [ -z "$CONNECTIONS" ] || args+=(--connections "$CONNECTIONS")

    echo "bench: [round $n] mailferry, full pass"
    R=$WORK/runs/$n-mailferry-first
    timed "$R" "$MAILFERRY_BIN" "${args[@]}" || {
        echo "--- stderr ---"; tail -40 "$R/stderr"; echo "--- stdout ---"; head -c 4000 "$R/stdout"
        die "mailferry full pass exited non-zero: $MAILFERRY_BIN ${args[*]}"; }
    check_totals "$R" "$MESSAGES" >"$R/totals.json" || die "$(cat "$R/totals.json")"
    # Do not take the tool's word for it: count what the destination holds.
    count_dest "ferry$n" "$R/count.json"
    [ "$(count_of "$R/count.json" messages)" = "$MESSAGES" ] ||
        die "destination holds $(count_of "$R/count.json" messages) messages after the full pass, expected $MESSAGES"
    [ "$(count_of "$R/count.json" bytes)" = "$SRC_BYTES" ] ||
        die "destination holds $(count_of "$R/count.json" bytes) bytes, the source $SRC_BYTES"
    if [ "$n" = 1 ]; then
        fidelity "ferry$n" >"$R/fidelity.txt" ||
            die "mailferry's copy differs from the source, $(cat "$R/fidelity.txt")"
        say "fidelity mailferry: same folders, messages, flags, INTERNALDATEs and sizes as the source"
    fi
    add MF1_DIRS "$R"

    echo "bench: [round $n] mailferry, incremental pass (nothing changed)"
    R2=$WORK/runs/$n-mailferry-second
    timed "$R2" "$MAILFERRY_BIN" "${args[@]}" || {
        tail -40 "$R2/stderr"; die "mailferry incremental pass exited non-zero: $MAILFERRY_BIN ${args[*]}"; }
    check_totals "$R2" 0 >"$R2/totals.json" || die "$(cat "$R2/totals.json")"
    # For the incremental pass "messages" are those checked; nothing is transferred.
    python3 -c 'import json,sys; t=json.load(open(sys.argv[1])); print(json.dumps({"messages": t["messages_in_source"], "bytes": t["bytes_copied"]}))' \
        "$R2/totals.json" >"$R2/count.json"
    count_dest "ferry$n" "$R2/dest-count.json"
    [ "$(count_of "$R2/dest-count.json" messages)" = "$MESSAGES" ] ||
        die "the incremental pass changed the destination's message count"
    add MF2_DIRS "$R2"
}

# ---------------------------------------------------------------------------- 5. others
# mbsync_round N : source as the Near store, destination (user mbsyncN) as Far; Sync Push
# propagates only Near -> Far, so it is a one-way copy like the others.
mbsync_round() {
    local n=$1 R got
    mkdir -p "$WORK/mbsync-state-$n"
    cat >"$WORK/mbsyncrc-$n" <<MBSYNCRC
IMAPAccount source
Host 127.0.0.1
Port $SRC_IMAPS
User alice
Pass $PW
SSLType IMAPS
CertificateFile $WORK/ca.pem
AuthMechs PLAIN

IMAPStore source
Account source

IMAPAccount dest
Host 127.0.0.1
Port $DST_IMAPS
User mbsync$n
Pass $PW
SSLType IMAPS
CertificateFile $WORK/ca.pem
AuthMechs PLAIN

IMAPStore dest
Account dest

Channel migrate
Near :source:
Far :dest:
Patterns *
Create Far
Sync Push
Expunge None
Remove None
CopyArrivalDate yes
SyncState $WORK/mbsync-state-$n/
MBSYNCRC
    echo "bench: [round $n] mbsync"
    R=$WORK/runs/$n-mbsync
    if timed "$R" mbsync -c "$WORK/mbsyncrc-$n" -a -q; then
        count_dest "mbsync$n" "$R/count.json"
        got=$(count_of "$R/count.json" messages)
        [ "$got" = "$MESSAGES" ] || say "WARNING: mbsync left $got of $MESSAGES messages on the destination"
        # Not a failure for a comparison tool, but worth knowing what it did not keep.
        if [ "$n" = 1 ]; then
            if fidelity "mbsync$n" >"$R/fidelity.txt"; then
                say "fidelity mbsync: same messages, flags, INTERNALDATEs and sizes as the source"
            else
                say "fidelity mbsync: $(head -1 "$R/fidelity.txt")"
            fi
        fi
        add MB_DIRS "$R"
    else
        say "WARNING: mbsync failed: $(tail -5 "$R/stderr" | tr '\n' ' ')"
    fi
}

# imapsync_round N : only if someone installed imapsync by hand (Debian does not ship it).
imapsync_round() {
    local n=$1 R
    echo "bench: [round $n] imapsync"
    R=$WORK/runs/$n-imapsync
    if timed "$R" imapsync --host1 127.0.0.1 --port1 "$SRC_IMAPS" --ssl1 --user1 alice --password1 "$PW" \
        --host2 127.0.0.1 --port2 "$DST_IMAPS" --ssl2 --user2 "imapsync$n" --password2 "$PW" \
        --sslargs1 SSL_ca_file="$WORK/ca.pem" --sslargs2 SSL_ca_file="$WORK/ca.pem" \
        --nolog --noreleasecheck; then
        count_dest "imapsync$n" "$R/count.json" && add IS_DIRS "$R"
    else
        say "WARNING: imapsync failed: $(tail -5 "$R/stdout" | tr '\n' ' ')"
    fi
}

# doveadm_round N : Dovecot's own migration (dsync reading the source through imapc over
# TLS) as a reference. It is the server's own tool and writes straight into the
# destination's storage instead of going through IMAP APPEND.
doveadm_round() {
    local n=$1 R got
    echo "bench: [round $n] doveadm backup (imapc)"
    R=$WORK/runs/$n-doveadm
    if timed "$R" doveadm -c "$DST_CONF" \
        -o imapc_host=127.0.0.1 -o imapc_port="$SRC_IMAPS" -o imapc_ssl=imaps \
        -o imapc_user=alice -o imapc_password="$PW" -o ssl_client_ca_file="$WORK/ca.pem" \
        -o "imapc_features=rfc822.size fetch-headers" \
        backup -R -u "doveadm$n" imapc:; then
        count_dest "doveadm$n" "$R/count.json"
        got=$(count_of "$R/count.json" messages)
        [ "$got" = "$MESSAGES" ] || say "WARNING: doveadm backup left $got of $MESSAGES messages on the destination"
        if [ "$n" = 1 ]; then
            if fidelity "doveadm$n" >"$R/fidelity.txt"; then
                say "fidelity doveadm backup: same messages, flags, INTERNALDATEs and sizes as the source"
            else
                say "fidelity doveadm backup: $(head -1 "$R/fidelity.txt")"
            fi
        fi
        add DA_DIRS "$R"
    else
        say "note: doveadm backup failed, no reference figure: $(tail -3 "$R/stderr" | tr '\n' ' ')"
    fi
}

command -v mbsync >/dev/null || say "mbsync not installed (apt-get install isync): no comparison with it"
command -v imapsync >/dev/null || say "imapsync not installed (not packaged in Debian): no comparison with it"
wait_idle
# The tools take turns within each round, so a burst of unrelated load hits one round of
# every tool rather than all rounds of one; the table keeps each tool's fastest round.
for n in $(seq 1 "$REPEAT"); do
    mailferry_round "$n"
    if command -v mbsync >/dev/null; then mbsync_round "$n"; fi
    if command -v imapsync >/dev/null; then imapsync_round "$n"; fi
    doveadm_round "$n"
done
RUNS=("mailferry (first pass)=$MF1_DIRS" "mailferry (incremental)=$MF2_DIRS")
[ -z "$MB_DIRS" ] || RUNS+=("mbsync (isync)=$MB_DIRS")
[ -z "$IS_DIRS" ] || RUNS+=("imapsync=$IS_DIRS")
[ -z "$DA_DIRS" ] || RUNS+=("doveadm backup (reference)=$DA_DIRS")

# ---------------------------------------------------------------------------- 6. results
say ""
say "$("${GEN[@]}" report "${RUNS[@]}")"
say ""
say "MB = 10^6 bytes as the destination reports them (STATUS X-SIZE); seconds = wall clock;"
say "RSS = peak resident memory of the tool; CPU s = user+system seconds of the tool, and of"
say "all processes of the source / destination Dovecot during the run. TLS on every connection."
[ -n "$CONNECTIONS" ] && say "mailferry --connections $CONNECTIONS"
cp "$REPORT" "$OUT/last-run.txt"
# Keep the raw outputs next to the table for whoever wants to dig.
mkdir -p "$OUT/runs-$STAMP" && cp -r "$WORK/runs/." "$OUT/runs-$STAMP/" 2>/dev/null || true
echo "bench: results in $REPORT (and bench-out/last-run.txt)"
