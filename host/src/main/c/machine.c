/*
 * The native `machine` front end: hands a command to the user's warm command server over its Unix
 * socket and relays the answer, or execs the Java `machine` beside it (machine-jvm) when no server
 * is up, it is not private to this user, or it does not take the command. It speaks the protocol
 * of io.machinehost.host.server.Wire and applies the checks of FrontEnd: the socket's directory
 * must be the user's and rwx------, the socket the user's with no group or other bits, and the
 * server's identity (the Java launcher's path, size and modification time, and its Java) must be
 * this installation's. It decides nothing else: the server says which commands it answers.
 *
 * C99 and POSIX only. Build: cc -std=c99 -O2 -o machine machine.c
 */
#define _POSIX_C_SOURCE 200809L
#define _XOPEN_SOURCE 700
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#ifndef MACHINE_JVM
#define MACHINE_JVM "machine-jvm"
#endif

#define MAGIC 0x4d484333u /* "MHC3": Wire.MAGIC */
#define INTERRUPT 'i'     /* Wire.INTERRUPT: the user pressed Ctrl-C */

extern char **environ;

static char launcher[PATH_MAX];
static char **arguments;
static volatile sig_atomic_t server_fd = -1;
static volatile sig_atomic_t interrupts;

/* Runs the Java front end with the same arguments; it never returns. */
static void fallback(void) {
  arguments[0] = launcher;
  execv(launcher, arguments);
  fprintf(stderr, "machine: cannot run %s: %s\n", launcher, strerror(errno));
  _exit(127);
}

/* A growing request buffer. */
static unsigned char *buf;
static size_t len, cap;

static void put(const void *data, size_t n) {
  if (len + n > cap) {
    size_t want = cap ? cap : 4096;
    while (want < len + n) want *= 2;
    unsigned char *grown = realloc(buf, want);
    if (grown == NULL) fallback();
    buf = grown;
    cap = want;
  }
  memcpy(buf + len, data, n);
  len += n;
}

static void put_int(uint32_t v) {
  unsigned char b[4] = {(unsigned char)(v >> 24), (unsigned char)(v >> 16),
                        (unsigned char)(v >> 8), (unsigned char)v};
  put(b, 4);
}

static void put_bytes(const char *s, size_t n) {
  put_int((uint32_t)n);
  put(s, n);
}

static void put_string(const char *s) { put_bytes(s, strlen(s)); }

/* Reads exactly n bytes; 0 on success, -1 on end of stream or error. */
static int read_full(int fd, void *to, size_t n) {
  unsigned char *p = to;
  while (n > 0) {
    ssize_t r = read(fd, p, n);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return -1;
    p += r;
    n -= (size_t)r;
  }
  return 0;
}

static int read_int(int fd, uint32_t *v) {
  unsigned char b[4];
  if (read_full(fd, b, 4) < 0) return -1;
  *v = (uint32_t)b[0] << 24 | (uint32_t)b[1] << 16 | (uint32_t)b[2] << 8 | b[3];
  return 0;
}

static int read_long(int fd, uint64_t *v) {
  uint32_t hi, lo;
  if (read_int(fd, &hi) < 0 || read_int(fd, &lo) < 0) return -1;
  *v = (uint64_t)hi << 32 | lo;
  return 0;
}

