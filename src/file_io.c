/* file_io.c - input mapping and safe output (see file_io.h). */
#include "config.h"

#include "file_io.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* The one piece of process-wide state: the name of a temporary file that
 * exists on disk, so that SIGINT, SIGTERM or SIGHUP can remove it before the
 * process dies (a signal handler can reach nothing else).  Unnamed O_TMPFILE
 * files need none of this; SIGKILL cannot be caught at all. */
static char pending_name[4200];
static volatile sig_atomic_t pending;

static void remove_pending(int sig)
{
	if (pending)
		unlink(pending_name);
	signal(sig, SIG_DFL);
	raise(sig);
}

/* Catch sig to remove the pending file, unless it is ignored: a signal
 * ignored when we started (nohup, a background job of a script) stays so. */
static void catch_signal(int sig)
{
	struct sigaction sa, old;
	if (sigaction(sig, NULL, &old) < 0 || old.sa_handler == SIG_IGN)
		return;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = remove_pending;
	sigemptyset(&sa.sa_mask);
	sigaddset(&sa.sa_mask, SIGINT);
	sigaddset(&sa.sa_mask, SIGTERM);
	sigaddset(&sa.sa_mask, SIGHUP);
	sigaction(sig, &sa, NULL);
}

static void set_pending(const char *name)
{
	static int installed;
	if (!installed) {
		installed = 1;
		catch_signal(SIGINT);
		catch_signal(SIGTERM);
		catch_signal(SIGHUP);
	}
	pending = 0;
	snprintf(pending_name, sizeof pending_name, "%s", name);
	pending = 1;
}

pi_status pi_map_open(const char *path, pi_map *m, pi_diag *d)
{
	memset(m, 0, sizeof *m);
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0)
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot open: %s", strerror(errno));
	struct stat st;
	if (fstat(m->fd, &st) < 0) {
		int e = errno;
		close(m->fd);
		m->fd = -1;
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot stat: %s", strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		close(m->fd);
		m->fd = -1;
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "not a regular file");
	}
	m->size = (uint64_t)st.st_size;
	m->mode = st.st_mode;
	m->uid = st.st_uid;
	m->gid = st.st_gid;
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	if (m->size) {
		void *p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_PRIVATE, m->fd, 0);
		if (p == MAP_FAILED) {
			int e = errno;
			close(m->fd);
			m->fd = -1;
			return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot map: %s", strerror(e));
		}
		m->data = p;
	}
	return PI_OK;
}

void pi_map_close(pi_map *m)
{
	if (m->data)
		munmap((void *)m->data, (size_t)m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->data = NULL;
	m->fd = -1;
}

int pi_resolve(const char *path, char *out, size_t len)
{
	char buf[PATH_MAX];
	if (!realpath(path, buf))
		return 0;
	if (strlen(buf) >= len) {
		errno = ENAMETOOLONG;
		return 0;
	}
	strcpy(out, buf);
	return 1;
}

pi_status pi_out_target(const char *output, char *target, size_t len, pi_diag *d)
{
	size_t n = strlen(output);
	if (!n)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "-o: the output name is empty");
	if (output[n - 1] == '/')
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "-o %s: names a directory; give the output file's name",
		               output);
	if (n >= len)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "-o: the output name is too long");
	struct stat lst, st;
	if (lstat(output, &lst) < 0) {
		if (errno != ENOENT)
			return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", output, strerror(errno));
		memcpy(target, output, n + 1);
		return PI_OK;
	}
	if (S_ISLNK(lst.st_mode) && stat(output, &st) < 0)
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "-o %s: a symbolic link to %s (%s)", output,
		               errno == ENOENT ? "nothing" : "a file that cannot be reached", strerror(errno));
	if (!S_ISLNK(lst.st_mode))
		st = lst;
	if (S_ISDIR(st.st_mode))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET, "-o %s: is a directory; give the output file's name",
		               output);
	if (!S_ISREG(st.st_mode))
		return pi_fail(d, PI_E_USAGE, PI_NO_OFFSET,
		               "-o %s: is not a regular file; plistinject replaces files, not devices, FIFOs or sockets",
		               output);
	if (S_ISLNK(lst.st_mode)) {
		if (!pi_resolve(output, target, len))
			return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot resolve %s: %s", output, strerror(errno));
		return PI_OK;
	}
	memcpy(target, output, n + 1);
	return PI_OK;
}

