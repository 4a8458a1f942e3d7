#!/bin/bash
# Capture golden input for the timeline tests with the REFERENCE auditd.
# Usage (as root, under the kernel lock):
#   flock /run/lock/audix-kernel.lock tests/golden/timeline/make_golden.sh OUTDIR
# Writes OUTDIR/workload.log (RAW, written by /usr/sbin/auditd) and OUTDIR/workload.pid.
# The workload's login uid is set to 4242 so one rule (-F auid=4242) covers the
# whole process tree; the rule is removed and auditd stopped at the end.
# The expected outputs are autrace's forensic mode on that log, checked by hand
# against the log (tree, paths, errors, exit codes) before being committed:
#   P=$(cat workload.pid)
#   autrace --pid $P -if workload.log -q      > workload.txt
#   autrace --pid $P -if workload.log -q -c   > workload-summary.txt
#   TZ=UTC autrace --pid $P -if workload.log -q -ttt > workload-ttt.txt
set -u
OUT=${1:?outdir}
WORK=$(mktemp -d /tmp/golden-work.XXXXXX)
mkdir -p "$OUT" "$WORK/conf/plugins.d" "$WORK/log"
cat > "$WORK/conf/auditd.conf" <<CONF
log_file = $WORK/log/audit.log
log_format = RAW
flush = INCREMENTAL_ASYNC
freq = 50
max_log_file = 64
num_logs = 2
max_log_file_action = ROTATE
space_left = 75
space_left_action = IGNORE
admin_space_left = 50
admin_space_left_action = IGNORE
disk_full_action = IGNORE
disk_error_action = IGNORE
plugin_dir = $WORK/conf/plugins.d
CONF
/usr/sbin/auditd -n -c "$WORK/conf" -s nochange & ADPID=$!
for i in $(seq 50); do /usr/sbin/auditctl -s | grep -q "pid $ADPID" && break; sleep 0.1; done
mkfifo "$WORK/go"
cat > "$WORK/workload.sh" <<'WL'
echo 4242 > /proc/self/loginuid
read x < "$1/go"
cd "$1"
cat /nonexistent-golden 2>/dev/null
( ( /bin/true ) & wait )
mkdir d1; : > d1/f; mv d1/f d1/g; rm -r d1
sh -c 'kill -SEGV $$'
exit 3
WL
sh "$WORK/workload.sh" "$WORK" & WPID=$!
sleep 0.3
/usr/sbin/auditctl -a always,exit -F arch=b64 -S all -F auid=4242 -k golden >/dev/null
echo go > "$WORK/go"
wait $WPID
echo "workload exit $?"
sleep 0.5
/usr/sbin/auditctl -d always,exit -F arch=b64 -S all -F auid=4242 -k golden >/dev/null
sleep 0.5
kill -TERM $ADPID; wait $ADPID
grep -v 'type=DAEMON_\|type=CONFIG_CHANGE' "$WORK/log/audit.log" | grep -v 'comm="auditctl"' > "$OUT/workload.log"
echo $WPID > "$OUT/workload.pid"
rm -rf "$WORK"
echo "$(wc -l < "$OUT/workload.log") lines, workload pid $WPID"
