"""Send the user-space audit messages aureport reports on (run by make_logs.sh).

Texts follow what libaudit's audit_log_acct_message / audit_log_user_message
produce for PAM, sshd, shadow, libvirt and friends; the kernel adds the
``pid= uid= auid= ses=`` prefix.  Root only (CAP_AUDIT_WRITE).
"""
import time

from audix.daemon.errors import AuditError
from audix.daemon.netlink import AuditNetlink

TAIL = 'exe="/usr/sbin/sshd" hostname={host} addr={addr} terminal={term} res={res}'
MESSAGES = [
    (1112, 'op=login id=1000 ' + TAIL.format(host="10.1.2.3", addr="10.1.2.3", term="ssh", res="success")),
    (1112, 'op=login acct="mallory" ' + TAIL.format(host="?", addr="192.168.7.9", term="ssh", res="failed")),
    (1112, 'op=login acct=6261642075736572 ' + TAIL.format(host="host.example", addr="192.168.7.10", term="/dev/pts/3", res="failed")),
    (1100, 'op=PAM:authentication grantors=pam_unix acct="root" exe="/usr/bin/su" hostname=? addr=? terminal=pts/0 res=success'),
    (1100, 'op=PAM:authentication grantors=? acct="alice" exe="/usr/bin/sudo" hostname=myhost addr=? terminal=/dev/pts/1 res=failed'),
    (1100, 'op=PAM:authentication grantors=? acct="b\x01b" exe="/usr/bin/login" hostname=? addr=? terminal=tty2 res=failed'),
    (1102, 'op=changing-password acct="bob" exe="/usr/bin/passwd" hostname=? addr=? terminal=pts/2 res=failed'),
    (1126, 'op=PAM:authentication grantors=? acct="grp" exe="/usr/bin/newgrp" hostname=? addr=? terminal=pts/0 res=failed'),
    (1108, 'op=PAM:chauthtok grantors=pam_unix acct="bob" exe="/usr/bin/passwd" hostname=? addr=? terminal=pts/2 res=success'),
    (1101, 'op=PAM:accounting grantors=pam_permit acct="root" exe="/usr/sbin/cron" hostname=? addr=? terminal=cron res=success'),
    (1111, 'op=set-hostname hostname=newname exe="/usr/bin/hostnamectl" hostname=? addr=? terminal=? res=success'),
    (1107, 'avc:  denied  { send_msg } for  scontext=system_u:system_r:foo_t:s0 tcontext=system_u:system_r:bar_t:s0 tclass=dbus permissive=0  exe="/usr/bin/dbus-daemon" sauid=103 hostname=? addr=? terminal=?'),
    (1107, 'avc:  granted  { status } for auid=0 uid=0 gid=0 path="/lib/systemd/system/x.service" cmdline="systemctl status x" scontext=unconfined_u:unconfined_r:unconfined_t:s0 tcontext=system_u:object_r:systemd_unit_file_t:s0 tclass=service exe="/usr/lib/systemd/systemd" sauid=0 hostname=? addr=? terminal=?'),
    (2100, 'pam_faillock uid=1000 exe="/usr/sbin/sshd" hostname=? addr=10.9.9.9 terminal=ssh res=success'),
    (2103, 'op=login acct="x" exe="/usr/sbin/sshd" hostname=? addr=? terminal=? res=failed'),
    (2201, 'op=lock acct="mallory" exe="/usr/sbin/faillock" hostname=? addr=? terminal=? res=success'),
    (2404, 'op=destroy kind=server fp=SHA256:7a:bb direction=? spid=55 suid=0  exe="/usr/sbin/sshd" hostname=? addr=? terminal=? res=success'),
    (2402, 'op=start direction=from-server cipher=aes laddr=10.0.0.1 lport=22 raddr=10.0.0.2 rport=5000 exe="/usr/sbin/sshd" hostname=? addr=10.0.0.2 terminal=? res=failed'),
    (2500, 'virt=kvm op=start reason=booted vm="guest1" uuid=1a2b3c4d-0000-1111-2222-333344445555 vm-pid=77 exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'),
    (2501, 'virt=kvm resrc=disk reason=start vm="guest1" uuid=1a2b3c4d-0000-1111-2222-333344445555 old-disk="?" new-disk="/var/lib/libvirt/images/g1.qcow2" exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=success'),
    (2502, 'virt=kvm vm="guest1" uuid=1a2b3c4d-0000-1111-2222-333344445555 vm-ctx=+107:+107 img-ctx=+107:+107 model=dac exe="/usr/sbin/libvirtd" hostname=? addr=? terminal=? res=failed'),
    (2310, 'op=load-policy kind=selinux auid=0 exe="/usr/sbin/load_policy" hostname=? addr=? terminal=? res=success'),
    (2300, 'op=change-role acct="root" role=sysadm_r exe="/usr/bin/newrole" hostname=? addr=? terminal=pts/0 res=success'),
    (2301, 'op=add-role acct="carol" role=staff_r exe="/usr/sbin/semanage" hostname=? addr=? terminal=pts/0 res=success'),
    (2312, 'op=change-boolean exe="/usr/sbin/setsebool" hostname=? addr=? terminal=? res=success'),
    (1124, 'data=6C73202D6C0D exe="/usr/bin/bash" hostname=? addr=? terminal=pts/0 res=success'),
    (1124, 'data=1B5B41090D7F657869740D exe="/usr/bin/bash" hostname=? addr=? terminal=pts/0 res=success'),
    (1130, 'unit=ssh comm="systemd" exe="/usr/lib/systemd/systemd" hostname=? addr=? terminal=? res=success'),
    (1106, 'op=PAM:session_close grantors=pam_unix acct="root" exe="/usr/sbin/sshd" hostname=10.1.2.3 addr=10.1.2.3 terminal=ssh res=success'),
]


def main() -> None:
    with AuditNetlink() as nl:
        for mtype, text in MESSAGES:
            try:
                nl.send_user_message(text, mtype)
            except AuditError:      # USER_TTY needs a controlling tty
                pass
            time.sleep(0.01)


if __name__ == "__main__":
    main()
