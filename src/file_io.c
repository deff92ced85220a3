/* file_io.c - input mapping and safe output (see file_io.h). */
#include "config.h"

#ifdef PI_CLONEFILE_STANDIN
/* tests/plistinject-clonefile only: the macOS build of this file (no
 * O_TMPFILE, FICLONERANGE, copy_file_range, sync_file_range or fallocate;
 * fclonefileat) on Linux, with tests/clonefile standing in for
 * <sys/clonefile.h>, so tests/clone.test can run that path on XFS */
#undef HAVE_DECL_O_TMPFILE
#define HAVE_DECL_O_TMPFILE 0
#undef HAVE_DECL_FICLONERANGE
#define HAVE_DECL_FICLONERANGE 0
#undef HAVE_COPY_FILE_RANGE
#undef HAVE_SYNC_FILE_RANGE
#undef HAVE_FALLOCATE
#define HAVE_FCLONEFILEAT 1
#define HAVE_SYS_CLONEFILE_H 1
#endif

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

#if HAVE_DECL_FICLONERANGE
#include <linux/fs.h>          /* FICLONERANGE, struct file_clone_range */
#include <sys/ioctl.h>
#include <sys/vfs.h>           /* fstatfs */
#endif
#if defined(HAVE_FCLONEFILEAT) && defined(HAVE_SYS_CLONEFILE_H)
#include <pthread.h>           /* pthread_sigmask */
#include <sys/clonefile.h>     /* macOS 10.12+: fclonefileat */
#define PI_CLONE_WHOLE 1
#endif

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

/* The unit of extent sharing on fd's file system: ranges are cloned only
 * from and to offsets that are multiples of it.  0 when unknown (then
 * nothing is cloned range by range). */
static uint64_t block_size(int fd)
{
	uint64_t bs = 0;
#if HAVE_DECL_FICLONERANGE
	struct statfs sf;
	if (fstatfs(fd, &sf) == 0 && sf.f_bsize > 0)
		bs = (uint64_t)sf.f_bsize;
#endif
	struct stat st;
	if (!bs && fstat(fd, &st) == 0 && st.st_blksize > 0)
		bs = (uint64_t)st.st_blksize;
	/* a power of two, as every file system's block is; anything else is
	 * not trusted */
	return bs && !(bs & (bs - 1)) ? bs : 0;
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
		o->blksize = block_size(o->fd);
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
	o->blksize = block_size(o->fd);
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

#if defined(HAVE_COPY_FILE_RANGE) || HAVE_DECL_FICLONERANGE
/* Errors that no other way of writing would avoid: report them rather than
 * fall back. */
static int hard_error(int e)
{
	return e == EFBIG || e == ENOSPC || e == EIO || e == EDQUOT;
}
#endif

/* Allocate what pi_out_reserve asked for, once, before the first range that
 * is copied rather than shared. */
static void reserve_now(pi_out *o)
{
	if (o->reserved)
		return;
	o->reserved = 1;
#ifdef HAVE_FALLOCATE
	/* Linux fallocate: fails where unsupported instead of writing zeros the
	 * way posix_fallocate's fallback would */
	if (o->reserve > o->pos)
		(void)fallocate(o->fd, 0, 0, (off_t)o->reserve);
#endif
}

/* Append len bytes of the input, from in_fd at in_off (p: the same bytes in
 * the mapping): copied in the kernel, each copy handed to writeback at once
 * so the final fsync finds most of the file already on its way; by write
 * where the kernel copy is refused.  reserve: allocate pi_out_reserve's
 * bytes first (not for the edges of a range about to be cloned, nor once
 * clones work, so that no blocks are allocated only to be replaced by
 * shared ones). */
static pi_status copy_range(pi_out *o, int in_fd, uint64_t in_off, const uint8_t *p, uint64_t len, int reserve,
                            pi_diag *d)
{
	uint64_t left = len;
	if (!left)
		return PI_OK;
	if (reserve)
		reserve_now(o);
#ifdef HAVE_COPY_FILE_RANGE
	off_t src = (off_t)in_off;
	while (left && !o->no_cfr) {
		/* copy_file_range moves out_off past the copy: keep the start for
		 * the writeback below */
		off_t out_start = (off_t)o->pos, out_off = out_start;
		size_t chunk = left > (32u << 20) ? (32u << 20) : (size_t)left;
		ssize_t c = copy_file_range(in_fd, &src, o->fd, &out_off, chunk, 0);
		if (c < 0 && errno == EINTR)
			continue;
		if (c <= 0) {
			if (c < 0 && hard_error(errno))
				return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", o->target,
				               strerror(errno));
			o->no_cfr = 1; /* not supported here: write the rest */
			break;
		}
		left -= (uint64_t)c;
		o->pos += (uint64_t)c;
#ifdef HAVE_SYNC_FILE_RANGE
		sync_file_range(o->fd, out_start, c, SYNC_FILE_RANGE_WRITE);
#endif
	}
#else
	(void)in_fd;
	(void)in_off;
#endif
	return write_all(o, p + (len - left), left, d);
}

#if HAVE_DECL_FICLONERANGE
/* Share len bytes of the input at in_off as the output's next len bytes
 * (both offsets and len multiples of the block size).  Returns 1 when
 * shared; 0 when the file system refused (remembered in o->clone, so the
 * rest of the file is copied without asking again), or on a hard error
 * (*st set). */
