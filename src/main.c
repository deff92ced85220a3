/* main.c - options, usage, exit codes.  The only place that exits.
 *
 * Exit status (man/plistinject.1): 0 done (or --check: every slice ready);
 * 1 error (bad input, no room, signing failed, I/O); 2 usage (including
 * "give --bundle-id"); 3 --check ran and some slice is not ready.  With
 * several inputs the worst wins: 1 over 2 over 3 over 0.
 */
#include "config.h"

#include <getopt.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "job.h"
#include "macho.h"

static const char usage_text[] =
	"Usage: plistinject [options] INPUT -o OUTPUT\n"
	"       plistinject [options] --in-place INPUT...\n"
	"       plistinject --check [--json] [--arch ARCH] INPUT...\n"
	"       plistinject --print-plist [--arch ARCH] INPUT\n"
	"       plistinject --emit-plist [plist options] [INPUT]\n"
	"\n"
	"Adds a __TEXT,__info_plist section (CFBundleIdentifier, NSLocalNetworkUsageDescription)\n"
	"to a Mach-O executable and re-signs it so the signature binds the plist.\n"
	"\n"
	"Output:\n"
	"  -o, --output FILE            write the result to FILE (never the input itself)\n"
	"      --in-place               replace each INPUT (through a new file renamed over it)\n"
	"  -n, --dry-run                print the plan for each slice and write nothing\n"
	"      --check                  report whether each slice has a bound Info.plist (exit 3 if not)\n"
	"      --print-plist            print the embedded Info.plist of INPUT\n"
	"      --emit-plist             print the plist that would be embedded (for -sectcreate);\n"
	"                               without INPUT, --bundle-id and --name are required\n"
	"      --json                   one JSON document on stdout (--check, --dry-run, normal runs)\n"
	"      --arch ARCH              only these slices (repeatable)\n"
	"\n"
	"Plist content:\n"
	"  -b, --bundle-id ID           CFBundleIdentifier (default: the embedded plist's, else a\n"
	"                               reverse-DNS signing identifier)\n"
	"      --name NAME              CFBundleName (default: the input file's base name)\n"
	"      --local-network-usage TEXT  NSLocalNetworkUsageDescription\n"
	"      --bonjour-service TYPE   add TYPE to NSBonjourServices (repeatable)\n"
	"      --bundle-version V       CFBundleVersion and CFBundleShortVersionString\n"
	"      --set KEY=VALUE          set a string key (repeatable)\n"
	"      --plist FILE             merge an XML or binary plist\n"
	"      --template NAME|FILE     template (default: local-network; also: minimal, bonjour-example)\n"
	"      --replace                drop the existing embedded plist's keys\n"
	"      --make-room              when the header padding is short, remove load commands nothing\n"
	"                               reads at run time (an empty LC_DATA_IN_CODE, LC_SOURCE_VERSION,\n"
	"                               LC_BUILD_VERSION's tool entries), only as many as needed\n"
	"\n"
	"Signing:\n"
	"      --signer auto|codesign|internal|none  auto (default): Apple's codesign on macOS,\n"
	"                               the built-in ad-hoc signer elsewhere; none: remove the signature\n"
	"  -s, --sign IDENTITY          codesign identity (default: -, ad hoc)\n"
	"      --identifier ID          signing identifier (default: the bundle ID)\n"
	"      --entitlements FILE      entitlements for codesign (default: the existing ones)\n"
	"      --timestamp, --no-timestamp  ask codesign for a secure timestamp, or for none\n"
	"      --keychain FILE          keychain codesign searches for IDENTITY\n"
	"      --p12 FILE               sign with the certificate and key in this PKCS#12 file\n"
	"                               (built-in signer; password from --p12-password-file or\n"
	"                               PLISTINJECT_P12_PASSWORD, never on the command line)\n"
	"      --p12-password-file FILE  the PKCS#12 password is this file's first line\n"
	"      --key FILE, --cert FILE  sign with this PEM private key and PEM certificate\n"
	"      --cert-chain FILE        PEM intermediate certificates (and root) for --cert\n"
	"      --timestamp-url URL      RFC 3161 timestamp over a certificate signature (http://)\n"
	"      --force                  re-sign a file that is already ready (by default it is left\n"
	"                               alone when its plist already holds what the run would write)\n"
	"\n"
	"Other:\n"
	"  -j, --jobs N                 hashing threads (default: the number of cores)\n"
	"  -q, --quiet                  no notes or warnings\n"
	"  -v, --verbose                also print the plan of each slice after writing\n"
	"  -V, --version                print the version\n"
	"  -h, --help                   this help\n"
	"\n"
	"Exit status: 0 done or ready, 1 error, 2 usage, 3 --check found a slice not ready.\n";

