/*
 * Stand-in for containerd and kubelet in the PID 1 tests (namespace and QEMU):
 * a real process that records what init did to it, and acts like the service
 * where init can see it. Which one it is comes from argv[0]'s base name.
 *
 * Records go, one line each, to /rec/<name>.log when /rec exists (namespace
 * tests) and to /dev/kmsg as "fake-<name>: ..." (QEMU tests read the console).
 *
 *   containerd  creates /run/containerd/containerd.sock (a listening socket).
 *   kubelet     reports what init set up ("probe ...", including whether
 *               runc could pivot_root from this root), connects to
 *               /run/system.sock and answers the shutdown event 0x01 with 0x02,
 *               like the kubelet's shutdown manager once pods are drained.
 *   both        record SIGTERM and exit, unless /etc/fake/<name>.ignore-term
 *               exists; SIGUSR1 leaves 100 orphans behind for init to reap;
 *               /etc/fake/<name>.spew (a byte count) makes it write that much
 *               output first, waiting whenever stdout is full, as Go does.
 *   kubelet     on SIGUSR2, connects to the system socket as uid 65534 and
 *               records whether init closed it.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <grp.h>
#include <time.h>
#include <unistd.h>

static const char *name = "fake";

static void record(const char *format, ...)
{
    char text[3000], line[3200];
    va_list args;
    va_start(args, format);
    vsnprintf(text, sizeof text, format, args);
    va_end(args);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    char path[64];
    snprintf(path, sizeof path, "/rec/%s.log", name);
    int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
    if (fd >= 0) {
        int n = snprintf(line, sizeof line, "%lld.%09ld %s\n", (long long)now.tv_sec, now.tv_nsec, text);
        if (write(fd, line, (size_t)n) < 0) perror("record");
        close(fd);
    }
    fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        int n = snprintf(line, sizeof line, "<6>fake-%s: %.900s\n", name, text);
        if (write(fd, line, (size_t)n) < 0) perror("kmsg");
        close(fd);
    }
}

static void read_text(const char *path, char *out, size_t size)
{
    out[0] = 0;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) { snprintf(out, size, "(absent)"); return; }
    ssize_t n = read(fd, out, size - 1);
    close(fd);
    out[n > 0 ? n : 0] = 0;
    for (char *p = out; *p; p++) if (*p == '\n' || *p == 0) *p = ' ';
}

/*
 * What runc does to enter a container, in a throwaway mount namespace: a new
 * root that is a mount point (a bind mount of a folder), pivot_root(".", ".")
 * into it, the old root detached. Returns 0 or the errno that stopped it;
 * pivot_root fails with EINVAL while / is the kernel's rootfs.
 */
static int try_pivot_root(void)
{
    if (unshare(CLONE_NEWNS) < 0) return errno;
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) < 0) return errno;
    /* A scratch tmpfs of this namespace only, so that nothing is left behind. */
    if (mount("tmpfs", "/tmp", "tmpfs", 0, "mode=0700") < 0) return errno;
    if (mkdir("/tmp/rootfs", 0755) < 0 || mkdir("/tmp/rootfs/marker", 0755) < 0) return errno;
    if (mount("/tmp/rootfs", "/tmp/rootfs", NULL, MS_BIND, NULL) < 0) return errno;
    if (chdir("/tmp/rootfs") < 0) return errno;
    if (syscall(SYS_pivot_root, ".", ".") < 0) return errno;
    if (umount2(".", MNT_DETACH) < 0) return errno;
    if (chdir("/") < 0) return errno;
    /* Inside: the new root's own content, nothing of the old one. */
    return access("/marker", F_OK) == 0 && access("/bin", F_OK) != 0 ? 0 : EPROTO;
}

static const char *errname(int err)
{
    const char *name = strerrorname_np(err);
    return name ? name : "unknown-errno";
}

static void probe_pivot_root(void)
{
    pid_t child = fork();
    if (child == 0) _exit(try_pivot_root());
    int status = 0;
    if (child < 0 || waitpid(child, &status, 0) < 0) {
        record("probe pivot-root %s", errname(errno));
        return;
    }
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    record("probe pivot-root %s", code == 0 ? "ok" : code > 0 ? errname(code) : "crashed");
}

