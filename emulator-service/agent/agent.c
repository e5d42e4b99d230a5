/*
 * edgevm guest agent: /init (PID 1) of every edgevm guest.
 *
 * It mounts the basic file systems, loads the kernel modules listed in /etc/edgevm/modules, opens
 * the virtio-serial port named "edgevm.0" and then serves the framed protocol described in
 * docs/PROTOCOL.md: INIT, FILE, EXEC (with STDIN/SIGNAL), PING.
 *
 * `agent --stdio` is the host test mode: frames are read from fd 0 and written to fd 1, and the
 * PID 1 set-up (mounts, modules, port discovery) is skipped.
 *
 * Build: musl-gcc -static -Os -Wall -Wextra -o agent agent.c   (or plain gcc for host tests)
 *
 * Design: one thread, one poll() loop over the port, a signalfd for SIGCHLD and the pipes of every
 * exec session. Writes to the port are blocking; writes to a child's stdin never block (the data
 * is buffered until the pipe is writable).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/reboot.h>
#include <sys/signalfd.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/sysmacros.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* ------------------------------------------------------------------------------------------------
 * Protocol constants
 * --------------------------------------------------------------------------------------------- */

#define AGENT_VERSION "edgevm-agent/1"
#define HEADER_SIZE 9
#define MAX_FRAME_PAYLOAD (1024u * 1024u) /* bytes (1 MiB) */
#define OUTPUT_CHUNK (64u * 1024u)        /* bytes per STDOUT/STDERR frame */
#define EXIT_GRACE_MS 100                 /* wait for pipes after the child was reaped */
#define PORT_RETRY_MS 20                  /* PID 1: re-poll the port after the host went away */
#define PORT_WAIT_STEP_MS 2
#define PORT_WAIT_TOTAL_MS 10000

enum {
  T_INIT = 0x01, T_FILE = 0x02, T_EXEC = 0x03, T_STDIN = 0x04, T_SIGNAL = 0x05, T_PING = 0x06,
  R_READY = 0x80, R_INIT_OK = 0x81, R_FILE_OK = 0x82, R_STARTED = 0x83, R_STDOUT = 0x84,
  R_STDERR = 0x85, R_PONG = 0x86, R_EXIT = 0x87, R_ERROR = 0x8F,
};

#define PORT_NAME "edgevm.0"
#define PORT_DEV "/dev/edgevm.0"
#define PORTS_DIR "/sys/class/virtio-ports"
#define MODULES_FILE "/etc/edgevm/modules"
#define DEFAULT_PATH "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
#define DEFAULT_HOME "/root"

/* <linux/random.h> is not available to musl-gcc: the ioctl and its argument, spelled out. */
#ifndef RNDADDENTROPY
#define RNDADDENTROPY _IOW('R', 0x03, int[2])
#endif
/* Adding entropy does not reseed the kernel's CRNG at once (Linux >= 5.18 reseeds on a timer), so
 * clones restored from one template would keep producing the same bytes: force the reseed. */
#ifndef RNDRESEEDCRNG
#define RNDRESEEDCRNG _IO('R', 0x07)
#endif
struct seed_pool_info {
  int entropy_count; /* bits */
  int buf_size;      /* bytes */
  unsigned char buf[];
};

/* ------------------------------------------------------------------------------------------------
 * Global state
 * --------------------------------------------------------------------------------------------- */

struct session {
  uint32_t id;
  pid_t pid;
  int in_fd, out_fd, err_fd; /* -1 once closed */
  unsigned char *in_buf;     /* stdin bytes not yet accepted by the pipe */
  size_t in_len, in_off;
  int in_close_requested; /* an empty STDIN frame arrived: close once in_buf is flushed */
  int reaped, status;
  int64_t reaped_at_ms;
  int done; /* EXIT sent; freed at the end of the loop iteration */
};

static int g_pid1;             /* running as /init (not --stdio) */
static int g_port_in = -1;     /* frames from the host */
static int g_port_out = -1;    /* frames to the host */
static int g_port_down;        /* PID 1: the host side is disconnected */
static int64_t g_port_retry_at; /* PID 1: when to poll the port again */
static int g_sig_fd = -1;
static int g_kmsg_fd = -1;

static struct session **g_sessions;
static size_t g_nsessions, g_cap_sessions;

static unsigned char g_rx[HEADER_SIZE + MAX_FRAME_PAYLOAD];
static size_t g_rx_len;
static unsigned char g_out_buf[OUTPUT_CHUNK];

