/*
 * mount(8) and umount(8) for the kubelet, which runs them for its volumes
 * (k8s.io/mount-utils: "mount [-t TYPE] [-o OPTIONS] [SOURCE] TARGET",
 * "umount [-f] TARGET"). One static binary, called by either name, like
 * the original kiOS's busybox with only its mount applets: no shell, no
 * fstab, no helpers; options are mount(2) flags or the filesystem's data.
 *
 *   mount [--bind|--rbind] [-t TYPE] [-o OPT[,OPT...]] [SOURCE] TARGET
 *   umount [-f] [-l] TARGET
 *
 * Exit codes as util-linux: 0 done, 1 bad usage, 32 the call failed. An
 * unmount of something not mounted says "not mounted", which mount-utils
 * reads as success.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>

enum { EXIT_USAGE = 1, EXIT_FAILED = 32 };

struct option_flag {
    const char *name;
    unsigned long set;
    unsigned long clear;
};

static const struct option_flag flags[] = {
    {"defaults", 0, 0},
    {"ro", MS_RDONLY, 0},         {"rw", 0, MS_RDONLY},
    {"nosuid", MS_NOSUID, 0},     {"suid", 0, MS_NOSUID},
    {"nodev", MS_NODEV, 0},       {"dev", 0, MS_NODEV},
    {"noexec", MS_NOEXEC, 0},     {"exec", 0, MS_NOEXEC},
    {"sync", MS_SYNCHRONOUS, 0},  {"async", 0, MS_SYNCHRONOUS},
    {"dirsync", MS_DIRSYNC, 0},
    {"noatime", MS_NOATIME, 0},   {"atime", 0, MS_NOATIME},
    {"nodiratime", MS_NODIRATIME, 0}, {"diratime", 0, MS_NODIRATIME},
    {"relatime", MS_RELATIME, 0}, {"norelatime", 0, MS_RELATIME},
    {"strictatime", MS_STRICTATIME, 0},
    {"lazytime", MS_LAZYTIME, 0},
    {"silent", MS_SILENT, 0},     {"loud", 0, MS_SILENT},
    {"remount", MS_REMOUNT, 0},
    {"bind", MS_BIND, 0},         {"rbind", MS_BIND | MS_REC, 0},
};

/* Propagation changes take a mount(2) call of their own. */
static const struct option_flag propagation[] = {
    {"private", MS_PRIVATE, 0},       {"rprivate", MS_PRIVATE | MS_REC, 0},
    {"shared", MS_SHARED, 0},         {"rshared", MS_SHARED | MS_REC, 0},
    {"slave", MS_SLAVE, 0},           {"rslave", MS_SLAVE | MS_REC, 0},
    {"unbindable", MS_UNBINDABLE, 0}, {"runbindable", MS_UNBINDABLE | MS_REC, 0},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

static const struct option_flag *find(const struct option_flag *table, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(table[i].name, name) == 0) return &table[i];
    return NULL;
}

struct request {
    unsigned long flags;
    unsigned long propagation;
    char data[4096];
};

/* Splits OPTIONS into mount(2) flags, a propagation change and the filesystem's data. */
static int parse_options(char *options, struct request *r)
{
    for (char *opt = strtok(options, ","); opt; opt = strtok(NULL, ",")) {
        const struct option_flag *f = find(flags, COUNT(flags), opt);
        const struct option_flag *p = f ? NULL : find(propagation, COUNT(propagation), opt);
        if (f) {
            r->flags = (r->flags | f->set) & ~f->clear;
        } else if (p) {
            r->propagation = p->set;
        } else {
            size_t used = strlen(r->data);
            if (used + strlen(opt) + 2 > sizeof r->data) {
                fprintf(stderr, "mount: options too long\n");
                return -1;
            }
            if (used) strcat(r->data, ",");
            strcat(r->data, opt);
        }
    }
    return 0;
}

static int usage(const char *name)
{
    if (strcmp(name, "umount") == 0)
        fprintf(stderr, "usage: umount [-f] [-l] TARGET\n");
    else
        fprintf(stderr, "usage: mount [--bind|--rbind] [-t TYPE] [-o OPTIONS] [SOURCE] TARGET\n");
    return EXIT_USAGE;
}

static int do_mount(int argc, char **argv)
{
    struct request r = {0};
    const char *type = NULL;
    const char *operands[2];
    int count = 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if ((strcmp(a, "-t") == 0 || strcmp(a, "-o") == 0) && i + 1 < argc) {
            if (a[1] == 't') type = argv[++i];
            else if (parse_options(argv[++i], &r) != 0) return EXIT_USAGE;
        } else if (strcmp(a, "--bind") == 0 || strcmp(a, "-B") == 0) {
            r.flags |= MS_BIND;
        } else if (strcmp(a, "--rbind") == 0 || strcmp(a, "-R") == 0) {
            r.flags |= MS_BIND | MS_REC;
        } else if (strcmp(a, "--no-canonicalize") == 0 || strcmp(a, "-n") == 0 || strcmp(a, "-i") == 0) {
            /* Nothing to canonicalize, no mtab to skip, no helpers to avoid. */
        } else if (a[0] == '-' || count == 2) {
            fprintf(stderr, "mount: unsupported argument '%s'\n", a);
            return usage("mount");
        } else {
            operands[count++] = a;
        }
    }
    if (count == 0) return usage("mount");
    const char *target = operands[count - 1];
    const char *source = count == 2 ? operands[0] : "none";
    int changes_only_propagation = r.propagation && count == 1 && r.flags == 0 && !type && !r.data[0];
    if (!changes_only_propagation &&
        mount(source, target, type ? type : "", r.flags, r.data[0] ? r.data : NULL) != 0) {
        fprintf(stderr, "mount: %s: %s\n", target, strerror(errno));
        return EXIT_FAILED;
    }
    if (r.propagation && mount("none", target, NULL, r.propagation, NULL) != 0) {
        fprintf(stderr, "mount: %s: changing propagation: %s\n", target, strerror(errno));
        return EXIT_FAILED;
    }
    return 0;
}

static int do_umount(int argc, char **argv)
{
    int umount_flags = 0;
    const char *target = NULL;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "-f") == 0) umount_flags |= MNT_FORCE;
        else if (strcmp(argv[i], "-l") == 0) umount_flags |= MNT_DETACH;
        else if (argv[i][0] == '-' || target) return usage("umount");
        else target = argv[i];
    }
    if (!target) return usage("umount");
    if (umount2(target, umount_flags) != 0) {
        if (errno == EINVAL) fprintf(stderr, "umount: %s: not mounted.\n", target);
        else fprintf(stderr, "umount: %s: %s\n", target, strerror(errno));
        return EXIT_FAILED;
    }
    return 0;
}

int main(int argc, char **argv)
{
    const char *name = argc > 0 ? strrchr(argv[0], '/') : NULL;
    name = name ? name + 1 : (argc > 0 ? argv[0] : "mount");
    return strcmp(name, "umount") == 0 ? do_umount(argc, argv) : do_mount(argc, argv);
}
