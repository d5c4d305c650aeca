/* Acme's node agent: says it is alive every minute. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
  if (argc != 2 || strcmp(argv[1], "heartbeat") != 0) {
    fprintf(stderr, "usage: acme-agent heartbeat\n");
    return 2;
  }
  for (;;) {
    printf("acme-agent: alive\n");
    fflush(stdout);
    sleep(60);
  }
}