/* ------------------------------------------------------------------------------------------------
 * Small helpers: time, byte order, diagnostics
 * --------------------------------------------------------------------------------------------- */

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint32_t get_u32(const unsigned char *p) {
  return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void put_u32(unsigned char *p, uint32_t v) {
  p[0] = (unsigned char)v;
  p[1] = (unsigned char)(v >> 8);
  p[2] = (unsigned char)(v >> 16);
  p[3] = (unsigned char)(v >> 24);
}

static void sleep_ms(long ms) {
  struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
  while (nanosleep(&ts, &ts) < 0 && errno == EINTR) {
  }
}

/* One line to /dev/kmsg (PID 1) or stderr (--stdio). */
static void diag(const char *fmt, ...) {
  char line[512];
  int n = snprintf(line, sizeof line, "%sedgevm-agent: ", g_kmsg_fd >= 0 ? "<3>" : "");
  va_list ap;
  va_start(ap, fmt);
  n += vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
  va_end(ap);
  if (n > (int)sizeof line - 2) n = (int)sizeof line - 2;
  line[n++] = '\n';
  ssize_t ignored = write(g_kmsg_fd >= 0 ? g_kmsg_fd : 2, line, (size_t)n);
  (void)ignored;
}

/* Signals a session's process group; before the child's setsid() the group does not exist yet,
 * so the child itself is signalled instead. */
static void signal_session(const struct session *s, int signo) {
  if (kill(-s->pid, signo) < 0 && errno == ESRCH && !s->reaped) kill(s->pid, signo);
}

static void kill_all_sessions(void) {
  for (size_t i = 0; i < g_nsessions; i++)
    if (!g_sessions[i]->done) signal_session(g_sessions[i], SIGKILL);
}

/* Unrecoverable: power the VM off as PID 1 (never exit or hang), exit(1) in --stdio mode. */
__attribute__((noreturn)) static void fatal(const char *fmt, ...) {
  char msg[400];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  diag("fatal: %s", msg);
  if (g_pid1) {
    sync();
    reboot(RB_POWER_OFF);
    _exit(1); /* only reached if reboot failed: a kernel panic still ends the VM */
  }
  kill_all_sessions();
  exit(1);
}

/* ------------------------------------------------------------------------------------------------
 * Port output: blocking, handles partial writes and EAGAIN
 * --------------------------------------------------------------------------------------------- */

static void port_send(uint8_t type, uint32_t id, const void *payload, size_t len) {
  unsigned char header[HEADER_SIZE];
  header[0] = type;
  put_u32(header + 1, id);
  put_u32(header + 5, (uint32_t)len);
  struct iovec iov[2] = {{header, HEADER_SIZE}, {(void *)payload, len}};
  struct iovec *v = iov;
  int count = len > 0 ? 2 : 1;
  while (count > 0) {
    ssize_t n = writev(g_port_out, v, count);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        struct pollfd p = {g_port_out, POLLOUT, 0};
        poll(&p, 1, -1);
        continue;
      }
      if (!g_pid1 && errno == EPIPE) { /* the host test harness went away */
        kill_all_sessions();
        exit(0);
      }
      fatal("write to port: %s", strerror(errno));
    }
    while (count > 0 && (size_t)n >= v->iov_len) {
      n -= (ssize_t)v->iov_len;
      v++;
      count--;
    }
    if (count > 0) {
      v->iov_base = (char *)v->iov_base + n;
      v->iov_len -= (size_t)n;
    }
  }
}

static void send_error(uint32_t id, const char *fmt, ...) {
  char msg[512];
  va_list ap;
  va_start(ap, fmt);
  int n = vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (n < 0) n = 0;
  if (n >= (int)sizeof msg) n = (int)sizeof msg - 1;
  port_send(R_ERROR, id, msg, (size_t)n);
}

/* ------------------------------------------------------------------------------------------------
 * Payload reader (bounds-checked)
 * --------------------------------------------------------------------------------------------- */

struct reader {
  const unsigned char *p;
  size_t len, off;
  int bad;
};

static uint32_t rd_u32(struct reader *r) {
  if (r->bad || r->len - r->off < 4) {
    r->bad = 1;
    return 0;
  }
  uint32_t v = get_u32(r->p + r->off);
  r->off += 4;
  return v;
}

