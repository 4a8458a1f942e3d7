"""Write longtail.log: synthetic events for the normalizer's less common paths
(``ausearch --format csv|text``).  Deterministic; run from this directory."""
import sys

T0 = 1700000000
serial = [2000]


def ev(*records, t=None):
    serial[0] += 1
    stamp = f"audit({t or T0}.{serial[0] % 1000:03d}:{serial[0]})"
    return "".join(f"type={typ} msg={stamp}: {body}\n" for typ, body in records)


SC = ("arch=c000003e syscall={n} success={ok} exit={ex} a0={a0} a1={a1} a2={a2} a3=0 items={items} "
      "ppid=1 pid=200 auid=1000 uid={uid} gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 "
      'tty=pts0 ses=4 comm="{comm}" exe="{exe}" subj=unconfined_u:unconfined_r:unconfined_t:s0 key={key}')


def sc(n, ok="yes", ex=0, a0="3", a1="0", a2="0", items=1, uid=0, comm="t", exe="/usr/bin/t",
       key='"k"'):
    return ("SYSCALL", SC.format(n=n, ok=ok, ex=ex, a0=a0, a1=a1, a2=a2, items=items, uid=uid,
                                 comm=comm, exe=exe, key=key))


def path(i, name, nametype="NORMAL", mode="0100644"):
    return ("PATH", f'item={i} name="{name}" inode={100 + i} dev=fd:00 mode={mode} ouid=0 ogid=0 '
                    f"rdev=00:00 nametype={nametype} cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0")


CWD = ("CWD", 'cwd="/home/u"')
USER = ("pid=10 uid=0 auid=1000 ses=4 subj=unconfined_u:unconfined_r:unconfined_t:s0 "
        "msg='{m} exe=\"/usr/sbin/sshd\" hostname=h.example addr=10.0.0.9 terminal=ssh res={res}'")


def user(typ, m, res="success"):
    return ev((typ, USER.format(m=m, res=res)))


out = []
# syscall kinds
out.append(ev(sc(82, a0="1", items=4), CWD, path(0, "/tmp/", "PARENT", "040755"),
              path(1, "/tmp/", "PARENT", "040755"), path(2, "a", "DELETE"), path(3, "b", "CREATE")))
out.append(ev(sc(88, items=2), CWD, path(0, "/tmp", "PARENT", "040755"), path(1, "lnk", "CREATE", "0120777")))
out.append(ev(sc(165, items=2), CWD, path(0, "/dev/sda1", mode="060660"), path(1, "/mnt", mode="040755")))
out.append(ev(sc(165, ok="no", ex=-2, items=1), CWD, path(0, "/dev/none", mode="060660")))
out.append(ev(sc(166, items=1), CWD, path(0, "/mnt", mode="040755")))
out.append(ev(sc(105, a0="3e8")))
out.append(ev(sc(117, a0="ffffffff", a1="3e8", a2="ffffffff")))
out.append(ev(sc(117, a0="ffffffff", a1="ffffffff", a2="ffffffff")))
out.append(ev(sc(106, a0="3e8", exe="/usr/bin/python3.11", comm="py")))
out.append(ev(sc(62, a0="1234", a1="9"), ("OBJ_PID", "opid=1234 oauid=1000 ouid=0 oses=4 ocomm=\"x\"")))
out.append(ev(sc(62, a0="1234", a1="9"), ("OBJ_PID", "opid=1234 oauid=1000 ouid=0 oses=4 ocomm=\"x\""),
              ("OBJ_PID", "opid=1235 oauid=1000 ouid=0 oses=4 ocomm=\"y\"")))
