"""Writes edge-cases.log and tz-dst.log (hand-made records for the interpretation goldens)."""
import binascii
from pathlib import Path
HERE = Path(__file__).resolve().parent
def hx(b):
    if isinstance(b, str): b = b.encode('latin-1')
    return binascii.hexlify(b).decode().upper()
L = []
n = [1000]
def rec(typ, body, sec=1700000000, msec=123, node=None, enriched=None):
    n[0] += 1
    line = (f"node={node} " if node else "") + f"type={typ} msg=audit({sec}.{msec:03d}:{n[0]}): {body}"
    if enriched is not None:
        line += "\x1d" + enriched
    L.append(line)
TASK = 'items=0 ppid=1 pid=2 auid=1000 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=pts0 ses=3 comm="x" exe="/x" key=(null)'
def sc(arch, nr, a=("0","0","0","0"), exit="0", extra=TASK, **kw):
    rec("SYSCALL", f"arch={arch} syscall={nr} success={'yes' if not exit.startswith('-') else 'no'} exit={exit} a0={a[0]} a1={a[1]} a2={a[2]} a3={a[3]} {extra}", **kw)
# arches
for arch in ["40000003","c00000b7","80000015","c0000015","14","80000016","16","40000028","deadbeef","ffffffffffffffffff","zz","C000003E","0xc000003e"]:
    sc(arch, 2)
# syscall numbers
for nr in ["9999","-1","99999999999999999999","4294967298","abc",""]:
    sc("c000003e", nr)
# exits
for e in ["-2","-9999","-4294967297","-99999999999999999999","0","12345","abc","-0","-133","-134","-512"]:
    sc("c000003e", 2, exit=e)
# ids
for u in ["1234","4294967295","4294967294","-1","99999999999","999999999999999999999","abc","","65534","0x10"]:
    rec("SYSCALL", f"arch=c000003e syscall=39 success=yes exit=1 a0=0 a1=0 a2=0 a3=0 items=0 ppid=1 pid=2 auid={u} uid={u} gid={u} euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses={u} comm=\"x\" exe=\"/x\" key=(null)")