static int clone_range(pi_out *o, int in_fd, uint64_t in_off, uint64_t len, pi_status *st, pi_diag *d)
{
	struct file_clone_range r;
	memset(&r, 0, sizeof r);
	r.src_fd = in_fd;
	r.src_offset = in_off;
	r.src_length = len; /* never 0, which would mean "to the end" */
	r.dest_offset = o->pos;
	int rc;
	do
		rc = ioctl(o->fd, FICLONERANGE, &r);
	while (rc < 0 && errno == EINTR);
	if (rc == 0) {
		o->clone = 1;
		o->pos += len;
		return 1;
	}
	if (hard_error(errno))
		*st = pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", o->target, strerror(errno));
	else
		o->clone = -1; /* EOPNOTSUPP, EXDEV, EINVAL, ENOTTY, EPERM, ...: copy */
	return 0;
}
#endif

#ifdef PI_CLONE_WHOLE
/* macOS: make the temporary file a clone of the whole input (fclonefileat:
 * APFS shares every block), then carry over the o->pos bytes written so
 * far; from then on, source ranges at their own offsets need no writing
 * (put_source) and pi_out_sync cuts the file to its length.  Needs a named
 * temporary file; on any refusal o->whole becomes -1 and nothing changed. */
static void clone_whole(pi_out *o, int in_fd)
{
	o->whole = -1;
	if (o->unnamed || !o->tmpname[0])
		return;
	char dir[4096], name[sizeof o->tmpname];
	dir_of(o->target, dir, sizeof dir);
	sigset_t block, old;
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	/* no signal between the clone's creation and the swap of the pending
	 * name, so that a SIGTERM leaves neither file behind */
	pthread_sigmask(SIG_BLOCK, &block, &old);
	int made = 0;
	for (int attempt = 0; attempt < 100 && !made; attempt++) {
		snprintf(name, sizeof name, "%s/.plistinject-%ld-c%d", dir, (long)getpid(), attempt);
		if (fclonefileat(in_fd, AT_FDCWD, name, 0) == 0)
			made = 1;
		else if (errno != EEXIST)
			break;
	}
	int fd = made ? open(name, O_RDWR | O_CLOEXEC) : -1;
	int ok = fd >= 0;
	uint8_t buf[65536];
	for (uint64_t off = 0; ok && off < o->pos;) {
		size_t k = o->pos - off > sizeof buf ? sizeof buf : (size_t)(o->pos - off);
		ssize_t r = pread(o->fd, buf, k, (off_t)off);
		ok = r > 0 && pwrite(fd, buf, (size_t)r, (off_t)off) == r;
		off += ok ? (uint64_t)r : 0;
	}
	if (ok) {
		set_pending(name);
		unlink(o->tmpname);
		close(o->fd);
		o->fd = fd;
		snprintf(o->tmpname, sizeof o->tmpname, "%s", name);
		o->whole = 1;
		o->reserved = 1; /* the clone holds the blocks already */
	} else {
		if (fd >= 0)
			close(fd);
		if (made)
			unlink(name);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
}
#endif

/* Append len bytes of the input at in_off (p: the same bytes mapped):
 * shared with the input where the file system can, else copied. */
static pi_status put_source(pi_out *o, int in_fd, uint64_t in_off, const uint8_t *p, uint64_t len, pi_diag *d)
{
#ifdef PI_CLONE_WHOLE
	if (!o->whole)
		clone_whole(o, in_fd);
	if (o->whole == 1 && in_off == o->pos) { /* already there, shared */
		o->pos += len;
		return PI_OK;
	}
#endif
#if HAVE_DECL_FICLONERANGE
	/* the aligned middle shared, the unaligned edges copied */
	pi_status st = PI_OK;
	uint64_t bs = o->blksize;
	if (o->clone >= 0 && bs && in_off % bs == o->pos % bs) {
		uint64_t head = (bs - o->pos % bs) % bs;
		if (head < len && len - head >= bs) {
			uint64_t mid = (len - head) / bs * bs;
			if ((st = copy_range(o, in_fd, in_off, p, head, 0, d)) != PI_OK)
				return st;
			in_off += head;
			p += head;
			len -= head;
			if (clone_range(o, in_fd, in_off, mid, &st, d)) {
				in_off += mid;
				p += mid;
				len -= mid;
			} else if (st != PI_OK) {
				return st;
			}
		}
	}
#endif
	return copy_range(o, in_fd, in_off, p, len, o->clone != 1, d);
}

pi_status pi_out_write(pi_out *o, const pi_overlay *ov, int in_fd, pi_diag *d)
{
	for (size_t i = 0; i < ov->n; i++) {
		const pi_extent *e = &ov->ext[i];
		pi_status st;
		if (!e->p)
			st = pi_out_zeros(o, e->len, d);
		else if (e->src_off != UINT64_MAX && in_fd >= 0)
			st = put_source(o, in_fd, ov->src_abs + e->src_off, e->p, e->len, d);
		else
			st = write_all(o, e->p, e->len, d);
		if (st != PI_OK)
			return st;
	}
	return PI_OK;
}

void pi_out_reserve(pi_out *o, uint64_t len)
{
	o->reserve = len;
	o->reserved = 0;
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
	/* a clone of the whole input is as long as the input, not the output */
	if (o->whole == 1 && ftruncate(o->fd, (off_t)o->pos) < 0)
		return pi_fail(d, PI_E_IO, PI_NO_OFFSET, "cannot write %s: %s", o->target, strerror(errno));
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
