/* tests/clonefile/sys/clonefile.h - a Linux stand-in for macOS's
 * <sys/clonefile.h>, declaring only what src/file_io.c uses, so that its
 * fclonefileat path (built on macOS only) runs in tests/clone.test on a
 * loop-mounted XFS image.  The definition is tests/clonefile/fclonefileat.c. */
#ifndef PI_TEST_SYS_CLONEFILE_H
#define PI_TEST_SYS_CLONEFILE_H
#include <stdint.h>
int fclonefileat(int srcfd, int dst_dirfd, const char *dst, uint32_t flags);
#endif