/* A NUL-terminated malloc'd copy of the next `len`-prefixed string, or NULL. */
static char *rd_string(struct reader *r) {
  uint32_t n = rd_u32(r);
  if (r->bad || r->len - r->off < n) {
    r->bad = 1;
    return NULL;
  }
  char *s = malloc((size_t)n + 1);
  if (!s) fatal("out of memory");
  memcpy(s, r->p + r->off, n);
  s[n] = '\0';
  r->off += n;
  return s;
}

static void free_strv(char **v) {
  if (!v) return;
  for (char **p = v; *p; p++) free(*p);
  free(v);
}

/* A string list as a NULL-terminated array with room for `extra` more entries. */
static char **rd_strv(struct reader *r, size_t extra) {
  uint32_t count = rd_u32(r);
  if (r->bad || count > (r->len - r->off) / 4) {
    r->bad = 1;
    return NULL;
  }
  char **v = calloc((size_t)count + extra + 1, sizeof *v);
  if (!v) fatal("out of memory");
  for (uint32_t i = 0; i < count; i++) {
    v[i] = rd_string(r);
    if (!v[i]) {
      free_strv(v);
      return NULL;
    }
  }
  return v;
}

/* ------------------------------------------------------------------------------------------------
 * Sessions
 * --------------------------------------------------------------------------------------------- */

static struct session *find_session(uint32_t id) {
  for (size_t i = 0; i < g_nsessions; i++)
    if (!g_sessions[i]->done && g_sessions[i]->id == id) return g_sessions[i];
  return NULL;
}

static struct session *find_session_by_pid(pid_t pid) {
  for (size_t i = 0; i < g_nsessions; i++)
    if (!g_sessions[i]->done && !g_sessions[i]->reaped && g_sessions[i]->pid == pid)
      return g_sessions[i];
  return NULL;
}

static void close_fd(int *fd) {
  if (*fd >= 0) close(*fd);
  *fd = -1;
}

static void close_stdin(struct session *s) {
  close_fd(&s->in_fd);
  free(s->in_buf);
  s->in_buf = NULL;
  s->in_len = s->in_off = 0;
}

/* Sends EXIT once the child is reaped and both output pipes are closed. */
static void maybe_send_exit(struct session *s) {
  if (s->done || !s->reaped || s->out_fd >= 0 || s->err_fd >= 0) return;
  unsigned char payload[8];
  int32_t code = -1, sig = 0;
  if (WIFEXITED(s->status)) code = WEXITSTATUS(s->status);
  else if (WIFSIGNALED(s->status)) sig = WTERMSIG(s->status);
  put_u32(payload, (uint32_t)code);
  put_u32(payload + 4, (uint32_t)sig);
  close_stdin(s);
  s->done = 1;
  port_send(R_EXIT, s->id, payload, sizeof payload);
}

static void sweep_sessions(void) {
  size_t j = 0;
  for (size_t i = 0; i < g_nsessions; i++) {
    if (g_sessions[i]->done) free(g_sessions[i]);
    else g_sessions[j++] = g_sessions[i];
  }
  g_nsessions = j;
}

static struct session *add_session(uint32_t id, pid_t pid, int in_fd, int out_fd, int err_fd) {
  if (g_nsessions == g_cap_sessions) {
    size_t cap = g_cap_sessions ? g_cap_sessions * 2 : 16;
    struct session **grown = realloc(g_sessions, cap * sizeof *grown);
    if (!grown) fatal("out of memory");
    g_sessions = grown;
    g_cap_sessions = cap;
  }
  struct session *s = calloc(1, sizeof *s);
  if (!s) fatal("out of memory");
  s->id = id;
  s->pid = pid;
  s->in_fd = in_fd;
  s->out_fd = out_fd;
  s->err_fd = err_fd;
  g_sessions[g_nsessions++] = s;
  return s;
}

/* ------------------------------------------------------------------------------------------------
 * EXEC: the child side (after fork)
 * --------------------------------------------------------------------------------------------- */

static void child_fail(const char *what, int err) {
  char msg[PATH_MAX + 128];
  int n = snprintf(msg, sizeof msg, "edgevm: %s: %s\n", what, strerror(err));
  if (n > (int)sizeof msg - 1) n = (int)sizeof msg - 1;
  ssize_t ignored = write(2, msg, (size_t)n);
  (void)ignored;
  _exit(127);
}

