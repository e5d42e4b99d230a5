/*
 * edgevm guest agent: the one-shot requests. INIT (set the clock, seed the RNG with RNDADDENTROPY
 * and force a reseed with RNDRESEEDCRNG) and FILE (write a file, creating its parents). PING is
 * answered directly by the dispatcher in agent.c.
 *
 * Part of agent.c's single translation unit; include after agent-io.h.
 */
#ifndef EDGEVM_AGENT_OPS_H
#define EDGEVM_AGENT_OPS_H

/* ------------------------------------------------------------------------------------------------
 * RNG seeding ioctls
 * --------------------------------------------------------------------------------------------- */

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

#endif /* EDGEVM_AGENT_OPS_H */