enum {
	OPT_IN_PLACE = 256, OPT_NAME, OPT_USAGE, OPT_BONJOUR, OPT_BVERSION, OPT_SET, OPT_PLIST,
	OPT_TEMPLATE, OPT_REPLACE, OPT_SIGNER, OPT_CHECK, OPT_PRINT_PLIST, OPT_EMIT_PLIST, OPT_JSON,
	OPT_ARCH, OPT_IDENTIFIER, OPT_ENTITLEMENTS, OPT_TIMESTAMP, OPT_NO_TIMESTAMP, OPT_KEYCHAIN,
	OPT_MAKE_ROOM, OPT_FORCE, OPT_P12, OPT_P12_PASSWORD_FILE, OPT_KEY, OPT_CERT, OPT_CERT_CHAIN,
	OPT_TIMESTAMP_URL,
};

static const struct option long_opts[] = {
	{ "output", required_argument, NULL, 'o' },
	{ "in-place", no_argument, NULL, OPT_IN_PLACE },
	{ "bundle-id", required_argument, NULL, 'b' },
	{ "name", required_argument, NULL, OPT_NAME },
	{ "local-network-usage", required_argument, NULL, OPT_USAGE },
	{ "bonjour-service", required_argument, NULL, OPT_BONJOUR },
	{ "bundle-version", required_argument, NULL, OPT_BVERSION },
	{ "set", required_argument, NULL, OPT_SET },
	{ "plist", required_argument, NULL, OPT_PLIST },
	{ "template", required_argument, NULL, OPT_TEMPLATE },
	{ "replace", no_argument, NULL, OPT_REPLACE },
	{ "make-room", no_argument, NULL, OPT_MAKE_ROOM },
	{ "force", no_argument, NULL, OPT_FORCE },
	{ "signer", required_argument, NULL, OPT_SIGNER },
	{ "dry-run", no_argument, NULL, 'n' },
	{ "check", no_argument, NULL, OPT_CHECK },
	{ "print-plist", no_argument, NULL, OPT_PRINT_PLIST },
	{ "emit-plist", no_argument, NULL, OPT_EMIT_PLIST },
	{ "json", no_argument, NULL, OPT_JSON },
	{ "arch", required_argument, NULL, OPT_ARCH },
	{ "sign", required_argument, NULL, 's' },
	{ "identifier", required_argument, NULL, OPT_IDENTIFIER },
	{ "entitlements", required_argument, NULL, OPT_ENTITLEMENTS },
	{ "timestamp", no_argument, NULL, OPT_TIMESTAMP },
	{ "no-timestamp", no_argument, NULL, OPT_NO_TIMESTAMP },
	{ "keychain", required_argument, NULL, OPT_KEYCHAIN },
	{ "p12", required_argument, NULL, OPT_P12 },
	{ "p12-password-file", required_argument, NULL, OPT_P12_PASSWORD_FILE },
	{ "key", required_argument, NULL, OPT_KEY },
	{ "cert", required_argument, NULL, OPT_CERT },
	{ "cert-chain", required_argument, NULL, OPT_CERT_CHAIN },
	{ "timestamp-url", required_argument, NULL, OPT_TIMESTAMP_URL },
	{ "jobs", required_argument, NULL, 'j' },
	{ "quiet", no_argument, NULL, 'q' },
	{ "verbose", no_argument, NULL, 'v' },
	{ "version", no_argument, NULL, 'V' },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 },
};