/* execve with argv[0] resolved through the PATH of the new environment (like execvpe). */
static void exec_in_path(char **argv, char **envp, const char *path) {
  const char *file = argv[0];
  if (file[0] == '\0') {
    errno = ENOENT;
    return;
  }
  if (strchr(file, '/')) {
    execve(file, argv, envp);
    return;
  }
  size_t flen = strlen(file);
  int seen_eacces = 0;
  for (const char *p = path;; p++) {
    const char *end = strchrnul(p, ':');
    size_t dlen = (size_t)(end - p);
    char full[PATH_MAX];
    if (dlen + 1 + flen < sizeof full) {
      memcpy(full, p, dlen);
      full[dlen] = '/';
      memcpy(full + dlen + 1, file, flen + 1);
      execve(dlen ? full : file, argv, envp); /* an empty PATH entry means the cwd */
      if (errno == EACCES) seen_eacces = 1;
      else if (errno != ENOENT && errno != ENOTDIR) return;
    }
    if (*end == '\0') break;
    p = end;
  }
  errno = seen_eacces ? EACCES : ENOENT;
}

__attribute__((noreturn)) static void run_child(char **argv, char **envp, const char *cwd,
                                                int pin[2], int pout[2], int perr[2]) {
  sigset_t none;
  sigemptyset(&none);
  sigprocmask(SIG_SETMASK, &none, NULL);
  signal(SIGPIPE, SIG_DFL);
  setsid();
  /* Every descriptor of the agent is O_CLOEXEC; fds 0-2 are always occupied, so pipes are >= 3. */
  if (dup2(pin[0], 0) < 0 || dup2(pout[1], 1) < 0 || dup2(perr[1], 2) < 0) _exit(127);
  if (cwd[0] == '\0') {
    mkdir(DEFAULT_HOME, 0700);
    cwd = DEFAULT_HOME;
  }
  if (chdir(cwd) < 0) child_fail(cwd, errno);
  const char *path = DEFAULT_PATH;
  for (char **e = envp; *e; e++)
    if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
  exec_in_path(argv, envp, path);
  child_fail(argv[0], errno);
  _exit(127);
}

/* ------------------------------------------------------------------------------------------------
 * EXEC / STDIN / SIGNAL: the agent side
 * --------------------------------------------------------------------------------------------- */

static int env_has(char **env, const char *prefix) {
  size_t n = strlen(prefix);
  for (char **e = env; *e; e++)
    if (strncmp(*e, prefix, n) == 0) return 1;
  return 0;
}

static char *xstrdup(const char *s) {
  char *d = strdup(s);
  if (!d) fatal("out of memory");
  return d;
}

static void set_nonblock(int fd) { fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK); }

static void handle_exec(uint32_t id, const unsigned char *p, size_t len) {
  struct reader r = {p, len, 0, 0};
  char **argv = rd_strv(&r, 0);
  char **env = rd_strv(&r, 2);
  char *cwd = rd_string(&r);
  int pin[2] = {-1, -1}, pout[2] = {-1, -1}, perr[2] = {-1, -1};
  if (r.bad || !argv || !env || !cwd) {
    send_error(id, "malformed EXEC payload");
    goto out;
  }
  if (!argv[0]) {
    send_error(id, "argv must not be empty");
    goto out;
  }
  if (find_session(id)) {
    send_error(id, "exec id %u is already in use", id);
    goto out;
  }
  size_t nenv = 0;
  while (env[nenv]) nenv++;
  if (!env_has(env, "PATH=")) env[nenv++] = xstrdup("PATH=" DEFAULT_PATH);
  if (!env_has(env, "HOME=")) env[nenv++] = xstrdup("HOME=" DEFAULT_HOME);

  if (pipe2(pin, O_CLOEXEC) < 0 || pipe2(pout, O_CLOEXEC) < 0 || pipe2(perr, O_CLOEXEC) < 0) {
    send_error(id, "pipe: %s", strerror(errno));
    goto out;
  }
  pid_t pid = fork();
  if (pid < 0) {
    send_error(id, "fork: %s", strerror(errno));
    goto out;
  }
  if (pid == 0) run_child(argv, env, cwd, pin, pout, perr);
  close_fd(&pin[0]);
  close_fd(&pout[1]);
  close_fd(&perr[1]);
  set_nonblock(pin[1]);
  set_nonblock(pout[0]);
  set_nonblock(perr[0]);
  add_session(id, pid, pin[1], pout[0], perr[0]);
  pin[1] = pout[0] = perr[0] = -1; /* owned by the session now */
  unsigned char payload[4];
  put_u32(payload, (uint32_t)pid);
  port_send(R_STARTED, id, payload, sizeof payload);
out:
  for (int i = 0; i < 2; i++) {
    close_fd(&pin[i]);
    close_fd(&pout[i]);
    close_fd(&perr[i]);
  }
  free_strv(argv);
  free_strv(env);
  free(cwd);
}