int pi_same_file(const char *a, const char *b)
{
	struct stat sa, sb;
	if (stat(a, &sa) < 0 || stat(b, &sb) < 0)
		return 0;
	return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

static void dir_of(const char *path, char *dir, size_t len)
{
	const char *slash = strrchr(path, '/');
	if (!slash)
		snprintf(dir, len, ".");
	else if (slash == path)
		snprintf(dir, len, "/");
	else
		snprintf(dir, len, "%.*s", (int)(slash - path), path);
}

pi_status pi_out_begin(pi_out *o, const char *target, int named, pi_diag *d)
{
	memset(o, 0, sizeof *o);
	o->fd = -1;
	if (strlen(target) >= sizeof o->target - 32)
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "output path is too long");
	snprintf(o->target, sizeof o->target, "%s", target);
	char dir[4096];
	dir_of(target, dir, sizeof dir);
#if HAVE_DECL_O_TMPFILE && defined(HAVE_LINKAT) /* unnamed, linked in at commit */
	if (!named)
		o->fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (o->fd >= 0) {
		o->unnamed = 1;
		return PI_OK;
	}
#endif
	snprintf(o->tmpname, sizeof o->tmpname, "%s/.plistinject-XXXXXX", dir);
	o->fd = mkostemp(o->tmpname, O_CLOEXEC);
	if (o->fd < 0) {
		int e = errno;
		o->tmpname[0] = 0;
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: cannot create a file in %s: %s", target, dir,
		               strerror(e));
	}
	set_pending(o->tmpname);
	return PI_OK;
}

static pi_status write_all(pi_out *o, const uint8_t *p, uint64_t n, pi_diag *d)
{
	while (n) {
		size_t chunk = n > (1u << 30) ? (1u << 30) : (size_t)n;
		ssize_t w = pwrite(o->fd, p, chunk, (off_t)o->pos);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", o->target,
			               strerror(errno));
		}
		p += w;
		n -= (uint64_t)w;
		o->pos += (uint64_t)w;
	}
	return PI_OK;
}

pi_status pi_out_zeros(pi_out *o, uint64_t n, pi_diag *d)
{
	static const uint8_t z[65536];
	while (n) {
		uint64_t k = n > sizeof z ? sizeof z : n;
		pi_status st = write_all(o, z, k, d);
		if (st != PI_OK)
			return st;
		n -= k;
	}
	return PI_OK;
}

pi_status pi_out_write(pi_out *o, const pi_overlay *ov, int in_fd, pi_diag *d)
{
	int use_cfr = 1;
	for (size_t i = 0; i < ov->n; i++) {
		const pi_extent *e = &ov->ext[i];
		pi_status st;
		if (!e->p) {
			if ((st = pi_out_zeros(o, e->len, d)) != PI_OK)
				return st;
			continue;
		}
		uint64_t left = e->len, src = e->src_off;
		if (src != UINT64_MAX && use_cfr && in_fd >= 0) {
#ifdef HAVE_COPY_FILE_RANGE
			off_t in_off = (off_t)(ov->src_abs + src);
			while (left) {
				/* copy_file_range moves out_off past the copy: keep the start
				 * for the writeback below */
				off_t out_start = (off_t)o->pos, out_off = out_start;
				/* 32 MiB at a time, each handed to writeback at once, so the
				 * final fsync finds most of the file already on its way */
				size_t chunk = left > (32u << 20) ? (32u << 20) : (size_t)left;
				ssize_t c = copy_file_range(in_fd, &in_off, o->fd, &out_off, chunk, 0);
				if (c < 0 && errno == EINTR)
					continue;
				if (c <= 0) {
					if (c < 0 && (errno == EFBIG || errno == ENOSPC || errno == EIO || errno == EDQUOT))
						return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", o->target,
						               strerror(errno));
					use_cfr = 0; /* not supported here: fall back to write */
					break;
				}
				left -= (uint64_t)c;
				o->pos += (uint64_t)c;
#ifdef HAVE_SYNC_FILE_RANGE
				sync_file_range(o->fd, out_start, c, SYNC_FILE_RANGE_WRITE);
#endif
			}
#else
			use_cfr = 0;
#endif
		}
		if (left && (st = write_all(o, e->p + (e->len - left), left, d)) != PI_OK)
			return st;
	}
	return PI_OK;
}

