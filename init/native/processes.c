/*
 * The "kios" module's calls on processes and signals.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <spawn.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kios.h"

/* ---- processes and signals ---- */

static const struct { const char *name; int number; } signal_names[] = {
    { "SIGCHLD", SIGCHLD }, { "SIGTERM", SIGTERM }, { "SIGINT", SIGINT },
    { "SIGPWR", SIGPWR }, { "SIGKILL", SIGKILL },
};

/*
 * spawn(argv, env) -> { pid, output }: starts argv[0] with exactly env, in a
 * new session, stdin on /dev/null and stdout/stderr on a new pipe whose read
 * end (non-blocking) is returned as output, for relay() to drain. A plain
 * pipe read by PID 1 means a service never blocks on a log nobody reads.
 */
JSValue js_spawn(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    const char **args = kios_strings(ctx, argv[0]);
    const char **env = kios_strings(ctx, argv[1]);
    JSValue result;
    int out[2] = { -1, -1 };
    if (!args || !args[0] || !env) {
        result = JS_ThrowTypeError(ctx, "spawn: bad arguments");
        goto out;
    }
    if (pipe2(out, O_CLOEXEC) < 0) {
        result = kios_throw_errno(ctx, "pipe", args[0], errno);
        goto out;
    }
    posix_spawn_file_actions_t actions;
    posix_spawnattr_t attr;
    sigset_t empty, defaults;
    sigemptyset(&empty);
    sigemptyset(&defaults);
    for (size_t i = 0; i < countof(signal_names); i++)
        if (signal_names[i].number != SIGKILL) sigaddset(&defaults, signal_names[i].number);
    sigaddset(&defaults, SIGPIPE);
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
    /* dup2 clears close-on-exec on the copies only. */
    posix_spawn_file_actions_adddup2(&actions, out[1], STDOUT_FILENO);
    posix_spawn_file_actions_adddup2(&actions, out[1], STDERR_FILENO);
    posix_spawnattr_init(&attr);
    posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSID);
    posix_spawnattr_setsigmask(&attr, &empty);
    posix_spawnattr_setsigdefault(&attr, &defaults);
    pid_t pid;
    int err = posix_spawn(&pid, args[0], &actions, &attr, (char *const *)args, (char *const *)env);
    posix_spawn_file_actions_destroy(&actions);
    posix_spawnattr_destroy(&attr);
    close(out[1]);
    if (err) {
        close(out[0]);
        result = kios_throw_errno(ctx, "spawn", args[0], err);
        goto out;
    }
    fcntl(out[0], F_SETFL, O_NONBLOCK);
    result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "pid", JS_NewInt32(ctx, pid));
    JS_SetPropertyStr(ctx, result, "output", JS_NewInt32(ctx, out[0]));
out:
    kios_free_strings(ctx, args);
    kios_free_strings(ctx, env);
    return result;
}

/* A named pipe's buffer while nobody reads it: what a log reader finds when it starts. */
#define SINK_PIPE_BYTES (1 << 20)

/*
 * openSink(path) -> fd: where relay() writes, opened read-write (a named pipe
 * with no reader neither blocks the open nor fails it) and non-blocking.
 */
JSValue js_openSink(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    STRING_ARG(path, 0);
    int fd = open(path, O_RDWR | O_NONBLOCK | O_NOCTTY | O_CLOEXEC);
    JSValue result = fd < 0 ? kios_throw_errno(ctx, "open", path, errno) : JS_NewInt32(ctx, fd);
    if (fd >= 0) fcntl(fd, F_SETPIPE_SZ, SINK_PIPE_BYTES); /* fails on what is not a pipe: fine */
    JS_FreeCString(ctx, path);
    return result;
}

/*
 * relay(from, to) -> { copied, dropped, ended }: copies what a service wrote
 * (up to 1 MiB a call, so that other events get their turn) to its sink.
 * What the sink cannot take now is dropped, never waited for.
 */