out.append(ev(sc(133, items=2), CWD, path(0, "/dev", "PARENT", "040755"), path(1, "/dev/null2", "CREATE", "020666")))
out.append(ev(sc(133, items=2), CWD, path(0, "/dev", "PARENT", "040755"), path(1, "/dev/blk", "CREATE", "060666")))
out.append(ev(sc(144)))
out.append(ev(sc(9, a0="0", a1="1000", a2="3")))
out.append(ev(sc(9, ok="no", ex=-12)))
out.append(ev(sc(170)))
out.append(ev(sc(227)))
out.append(ev(sc(90, a1="1ed", items=1), CWD, path(0, "/etc/x")))
out.append(ev(sc(91, a0="3", a1="1ed", items=1), CWD, path(0, "/etc/y")))
out.append(ev(sc(268, a0="ffffff9c", a1="55", a2="1a4", items=1), CWD, path(0, "/etc/z")))
out.append(ev(sc(260, a0="ffffff9c", a1="55", a2="3e8", items=1), CWD, path(0, "/etc/w")))
out.append(ev(sc(92, a1="ffffffff", a2="3e8", items=1), CWD, path(0, "/etc/v")))
out.append(ev(sc(190, items=1), CWD, path(0, "/etc/attr")))
out.append(ev(sc(188, items=1), CWD, path(0, "/etc/attr2")))
out.append(ev(sc(83, items=2), CWD, path(0, "/tmp", "PARENT", "040755"), path(1, "newdir", "CREATE", "040755")))
out.append(ev(sc(87, items=2), CWD, path(0, "/tmp", "PARENT", "040755"), path(1, "gone", "DELETE")))
out.append(ev(sc(235, items=1), CWD, path(0, "/tmp/t")))
out.append(ev(sc(137, items=1), CWD, path(0, "/home", mode="040755")))
out.append(ev(sc(4, items=1), CWD, path(0, "/etc/fifo", mode="010644")))
out.append(ev(sc(2, ok="no", ex=-13, items=1), CWD, path(0, "/root/", "PARENT", "040700")))
out.append(ev(sc(43), ("SOCKADDR", "saddr=02000016C0A80001000000000000000000")))
out.append(ev(sc(49), ("SOCKADDR", "saddr=0A000050000000000000000000000000000000000000000100000000")))
out.append(ev(sc(45), ("SOCKADDR", "saddr=0100")))
out.append(ev(sc(175, items=0), ("KERN_MODULE", 'name="dummy"')))
out.append(ev(sc(176, a0="55"), ("KERN_MODULE", 'name="dummy"')))
out.append(ev(sc(321, a0="5"), ("BPF", "prog-id=42 op=LOAD")))
out.append(ev(sc(321, a0="5"), ("BPF", "prog-id=42 op=UNLOAD")))
out.append(ev(sc(54), ("NETFILTER_CFG", "table=filter family=2 entries=4 op=xt_replace pid=3 comm=\"iptables\"")))
out.append(ev(sc(257, items=1), ("AVC", "avc:  denied  { read } for  pid=200 comm=\"t\" name=\"s\" "
                                          "scontext=u:r:t:s0 tcontext=u:object_r:x:s0 tclass=file permissive=0"),
              CWD, path(0, "/etc/shadow")))
out.append(ev(sc(257, items=1), ("FANOTIFY", "resp=2 fan_type=0 fan_info=0 subj_trust=2 obj_trust=2"),
              CWD, path(0, "/etc/shadow")))
out.append(ev(sc(1, key="(null)")))
out.append(ev(sc(16, a1="5401", key="6B310161626364")))
out.append(ev(sc(999)))
out.append(ev(("CONFIG_CHANGE", "auid=1000 ses=4 op=set audit_enabled=1 old=1 res=1"), sc(46)))
out.append(ev(("ANOM_LINK", "op=linkat ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 "
                            "egid=0 sgid=0 fsgid=0 tty=pts0 ses=4 comm=\"ln\" exe=\"/bin/ln\" res=0"),
              sc(265), CWD, path(0, "/tmp/l")))
# single-record kernel events
out.append(ev(("CONFIG_CHANGE", "auid=1000 ses=4 op=set audit_backlog_limit=8192 old=64 res=1")))
out.append(ev(("CONFIG_CHANGE", "auid=1000 ses=4 op=remove_rule key=\"k1\" list=4 res=1")))
out.append(ev(("CONFIG_CHANGE", "auid=1000 ses=4 op=seccomp-logging actions=log old-actions=? res=1")))
out.append(ev(("FEATURE_CHANGE", "feature=loginuid_immutable old=0 new=1 old_lock=0 new_lock=1 res=1 "
                                 "auid=1000 uid=0 ses=4 exe=\"/x\"")))
out.append(ev(("ANOM_ABEND", "auid=1000 uid=1000 gid=1000 ses=4 pid=9 comm=\"crash\" exe=\"/usr/bin/crash\" sig=11 res=1")))
out.append(ev(("ANOM_PROMISCUOUS", "dev=eth0 prom=256 old_prom=0 auid=1000 uid=0 gid=0 ses=4")))
out.append(ev(("LOGIN", "pid=5 uid=0 subj=x old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=4 res=1")))
out.append(ev(("BPF", "prog-id=7 op=LOAD")))
out.append(ev(("EVENT_LISTENER", "pid=1 uid=0 auid=4294967295 tty=(none) ses=4294967295 subj=x "
                                 "comm=\"systemd\" exe=\"/usr/lib/systemd/systemd\" nl-mcgrp=1 op=connect res=1")))