#define SHORT_OPTS "o:b:s:nj:qvVh"

static int usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int usage_error(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	fputs("plistinject: ", stderr);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nhint: plistinject --help lists the options\n", stderr);
	return 2;
}

/* The option getopt_long stopped at, as the user wrote it, for a message:
 * "--name" from "--name" or "--name=x" (arg, the argv element), "-o" from a
 * short option (opt, getopt's optopt) even inside "-qo".  Bytes that are not
 * printable ASCII become '?', so the message stays one line.  Returns buf. */
static const char *option_name(const char *arg, int opt, char *buf, size_t len)
{
	size_t n = 0;
	if (!strncmp(arg, "--", 2)) {
		for (; arg[n] && arg[n] != '=' && n + 1 < len; n++)
			buf[n] = arg[n] >= 0x20 && arg[n] < 0x7f ? arg[n] : '?';
	} else if (len >= 3) {
		buf[n++] = '-';
		buf[n++] = opt >= 0x20 && opt < 0x7f ? (char)opt : '?';
	}
	buf[n] = 0;
	return buf;
}

static int out_of_memory(void)
{
	fputs("plistinject: out of memory\n", stderr);
	return 1;
}

static int push(const char ***arr, size_t *n, const char *v)
{
	const char **a = realloc(*arr, (*n + 1) * sizeof *a);
	if (!a)
		return 0;
	a[(*n)++] = v;
	*arr = a;
	return 1;
}