void pi_out_reserve(pi_out *o, uint64_t len)
{
#ifdef HAVE_FALLOCATE
	/* Linux fallocate: fails where unsupported instead of writing zeros the
	 * way posix_fallocate's fallback would */
	if (len)
		(void)fallocate(o->fd, 0, 0, (off_t)len);
#else
	(void)o;
	(void)len;
#endif
}

pi_status pi_out_pwrite(pi_out *o, uint64_t off, const uint8_t *p, uint64_t len, pi_diag *d)
{
	while (len) {
		size_t chunk = len > (1u << 30) ? (1u << 30) : (size_t)len;
		ssize_t w = pwrite(o->fd, p, chunk, (off_t)off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", o->target,
			               w < 0 ? strerror(errno) : "short write");
		p += w;
		off += (uint64_t)w;
		len -= (uint64_t)w;
	}
	return PI_OK;
}

pi_status pi_out_reopen(pi_out *o, pi_diag *d)
{
	if (!o->tmpname[0])
		return pi_fail(d, PI_E_INTERNAL, PI_NO_OFFSET, "internal error: reopening an unnamed file");
	int fd = open(o->tmpname, O_RDWR | O_CLOEXEC);
	struct stat st;
	if (fd < 0 || fstat(fd, &st) < 0) {
		int e = errno;
		if (fd >= 0)
			close(fd);
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot reopen %s: %s", o->tmpname, strerror(e));
	}
	close(o->fd);
	o->fd = fd;
	o->pos = (uint64_t)st.st_size;
	return PI_OK;
}

pi_status pi_out_sync(pi_out *o, mode_t mode, uid_t uid, gid_t gid, pi_diag *d)
{
	if (geteuid() == 0 && fchown(o->fd, uid, gid) < 0) {
		/* keeping the owner is best effort */
	}
	if (fchmod(o->fd, mode & 07777) < 0)
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot set the mode of %s: %s", o->target,
		               strerror(errno));
	if (fsync(o->fd) < 0)
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", o->target, strerror(errno));
	return PI_OK;
}

pi_status pi_out_commit(pi_out *o, pi_diag *d)
{
	if (o->unnamed) {
		char proc[64], dir[4096];
		snprintf(proc, sizeof proc, "/proc/self/fd/%d", o->fd);
		dir_of(o->target, dir, sizeof dir);
		for (int attempt = 0; attempt < 100; attempt++) {
			snprintf(o->tmpname, sizeof o->tmpname, "%s/.plistinject-%ld-%d", dir, (long)getpid(),
			         attempt);
			if (linkat(AT_FDCWD, proc, AT_FDCWD, o->tmpname, AT_SYMLINK_FOLLOW) == 0) {
				set_pending(o->tmpname);
				break;
			}
			if (errno != EEXIST) {
				int e = errno;
				o->tmpname[0] = 0;
				return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot link the new %s: %s", o->target,
				               strerror(e));
			}
			o->tmpname[0] = 0;
		}
		if (!o->tmpname[0])
			return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot name the new %s", o->target);
		o->unnamed = 0;
	}
	if (rename(o->tmpname, o->target) < 0) {
		int e = errno;
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot rename the new file to %s: %s", o->target,
		               strerror(e));
	}
	pending = 0;
	/* the rename itself made durable, as the file's bytes already are; best
	 * effort, since some file systems cannot sync a directory */
	char parent[4096];
	dir_of(o->target, parent, sizeof parent);
	int dfd = open(parent, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd >= 0) {
		(void)fsync(dfd);
		close(dfd);
	}
	o->tmpname[0] = 0;
	close(o->fd);
	o->fd = -1;
	return PI_OK;
}

pi_status pi_out_map(pi_out *o, pi_map *m, pi_diag *d)
{
	memset(m, 0, sizeof *m);
	m->fd = -1; /* the descriptor stays the pi_out's */
	m->size = o->pos;
	if (!m->size)
		return PI_OK;
	void *p = mmap(NULL, (size_t)m->size, PROT_READ, MAP_SHARED, o->fd, 0);
	if (p == MAP_FAILED)
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot map the written file: %s", strerror(errno));
	m->data = p;
	return PI_OK;
}

void pi_out_abort(pi_out *o)
{
	if (o->tmpname[0])
		unlink(o->tmpname);
	pending = 0;
	o->tmpname[0] = 0;
	if (o->fd >= 0)
		close(o->fd);
	o->fd = -1;
}