# args per syscall, x86_64 numbers
X = "c000003e"
args = [
 (41, ("2","80805","0","0")), (41, ("ff","63","fa","0")), (41, ("a","2","11","0")),
 (157, ("1","9","0","0")), (157, ("18","3f","0","0")), (157, ("17","15","0","0")), (157, ("3e7","0","0","0")),
 (62, ("1","28","0","0")), (62, ("1","ffffffff","0","0")), (62, ("1","0","0","0")),
 (56, ("0","0","b","0")), (56, ("0","0","0","0")), (56, ("0","0","1200011","0")), (56, ("0","0","ffffffff","0")),
 (72, ("3","8","3e8","0")), (72, ("3","2","1","0")), (72, ("3","2","0","0")), (72, ("3","400","0","0")), (72, ("3","9999","0","0")),
 (2, ("7ffd","42","1a4","0")), (2, ("7ffd","0","1a4","0")), (2, ("7ffd","ffffffff","0","0")),
 (240, ("7ffd","c2","180","0")), (240, ("7ffd","2","180","0")),
 (8, ("3","0","1","0")), (8, ("3","0","ff05","0")),
 (55, ("3","107","1","0")), (55, ("3","2710","1","0")), (55, ("3","1","3c","0")), (55, ("3","6","2","0")), (55, ("3","29","1a","0")), (55, ("3","11","64","0")), (55, ("3","11","5","0")), (55, ("3","0","ff","0")), (55, ("3","29","ff","0")), (55, ("3","6","ff","0")),
 (54, ("3","1","10","0")), (54, ("3","1","15","0")),
 (9, ("0","1000","8","0")), (9, ("0","1000","7","22")), (9, ("0","1000","0","10")), (9, ("0","1000","3","0")), (9, ("0","1000","3","4000000")), (9, ("0","1000","3","80000000")),
 (10, ("0","1000","8","0")), (10, ("0","1000","7","0")),
 (21, ("7ffd","10","0","0")), (21, ("7ffd","7","0","0")), (21, ("7ffd","0","0","0")),
 (166, ("7ffd","0","0","0")), (166, ("7ffd","f","0","0")),
 (165, ("7ffd","7ffd","7ffd","0")), (165, ("7ffd","7ffd","7ffd","ffffffff")), (165, ("7ffd","7ffd","7ffd","1000")),
 (16, ("0","1234","0","0")), (16, ("0","5401","0","0")), (16, ("0","c0045002","0","0")), (16, ("0","ffffffffffffffff","0","0")),
 (135, ("8","0","0","0")), (135, ("40008","0","0","0")), (135, ("ff","0","0","0")), (135, ("4000ff","0","0","0")),
 (144, ("0","4","0","0")), (144, ("0","40000005","0","0")), (144, ("0","ffffffff","0","0")),
 (160, ("14","0","0","0")), (160, ("ffffffff","0","0","0")), (97, ("7","0","0","0")),
 (227, ("9","0","0","0")), (227, ("ffffffff","0","0","0")),
 (321, ("63","0","0","0")), (321, ("ffffffff","0","0","0")),
 (308, ("0","0","0","0")), (308, ("0","ffffffff","0","0")),
 (60, ("0","0","0","0")), (60, ("1","0","0","0")), (60, ("2","0","0","0")), (231, ("1","0","0","0")),
 (13, ("2","0","0","0")), (13, ("40","0","0","0")), (13, ("ffffffff","0","0","0")),
 (272, ("0","0","0","0")), (272, ("7e020f00","0","0","0")),
 (105, ("3e8","0","0","0")), (105, ("ffffffff","0","0","0")), (106, ("3e8","0","0","0")), (117, ("1","2","3","0")), (119, ("1","2","3","0")), (113, ("fffe","ffffffff","0","0")), (114, ("1","2","0","0")), (122, ("0","0","0","0")), (123, ("fffe","0","0","0")),
 (92, ("7ffd","3e8","3e8","0")), (94, ("7ffd","ffffffff","ffffffff","0")), (93, ("3","0","0","0")), (260, ("ffffff9c","7ffd","0","0")), (260, ("ffffffffffffff9c","7ffd","3e8","3e8")),
 (90, ("7ffd","9ed","0","0")), (91, ("3","1ff","0","0")), (268, ("ffffff9c","7ffd","e00","0")), (268, ("3","7ffd","1a4","0")),
 (83, ("7ffd","1ff","0","0")), (258, ("ffffff9c","7ffd","1c0","0")), (133, ("7ffd","21a4","0","0")), (133, ("7ffd","61b0","0","0")), (259, ("ffffff9c","7ffd","8180","0")), (85, ("7ffd","180","0","0")),
 (257, ("ffffff9c","7ffd","80000","0")), (257, ("3","7ffd","20c2","1a4")), (257, ("ffffff9c","7ffd","410000","0")), (257, ("ffffff9c","7ffd","101000","0")), (257, ("ffffff9c","7ffd","ffffffff","0")),
 (269, ("ffffff9c","7ffd","7","0")), (269, ("ffffff9c","7ffd","0","0")), (439, ("ffffff9c","7ffd","20","0")),
 (21, ("7ffd","1","0","0")), (264, ("ffffff9c","7ffd","ffffff9c","7ffd")), (316, ("ffffff9c","7ffd","ffffff9c","7ffd")), (267, ("ffffff9c","7ffd","7ffd","100")), (265, ("ffffff9c","7ffd","ffffff9c","7ffd")),
 (263, ("ffffff9c","7ffd","200","0")), (263, ("5","7ffd","0","0")), (280, ("ffffff9c","0","0","0")), (261, ("ffffff9c","0","0","0")), (262, ("ffffff9c","7ffd","7ffd","1000")), (303, ("ffffff9c","7ffd","7ffd","0")), (304, ("3","7ffd","80000","0")),
 (44, ("3","7ffd","10","4040")), (45, ("3","7ffd","10","100")), (46, ("3","7ffd","8000","0")), (47, ("3","7ffd","40000002","0")), (299, ("3","7ffd","2","10000")), (307, ("3","7ffd","2","8000")),
 (29, ("0","1000","7c0","0")), (29, ("0","1000","1a00","0")), (29, ("0","1000","0","0")), (29, ("0","1000","ffffffff","0")),
 (8, ("3","0","3","0")), (8, ("3","0","5","0")), (8, ("3","0","100","0")),
 (229, ("1","7ffd","0","0")), (228, ("7","7ffd","0","0")), (227, ("6","0","0","0")), (227, ("7","0","0","0")),
 (234, ("1","2","1f","0")), (234, ("1","2","20","0")), (200, ("1","22","0","0")), (62, ("1","1f","0","0")), (62, ("1","20","0","0")),
 (101, ("10","1","0","0")), (101, ("4206","1","0","0")), (101, ("ffff","1","0","0")),
 (33, ("3","4","0","0")), (32, ("3","0","0","0")),
]
for nr, a in args:
    sc(X, nr, a)