int main(int argc, char **argv)
{
	pi_opts o;
	pi_opts_init(&o);
	/* a file-size limit must become an EFBIG error we can clean up after */
	signal(SIGXFSZ, SIG_IGN);

	int c;
	char name[64];
	opterr = 0; /* our own one-line messages; ':' first: a missing value is ':' */
	while ((c = getopt_long(argc, argv, ":" SHORT_OPTS, long_opts, NULL)) != -1) {
		switch (c) {
		case 'o': o.output = optarg; break;
		case OPT_IN_PLACE: o.in_place = 1; break;
		case 'b': o.bundle_id = optarg; break;
		case OPT_NAME: o.name = optarg; break;
		case OPT_USAGE: o.usage = optarg; break;
		case OPT_BONJOUR:
			if (!push(&o.bonjour, &o.nbonjour, optarg))
				return out_of_memory();
			break;
		case OPT_BVERSION: o.bundle_version = optarg; break;
		case OPT_SET:
			if (!push(&o.set, &o.nset, optarg))
				return out_of_memory();
			break;
		case OPT_PLIST: o.plist_file = optarg; break;
		case OPT_TEMPLATE:
			o.template_name = optarg;
			o.template_given = 1;
			break;
		case OPT_REPLACE: o.replace = 1; break;
		case OPT_MAKE_ROOM: o.make_room = 1; break;
		case OPT_FORCE: o.force = 1; break;
		case OPT_SIGNER:
			o.signer_given = 1;
			if (!strcmp(optarg, "auto"))
				o.signer = PI_SIGNER_AUTO;
			else if (!strcmp(optarg, "internal"))
				o.signer = PI_SIGNER_INTERNAL;
			else if (!strcmp(optarg, "none"))
				o.signer = PI_SIGNER_NONE;
			else if (!strcmp(optarg, "codesign"))
				o.signer = PI_SIGNER_CODESIGN;
			else
				return usage_error("--signer %s: expected auto, codesign, internal or none", optarg);
			break;
		case 's': o.sign_identity = optarg; break;
		case OPT_IDENTIFIER:
			if (!*optarg)
				return usage_error("%s", "--identifier: empty");
			o.identifier = optarg;
			break;
		case OPT_ENTITLEMENTS: o.entitlements = optarg; break;
		case OPT_TIMESTAMP: o.timestamp = 1; break;
		case OPT_NO_TIMESTAMP: o.timestamp = 0; break;
		case OPT_KEYCHAIN: o.keychain = optarg; break;
		case OPT_P12: o.p12 = optarg; break;
		case OPT_P12_PASSWORD_FILE: o.p12_password_file = optarg; break;
		case OPT_KEY: o.key = optarg; break;
		case OPT_CERT: o.cert = optarg; break;
		case OPT_CERT_CHAIN: o.cert_chain = optarg; break;
		case OPT_TIMESTAMP_URL: o.timestamp_url = optarg; break;
		case 'n': o.dry_run = 1; break;
		case OPT_CHECK: o.check = 1; break;
		case OPT_PRINT_PLIST: o.print_plist = 1; break;
		case OPT_EMIT_PLIST: o.emit_plist = 1; break;
		case OPT_JSON: o.json = 1; break;
		case OPT_ARCH:
			if (!pi_arch_known(optarg)) {
				char list[160], shown[64];
				size_t k = 0;
				for (; optarg[k] && k + 1 < sizeof shown; k++) /* one line, whatever it holds */
					shown[k] = optarg[k] >= 0x20 && optarg[k] < 0x7f ? optarg[k] : '?';
				shown[k] = 0;
				return usage_error("--arch %s: unknown architecture; known: %s", shown,
				                   pi_arch_list(list, sizeof list));
			}
			if (!push(&o.archs, &o.narchs, optarg))
				return out_of_memory();
			break;
		case 'j': {
			char *end;
			long v = strtol(optarg, &end, 10);
			if (*end || v < 1 || v > 64)
				return usage_error("--jobs %s: expected a number from 1 to 64", optarg);
			o.threads = (unsigned)v;
			break;
		}
		case 'q': o.quiet = 1; break;
		case 'v': o.verbose = 1; break;
		case 'V': printf("plistinject %s\n", PACKAGE_VERSION); return 0;
		case 'h': fputs(usage_text, stdout); return 0;
		case ':':
			return usage_error("%s needs a value", option_name(argv[optind - 1], optopt, name, sizeof name));
		default:
			/* optopt is 0 for an unknown long option and a long option's value
			 * (a short letter, or OPT_* >= 0x100) for one given a value it does
			 * not take; any other optopt is an unknown short option, which may
			 * sit inside a group ("-Zq") whose argv element is not yet behind
			 * optind, so name it from optopt alone */
			if (optopt && optopt < 0x100 && (optopt == ':' || !strchr(SHORT_OPTS, optopt)))
				return usage_error("unknown option %s", option_name("", optopt, name, sizeof name));
			option_name(argv[optind - 1], optopt, name, sizeof name);
			if (optopt && !strncmp(argv[optind - 1], "--", 2) && strchr(argv[optind - 1], '='))
				return usage_error("%s takes no value", name);
			return usage_error("unknown option %s", name);
		}
	}
	const char *const *inputs = (const char *const *)argv + optind;
	size_t n = (size_t)(argc - optind);
	int modes = o.check + o.print_plist + o.emit_plist + (o.dry_run && (o.check || o.print_plist || o.emit_plist));
	if (modes > 1)
		return usage_error("%s", "--check, --print-plist, --emit-plist and --dry-run exclude each other");
	if (o.emit_plist) {
		if (n > 1)
			return usage_error("%s", "--emit-plist takes at most one INPUT");
	} else if (n == 0) {
		return usage_error("%s", "no INPUT given");
	}
	if ((o.check || o.print_plist) && (o.output || o.in_place))
		return usage_error("%s", "--check and --print-plist write nothing: -o and --in-place do not apply");
	if (o.print_plist && o.json)
		return usage_error("%s", "--print-plist prints the plist itself; --json does not apply");
	if (o.print_plist && n != 1)
		return usage_error("%s", "--print-plist takes one INPUT");
	if (o.in_place && o.output)
		return usage_error("%s", "-o and --in-place exclude each other");
	if (!o.check && !o.print_plist && !o.emit_plist && !o.dry_run) {
		if (!o.in_place && !o.output)
			return usage_error("%s", "give -o OUTPUT, or --in-place");
		if (o.output && n != 1)
			return usage_error("%s", "-o takes one INPUT; use --in-place for several");
	}
	int r = pi_job_run(&o, inputs, n);
	free(o.bonjour);
	free(o.set);
	free(o.archs);
	return r;
}
