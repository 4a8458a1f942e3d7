"""``-e trace=SET``: strace's syscall classes and the expression that combines them."""
from __future__ import annotations

FILE = frozenset("""open openat openat2 creat stat lstat newfstatat statx access faccessat
faccessat2 readlink readlinkat unlink unlinkat rmdir mkdir mkdirat rename renameat renameat2
link linkat symlink symlinkat chmod fchmodat chown lchown fchownat chdir truncate mknod mknodat
utime utimes utimensat futimesat execve execveat statfs chroot mount umount2 getxattr lgetxattr
setxattr lsetxattr listxattr llistxattr removexattr lremovexattr name_to_handle_at swapon
swapoff acct pivot_root inotify_add_watch fanotify_mark quotactl uselib""".split())
DESC = frozenset("""read write pread64 pwrite64 readv writev preadv pwritev preadv2 pwritev2
close close_range fstat lseek getdents getdents64 dup dup2 dup3 pipe pipe2 fcntl ioctl fsync
fdatasync flock ftruncate fchmod fchown fchdir fstatfs sendfile splice tee vmsplice
copy_file_range poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait
epoll_pwait epoll_pwait2 eventfd eventfd2 signalfd signalfd4 timerfd_create timerfd_settime
timerfd_gettime inotify_init inotify_init1 memfd_create openat openat2 newfstatat statx
faccessat faccessat2 readlinkat unlinkat mkdirat renameat renameat2 linkat symlinkat fchmodat
fchownat mknodat utimensat execveat fanotify_init fgetxattr fsetxattr flistxattr fremovexattr
mmap socket socketpair connect bind listen accept accept4 sendto recvfrom sendmsg recvmsg
sendmmsg recvmmsg shutdown getsockname getpeername setsockopt getsockopt pidfd_open
pidfd_getfd io_uring_setup io_uring_enter""".split())
NETWORK = frozenset("""socket socketpair connect bind listen accept accept4 sendto recvfrom
sendmsg recvmsg sendmmsg recvmmsg shutdown getsockname getpeername setsockopt getsockopt
socketcall""".split())
PROCESS = frozenset("""fork vfork clone clone3 execve execveat exit exit_group wait4 waitid
kill tkill tgkill rt_sigqueueinfo rt_tgsigqueueinfo pidfd_open pidfd_send_signal""".split())
MEMORY = frozenset("""mmap munmap mprotect mremap brk madvise mlock munlock mlockall
munlockall mincore msync remap_file_pages mbind set_mempolicy get_mempolicy migrate_pages
move_pages pkey_mprotect""".split())
SIGNAL = frozenset("""kill tkill tgkill rt_sigaction rt_sigprocmask rt_sigreturn
rt_sigsuspend rt_sigpending rt_sigtimedwait rt_sigqueueinfo rt_tgsigqueueinfo sigaltstack
signalfd signalfd4 pause alarm pidfd_send_signal""".split())
IPC = frozenset("""msgget msgsnd msgrcv msgctl semget semop semtimedop semctl shmget shmat
shmdt shmctl ipc""".split())
CREDS = frozenset("""getuid geteuid getgid getegid setuid setgid setreuid setregid setresuid
setresgid getresuid getresgid setfsuid setfsgid getgroups setgroups capget capset prctl""".split())
CLOCK = frozenset("""clock_gettime clock_settime clock_adjtime clock_getres clock_nanosleep
gettimeofday settimeofday adjtimex time""".split())

CLASSES = {"%file": FILE, "file": FILE, "%desc": DESC, "desc": DESC, "%network": NETWORK,
           "%net": NETWORK, "network": NETWORK, "%process": PROCESS, "process": PROCESS,
           "%memory": MEMORY, "memory": MEMORY, "%signal": SIGNAL, "signal": SIGNAL,
           "%ipc": IPC, "ipc": IPC, "%creds": CREDS, "%clock": CLOCK}

# the reference autrace's -r ("resource") syscall list
RESOURCE = frozenset("""open creat rename unlink mknod mkdir rmdir chown lchown chmod link
symlink readlink openat truncate renameat unlinkat mknodat mkdirat chdir fchownat fchmodat
linkat symlinkat readlinkat execve name_to_handle_at openat2 connect bind accept sendto
recvfrom accept4 sendfile socketcall""".split())


class TraceSetError(ValueError):
    """An -e expression that names no known syscall or class."""


def parse_trace_expr(expr: str, known: set[str]) -> frozenset[str] | None:
    """``trace=open,%network`` (``trace=`` optional, ``!`` negates) -> names, None = all."""
    text = expr
    if text.startswith("trace="):
        text = text[len("trace="):]
    negate = text.startswith("!")
    if negate:
        text = text[1:]
    if text in ("all", ""):
        chosen: set[str] = set(known)
    else:
        chosen = set()
        for word in text.split(","):
            word = word.strip()
            if not word:
                continue
            if word in CLASSES:
                chosen |= CLASSES[word]
            elif word in known:
                chosen.add(word)
            else:
                raise TraceSetError(f"invalid system call '{word}'")
    if negate:
        return frozenset(known - chosen)
    if text in ("all", "") and not negate:
        return None
    return frozenset(chosen)