# i386 and other arches
for nr, a in [(102, ("1","ffd0","0","0")), (102, ("63","0","0","0")), (102, ("ffffffff","0","0","0")), (117, ("17","0","0","0")), (117, ("63","0","0","0")), (117, ("100000017","0","0","0")), (37, ("3e7","f","0","0")), (5, ("0","41","1a4","0")), (120, ("0","0","11","0")), (192, ("0","1000","3","22")), (1, ("0","0","0","0")), (213, ("3e8","0","0","0")), (54, ("3","1","10","0")), (366, ("3","1","10","0")), (365, ("3","29","1a","0"))]:
    sc("40000003", nr, a)
for arch, nr, a in [("c00000b7", 56, ("ffffff9c","7ffd","241","1b6")), ("c00000b7", 220, ("1200011","0","0","0")), ("c00000b7", 129, ("3e7","9","0","0")), ("c00000b7", 222, ("0","1000","3","22")),
                    ("80000015", 5, ("7ffd","241","1b6","0")), ("80000015", 102, ("1","0","0","0")), ("80000015", 117, ("17","0","0","0")), ("80000015", 339, ("3","1","10","0")), ("80000015", 181, ("3","1","10","0")), ("80000015", 181, ("3","1","15","0")),
                    ("c0000015", 5, ("7ffd","241","1b6","0")), ("80000016", 5, ("7ffd","241","1b6","0")), ("80000016", 102, ("1","0","0","0")), ("16", 5, ("7ffd","241","1b6","0")), ("40000028", 5, ("7ffd","241","1b6","0")), ("40000028", 281, ("2","1","0","0")), ("deadbeef", 2, ("7ffd","241","1b6","0")), ("deadbeef", 41, ("2","1","0","0"))]:
    sc(arch, nr, a)
# PATH
for mode in ["0140755","0120777","060660","020620","010644","0107777","0","0170000","0150000","abc","99999999999999999999999","040000","0100644","01777777777777"]:
    rec("PATH", f'item=0 name="/x" inode=1 dev=fe:00 mode={mode} ouid=1234 ogid=65534 rdev=00:00 nametype=NORMAL cap_fp=0 cap_fi=0 cap_fe=0 cap_fver=0 cap_frootid=0')
for flags in ["0","101","800","7","ffffffff","zz"]:
    rec("PATH", f'item=0 name=(null) flags={flags} inode=1')
for capv in ["ffffffffffff","1","3fffffffff","20000000000","8000000000000000","zz","10000000000000000000"]:
    rec("PATH", f'item=0 name="/x" cap_fp={capv} cap_fi={capv} cap_fe=1')
for name in [hx("/tmp/a b"), hx("/tmp/nul\0after"), hx("/x")[:-1], "(null)", '"unterminated', hx("\0abstract"), "00", "0", hx("ctl\x01\x1b[31m\x7f\xe9"), hx("sh $x `y` 'q' \"d\" ;&|*?[]<>{}!()#\\"), '"/quoted path"', "ZZ414243"]:
    rec("PATH", f'item=0 name={name} inode=1 nametype=CREATE')
# PROCTITLE
for pt in ["xyz", "414", "41420043", "4142ZZ", '"quoted"', "00414200", "(null)", "41", "4", hx("ls\0-l\0/tmp\0"), hx("a\0\0b"), hx("tab\targ\0new\nline"), hx("é\0ü")]:
    rec("PROCTITLE", f"proctitle={pt}")
