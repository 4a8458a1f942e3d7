/* Workload for the interpretation golden corpus (tests/golden/make_interpret_golden.sh).
 *
 * Waits for one byte on stdin (so the audit rules can name its pid), then makes
 * syscalls whose arguments exercise ausearch -i's interpreters: socket families
 * and sockaddrs, open/mmap/clone flags, modes, signals, ids, prctl, ptrace,
 * personality, fcntl, sockopt levels, i386 syscalls through int $0x80, failing
 * calls for errno names, a seccomp-logged call and an abnormal end.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/filter.h>
#include <linux/netlink.h>
#include <linux/openat2.h>
#include <linux/seccomp.h>
#include <mqueue.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/file.h>
#include <sys/fsuid.h>
#include <sys/ioctl.h>
#include <sys/ipc.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/msg.h>
#include <sys/personality.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/shm.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>

static const char *dir;
static char ioctl_buf[128];

static void path(char *buf, const char *name)
{
	snprintf(buf, 256, "%s/%s", dir, name);
}

/* send a raw sockaddr blob of any family: the kernel audits it before checking it */
static void send_blob(int fd, const void *blob, socklen_t len)
{
	sendto(fd, "x", 1, MSG_DONTWAIT, (const struct sockaddr *)blob, len);
}

static void sockets(void)
{
	int fd = socket(AF_INET, SOCK_DGRAM, IPPROTO_UDP);
	struct sockaddr_in in = { .sin_family = AF_INET, .sin_port = htons(9) };
	inet_pton(AF_INET, "127.0.0.1", &in.sin_addr);
	send_blob(fd, &in, sizeof(in));
	send_blob(fd, &in, 8);	/* too short */
	struct sockaddr_in6 in6 = { .sin6_family = AF_INET6, .sin6_port = htons(443) };
	inet_pton(AF_INET6, "::1", &in6.sin6_addr);
	int fd6 = socket(AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	connect(fd6, (struct sockaddr *)&in6, sizeof(in6));
	inet_pton(AF_INET6, "fe80::1:2:3:4", &in6.sin6_addr);
	in6.sin6_scope_id = 1;
	send_blob(fd, &in6, sizeof(in6));
	send_blob(fd, &in6, 20);	/* too short */
	struct sockaddr_un un = { .sun_family = AF_UNIX };
	strcpy(un.sun_path, "/run/no such socket");
	int ufd = socket(AF_UNIX, SOCK_SEQPACKET, 0);
	connect(ufd, (struct sockaddr *)&un, sizeof(un));
	memset(un.sun_path, 0, sizeof(un.sun_path));
	memcpy(un.sun_path, "\0abstract-name", 14);
	bind(ufd, (struct sockaddr *)&un, offsetof(struct sockaddr_un, sun_path) + 14);
	send_blob(fd, &un, 3);	/* too short */
	struct sockaddr_nl nl = { .nl_family = AF_NETLINK, .nl_pid = 4321, .nl_groups = 1 };
	int nfd = socket(AF_NETLINK, SOCK_RAW, NETLINK_ROUTE);
	bind(nfd, (struct sockaddr *)&nl, sizeof(nl));
	send_blob(fd, &nl, 6);
	unsigned char blob[64];
	int fams[] = { 3 /* ax25 */, 4 /* ipx */, 8 /* atmpvc */, 9 /* x25 */, 17 /* packet */,
		       31 /* bluetooth */, 40 /* vsock */, 44 /* xdp */, 46 /* max */, 200 };
	for (unsigned i = 0; i < sizeof(fams) / sizeof(fams[0]); i++) {
		memset(blob, 0, sizeof(blob));
		blob[0] = fams[i] & 0xff;
		for (int j = 2; j < 18; j++)
			blob[j] = 'A' + j;
		send_blob(fd, blob, 18);
	}
	/* sockopt levels and names */
	int one = 1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	setsockopt(fd, IPPROTO_IP, IP_TTL, &one, sizeof(one));
	setsockopt(fd6, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd6, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	setsockopt(fd, IPPROTO_UDP, 1, &one, sizeof(one));
	getsockopt(fd, SOL_SOCKET, SO_TYPE, &one, &(socklen_t){ sizeof(one) });
	setsockopt(fd, 263 /* SOL_PACKET */, 1, &one, sizeof(one));
	setsockopt(fd, 9999, 1, &one, sizeof(one));
	char buf[8];
	recvfrom(fd, buf, sizeof(buf), MSG_DONTWAIT | MSG_PEEK, NULL, NULL);
	int pfd = socket(AF_PACKET, SOCK_RAW, 0);
	int rfd = socket(AF_INET, SOCK_RAW, IPPROTO_ICMP);
	socket(12345, SOCK_DGRAM, 0);
	socket(AF_INET, 99, 0);
	socket(AF_INET, SOCK_DGRAM, 250);
	close(pfd);
	close(rfd);
	close(nfd);
	close(ufd);
	close(fd6);
	close(fd);
}

static void files(void)
{
	char p[256], q[256];
	path(p, "f1");
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	write(fd, "hello", 5);
	fchmod(fd, 04755);
	fchmod(fd, 01777);
	fcntl(fd, F_SETFD, FD_CLOEXEC);
	fcntl(fd, F_SETFL, O_NONBLOCK);
	fcntl(fd, F_GETFL);
	fcntl(fd, F_SETOWN, 0);
	fcntl(fd, 1234);
	lseek(fd, 0, SEEK_END);
	lseek(fd, 0, 77);
	flock(fd, LOCK_SH);
	close(fd);
	chmod(p, 02710);
	chmod(p, 0);
	chown(p, 65534, 65534);
	lchown(p, -1, 0);
	fchownat(AT_FDCWD, p, 0, 0, 0);
	access(p, R_OK | W_OK);
	access(p, F_OK);
	faccessat(AT_FDCWD, p, X_OK, 0);
	fd = openat(AT_FDCWD, p, O_RDWR | O_APPEND | O_DSYNC | O_NOFOLLOW);
	void *m = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	mprotect(m, 4096, PROT_READ);
	mprotect(m, 4096, PROT_NONE);
	munmap(m, 4096);
	m = mmap(NULL, 8192, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_POPULATE, -1, 0);
	munmap(m, 8192);
	mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_STACK, -1, 0);
	close(fd);
	open("/nonexistent/file", O_RDONLY);
	open("/etc/shadow", O_RDONLY | O_DIRECTORY);
	path(q, "dir1");
	mkdir(q, 0755);
	mkdirat(AT_FDCWD, q, 01777);
	mknod(p, S_IFIFO | 0600, 0);
	path(q, "fifo");
	mknod(q, S_IFIFO | 0644, 0);
	mknodat(AT_FDCWD, q, S_IFCHR | 0600, 0);
	path(q, "dir1");
	rmdir(q);
	path(q, "f2 with space\ttab");
	creat(q, 0600);
	renameat(AT_FDCWD, q, AT_FDCWD, p);
	unlinkat(AT_FDCWD, p, 0);
	unlink(q);
	readlinkat(AT_FDCWD, "/proc/self/exe", p, 10);
	struct open_how how = { .flags = O_RDONLY, .resolve = RESOLVE_NO_SYMLINKS | RESOLVE_BENEATH };
	syscall(SYS_openat2, AT_FDCWD, "/etc/hostname", &how, sizeof(how));
	syscall(SYS_openat2, -100, "/etc/hostname", &how, sizeof(how));
	symlink("/etc/hostname", "/tmp/audix-interp-link");
	unlink("/tmp/audix-interp-link");
	umount2("/nonexistent", MNT_DETACH | MNT_FORCE);
	mount("none", "/nonexistent", "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, NULL);
	int pp[2];
	pipe2(pp, O_CLOEXEC);
	close(pp[0]);
	close(pp[1]);
	int ep = epoll_create1(0);
	epoll_ctl(ep, EPOLL_CTL_ADD, 0, &(struct epoll_event){ .events = EPOLLIN });
	epoll_ctl(ep, 9, 0, NULL);
	close(ep);
	ioctl(0, 0x5401 /* TCGETS */, ioctl_buf);
}

static void process(void)
{
	struct sigaction sa = { .sa_handler = SIG_IGN };
	sigaction(SIGUSR1, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	kill(getpid(), SIGUSR1);
	kill(999999, SIGTERM);
	kill(999999, SIGKILL);
	kill(999999, 0);
	kill(999999, 40);
	syscall(SYS_tkill, gettid(), SIGUSR1);
	syscall(SYS_tgkill, getpid(), gettid(), SIGHUP);
	prctl(PR_SET_NAME, "wl-renamed");
	prctl(PR_CAPBSET_READ, 21);
	prctl(PR_SET_PDEATHSIG, SIGCHLD);
	prctl(PR_GET_DUMPABLE);
	prctl(999);
	personality(0xffffffff);
	personality(PER_LINUX | ADDR_NO_RANDOMIZE);
	personality(PER_LINUX);
	ptrace(PTRACE_PEEKDATA, 999999, 0, 0);
	ptrace(PTRACE_ATTACH, 999999, 0, 0);
	struct rlimit rl;
	getrlimit(RLIMIT_NOFILE, &rl);
	setrlimit(RLIMIT_NOFILE, &rl);
	prlimit(0, RLIMIT_CORE, NULL, &rl);
	struct sched_param sp = { 0 };
	sched_setscheduler(0, SCHED_OTHER, &sp);
	sched_setscheduler(0, SCHED_BATCH | SCHED_RESET_ON_FORK, &sp);
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	syscall(SYS_clock_settime, CLOCK_MONOTONIC, &ts);
	syscall(SYS_clock_settime, CLOCK_REALTIME, NULL);
	unshare(CLONE_NEWUTS);
	unshare(CLONE_FILES | CLONE_FS);
	setns(-1, CLONE_NEWNET);
	syscall(SYS_bpf, 0, NULL, 0);
	syscall(SYS_bpf, 5, NULL, 0);
	int id = shmget(IPC_PRIVATE, 4096, IPC_CREAT | IPC_EXCL | 0600);
	shmctl(id, IPC_RMID, NULL);
	shmget(IPC_PRIVATE, 4096, IPC_CREAT | SHM_HUGETLB | 0640);
	int q = msgget(IPC_PRIVATE, IPC_CREAT | 0600);
	struct msqid_ds ds;
	msgctl(q, IPC_STAT, &ds);
	ds.msg_perm.mode = 0640;
	msgctl(q, IPC_SET, &ds);
	msgctl(q, IPC_RMID, NULL);
	mqd_t mq = mq_open("/audix-interp", O_RDWR | O_CREAT, 0600, NULL);
	if (mq != (mqd_t)-1) {
		mq_close(mq);
		mq_unlink("/audix-interp");
	}
	setuid(0);
	setgid(0);
	setreuid(-1, 0);
	setregid(0, -1);
	setresuid(0, 0, 0);
	setresgid(-1, -1, -1);
	setfsuid(0);
	setfsgid(0);
	/* capset: keep everything we have */
	pid_t child = fork();
	if (child == 0) {
		setresgid(65534, 65534, 65534);
		setresuid(65534, 65534, 65534);
		setuid(0);	/* EPERM */
		open("/etc/shadow", O_RDONLY);	/* EACCES */
		_exit(3);
	}
	waitpid(child, NULL, 0);
	child = fork();
	if (child == 0) {
		/* an abnormal end: ANOM_ABEND */
		signal(SIGSEGV, SIG_DFL);
		prctl(PR_SET_DUMPABLE, 0);
		*(volatile int *)0 = 1;
		_exit(0);
	}
	waitpid(child, NULL, 0);
	child = fork();
	if (child == 0) {
		/* a seccomp-logged call: SECCOMP record */
		struct sock_filter filter[] = {
			BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
			BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_getppid, 0, 1),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_LOG),
			BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		};
		struct sock_fprog prog = { .len = 4, .filter = filter };
		prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
		prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog);
		getppid();
		_exit(0);
	}
	waitpid(child, NULL, 0);
	child = fork();
	if (child == 0) {
		/* i386 syscalls through int $0x80 */
		long r;
		int args[3] = { AF_INET, SOCK_STREAM, 0 };
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(20) : "memory");	/* getpid */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(37), "b"(999999), "c"(SIGTERM) : "memory");	/* kill */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(15), "b"(0), "c"(0644) : "memory");	/* chmod(NULL) */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(102), "b"(1), "c"(args) : "memory");	/* socketcall(socket) */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(117), "b"(23), "c"(0) : "memory");	/* ipc(shmget) */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(5), "b"(0), "c"(O_RDONLY) : "memory");	/* open */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(1000), "b"(0) : "memory");	/* unknown */
		__asm__ volatile("int $0x80" : "=a"(r) : "a"(1), "b"(7) : "memory");	/* exit */
		_exit(0);
	}
	waitpid(child, NULL, 0);
	child = fork();
	if (child == 0) {
		char *argv[] = { "/bin/echo", "arg with space", "quote\"d", "\xe9t\xe9", "", NULL };
		int devnull = open("/dev/null", O_WRONLY);
		dup2(devnull, 1);
		execv(argv[0], argv);
		_exit(127);
	}
	waitpid(child, NULL, 0);
	child = syscall(SYS_clone, CLONE_VM | CLONE_VFORK | SIGCHLD, 0, 0, 0, 0);
	if (child == 0)
		syscall(SYS_exit, 0);
	waitpid(child, NULL, 0);
}

int main(int argc, char **argv)
{
	char c;
	dir = argc > 1 ? argv[1] : "/tmp";
	if (read(0, &c, 1) != 1)
		return 1;
	sockets();
	files();
	process();
	return 0;
}