/* Writes all of a chunk; returns -1 once it cannot (a closed pipe: the rest is dropped). */
static int write_full(int fd, const unsigned char *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

/* The first Ctrl-C asks the server to cancel the command; the second ends this client. */
static void on_interrupt(int sig) {
  (void)sig;
  if (interrupts++ > 0 || server_fd < 0) _exit(130);
  char b = INTERRUPT;
  if (write(server_fd, &b, 1) != 1) _exit(130);
}

/* Whether a path is this user's, not a symlink, and a rwx------ directory or a file no one else
 * may use (Wire.privateToMe). */
static int private_to_me(const char *path, int directory) {
  struct stat st;
  if (lstat(path, &st) != 0 || st.st_uid != geteuid()) return 0;
  if (directory) return S_ISDIR(st.st_mode) && (st.st_mode & 07777) == 0700;
  return !S_ISDIR(st.st_mode) && (st.st_mode & 07077) == 0;
}

/* Finds a program on PATH as the shell does; returns 0 and fills out, or -1. */
static int on_path(const char *name, char *out) {
  const char *path = getenv("PATH");
  if (path == NULL) return -1;
  while (*path) {
    const char *end = strchr(path, ':');
    size_t n = end ? (size_t)(end - path) : strlen(path);
    if (n > 0 && snprintf(out, PATH_MAX, "%.*s/%s", (int)n, path, name) < PATH_MAX &&
        access(out, X_OK) == 0) {
      struct stat st;
      if (stat(out, &st) == 0 && S_ISREG(st.st_mode)) return 0;
    }
    if (end == NULL) break;
    path = end + 1;
  }
  return -1;
}

/* The Java home the launcher would pick (MACHINEHOST_JAVA, JAVA_HOME, java on PATH), as the JVM
 * reports it: the real path of its bin/java less "/bin/java". Only a guess: when it is wrong the
 * socket is not found and the Java front end, which knows, runs. */
static int java_home(char *out) {
  char java[PATH_MAX];
  const char *chosen = getenv("MACHINEHOST_JAVA");
  const char *home = getenv("JAVA_HOME");
  struct stat st;
  if (chosen != NULL && *chosen) {
    if (stat(chosen, &st) == 0 && S_ISDIR(st.st_mode)) {
      if (snprintf(java, sizeof java, "%s/bin/java", chosen) >= (int)sizeof java) return -1;
    } else if (strchr(chosen, '/') != NULL) {
      if (snprintf(java, sizeof java, "%s", chosen) >= (int)sizeof java) return -1;
    } else if (on_path(chosen, java) < 0) {
      return -1;
    }
  } else if (home != NULL && *home &&
             snprintf(java, sizeof java, "%s/bin/java", home) < (int)sizeof java &&
             access(java, X_OK) == 0) {
    /* JAVA_HOME's java */
  } else if (on_path("java", java) < 0) {
    return -1;
  }
  if (realpath(java, out) == NULL) return -1;
  size_t n = strlen(out);
  if (n < 9 || strcmp(out + n - 9, "/bin/java") != 0) return -1;
  out[n - 9] = '\0';
  return 0;
}

/* This program's own path, as the launcher's shell header computes its $self. */
static int self_path(const char *argv0, char *out) {
  char found[PATH_MAX];
  if (strchr(argv0, '/') == NULL) {
    if (on_path(argv0, found) < 0) return -1;
    argv0 = found;
  }
  if (argv0[0] == '/') return snprintf(out, PATH_MAX, "%s", argv0) < PATH_MAX ? 0 : -1;
  char cwd[PATH_MAX];
  const char *pwd = getenv("PWD");
  if (pwd == NULL || pwd[0] != '/') {
    if (getcwd(cwd, sizeof cwd) == NULL) return -1;
    pwd = cwd;
  }
  if (strncmp(argv0, "./", 2) == 0) argv0 += 2;
  return snprintf(out, PATH_MAX, "%s/%s", pwd, argv0) < PATH_MAX ? 0 : -1;
}

/* Drops repeated and trailing slashes, as java.nio's Path does. */
static void tidy(char *p) {
  char *w = p;
  for (char *r = p; *r; r++) {
    if (*r == '/' && w > p && w[-1] == '/') continue;
    *w++ = *r;
  }
  if (w > p + 1 && w[-1] == '/') w--;
  *w = '\0';
}

static int debug(int argc, char **argv) {
  const char *v = getenv("MACHINE_DEBUG");
  if (v != NULL && (strcmp(v, "1") == 0 || strcasecmp(v, "true") == 0)) return 1;
  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "-D") == 0 || strcmp(argv[i], "--debug") == 0) return 1;
  }
  return 0;
}