out.append(ev(("NETFILTER_CFG", "table=nat family=2 entries=3 op=xt_register pid=3 subj=x comm=\"iptables\"")))
out.append(ev(("MAC_STATUS", "enforcing=1 old_enforcing=0 auid=1000 ses=4 enabled=1 old-enabled=1 lsm=selinux res=1")))
out.append(ev(("MAC_UNLBL_ALLOW", "auid=1000 ses=4 unlbl_accept=1 old=0 res=1")))
out.append(ev(("MAC_MAP_ADD", "auid=1000 ses=4 subj=x nlbl_domain=dom nlbl_protocol=cipsov4 res=1")))
out.append(ev(("DAEMON_ABORT", "op=abort auid=0 pid=5 uid=0 ses=4294967295 subj=x res=failed")))
out.append(ev(("DAEMON_ROTATE", "op=rotate-logs auid=0 uid=0 ses=4294967295 pid=5 subj=x res=success")))
out.append(ev(("DAEMON_RESUME", "op=resume auid=0 pid=5 uid=0 ses=4294967295 res=success")))
out.append(ev(("TTY", "tty pid=3 uid=0 auid=1000 ses=4 major=136 minor=0 comm=\"bash\" data=6C730D")))
out.append(ev(("SECCOMP", "auid=1000 uid=1000 gid=1000 ses=4 subj=x pid=5 comm=\"x\" exe=\"/x\" sig=0 "
                          "arch=c000003e syscall=2 compat=0 ip=0x7f code=0x7ffc0000")))
# user-space messages
for typ, m in (("USER_AUTH", "op=PAM:authentication grantors=pam_unix acct=\"root\""),
               ("USER_ACCT", "op=PAM:accounting grantors=pam_unix acct=\"u1\""),
               ("CRED_ACQ", "op=PAM:setcred grantors=pam_unix acct=\"root\""),
               ("CRED_DISP", "op=PAM:setcred grantors=pam_unix acct=\"nobody\""),
               ("CRED_REFR", "op=PAM:setcred grantors=pam_unix acct=\"root\""),
               ("USER_START", "op=PAM:session_open grantors=pam_unix acct=\"root\""),
               ("USER_END", "op=PAM:session_close grantors=pam_unix acct=\"root\""),
               ("USER_LOGIN", "op=login id=1000"),
               ("USER_LOGIN", "op=login acct=\"root\""),
               ("USER_LOGIN", "op=login acct=\"no-such-user\""),
               ("USER_LOGOUT", "op=login id=1000"),
               ("USER_ERR", "op=PAM:bad_ident grantors=? acct=\"?\""),
               ("USER_CHAUTHTOK", "op=PAM:chauthtok grantors=pam_unix acct=\"u1\""),
               ("USER_MGMT", "op=changing-user id=1001"),
               ("ADD_USER", "op=adding-user acct=\"newu\""),
               ("DEL_GROUP", "op=deleting-group id=1002"),
               ("GRP_MGMT", "op=modify-group acct=\"grp\""),
               ("ACCT_LOCK", "op=lock id=1003"),
               ("USER_CMD", "cwd=\"/root\" cmd=6C73202D6C"),
               ("USER_TTY", "data=6C730D"),
               ("USER_AVC", "avc:  denied  { status } for auid=1000 uid=0 gid=0 cmdline=\"x\" "
                            "scontext=u:r:t:s0 tcontext=u:r:init_t:s0 tclass=system"),
               ("USER_DEVICE", "op=inserted-device device=/dev/sdb uuid=1234"),
               ("SOFTWARE_UPDATE", "sw=\"bash-5.2\" sw_type=rpm key_enforce=1 gpg_res=1 root_dir=\"/\""),
               ("SERVICE_START", "unit=sshd comm=\"systemd\""),
               ("SERVICE_STOP", "unit=cron comm=\"systemd\""),
               ("SYSTEM_BOOT", "op=boot"),
               ("SYSTEM_SHUTDOWN", "op=shutdown"),
               ("SYSTEM_RUNLEVEL", "old-level=N new-level=3"),
               ("USER_ROLE_CHANGE", "op=role selected-context=u:r:t:s0 default-context=u:r:t:s0"),
               ("ROLE_ASSIGN", "op=login-sename,role,range acct=\"u1\""),
               ("VIRT_CONTROL", "op=start vm=\"guest\" uuid=1"),
               ("VIRT_RESOURCE", "resrc=mem old-mem=0 new-mem=1024 vm=\"guest\""),
               ("VIRT_MACHINE_ID", "vm=\"guest\" model=selinux"),
               ("CRYPTO_KEY_USER", "op=destroy kind=server fp=SHA256:aa direction=?"),
               ("CRYPTO_SESSION", "op=start direction=from-server cipher=aes rport=22 laddr=1.2.3.4 lport=5"),
               ("ANOM_LOGIN_FAILURES", "op=login acct=\"u1\""),
               ("ANOM_EXEC", "op=exec cmd=\"x\""),
               ("LABEL_LEVEL_CHANGE", "op=x printer=lp0"),
               ("USYS_CONFIG", "op=changed-password"),
               ("TRUSTED_APP", "op=x"),
               ("USER", "text=hello"),
               ("USER_SELINUX_ERR", "op=x"),
               ("MAC_CONFIG_CHANGE", "bool=httpd_can val=1 old_val=0")):
    out.append(user(typ, m))
out.append(user("USER_AUTH", 'op=PAM:authentication acct="root"', res="failed"))
sys.stdout.write("".join(out))
