#!/bin/bash
# Real logs for aureport's differential tests, written by the reference auditd.
# Usage (root, under the shared kernel lock):
#   flock /run/lock/audix-kernel.lock tests/data/aureport/make_logs.sh OUTDIR raw|enriched [NODE]
# Produces OUTDIR/log/audit.log.  Leaves the kernel's rules and status as found.
set -u
AUDITCTL=/sbin/auditctl     # the reference tool, whatever PATH holds
OUT=${1:?outdir}; FMT=${2:-raw}; NODE=${3:-}
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT/conf/plugins.d" "$OUT/log"
if [ -n "$NODE" ]; then NAMEFMT="name_format = user
name = $NODE"; else NAMEFMT="name_format = none"; fi
cat > "$OUT/conf/auditd.conf" <<CONF
log_file = $OUT/log/audit.log
log_format = ${FMT^^}
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
plugin_dir = $OUT/conf/plugins.d
$NAMEFMT
CONF
SAVED_RULES=$(mktemp); $AUDITCTL -l > "$SAVED_RULES"
ENABLED=$($AUDITCTL -s | awk '/^enabled/{print $2}')
if [ "$($AUDITCTL -s | awk '/^pid/{print $2}')" != "0" ]; then
    echo "another audit daemon is registered; refusing" >&2; exit 1
fi
$AUDITCTL -D >/dev/null
/usr/sbin/auditd -n -c "$OUT/conf" -s enable & ADPID=$!
for i in $(seq 50); do $AUDITCTL -s | grep -q "pid $ADPID" && break; sleep 0.1; done
W=/tmp/aurep_work.$$; mkdir -p $W
$AUDITCTL -w $W -p wa -k work
$AUDITCTL -a always,exit -F arch=b64 -S execve -F auid=1000 -k run
$AUDITCTL -a always,exit -F arch=b64 -S openat -F success=0 -F dir=$W -k failed_open
$AUDITCTL -a always,exit -F arch=b64 -S connect -F auid=1000 -k net
$AUDITCTL -a always,exit -F arch=b64 -S kill -F auid=1000 -k sig
# the workload runs in a login session of uid 1000 (auid=1000, a new ses)
export W HERE
sh -c 'echo 1000 > /proc/self/loginuid; exec bash' <<'SESSION'
echo x > $W/f1; cat $W/missing 2>/dev/null; mkdir $W/d; rmdir $W/d
touch "$W/name with space"; ls $W >/dev/null
python3 - "$W" <<'PY'
import socket, sys
s = socket.socket(); s.settimeout(0.5)
try: s.connect(("127.0.0.1", 9))
except OSError: pass
s6 = socket.socket(socket.AF_INET6); s6.settimeout(0.5)
try: s6.connect(("::1", 9))
except OSError: pass
u = socket.socket(socket.AF_UNIX)
try: u.connect(sys.argv[1] + "/nosock")
except OSError: pass
PY
# account changes with the real tools (shadow emits ADD_USER, USER_MGMT, ...)
groupadd aurepgrp; useradd -M -g aurepgrp aurepuser; usermod -c "aureport test" aurepuser
echo 'aurepuser:S3cret-pw' | chpasswd; userdel aurepuser; groupdel aurepgrp
su -s /bin/true nobody
# anomalies: promiscuous mode and a crashing program
ip link set lo promisc on; ip link set lo promisc off
bash -c 'kill -SEGV $$' 2>/dev/null
# user-space messages of the kinds PAM, sshd, libvirt... send
python3 "$HERE/send_user_messages.py"
SESSION
$AUDITCTL -m "sample user message"
$AUDITCTL -D >/dev/null
sleep 1
kill -TERM $ADPID; wait $ADPID
rm -rf $W
# restore what we found
while read -r rule; do
    [ "$rule" = "No rules" ] || $AUDITCTL $rule >/dev/null
done < "$SAVED_RULES"; rm -f "$SAVED_RULES"
$AUDITCTL -e "$ENABLED" >/dev/null
echo "$FMT: $(wc -l < $OUT/log/audit.log) lines"