/* Writes buffered stdin until the pipe is full; closes it when asked and drained. */
static void flush_stdin(struct session *s) {
  while (s->in_fd >= 0 && s->in_off < s->in_len) {
    ssize_t n = write(s->in_fd, s->in_buf + s->in_off, s->in_len - s->in_off);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) return;
      close_stdin(s); /* EPIPE: the child does not read its stdin any more */
      return;
    }
    s->in_off += (size_t)n;
  }
  if (s->in_fd >= 0) {
    free(s->in_buf);
    s->in_buf = NULL;
    s->in_len = s->in_off = 0;
    if (s->in_close_requested) close_stdin(s);
  }
}

static void handle_stdin(uint32_t id, const unsigned char *p, size_t len) {
  struct session *s = find_session(id);
  if (!s || s->in_fd < 0 || s->in_close_requested) return; /* late or after close: dropped */
  if (len == 0) {
    s->in_close_requested = 1;
    flush_stdin(s);
    return;
  }
  if (s->in_off > 0) { /* drop the bytes already written */
    memmove(s->in_buf, s->in_buf + s->in_off, s->in_len - s->in_off);
    s->in_len -= s->in_off;
    s->in_off = 0;
  }
  unsigned char *grown = realloc(s->in_buf, s->in_len + len);
  if (!grown) fatal("out of memory");
  memcpy(grown + s->in_len, p, len);
  s->in_buf = grown;
  s->in_len += len;
  flush_stdin(s);
}

static void handle_signal(uint32_t id, const unsigned char *p, size_t len) {
  struct session *s = find_session(id);
  if (!s || len < 4) return;
  int signo = (int)get_u32(p);
  if (signo <= 0 || signo >= NSIG) return;
  signal_session(s, signo);
}

/* Reads one chunk of a child's stdout/stderr; closes the pipe at EOF. */
static void pump_output(struct session *s, int *fd, uint8_t type) {
  ssize_t n = read(*fd, g_out_buf, sizeof g_out_buf);
  if (n > 0) {
    port_send(type, s->id, g_out_buf, (size_t)n);
    return;
  }
  if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) return;
  close_fd(fd);
  maybe_send_exit(s);
}

static void reap_children(void) {
  struct signalfd_siginfo info;
  while (read(g_sig_fd, &info, sizeof info) == (ssize_t)sizeof info) {
  }
  for (;;) {
    int status;
    pid_t pid = waitpid(-1, &status, WNOHANG);
    if (pid <= 0) return;
    struct session *s = find_session_by_pid(pid);
    if (!s) continue; /* an orphan re-parented to us */
    s->reaped = 1;
    s->status = status;
    s->reaped_at_ms = now_ms();
    maybe_send_exit(s);
  }
}

/* ------------------------------------------------------------------------------------------------
 * INIT / FILE
 * --------------------------------------------------------------------------------------------- */

/* Sets the clock and seeds the RNG. In --stdio mode the host's clock and entropy accounting are
 * left alone (the tests may run as root): the seed is only written to /dev/urandom. */
static void handle_init(const unsigned char *p, size_t len) {
  if (len < 8) {
    send_error(0, "malformed INIT payload");
    return;
  }
  uint64_t ns = (uint64_t)get_u32(p) | (uint64_t)get_u32(p + 4) << 32;
  struct timespec ts = {(time_t)(ns / 1000000000u), (long)(ns % 1000000000u)};
  if (g_pid1 && clock_settime(CLOCK_REALTIME, &ts) < 0) {
    send_error(0, "clock_settime: %s", strerror(errno));
    return;
  }
  size_t n = len - 8;
  if (n > 0) {
    int fd = open("/dev/urandom", O_WRONLY | O_CLOEXEC);
    if (fd < 0) {
      send_error(0, "/dev/urandom: %s", strerror(errno));
      return;
    }
    int rc = 0, err = 0;
    if (g_pid1) {
      struct seed_pool_info *info = malloc(sizeof *info + n);
      if (!info) fatal("out of memory");
      info->entropy_count = (int)(n * 8);
      info->buf_size = (int)n;
      memcpy(info->buf, p + 8, n);
      rc = ioctl(fd, RNDADDENTROPY, info);
      err = errno;
      if (rc == 0) {
        rc = ioctl(fd, RNDRESEEDCRNG);
        err = errno;
      }
      free(info);
    }
    ssize_t ignored = write(fd, p + 8, n);
    (void)ignored;
    close(fd);
    if (rc < 0) {
      send_error(0, "reseeding the RNG: %s", strerror(err));
      return;
    }
  }
  port_send(R_INIT_OK, 0, NULL, 0);
}

