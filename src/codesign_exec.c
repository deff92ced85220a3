/* codesign_exec.c - Apple codesign via posix_spawn (see codesign_exec.h). */
#include "config.h"

#include "codesign_exec.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "macho_defs.h"

extern char **environ;

void pi_codesign_option_words(uint32_t flags, char *out, size_t len)
{
	static const struct {
		uint32_t bit;
		const char *word;
	} words[] = {
		{ CS_HARD, "hard" },           { CS_KILL, "kill" },
		{ CS_CHECK_EXPIRATION, "expires" }, { CS_RESTRICT, "restrict" },
		{ CS_ENFORCEMENT, "enforcement" }, { CS_REQUIRE_LV, "library" },
		{ CS_RUNTIME, "runtime" },
	};
	size_t n = 0;
	if (len)
		out[0] = 0;
	for (size_t i = 0; i < sizeof words / sizeof words[0]; i++) {
		if (!(flags & words[i].bit))
			continue;
		int k = snprintf(out + n, len - n, "%s%s", n ? "," : "", words[i].word);
		if (k < 0 || (size_t)k >= len - n)
			return;
		n += (size_t)k;
	}
}

int pi_codesign_argv(const char *tool, const pi_codesign_args *a, const char **argv, char *buf,
                     size_t buf_len)
{
	int n = 0;
	argv[n++] = tool;
	argv[n++] = "--force";
	argv[n++] = "--sign";
	argv[n++] = a->identity;
	argv[n++] = "--identifier";
	argv[n++] = a->identifier;
	char *words = buf, *version = buf + buf_len / 2;
	pi_codesign_option_words(a->flags, words, buf_len / 2);
	if (words[0]) {
		argv[n++] = "--options";
		argv[n++] = words;
	}
	if (a->runtime) {
		snprintf(version, buf_len / 2, "%u.%u.%u", a->runtime >> 16, (a->runtime >> 8) & 0xff,
		         a->runtime & 0xff);
		argv[n++] = "--runtime-version";
		argv[n++] = version;
	}
	if (a->entitlements) {
		argv[n++] = "--entitlements";
		argv[n++] = a->entitlements;
	}
	if (a->timestamp == 1)
		argv[n++] = "--timestamp";
	else if (a->timestamp == 0)
		argv[n++] = "--timestamp=none";
	if (a->keychain) {
		argv[n++] = "--keychain";
		argv[n++] = a->keychain;
	}
	argv[n++] = a->file;
	argv[n] = NULL;
	return n;
}

static int executable(const char *p)
{
	struct stat st;
	return stat(p, &st) == 0 && S_ISREG(st.st_mode) && access(p, X_OK) == 0;
}

/* Run argv, capturing standard output (if out) and standard error into
 * malloc'd strings.  Returns the wait status, or -1 when it could not start. */
static int spawn_capture(const char *const *argv, char **out, char **err)
{
	FILE *fo = tmpfile(), *fe = tmpfile();
	int status = -1;
	posix_spawn_file_actions_t fa;
	if (!fo || !fe)
		goto done;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, fileno(fo), 1);
	posix_spawn_file_actions_adddup2(&fa, fileno(fe), 2);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	pid_t pid;
	int rc = posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, environ);
	posix_spawn_file_actions_destroy(&fa);
	if (rc != 0) {
		errno = rc;
		goto done;
	}
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	FILE *fs[2] = { fo, fe };
	char **dst[2] = { out, err };
	for (int k = 0; k < 2; k++) {
		if (!dst[k])
			continue;
		long n = ftell(fs[k]);
		*dst[k] = calloc(1, n > 0 ? (size_t)n + 1 : 1);
		if (*dst[k] && n > 0) {
			rewind(fs[k]);
			size_t r = fread(*dst[k], 1, (size_t)n, fs[k]);
			(*dst[k])[r] = 0;
		}
	}
done:
	if (fo)
		fclose(fo);
	if (fe)
		fclose(fe);
	return status;
}

static void first_line(char *s)
{
	char *nl = s ? strchr(s, '\n') : NULL;
	if (nl)
		*nl = 0;
}

int pi_codesign_find(int use_xcrun, char *out, size_t len)
{
	if (use_xcrun && executable("/usr/bin/xcrun")) {
		const char *argv[] = { "/usr/bin/xcrun", "--find", "codesign", NULL };
		char *o = NULL;
		int st = spawn_capture(argv, &o, NULL);
		first_line(o);
		if (st == 0 && o && executable(o)) {
			snprintf(out, len, "%s", o);
			free(o);
			return 1;
		}
		free(o);
	}
	const char *path = getenv("PATH");
	if (!path)
		path = "/usr/bin:/bin";
	while (*path) {
		const char *colon = strchr(path, ':');
		size_t n = colon ? (size_t)(colon - path) : strlen(path);
		snprintf(out, len, "%.*s/codesign", (int)(n ? n : 1), n ? path : ".");
		if (executable(out))
			return 1;
		path += n + (colon ? 1 : 0);
	}
	return 0;
}

pi_status pi_codesign_run(const char *const *argv, pi_diag *d)
{
	char *err = NULL;
	int st = spawn_capture(argv, NULL, &err);
	pi_status r = PI_OK;
	if (st == -1) {
		r = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "cannot run %s: %s", argv[0], strerror(errno));
	} else if (WIFSIGNALED(st)) {
		r = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "%s was killed by signal %d", argv[0], WTERMSIG(st));
	} else if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		first_line(err);
		r = pi_fail(d, PI_E_EXTERNAL, PI_NO_OFFSET, "codesign failed (exit %d): %s",
		            WIFEXITED(st) ? WEXITSTATUS(st) : -1, err && *err ? err : "no message");
	}
	free(err);
	return r;
}
