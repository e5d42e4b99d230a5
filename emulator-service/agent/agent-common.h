/*
 * edgevm guest agent: protocol constants, global state and small helpers (time, byte order,
 * diagnostics), plus forward declarations of the functions used before their definition.
 *
 * Part of agent.c's single translation unit (see the comment at the top of agent.c): this header
 * relies on the system headers agent.c includes first and holds only `static` definitions.
 */
#ifndef EDGEVM_AGENT_COMMON_H
#define EDGEVM_AGENT_COMMON_H

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

/* ------------------------------------------------------------------------------------------------
 * Forward declarations (one translation unit, defined further down)
 * --------------------------------------------------------------------------------------------- */

/* agent-session.h: fatal() and port_send() kill every session before the --stdio agent exits. */
static void kill_all_sessions(void);
/* agent.c: port_readable() hands every complete frame to the dispatcher. */
static void handle_frame(uint8_t type, uint32_t id, const unsigned char *p, size_t len);

#endif /* EDGEVM_AGENT_COMMON_H */