/* mkdir -p of every parent of `path` (0755). */
static void make_parents(const char *path) {
  char buf[PATH_MAX];
  size_t n = strlen(path);
  if (n >= sizeof buf) return;
  memcpy(buf, path, n + 1);
  for (char *p = buf + 1; *p; p++) {
    if (*p != '/') continue;
    *p = '\0';
    mkdir(buf, 0755);
    *p = '/';
  }
}

static void handle_file(uint32_t id, const unsigned char *p, size_t len) {
  struct reader r = {p, len, 0, 0};
  uint32_t flags = rd_u32(&r);
  uint32_t mode = rd_u32(&r);
  char *path = rd_string(&r);
  if (r.bad || !path) {
    send_error(id, "malformed FILE payload");
    free(path);
    return;
  }
  const unsigned char *data = p + r.off;
  size_t left = len - r.off;
  int append = flags & 1u;
  int fd = -1;
  if (path[0] != '/') {
    send_error(id, "%s: path must be absolute", path);
    goto out;
  }
  make_parents(path);
  fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (append ? O_APPEND : O_TRUNC), mode & 07777);
  if (fd < 0) {
    send_error(id, "%s: %s", path, strerror(errno));
    goto out;
  }
  if (!append && fchmod(fd, mode & 07777) < 0) { /* exact mode, regardless of umask */
    send_error(id, "%s: chmod: %s", path, strerror(errno));
    goto out;
  }
  while (left > 0) {
    ssize_t n = write(fd, data, left);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      send_error(id, "%s: %s", path, strerror(errno));
      goto out;
    }
    data += n;
    left -= (size_t)n;
  }
  if (close(fd) < 0) {
    fd = -1;
    send_error(id, "%s: %s", path, strerror(errno));
    goto out;
  }
  fd = -1;
  port_send(R_FILE_OK, id, NULL, 0);
out:
  if (fd >= 0) close(fd);
  free(path);
}

/* ------------------------------------------------------------------------------------------------
 * Port input: frame decoding and dispatch
 * --------------------------------------------------------------------------------------------- */

static void handle_frame(uint8_t type, uint32_t id, const unsigned char *p, size_t len) {
  switch (type) {
  case T_INIT: handle_init(p, len); break;
  case T_FILE: handle_file(id, p, len); break;
  case T_EXEC: handle_exec(id, p, len); break;
  case T_STDIN: handle_stdin(id, p, len); break;
  case T_SIGNAL: handle_signal(id, p, len); break;
  case T_PING: port_send(R_PONG, 0, p, len); break;
  default: fatal("corrupt stream: unknown frame type 0x%02x", type);
  }
}

static void port_readable(void) {
  ssize_t n = read(g_port_in, g_rx + g_rx_len, sizeof g_rx - g_rx_len);
  if (n < 0) {
    if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) return;
    fatal("read from port: %s", strerror(errno));
  }
  if (n == 0) {
    if (!g_pid1) { /* the test harness closed our stdin */
      kill_all_sessions();
      exit(0);
    }
    /* virtio-serial reads EOF while no host is connected: wait for a new connection. */
    g_rx_len = 0;
    g_port_down = 1;
    g_port_retry_at = now_ms() + PORT_RETRY_MS;
    return;
  }
  g_rx_len += (size_t)n;
  size_t off = 0;
  while (g_rx_len - off >= HEADER_SIZE) {
    const unsigned char *h = g_rx + off;
    uint8_t type = h[0];
    uint32_t len = get_u32(h + 5);
    if (type < T_INIT || type > T_PING) fatal("corrupt stream: unknown frame type 0x%02x", type);
    if (len > MAX_FRAME_PAYLOAD) fatal("corrupt stream: frame length %u > 1 MiB", len);
    if (g_rx_len - off < HEADER_SIZE + (size_t)len) break;
    handle_frame(type, get_u32(h + 1), h + HEADER_SIZE, len);
    off += HEADER_SIZE + (size_t)len;
  }
  memmove(g_rx, g_rx + off, g_rx_len - off);
  g_rx_len -= off;
}