/* What init set up, as the kubelet sees it. */
static void probe(void)
{
    char text[2048];
    FILE *mountinfo = fopen("/proc/self/mountinfo", "re");
    while (mountinfo && fgets(text, sizeof text, mountinfo)) {
        text[strcspn(text, "\n")] = 0;
        record("probe mount %s", text);
    }
    if (mountinfo) fclose(mountinfo);
    read_text("/sys/class/net/lo/flags", text, sizeof text);
    record("probe lo-flags %s", text);
    read_text("/proc/sys/net/ipv4/ip_forward", text, sizeof text);
    record("probe ipv4-forward %s", text);
    read_text("/proc/sys/net/ipv6/conf/all/forwarding", text, sizeof text);
    record("probe ipv6-forward %s", text);
    record("probe init-file %s", access("/init", F_OK) == 0 ? "present" : "absent");
    read_text("/proc/1/comm", text, sizeof text);
    record("probe pid1-comm %s", text);
    int fd = open("/proc/1/cmdline", O_RDONLY | O_CLOEXEC);
    ssize_t n = fd >= 0 ? read(fd, text, sizeof text - 1) : -1;
    if (fd >= 0) close(fd);
    for (ssize_t i = 0; i < n; i++) if (text[i] == 0) text[i] = '|';
    text[n > 0 ? n : 0] = 0;
    record("probe pid1-cmdline %s", text);
    gethostname(text, sizeof text);
    record("probe hostname %s", text);
    struct stat st;
    record("probe log-pipe %s", fstat(STDOUT_FILENO, &st) == 0 && S_ISFIFO(st.st_mode) ? "fifo" : "other");
    probe_pivot_root();
}

/*
 * Copies the kernel log's records from the boot's interesting steps straight
 * to the console, so that a boot with `quiet` (no kernel console printing in
 * the way of the timing) still shows them: "kmsg <usec> <text>".
 */
static void dump_kmsg(void)
{
    static const char *wanted[] = { "kiOS:", "fake-containerd: start", "Run /" };
    int kmsg = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    int console = open("/dev/console", O_WRONLY | O_NOCTTY | O_CLOEXEC);
    char record[2048], line[2200];
    ssize_t n;
    while (kmsg >= 0 && console >= 0 && (n = read(kmsg, record, sizeof record - 1)) != 0) {
        if (n < 0) {
            if (errno == EPIPE) continue; /* overwritten records */
            break;
        }
        record[n] = 0;
        /* "<prio>,<seq>,<usec>,<flags>;<text>\n" */
        char *fields = record, *text = strchr(record, ';');
        if (!text) continue;
        *text++ = 0;
        text[strcspn(text, "\n")] = 0;
        unsigned long long usec = 0;
        if (sscanf(fields, "%*u,%*u,%llu", &usec) != 1) continue;
        for (size_t i = 0; i < sizeof wanted / sizeof *wanted; i++) {
            if (strstr(text, wanted[i])) {
                int len = snprintf(line, sizeof line, "kmsg %llu %s\r\n", usec, text);
                if (write(console, line, (size_t)len) < 0) break;
                break;
            }
        }
    }
    if (kmsg >= 0) close(kmsg);
    if (console >= 0) close(console);
}