JSValue js_relay(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t from, to;
    if (int_arg(ctx, argv[0], &from) || int_arg(ctx, argv[1], &to)) return JS_EXCEPTION;
    static char buf[64 * 1024];
    int64_t copied = 0, dropped = 0;
    int ended = 0;
    for (int round = 0; round < 16; round++) {
        ssize_t n = read(from, buf, sizeof buf);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) break;
        if (n <= 0) { ended = 1; break; }
        ssize_t w;
        do w = write(to, buf, (size_t)n);
        while (w < 0 && errno == EINTR);
        if (w < 0) w = 0;
        copied += w;
        dropped += n - w;
    }
    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "copied", JS_NewInt64(ctx, copied));
    JS_SetPropertyStr(ctx, result, "dropped", JS_NewInt64(ctx, dropped));
    JS_SetPropertyStr(ctx, result, "ended", JS_NewBool(ctx, ended));
    return result;
}

JSValue js_kill(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t pid;
    if (int_arg(ctx, argv[0], &pid)) return JS_EXCEPTION;
    STRING_ARG(name, 1);
    int number = 0;
    for (size_t i = 0; i < countof(signal_names); i++)
        if (strcmp(signal_names[i].name, name) == 0) number = signal_names[i].number;
    char target[32];
    snprintf(target, sizeof target, "%d", pid);
    JSValue result = JS_UNDEFINED;
    if (number == 0) result = JS_ThrowTypeError(ctx, "kill: unknown signal %s", name);
    else if (kill(pid, number) < 0 && !(pid == -1 && errno == ESRCH)) result = kios_throw_errno(ctx, name, target, errno);
    JS_FreeCString(ctx, name);
    return result;
}

JSValue js_reap(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    JSValue exits = JS_NewArray(ctx);
    uint32_t count = 0;
    int childless = 0;
    for (;;) {
        int status;
        pid_t pid = waitpid(-1, &status, WNOHANG);
        if (pid < 0 && errno == EINTR) continue;
        if (pid < 0) { childless = errno == ECHILD; break; }
        if (pid == 0) break;
        JSValue exit = JS_NewObject(ctx);
        JS_SetPropertyStr(ctx, exit, "pid", JS_NewInt32(ctx, pid));
        JS_SetPropertyStr(ctx, exit, "code", WIFEXITED(status) ? JS_NewInt32(ctx, WEXITSTATUS(status)) : JS_NULL);
        JS_SetPropertyStr(ctx, exit, "signal", WIFSIGNALED(status) ? JS_NewInt32(ctx, WTERMSIG(status)) : JS_NULL);
        JS_SetPropertyUint32(ctx, exits, count++, exit);
    }
    JSValue result = JS_NewObject(ctx);
    JS_SetPropertyStr(ctx, result, "exits", exits);
    JS_SetPropertyStr(ctx, result, "childless", JS_NewBool(ctx, childless));
    return result;
}

/* The signals main() blocks from the start, so that none is lost before the signalfd exists. */
void kios_block_signals(void)
{
    sigset_t set;
    sigemptyset(&set);
    for (size_t i = 0; i < countof(signal_names); i++)
        if (signal_names[i].number != SIGKILL) sigaddset(&set, signal_names[i].number);
    sigprocmask(SIG_BLOCK, &set, NULL);
    signal(SIGPIPE, SIG_IGN);
}

JSValue js_signalFd(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc; (void)argv;
    sigset_t set;
    sigprocmask(SIG_BLOCK, NULL, &set);
    int fd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd < 0) return kios_throw_errno(ctx, "signalfd", "", errno);
    /* Ctrl-Alt-Del sends SIGINT to PID 1 instead of resetting the machine. */
    reboot(RB_DISABLE_CAD);
    return JS_NewInt32(ctx, fd);
}

JSValue js_readSignals(JSContext *ctx, JSValueConst this_val, int argc, JSValueConst *argv)
{
    (void)this_val; (void)argc;
    int32_t fd;
    if (int_arg(ctx, argv[0], &fd)) return JS_EXCEPTION;
    JSValue names = JS_NewArray(ctx);
    uint32_t count = 0;
    struct signalfd_siginfo info;
    while (read(fd, &info, sizeof info) == (ssize_t)sizeof info) {
        for (size_t i = 0; i < countof(signal_names); i++)
            if ((uint32_t)signal_names[i].number == info.ssi_signo)
                JS_SetPropertyUint32(ctx, names, count++, JS_NewString(ctx, signal_names[i].name));
    }
    return names;
}