/* ------------------------------------------------------------------------------------------------
 * PID 1 set-up: mounts, modules, port discovery
 * --------------------------------------------------------------------------------------------- */

static void mount_fs(const char *src, const char *dir, const char *type, unsigned long flags,
                     const char *opts, mode_t mode) {
  mkdir(dir, mode);
  if (mount(src, dir, type, flags, opts) < 0 && errno != EBUSY)
    fatal("mount %s on %s: %s", type, dir, strerror(errno));
}

/* Makes sure fds 0-2 exist so that nothing we open later lands on them. */
static void ensure_std_fds(void) {
  for (int fd = 0; fd < 3; fd++) {
    if (fcntl(fd, F_GETFD) >= 0) continue;
    int c = open("/dev/console", O_RDWR);
    if (c < 0) c = open("/dev/null", O_RDWR);
    if (c >= 0 && c != fd) {
      dup2(c, fd);
      close(c);
    }
  }
}

static void load_modules(void) {
  FILE *f = fopen(MODULES_FILE, "re");
  if (!f) return; /* no modules to load */
  char line[PATH_MAX];
  while (fgets(line, sizeof line, f)) {
    line[strcspn(line, "\r\n")] = '\0';
    if (line[0] == '\0' || line[0] == '#') continue;
    int fd = open(line, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      diag("module %s: %s", line, strerror(errno));
      continue;
    }
    if (syscall(SYS_finit_module, fd, "", 0) < 0 && errno != EEXIST)
      diag("finit_module %s: %s", line, strerror(errno));
    close(fd);
  }
  fclose(f);
}

static int read_small_file(const char *path, char *buf, size_t size) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, size - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = '\0';
  buf[strcspn(buf, "\n")] = '\0';
  return 0;
}

/* Finds the port named edgevm.0 in sysfs and creates its device node; returns 0 on success. */
static int make_port_node(void) {
  DIR *d = opendir(PORTS_DIR);
  if (!d) return -1;
  int found = -1;
  struct dirent *e;
  while (found < 0 && (e = readdir(d))) {
    if (e->d_name[0] == '.') continue;
    char path[PATH_MAX], value[64];
    snprintf(path, sizeof path, PORTS_DIR "/%s/name", e->d_name);
    if (read_small_file(path, value, sizeof value) < 0 || strcmp(value, PORT_NAME) != 0) continue;
    snprintf(path, sizeof path, PORTS_DIR "/%s/dev", e->d_name);
    unsigned maj, min;
    if (read_small_file(path, value, sizeof value) < 0 || sscanf(value, "%u:%u", &maj, &min) != 2)
      continue;
    unlink(PORT_DEV);
    if (mknod(PORT_DEV, S_IFCHR | 0600, makedev(maj, min)) < 0)
      fatal("mknod " PORT_DEV ": %s", strerror(errno));
    found = 0;
  }
  closedir(d);
  return found;
}