static int blank(const char *s) {
  for (; *s; s++) {
    if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r' && *s != '\f' && *s != '\v') return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  arguments = argv;
  char self[PATH_MAX];
  if (self_path(argv[0], self) < 0) {
    fprintf(stderr, "machine: cannot tell where this program is (%s)\n", argv[0]);
    return 127;
  }
  char *slash = strrchr(self, '/');
  *slash = '\0';
  if (snprintf(launcher, sizeof launcher, "%s/%s", self, MACHINE_JVM) >= (int)sizeof launcher) {
    return 127;
  }
  tidy(launcher);

  /* The identity (Wire.identity) and the socket it names (Wire.socket). */
  struct stat st;
  char home_of_java[PATH_MAX];
  if (stat(launcher, &st) != 0 || java_home(home_of_java) < 0) fallback();
  char identity[3 * PATH_MAX];
  long long millis = (long long)st.st_mtim.tv_sec * 1000 + st.st_mtim.tv_nsec / 1000000;
  snprintf(identity, sizeof identity, "%s\n%lld\n%lld\n%s", launcher, (long long)st.st_size, millis,
           home_of_java);
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const unsigned char *p = (const unsigned char *)identity; *p; p++) {
    hash ^= *p;
    hash *= 0x100000001b3ull;
  }

  struct passwd *me = getpwuid(geteuid());
  const char *home = me != NULL && me->pw_dir != NULL ? me->pw_dir : getenv("HOME");
  char dir[PATH_MAX], socket_path[PATH_MAX + 64];
  const char *runtime = getenv("XDG_RUNTIME_DIR");
  if (runtime != NULL && !blank(runtime)) {
    snprintf(dir, sizeof dir, "%s/machinehost/commands", runtime);
  } else if (me != NULL) {
    snprintf(dir, sizeof dir, "/tmp/machinehost-%s/commands", me->pw_name);
  } else {
    fallback();
  }
  tidy(dir);
  snprintf(socket_path, sizeof socket_path, "%s/cmd-%016llx.sock", dir, (unsigned long long)hash);
  struct sockaddr_un address;
  if (home == NULL || strlen(socket_path) >= sizeof address.sun_path ||
      !private_to_me(dir, 1) || !private_to_me(socket_path, 0)) {
    fallback();
  }

  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  memset(&address, 0, sizeof address);
  address.sun_family = AF_UNIX;
  strcpy(address.sun_path, socket_path);
  if (fd < 0 || connect(fd, (struct sockaddr *)&address, sizeof address) != 0) fallback();

  char cwd[PATH_MAX];
  if (getcwd(cwd, sizeof cwd) == NULL) fallback();
  put_int(MAGIC);
  put_string(identity);
  put_string(cwd);
  put_string(home);
  unsigned char tty = isatty(0) && isatty(1);
  put(&tty, 1);
  put_int((uint32_t)(argc - 1));
  for (int i = 1; i < argc; i++) put_string(argv[i]);
  uint32_t envc = 0;
  for (char **e = environ; *e; e++) {
    if (strchr(*e, '=') != NULL) envc++;
  }
  put_int(envc);
  for (char **e = environ; *e; e++) {
    char *eq = strchr(*e, '=');
    if (eq == NULL) continue;
    put_bytes(*e, (size_t)(eq - *e));
    put_string(eq + 1);
  }

  signal(SIGPIPE, SIG_IGN);
  if (write_full(fd, buf, len) < 0) fallback();
  free(buf);

  int trace = debug(argc, argv);
  int accepted = 0, may_retry = 0, wrote = 0, out_ok = 1, err_ok = 1;
  uint64_t pid = 0;
  size_t chunk_cap = 65536;
  unsigned char *chunk = malloc(chunk_cap);
  if (chunk == NULL) fallback();
  for (;;) {
    unsigned char kind;
    if (read_full(fd, &kind, 1) < 0) goto broken;
    switch (kind) {
      case 'p': /* Wire.SERVER */
        if (read_long(fd, &pid) < 0) goto broken;
        break;
      case 'a': { /* Wire.ACCEPTED: a command that changes things is the server's from here on */
        unsigned char reads;
        accepted = 1;
        if (read_full(fd, &reads, 1) < 0) goto broken;
        may_retry = reads == 1;
        server_fd = fd;
        struct sigaction sa;
        memset(&sa, 0, sizeof sa);
        sa.sa_handler = on_interrupt;
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        break;
      }
      case 'o': /* Wire.STDOUT */
      case 'e': { /* Wire.STDERR */
        uint32_t n;
        if (read_int(fd, &n) < 0 || n > 16u << 20) goto broken;
        if (n > chunk_cap) {
          unsigned char *grown = realloc(chunk, n);
          if (grown == NULL) goto broken;
          chunk = grown;
          chunk_cap = n;
        }
        if (read_full(fd, chunk, n) < 0) goto broken;
        wrote = 1;
        if (kind == 'o') {
          out_ok = out_ok && write_full(1, chunk, n) == 0;
        } else {
          err_ok = err_ok && write_full(2, chunk, n) == 0;
        }
        break;
      }
      case 'x': { /* Wire.EXIT */
        uint32_t code;
        uint64_t nanos;
        if (read_int(fd, &code) < 0 || read_long(fd, &nanos) < 0) goto broken;
        if (trace) {
          unsigned long long micros = nanos / 1000;
          fprintf(stderr, "debug: answered by the command server, pid %llu, in %llu.%llu ms\n",
                  (unsigned long long)pid, micros / 1000, micros % 1000 / 100);
        }
        return (int)code;
      }
      case 'r': { /* Wire.REFUSED */
        uint32_t n;
        if (read_int(fd, &n) < 0 || n > 65536 || read_full(fd, chunk, n) < 0) goto broken;
        if (trace) {
          fprintf(stderr, "debug: the command server (pid %llu) refused: %.*s\n",
                  (unsigned long long)pid, (int)n, (char *)chunk);
        }
        if (accepted) return 1;
        close(fd);
        fallback();
      }
      default:
        goto broken;
    }
  }
broken:
  if (!accepted || (may_retry && !wrote && interrupts == 0)) {
    close(fd);
    fallback(); /* it went away before taking the command, or before a read printed: run it here */
  }
  if (interrupts > 0) return 130;
  fprintf(stderr,
          "Error: the machine command server (pid %llu) failed in the middle of the command (%s)."
          " Run it again, or set MACHINEHOST_PLUGIN_REUSE=0 to run every command in its own"
          " process.\n",
          (unsigned long long)pid, "it closed the connection");
  return 1;
}
