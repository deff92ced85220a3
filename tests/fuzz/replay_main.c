/* replay_main.c - a main() for the fuzz targets without libFuzzer: calls
 * LLVMFuzzerTestOneInput once for every file named on the command line, and
 * for every file in a directory named there (names starting with '.' are
 * skipped).  A crash or __builtin_trap() in the target kills the process;
 * otherwise it prints the count and exits 0 (1 when a file cannot be read). */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		return 0;
	}
	size_t cap = 1 << 16, n = 0, r;
	uint8_t *buf = malloc(cap);
	while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
		n += r;
		if (n == cap) {
			uint8_t *nb = realloc(buf, cap *= 2);
			if (!nb)
				free(buf);
			buf = nb;
		}
	}
	int ok = buf && !ferror(f);
	fclose(f);
	if (!ok) {
		fprintf(stderr, "%s: cannot read\n", path);
		free(buf);
		return 0;
	}
	/* an exactly-sized copy, so an over-read is caught the way libFuzzer's would be */
	uint8_t *exact = malloc(n ? n : 1);
	if (!exact)
		abort();
	memcpy(exact, buf, n);
	free(buf);
	fprintf(stderr, "replay %s (%zu bytes)\n", path, n);
	LLVMFuzzerTestOneInput(exact, n);
	free(exact);
	return 1;
}

int main(int argc, char **argv)
{
	unsigned long runs = 0, bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *dir = opendir(argv[i]);
			struct dirent *e;
			while (dir && (e = readdir(dir))) {
				if (e->d_name[0] == '.')
					continue;
				char path[4096];
				snprintf(path, sizeof path, "%s/%s", argv[i], e->d_name);
				if (run_file(path))
					runs++;
				else
					bad++;
			}
			if (dir)
				closedir(dir);
			else
				bad++;
		} else if (run_file(argv[i])) {
			runs++;
		} else {
			bad++;
		}
	}
	printf("%lu inputs replayed, %lu unreadable\n", runs, bad);
	return bad ? 1 : 0;
}
