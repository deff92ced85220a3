/*
 * lief-sections.c - TEST ORACLE ONLY, not part of the plistinject product.
 *
 * Lists the Mach-O sections of FILE as seen by an independent parser
 * (Debian's LIEF 0.9 C API), so tests can cross-check plistinject's own
 * parser.  For each slice (one for a thin file, one per arch for a fat file,
 * in LIEF's order) it prints one line per section, in LIEF's order:
 *
 *     SLICE_INDEX SEGNAME,SECTNAME 0xADDR 0xSIZE 0xOFFSET
 *
 * followed by "SLICE_INDEX sections N".  OFFSET is the raw section header
 * field, i.e. relative to the start of the slice, not of a fat file.
 *
 * Build: cc -std=c11 tests/lief-sections.c -lLIEF -o lief-sections
 * (libLIEF.so holds the C API and pulls in libstdc++ itself.)
 *
 * Exit: 0 on success, 1 on usage/I/O error, 2 (one line on stderr) if LIEF
 * fails.  LIEF 0.9's C API lets C++ exceptions escape (uncaught -> abort), so
 * stderr is diverted to a temp file while parsing and a SIGABRT/SIGSEGV/...
 * handler reports the exception's what() text and exits 2.
 *
 * Macho_Section_t has no segment name and Macho_Segment_t.sections is NULL in
 * 0.9, but LIEF lists sections segment by segment in load-command order, so
 * each segment claims the next numberof_sections entries (checked).
 * LIEF 0.9 also returns a file truncated inside its load commands as a
 * binary with no sections, so the number of load commands is checked too.
 *
 * LIEF 0.9 can be very slow (node x64: ~400 s, linear symbol lookups while
 * binding) or hang on corrupt relocation counts: run it under a timeout.
 */
#define _POSIX_C_SOURCE 200809L
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <LIEF/MachO.h>
#include <LIEF/logging.h>

static const char *path;
static int errfd = 2, logfd = -1;

static void put(const char *s) { (void)!write(errfd, s, strlen(s)); }

static void on_fatal(int sig)
{
    char buf[4096], *msg = NULL;
    ssize_t n = -1;

    if (logfd >= 0 && lseek(logfd, 0, SEEK_SET) == 0)
        n = read(logfd, buf, sizeof buf - 1);
    if (n > 0) {
        buf[n] = '\0';
        if ((msg = strstr(buf, "what():")) != NULL) {
            msg += 7;
            msg += strspn(msg, " ");
            msg[strcspn(msg, "\n")] = '\0';
        }
    }
    put("lief-sections: LIEF failed on ");
    put(path);
    put(": ");
    put(msg && *msg ? msg
        : sig == SIGABRT ? "abort (uncaught C++ exception?)"
        : sig == SIGSEGV ? "crashed with SIGSEGV"
        : sig == SIGBUS ? "crashed with SIGBUS" : "crashed with a fatal signal");
    put("\n");
    _exit(2);
}

static int fail(const char *what)
{
    fprintf(stderr, "lief-sections: LIEF failed on %s: %s\n", path, what);
    return 2;
}

int main(int argc, char **argv)
{
    static const int sigs[] = { SIGABRT, SIGSEGV, SIGBUS, SIGFPE, SIGILL };
    struct sigaction sa;
    Macho_Binary_t **bins;
    FILE *log;
    size_t i, s, n;

    if (argc != 2) {
        fprintf(stderr, "usage: %s MACHO-FILE\n", argv[0]);
        return 1;
    }
    path = argv[1];

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_fatal;
    sigemptyset(&sa.sa_mask);
    for (i = 0; i < sizeof sigs / sizeof sigs[0]; i++)
        sigaction(sigs[i], &sa, NULL);

    lief_logging_disable();
    fflush(stderr);
    if ((log = tmpfile()) == NULL || (errfd = dup(2)) < 0 ||
        dup2(logfd = fileno(log), 2) < 0) {
        perror("lief-sections: cannot divert stderr");
        return 1;
    }
    bins = macho_parse(path);
    dup2(errfd, 2);
    close(errfd);
    errfd = 2;

    if (bins == NULL || bins[0] == NULL)
        return fail("no Mach-O binaries returned");

    for (i = 0; bins[i] != NULL; i++) {
        /* LIEF 0.9 quietly stops at a truncated load command: catch that. */
        for (n = 0; bins[i]->commands[n] != NULL; n++)
            ;
        if (n != bins[i]->header.nb_cmds)
            return fail("LIEF parsed fewer load commands than ncmds");
        /* The per-segment counts must exactly cover the section list. */
        for (n = s = 0; bins[i]->segments[s] != NULL; s++)
            n += bins[i]->segments[s]->numberof_sections;
        for (s = 0; s < n && bins[i]->sections[s] != NULL; s++)
            ;
        if (s != n || bins[i]->sections[s] != NULL)
            return fail("segment nsects do not match LIEF's section list");
    }

    for (i = 0; bins[i] != NULL; i++) {
        Macho_Section_t **sec = bins[i]->sections;
        Macho_Segment_t **seg = bins[i]->segments;
        uint32_t j;

        for (n = s = 0; seg[s] != NULL; s++)
            for (j = 0; j < seg[s]->numberof_sections; j++, n++)
                printf("%zu %s,%s 0x%" PRIx64 " 0x%" PRIx64 " 0x%" PRIx64 "\n",
                       i, seg[s]->name, sec[n]->name, sec[n]->virtual_address,
                       sec[n]->size, sec[n]->offset);
        printf("%zu sections %zu\n", i, n);
    }
    macho_binaries_destroy(bins);

    if (fflush(stdout) != 0 || ferror(stdout)) {
        perror("lief-sections: stdout");
        return 1;
    }
    return 0;
}
