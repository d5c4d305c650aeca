/*
 * Test-only first process of the QEMU initramfs (rdinit=/preload): loads the
 * kernel modules the stock Debian kernel keeps out of its image but the init
 * needs (the ACPI power button driver, button.ko), then execs /init, which
 * stays PID 1. The kiOS kernel builds these in and boots /init directly.
 * The "exec /init" record is where exec-to-runtime time is measured from.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/syscall.h>
#include <unistd.h>

static void kmsg(const char *text)
{
    int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
    if (fd >= 0) {
        if (write(fd, text, strlen(text)) < 0) perror("kmsg");
        close(fd);
    }
}

int main(void)
{
    DIR *dir = opendir("/lib/modules");
    struct dirent *entry;
    char path[512], line[600];
    while (dir && (entry = readdir(dir))) {
        if (!strstr(entry->d_name, ".ko")) continue;
        snprintf(path, sizeof path, "/lib/modules/%s", entry->d_name);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        long rc = fd < 0 ? -1 : syscall(SYS_finit_module, fd, "", 0);
        snprintf(line, sizeof line, "<6>preload: %s %s\n", rc == 0 ? "loaded" : "failed to load", path);
        kmsg(line);
        if (fd >= 0) close(fd);
    }
    if (dir) closedir(dir);
    kmsg("<6>preload: exec /init\n");
    char *argv[] = { "/init", NULL };
    execv("/init", argv);
    kmsg("<0>preload: exec /init failed\n");
    return 1;
}
