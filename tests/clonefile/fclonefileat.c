/* fclonefileat.c - a Linux stand-in for macOS's fclonefileat(2), for the
 * test build tests/plistinject-clonefile: creates dst (O_EXCL, so EEXIST
 * as on macOS; the source's mode, as clonefile keeps it) in dst_dirfd and
 * makes it share every extent of srcfd (FICLONE); on any failure nothing
 * is left and errno says why (EOPNOTSUPP on a file system without reflink).
 * flags are ignored (plistinject passes 0). */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <stdint.h>
#include <sys/ioctl.h>
#include <sys/clonefile.h> /* the stand-in, tests/clonefile/sys */
#include <sys/stat.h>
#include <unistd.h>
int fclonefileat(int src, int dirfd, const char *dst, uint32_t flags)
{
	struct stat st;
	(void)flags;
	if (fstat(src, &st) < 0)
		return -1;
	int fd = openat(dirfd, dst, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, st.st_mode & 07777);
	if (fd < 0)
		return -1;
	if (ioctl(fd, FICLONE, src) < 0) {
		int e = errno;
		close(fd);
		unlinkat(dirfd, dst, 0);
		errno = e;
		return -1;
	}
	close(fd);
	return 0;
}