static int listen_at(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    unlink(path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || bind(fd, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(fd, 4) < 0) {
        record("cannot listen on %s: %s", path, strerror(errno));
        return -1;
    }
    return fd;
}

static int connect_to(const char *path)
{
    struct sockaddr_un addr = { .sun_family = AF_UNIX };
    snprintf(addr.sun_path, sizeof addr.sun_path, "%s", path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0 || connect(fd, (struct sockaddr *)&addr, sizeof addr) < 0) {
        record("cannot connect to %s: %s", path, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    return fd;
}

/* Writes `total` bytes of log lines to stdout, waiting (poll) whenever it cannot take more. */
static void spew(long total)
{
    char line[128];
    long written = 0;
    while (written < total) {
        int n = snprintf(line, sizeof line, "%s log line at byte %010ld: %s\n", name, written,
                         "the quick brown fox jumps over the lazy dog");
        for (int off = 0; off < n;) {
            ssize_t w = write(STDOUT_FILENO, line + off, (size_t)(n - off));
            if (w > 0) { off += (int)w; continue; }
            if (w < 0 && (errno == EAGAIN || errno == EINTR)) {
                struct pollfd out = { STDOUT_FILENO, POLLOUT, 0 };
                poll(&out, 1, -1);
                continue;
            }
            record("spew failed: %s", strerror(errno));
            return;
        }
        written += n;
    }
    record("spewed %ld bytes", written);
}

/*
 * A child that drops to uid/gid 65534, connects to the system socket and
 * sends 0x04; records what became of the connection (init must close it unheard).
 */
static void stranger(void)
{
    pid_t child = fork();
    if (child != 0) {
        int status = 0;
        waitpid(child, &status, 0);
        int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (code < 0 || code == 2)
            record("stranger uid 65534: failed (%s %d)", code < 0 ? "signal" : "exit", code < 0 ? WTERMSIG(status) : code);
        else
            record("stranger uid 65534: %s", code == 0 ? "closed by init" : code == 1 ? "still connected" : "no permission to connect");
        return;
    }
    /* The child cannot write records as uid 65534: its exit code says what happened. */
    if (setgroups(0, NULL) < 0 || setgid(65534) < 0 || setuid(65534) < 0) _exit(2);
    int fd = connect_to("/run/system.sock");
    if (fd < 0) _exit(errno == EACCES ? 3 : 2);
    unsigned char restart_runtime = 0x04;
    /* The init may close it before this write: EPIPE, not SIGPIPE, says so. */
    if (send(fd, &restart_runtime, 1, MSG_NOSIGNAL) != 1) _exit(errno == EPIPE || errno == ECONNRESET ? 0 : 2);
    struct pollfd p = { fd, POLLIN, 0 };
    char byte;
    _exit(poll(&p, 1, 5000) == 1 && read(fd, &byte, 1) <= 0 ? 0 : 1);
}

/* A child that forks 100 children and exits at once: they become init's orphans. */
static void leave_orphans(void)
{
    pid_t middle = fork();
    if (middle != 0) {
        waitpid(middle, NULL, 0);
        record("left 100 orphans");
        return;
    }
    for (int i = 0; i < 100; i++) {
        if (fork() == 0) {
            struct timespec pause = { 0, 300 * 1000 * 1000 };
            nanosleep(&pause, NULL);
            _exit(0);
        }
    }
    _exit(0);
}

int main(int argc, char **argv)
{
    const char *slash = strrchr(argv[0], '/');
    name = slash ? slash + 1 : argv[0];

    char args[2048] = "", env[1024] = "";
    for (int i = 0; i < argc; i++) {
        strncat(args, argv[i], sizeof args - strlen(args) - 2);
        if (i + 1 < argc) strncat(args, " ", sizeof args - strlen(args) - 1);
    }
    for (char **e = environ; *e; e++) {
        strncat(env, *e, sizeof env - strlen(env) - 2);
        if (e[1]) strncat(env, " ", sizeof env - strlen(env) - 1);
    }
    record("start pid=%d argv=%s", getpid(), args);
    record("env %s", env);

    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGTERM);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGUSR2);
    sigprocmask(SIG_BLOCK, &set, NULL);
    int signals = signalfd(-1, &set, SFD_CLOEXEC);

    int sock = -1;
    if (strcmp(name, "containerd") == 0) {
        if (listen_at("/run/containerd/containerd.sock") >= 0) record("listening");
    } else if (strcmp(name, "kubelet") == 0) {
        probe();
        if (access("/etc/fake/dump-kmsg", F_OK) == 0) dump_kmsg();
        sock = connect_to("/run/system.sock");
        if (sock >= 0) record("connected to the system socket");
    }

    char path[128], amount[32];
    snprintf(path, sizeof path, "/etc/fake/%s.spew", name);
    read_text(path, amount, sizeof amount);
    if (strcmp(amount, "(absent)") != 0) spew(atol(amount));

    char ignore[128];
    snprintf(ignore, sizeof ignore, "/etc/fake/%s.ignore-term", name);
    for (;;) {
        struct pollfd fds[2] = { { signals, POLLIN, 0 }, { sock, POLLIN, 0 } };
        if (poll(fds, sock >= 0 ? 2 : 1, -1) < 0) continue;
        if (fds[0].revents & POLLIN) {
            struct signalfd_siginfo info;
            if (read(signals, &info, sizeof info) != sizeof info) continue;
            if (info.ssi_signo == SIGUSR1) {
                leave_orphans();
            } else if (info.ssi_signo == SIGUSR2) {
                stranger();
            } else if (access(ignore, F_OK) == 0) {
                record("term ignored");
            } else {
                record("term");
                return 0;
            }
        }
        if (sock >= 0 && (fds[1].revents & (POLLIN | POLLHUP))) {
            unsigned char event;
            if (read(sock, &event, 1) != 1) {
                record("system socket closed");
                close(sock);
                sock = -1;
                continue;
            }
            record("event 0x%02x", event);
            if (event == 0x01) {
                unsigned char done = 0x02; /* pods drained */
                if (write(sock, &done, 1) == 1) record("sent 0x02");
            }
        }
    }
}