# EXECVE
_a3 = hx("ctl\x07\x1b")
rec("EXECVE", f'argc=4 a0="ls" a1={hx("a b")} a2={hx("$(rm -rf /);`x`")} a3={_a3}')
rec("EXECVE", f'argc=2 a0="x" a1_len=10 a1[0]={hx("part")} a1[1]="p2"')
# SOCKADDR
import struct, socket
def sa(b): rec("SOCKADDR", f"saddr={hx(b)}")
sa(struct.pack("=H", 1) + b"/run/sock\0")
sa(struct.pack("=H", 1) + b"\0abstract\0")
sa(struct.pack("=H", 1) + b"/with\x01ctl and space\0")
sa(struct.pack("=H", 1) + b"x")
sa(struct.pack("=H", 1))
sa(struct.pack("=H", 2) + struct.pack("!H", 80) + socket.inet_aton("10.1.2.3") + b"\0"*8)
sa(struct.pack("=H", 2) + struct.pack("!H", 80) + socket.inet_aton("10.1.2.3"))
sa(struct.pack("=H", 10) + struct.pack("!HI", 22, 0) + socket.inet_pton(socket.AF_INET6, "2001:db8::1") + struct.pack("=I", 0))
sa(struct.pack("=H", 10) + struct.pack("!HI", 22, 0) + socket.inet_pton(socket.AF_INET6, "::ffff:1.2.3.4") + struct.pack("=I", 0))
sa(struct.pack("=H", 10) + struct.pack("!HI", 22, 0) + socket.inet_pton(socket.AF_INET6, "fe80::1") + struct.pack("=I", 1))
sa(struct.pack("=H", 10) + struct.pack("!HI", 22, 0) + socket.inet_pton(socket.AF_INET6, "2001:db8::1") + struct.pack("=I", 7))
sa(struct.pack("=H", 10) + struct.pack("!HI", 22, 0) + socket.inet_pton(socket.AF_INET6, "::1"))
sa(struct.pack("=H", 3) + b"CALLSGN" + b"\0"*8)
sa(struct.pack("=H", 3) + b"CAL\0SGN" + b"\0"*8)
sa(struct.pack("=H", 4) + b"\x01\x02" + b"\0"*12)
sa(struct.pack("=H", 8) + struct.pack("=hhi", -3, 1, 2))
sa(struct.pack("=H", 9) + b"1234567890123456789")
sa(struct.pack("=H", 16) + struct.pack("=HII", 0, 99, 1))
sa(struct.pack("=H", 16) + b"\0\0\1\0")
sa(struct.pack("=H", 17) + b"\0" * 18)
sa(struct.pack("=H", 200) + b"\0" * 4)
sa(struct.pack("=H", 0) + b"\0" * 14)
sa(b"\x02")
rec("SOCKADDR", "saddr=zz"); rec("SOCKADDR", "saddr=0"); rec("SOCKADDR", "saddr=02000050"); rec("SOCKADDR", "saddr=0100"+hx("/odd")+"4")
# CONFIG_CHANGE
for lst in ["0","1","2","4","5","6","7","abc"]:
    rec("CONFIG_CHANGE", f'auid=4294967295 ses=4294967295 op=add_rule key="k" list={lst} res=1')
for res in ["0","1","2","abc","success","failed"]:
    rec("CONFIG_CHANGE", f'auid=0 ses=1 op=set audit_enabled=1 old=1 res={res}')