static void pid1_setup(void) {
  mount_fs("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("sysfs", "/sys", "sysfs", MS_NOSUID | MS_NODEV | MS_NOEXEC, NULL, 0555);
  mount_fs("devtmpfs", "/dev", "devtmpfs", MS_NOSUID, "mode=0755", 0755);
  ensure_std_fds();
  g_kmsg_fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
  mount_fs("tmpfs", "/tmp", "tmpfs", MS_NOSUID | MS_NODEV, "mode=1777", 01777);
  setenv("PATH", DEFAULT_PATH, 1);
  load_modules();
  int64_t deadline = now_ms() + PORT_WAIT_TOTAL_MS;
  while (make_port_node() < 0) {
    if (now_ms() >= deadline) fatal("no virtio port named " PORT_NAME " after 10 s");
    sleep_ms(PORT_WAIT_STEP_MS);
  }
  int fd = open(PORT_DEV, O_RDWR | O_CLOEXEC);
  if (fd < 0) fatal("open " PORT_DEV ": %s", strerror(errno));
  g_port_in = g_port_out = fd;
}

/* ------------------------------------------------------------------------------------------------
 * Event loop
 * --------------------------------------------------------------------------------------------- */

enum { W_PORT, W_SIGNAL, W_STDIN, W_STDOUT, W_STDERR };
struct watch {
  struct session *s;
  int what;
};

/* Closes the pipes of sessions reaped more than EXIT_GRACE_MS ago; returns the poll timeout. */
static int run_timers(void) {
  int64_t now = now_ms();
  int64_t next = -1;
  for (size_t i = 0; i < g_nsessions; i++) {
    struct session *s = g_sessions[i];
    if (s->done || !s->reaped) continue;
    int64_t due = s->reaped_at_ms + EXIT_GRACE_MS;
    if (due <= now) {
      close_fd(&s->out_fd);
      close_fd(&s->err_fd);
      maybe_send_exit(s);
    } else if (next < 0 || due < next) {
      next = due;
    }
  }
  if (g_port_down) {
    if (g_port_retry_at <= now) g_port_down = 0;
    else if (next < 0 || g_port_retry_at < next) next = g_port_retry_at;
  }
  sweep_sessions();
  return next < 0 ? -1 : (int)(next - now);
}

static void event_loop(void) {
  struct pollfd *fds = NULL;
  struct watch *watches = NULL;
  size_t cap = 0;
  for (;;) {
    int timeout = run_timers();
    size_t need = 2 + 3 * g_nsessions, n = 0;
    if (need > cap) {
      cap = need * 2;
      fds = realloc(fds, cap * sizeof *fds);
      watches = realloc(watches, cap * sizeof *watches);
      if (!fds || !watches) fatal("out of memory");
    }
#define WATCH(fd_, events_, s_, what_)                                                             \
  do {                                                                                             \
    fds[n] = (struct pollfd){(fd_), (events_), 0};                                                 \
    watches[n++] = (struct watch){(s_), (what_)};                                                  \
  } while (0)
    WATCH(g_sig_fd, POLLIN, NULL, W_SIGNAL);
    if (!g_port_down) WATCH(g_port_in, POLLIN, NULL, W_PORT);
    for (size_t i = 0; i < g_nsessions; i++) {
      struct session *s = g_sessions[i];
      if (s->out_fd >= 0) WATCH(s->out_fd, POLLIN, s, W_STDOUT);
      if (s->err_fd >= 0) WATCH(s->err_fd, POLLIN, s, W_STDERR);
      if (s->in_fd >= 0 && s->in_off < s->in_len) WATCH(s->in_fd, POLLOUT, s, W_STDIN);
    }
#undef WATCH
    if (poll(fds, (nfds_t)n, timeout) < 0) {
      if (errno == EINTR) continue;
      fatal("poll: %s", strerror(errno));
    }
    /* Sessions are only freed by sweep_sessions(), so the pointers stay valid in this pass;
     * each fd is re-checked because handling an earlier event may have closed it. */
    for (size_t i = 0; i < n; i++) {
      if (!fds[i].revents) continue;
      struct session *s = watches[i].s;
      switch (watches[i].what) {
      case W_SIGNAL: reap_children(); break;
      case W_PORT: port_readable(); break;
      case W_STDOUT:
        if (s->out_fd == fds[i].fd) pump_output(s, &s->out_fd, R_STDOUT);
        break;
      case W_STDERR:
        if (s->err_fd == fds[i].fd) pump_output(s, &s->err_fd, R_STDERR);
        break;
      case W_STDIN:
        if (s->in_fd == fds[i].fd) flush_stdin(s);
        break;
      }
    }
  }
}

int main(int argc, char **argv) {
  g_pid1 = !(argc > 1 && strcmp(argv[1], "--stdio") == 0);
  if (!g_pid1 && argc > 2) {
    fprintf(stderr, "usage: agent [--stdio]\n");
    return 2;
  }
  signal(SIGPIPE, SIG_IGN);
  sigset_t chld;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, NULL);

  if (g_pid1) {
    pid1_setup();
  } else {
    g_port_in = 0;
    g_port_out = 1;
    prctl(PR_SET_CHILD_SUBREAPER, 1); /* reap orphans like PID 1 does */
  }
  g_sig_fd = signalfd(-1, &chld, SFD_NONBLOCK | SFD_CLOEXEC);
  if (g_sig_fd < 0) fatal("signalfd: %s", strerror(errno));

  port_send(R_READY, 0, AGENT_VERSION, strlen(AGENT_VERSION));
  event_loop();
  return 0;
}