rec("CONFIG_CHANGE", f'auid=0 ses=1 op=add_rule key={hx("a" + chr(1) + "b" + chr(1) + "c")} list=4 res=1')
rec("CONFIG_CHANGE", f'auid=0 ses=1 op=add_rule key={hx("one")} list=4 res=1')
rec("CONFIG_CHANGE", f'auid=0 ses=1 op=add_rule key={hx("ctl" + chr(2) + chr(1) + "$x")} list=4 res=1')
rec("CONFIG_CHANGE", 'auid=0 ses=1 op=remove_rule key=(null) list=4 res=1')
# user records
rec("USER_AUTH", "pid=10 uid=0 auid=1000 ses=2 subj=unconfined msg='op=PAM:authentication grantors=pam_unix,pam_permit acct=\"root\" exe=\"/usr/bin/su\" hostname=host addr=10.0.0.1 terminal=/dev/pts/0 res=success'")
rec("USER_CMD", f"pid=10 uid=1000 auid=1000 ses=2 msg='cwd=\"/home/u\" cmd={hx('ls -l /root')} exe=\"/usr/bin/sudo\" terminal=pts/0 res=failed'")
rec("USER_LOGIN", "pid=10 uid=0 auid=1000 ses=2 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" hostname=? addr=? terminal=ssh res=success'")
rec("USER_LOGIN", f"pid=10 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct={hx('bad user')} exe=\"/usr/sbin/sshd\" hostname=? addr=1.2.3.4 terminal=ssh res=failed'")
rec("USER_LOGIN", "pid=10 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=root: exe=\"/usr/sbin/sshd\" res=failed'")
rec("USER_LOGIN", "pid=10 uid=0 auid=4294967295 ses=4294967295 msg='op=login acct=(unknown) exe=\"/usr/sbin/sshd\" res=failed'")
rec("USER_TTY", f"pid=10 uid=0 auid=1000 ses=2 msg={hx('ls -l')}")
rec("USER_TTY", "pid=10 uid=0 auid=1000 ses=2 msg='text here'")
rec("USER", "pid=10 uid=0 auid=1000 ses=2 msg='free text only'")
rec("USER", "pid=10 uid=0 auid=1000 ses=2 msg='free text exe=\"/x\" res=success'")
rec("ADD_GROUP", "pid=10 uid=0 auid=1000 ses=2 msg='op=add-group id=65534 exe=\"/usr/sbin/groupadd\" res=success'")
rec("ADD_USER", "pid=10 uid=0 auid=1000 ses=2 msg='op=add-user id=65534 exe=\"/usr/sbin/useradd\" res=success'")
for val in ['"quoted"', "1234", "41424344", "xyz", ""]:
    rec("TRUSTED_APP", f"pid=10 uid=0 auid=1000 ses=2 msg='op=x acct={val} val={val} res=success'")
rec("CRYPTO_KEY_USER", "pid=10 uid=0 auid=1000 ses=2 msg='op=destroy kind=server fp=SHA256:ab:cd direction=? spid=1 suid=0 exe=\"/usr/sbin/sshd\" res=success'")
rec("KERN_MODULE", f"name={hx('mod name')}"); rec("KERN_MODULE", 'name="quoted"')
rec("LABEL_LEVEL_CHANGE", "pid=1 uid=0 auid=0 ses=1 msg='banners=none,none range=s0-s0:c0,c5 printer=lp0 res=success'")
rec("ROLE_ASSIGN", "pid=1 uid=0 auid=0 ses=1 msg='op=x new-role=r,r old-seuser=a,b res=success'")
# AVC / MAC
rec("AVC", 'avc:  denied  { read write } for  pid=123 comm="cat" name="shadow" dev="vda1" ino=1 scontext=system_u:system_r:t:s0-s0:c0,c1023 tcontext=system_u:object_r:shadow_t:s0 tclass=file permissive=0')
rec("AVC", 'avc:  denied  { connect } for  pid=1 comm="x" saddr=10.0.0.1 src=22 daddr=10.0.0.2 dest=80 netif=eth0 scontext=u:r:t:s0 tcontext=u:r:t:s0 tclass=tcp_socket')
rec("PATH", 'item=0 name="/x" inode=1 obj=u:object_r:t:s0:c2,c7')
rec("PATH", 'item=0 name="/x" inode=1 obj=u:object_r:t:s0:c2,c7 nametype=NORMAL')
rec("SYSCALL", 'arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 items=1 ppid=1 pid=2 auid=0 uid=0 gid=0 euid=0 suid=0 fsuid=0 egid=0 sgid=0 fsgid=0 tty=(none) ses=1 comm="x" exe="/x" subj=unconfined_u:unconfined_r:unconfined_t:s0-s0:c0.c1023 key=(null)')
# comma cases
rec("CONFIG_CHANGE", "auid=0 ses=1 op=x list=4,5 res=1")
rec("CONFIG_CHANGE", "auid=0 ses=1 op=x res=1 list=4,")
rec("CONFIG_CHANGE", "auid=0 ses=1 op=a,b uid=0,1 more=x")
rec("CONFIG_CHANGE", "auid=0 ses=1 op=a,b")
rec("CONFIG_CHANGE", "auid=0,5 ses=1")
# no '=' / empty / odd
rec("KERNEL", "initialized")
rec("KERNEL", "state=initialized audit_enabled=1 res=1")
rec("EOE", "")
rec("SYSCALL", "text without fields at all here")
rec("CWD", 'cwd="/root"', node="host1")
rec("CWD", f'cwd={hx("/with space")}', node="host-2.example")
rec("UNKNOWN[1500]", "foo=bar baz=1")
rec("DAEMON_START", "op=start ver=3.0.9 format=raw kernel=6.1 auid=4294967295 pid=1 uid=0 ses=4294967295 subj=unconfined res=success")
rec("DAEMON_END", "op=terminate auid=0 uid=0 ses=1 pid=5 res=success")
rec("CWD", "cwd='single quoted' x=1")
rec("CWD", 'cwd="a"b x=1')
rec("CWD", "cwd=\"unterminated x=1")
rec("CWD", "==x =y a==b")
rec("CWD", "a=1  b=2   c=3")
# misc types
rec("ANOM_PROMISCUOUS", "dev=lo prom=256 old_prom=0 auid=4294967295 uid=0 gid=0 ses=4294967295")
rec("ANOM_PROMISCUOUS", "dev=lo prom=0 old_prom=4294967296 auid=4294967295 uid=0 gid=0 ses=4294967295")
for sig in ["11", "99", "abc", "0", "31", "32", "-1"]:
    rec("ANOM_ABEND", f'auid=1000 uid=1000 gid=1000 ses=2 pid=5 comm="x" exe="/x" sig={sig} res=1')
for cap in ["21", "99", "40", "-1", "abc"]:
    rec("CAPSET", f"pid=1 cap_pi=0 cap_pp=1ff cap_pe=0 cap_pa=0 capability={cap}")
rec("BPRM_FCAPS", "fver=2 fp=3000 fi=0 fe=1 old_pp=1ff old_pi=0 old_pe=1ff old_pa=0 pp=1ff pi=0 pe=1ff pa=0 frootid=0")
for code in ["0x7ffc0000", "0x12345678", "0x80000000", "0x0", "0x50001", "zz", "0x7fff0000"]:
    rec("SECCOMP", f'auid=1000 uid=1000 gid=1000 ses=2 subj=x pid=5 comm="x" exe="/x" sig=31 arch=c000003e syscall=39 compat=0 ip=0x7f code={code}')
rec("SECCOMP", 'auid=1000 uid=1000 gid=1000 ses=2 pid=5 comm="x" exe="/x" sig=0 arch=40000003 syscall=102 compat=1 ip=0x7f code=0x50000')
rec("SECCOMP", 'auid=1000 uid=1000 gid=1000 ses=2 pid=5 comm="x" exe="/x" sig=0 arch=deadbeef syscall=1 compat=1 ip=0x7f code=0x50000')
for fam in ["2", "10", "99", "abc", "7"]:
    rec("NETFILTER_CFG", f"table=filter family={fam} entries=4 op=register pid=1 subj=x comm=\"iptables\"")
rec("NETFILTER_PKT", "mark=0x0 saddr=1.2.3.4 daddr=5.6.7.8 proto=6 hook=1 action=0 macproto=0x0800 icmptype=8")
rec("NETFILTER_PKT", "mark=0x0 saddr=::1 daddr=::2 proto=255 hook=9 action=7 macproto=0x86dd icmptype=99")
rec("NETFILTER_PKT", "mark=0x0 saddr=::1 daddr=::2 proto=abc hook=zz action=2 macproto=0x0806")
for data in [hx("ls -l\r"), hx("\x1b[A\x1b[B\x1bOA\x7f\t\x03x"), hx("quote\"back\\slash"), hx("\xe9\xa0\x9b11~\x8fA"), "xyz", "414", "", hx("\x1b"), hx("a\0b")]:
    rec("TTY", f"tty pid=1 uid=0 auid=1000 ses=2 major=136 minor=0 comm=\"bash\" data={data}")
rec("MQ_OPEN", "oflag=0x42 mode=0600 mq_flags=0x0 mq_maxmsg=10 mq_msgsize=8192 mq_curmsgs=0")
rec("MQ_OPEN", "oflag=0x0 mode=04777 mq_flags=0x0")
rec("MMAP", "fd=3 flags=0x22"); rec("MMAP", "fd=3 flags=0x0"); rec("MMAP", "fd=3 flags=0x100000")
rec("OBJ_PID", 'opid=5 oauid=1000 ouid=0 oses=2 obj=unconfined ocomm="sleep"')
rec("IPC", "ouid=0 ogid=0 mode=0600 obj=x"); rec("IPC", "qbytes=0x0 ouid=0 ogid=0 mode=0x1b6")
rec("IPC_SET_PERM", "qbytes=0x0 ouid=1000 ogid=100 mode=0x1a0")
for resp in ["1", "2", "3", "x"]:
    rec("FANOTIFY", f"resp={resp} fan_type=0 fan_info=0 subj_trust=2 obj_trust=2")
for v in ["1", "0", "2", "zz"]:
    rec("EVENT_LISTENER", f"pid=1 uid=0 auid=0 tty=(none) ses=1 comm=\"x\" exe=\"/x\" nl-mcgrp={v} op=connect res=1")
for r in ["c", "0", "40", "zz"]:
    rec("OPENAT2", f"oflag=0100 mode=00 resolve=0x{r}")
rec("CWD", "per=40000 per=8 per=zz")
rec("LOGIN", "pid=1 uid=0 subj=x old-auid=4294967295 auid=1000 tty=(none) old-ses=4294967295 ses=2 res=1")
rec("CONFIG_CHANGE", "op=x perm=0 perm=1 perm=2 perm=4 perm=8 perm=16 perm=abc perm_mask=3 res=1")
rec("CWD", "sigev_signo=9 inode_uid=0 inode_gid=1234 obj_uid=65534 obj_gid=99999 new_gid=0 iuid=1 igid=1 sauid=1 id=2")
rec("CWD", "ioctlcmd=0x5401 ioctlcmd=0x1234 vm=" + hx("vm name") + " cgroup=\"/x\" root_dir=" + hx("/r r") + " new-disk=\"d\" old-fs=\"f\"")
rec("CWD", "addr=1.2.3.4 family=2 proto=17 hook=0 ocomm=\"x\" grp=\"g\" new_group=\"n\" invalid_context=" + hx("bad ctx") + " sw=\"s\" dir=\"/d\" file=\"f\" watch=\"/w\" cmd=\"c\" device=\"/dev/x\"")
rec("PATH", "item=0 name=" + hx("/tmp/x") + " inode=1", sec=0, msec=0)
rec("PATH", "item=0 name=" + hx("/tmp/x") + " inode=1", sec=4102444800, msec=999)
rec("PATH", "item=0 name=" + hx("/tmp/x") + " inode=1", sec=1711846800, msec=5)
# enriched
rec("SYSCALL", f"arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 {TASK}", enriched='ARCH=x86_64 SYSCALL=open AUID="alice" UID="bob" GID="grp" EUID="root" SUID="root" FSUID="root" EGID="root" SGID="root" FSGID="root"')
rec("SYSCALL", f"arch=c000003e syscall=999 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 {TASK}", enriched='ARCH=unknown-elf-type(x) SYSCALL=unknown-syscall(999) AUID=unknown(1000) UID="root"')
rec("SYSCALL", f"arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 {TASK}", enriched='arch=lower Syscall=MiXed AUID=noquote UID="a b" GID="unterminated')
rec("SYSCALL", f"arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 {TASK}", enriched='')
rec("SYSCALL", f"arch=c000003e syscall=2 success=yes exit=3 a0=1 a1=2 a2=3 a3=4 {TASK}", enriched='garbage without equals  A0=zero EXIT=custom COMM=other UID="first" UID="second"')
rec("SOCKADDR", "saddr=" + hx(struct.pack("=H", 2) + struct.pack("!H", 80) + socket.inet_aton("10.1.2.3") + b"\0"*8), enriched="SADDR={ saddr_fam=inet laddr=9.9.9.9 lport=1 }")
rec("SOCKADDR", "saddr=" + hx(struct.pack("=H", 2) + struct.pack("!H", 80) + socket.inet_aton("10.1.2.3") + b"\0"*8), enriched="SADDR={ unterminated")
rec("SOCKADDR", "saddr=" + hx(struct.pack("=H", 2) + struct.pack("!H", 80) + socket.inet_aton("10.1.2.3") + b"\0"*8), enriched="SADDR=unknown-family(99)")
rec("SOCKADDR", "saddr=" + hx(struct.pack("=H", 2) + struct.pack("!H", 80) + socket.inet_aton("10.1.2.3") + b"\0"*8), enriched="SADDR={ x } trailing junk")
rec("USER_LOGIN", "pid=10 uid=0 auid=1000 ses=2 msg='op=login id=1000 exe=\"/usr/sbin/sshd\" res=success'", enriched='UID="root" AUID="someone" ID="other"')
rec("CWD", 'cwd="/root"', node="n1", enriched="CWD=whatever")
open(HERE / 'edge-cases.log', 'wb').write(("\n".join(L) + "\n").encode("latin-1"))
L.clear()
for sec in (1710054000, 1710054000 + 3599, 1710054000 + 3600, 1730613600 - 1, 1730613600, 1730617200, 946684799, 2147483647, 2147483648):
    rec("CWD", 'cwd="/"', sec=sec, msec=sec % 1000)
open(HERE / 'tz-dst.log', 'wb').write(("\n".join(L) + "\n").encode("latin-1"))
