/* test_plist.c - Info.plist building, merging and inspection
 * (src/plist_build.c), with the real templates from
 * $PLISTINJECT_TEMPLATE_DIR.  libplist is used here only to read results
 * back and to make a binary plist. */
#define _POSIX_C_SOURCE 200809L /* mkstemp */

#include "../../src/plist_build.h"

#include <plist/plist.h>
#include <stdlib.h>
#include <unistd.h>

#include "unit.h"

#define DEFAULT_USAGE_TAIL \
	" connects to devices and servers on your local network when a command you run needs them."

static char tmpl_local[1024], tmpl_minimal[1024];
static char tmpfiles[8][1024];
static int ntmpfiles;

static int find_templates(void)
{
	const char *dir = getenv("PLISTINJECT_TEMPLATE_DIR");
#ifdef PI_SRC_TEMPLATE_DIR
	if (!dir || !*dir)
		dir = PI_SRC_TEMPLATE_DIR;
#endif
	if (!dir || !*dir) {
		fprintf(stderr, "PLISTINJECT_TEMPLATE_DIR is not set\n");
		return 0;
	}
	snprintf(tmpl_local, sizeof tmpl_local, "%s/local-network.plist", dir);
	snprintf(tmpl_minimal, sizeof tmpl_minimal, "%s/minimal.plist", dir);
	if (access(tmpl_local, R_OK) != 0 || access(tmpl_minimal, R_OK) != 0) {
		fprintf(stderr, "templates not found in %s\n", dir);
		return 0;
	}
	return 1;
}

/* A temporary file holding text; removed at the end. */
static const char *temp_file(const char *text, size_t len)
{
	if (ntmpfiles >= 8)
		return NULL;
	const char *tmp = getenv("TMPDIR");
	char *path = tmpfiles[ntmpfiles];
	snprintf(path, sizeof tmpfiles[0], "%s/pi-test-plist-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	int fd = mkstemp(path);
	if (fd < 0)
		return NULL;
	ssize_t w = write(fd, text, len);
	close(fd);
	if (w != (ssize_t)len)
		return NULL;
	ntmpfiles++;
	return path;
}

/* 1 when n bytes of needle occur in hay[0, len). */
static int has_bytes(const char *hay, size_t len, const char *needle, size_t n)
{
	for (size_t i = 0; hay && i + n <= len; i++)
		if (memcmp(hay + i, needle, n) == 0)
			return 1;
	return 0;
}

static void base_opts(pi_plist_opts *o)
{
	memset(o, 0, sizeof *o);
	o->default_name = "tool";
	o->executable = "tool";
	o->template_file = tmpl_local;
}

typedef struct result {
	pi_status st;
	char *xml;
	size_t len;
	pi_diag d;
	plist_t root;
} result;

static void build(result *r, const pi_plist_opts *o, const uint8_t *const *ex, const size_t *exlen,
                  size_t nex, const char *def_id, const char *rejected)
{
	memset(r, 0, sizeof *r);
	pi_diag_init(&r->d, "t", NULL);
	r->st = pi_plist_build(o, ex, exlen, nex, def_id, rejected, &r->xml, &r->len, &r->d);
	if (r->st == PI_OK) {
		plist_from_memory(r->xml, (uint32_t)r->len, &r->root);
		if (!r->root)
			fprintf(stderr, "output does not parse: %.*s\n", (int)r->len, r->xml);
	}
}

static void result_free(result *r)
{
	free(r->xml);
	if (r->root)
		plist_free(r->root);
	memset(r, 0, sizeof *r);
}

/* The string value of key, or "" (static buffer). */
static const char *sval(const result *r, const char *key)
{
	static char buf[1024];
	buf[0] = 0;
	plist_t v = r->root ? plist_dict_get_item(r->root, key) : NULL;
	if (v && plist_get_node_type(v) == PLIST_STRING) {
		char *s = NULL;
		plist_get_string_val(v, &s);
		snprintf(buf, sizeof buf, "%s", s ? s : "");
		free(s);
	}
	return buf;
}

static int has_key(const result *r, const char *key)
{
	return r->root && plist_dict_get_item(r->root, key) != NULL;
}

/* The keys of the output in order, comma-separated. */
static const char *key_list(const result *r)
{
	static char buf[2048];
	buf[0] = 0;
	if (!r->root || plist_get_node_type(r->root) != PLIST_DICT)
		return "(no dict)";
	plist_dict_iter it = NULL;
	plist_dict_new_iter(r->root, &it);
	for (;;) {
		char *k = NULL;
		plist_t v = NULL;
		plist_dict_next_item(r->root, it, &k, &v);
		if (!k)
			break;
		size_t n = strlen(buf);
		snprintf(buf + n, sizeof buf - n, "%s%s", n ? "," : "", k);
		free(k);
	}
	free(it);
	return buf;
}

/* Common checks on every successful output. */
static void check_form(const result *r)
{
	CHECK(r->len > 40);
	CHECK(r->xml && memcmp(r->xml, "<?xml", 5) == 0); /* no BOM, XML */
	CHECK(r->xml && memchr(r->xml, 0, r->len) == NULL); /* no NUL, trailing or other */
	CHECK(r->xml && r->xml[r->len - 1] == '\n');
	CHECK(r->root && plist_get_node_type(r->root) == PLIST_DICT);
}

static void test_defaults(void)
{
	pi_plist_opts o;
	result r;
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		check_form(&r);
		CHECK_STR(key_list(&r), "CFBundleIdentifier,CFBundleName,CFBundleExecutable,"
		                        "CFBundlePackageType,NSLocalNetworkUsageDescription");
		CHECK_STR(sval(&r, "CFBundleIdentifier"), "com.example.tool");
		CHECK_STR(sval(&r, "CFBundleName"), "tool");
		CHECK_STR(sval(&r, "CFBundleExecutable"), "tool");
		CHECK_STR(sval(&r, "CFBundlePackageType"), "APPL");
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "tool" DEFAULT_USAGE_TAIL);
		CHECK_EQ_U64(r.d.warnings, 0);
		pi_plist_info info;
		CHECK_EQ_U64(pi_plist_inspect((const uint8_t *)r.xml, r.len, &info), PI_OK);
		CHECK_EQ_U64(info.is_dict, 1);
		CHECK_EQ_U64(info.has_bundle_id, 1);
		CHECK_STR(info.bundle_id, "com.example.tool");
		CHECK_EQ_U64(info.has_usage, 1);
		CHECK_EQ_U64(info.nkeys, 5);
		CHECK_EQ_U64(info.background_only, 0);
	}
	result_free(&r);

	/* --name: CFBundleName and the usage text; CFBundleExecutable stays */
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	o.name = "My Caf\xc3\xa9";
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK_STR(sval(&r, "CFBundleName"), "My Caf\xc3\xa9");
		CHECK_STR(sval(&r, "CFBundleExecutable"), "tool");
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "My Caf\xc3\xa9" DEFAULT_USAGE_TAIL);
		CHECK(has_bytes(r.xml, r.len, "Caf\xc3\xa9", 5)); /* UTF-8 as is */
	}
	result_free(&r);

	/* the identity default the caller derived */
	base_opts(&o);
	build(&r, &o, NULL, NULL, 0, "com.anthropic.claude-code", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK))
		CHECK_STR(sval(&r, "CFBundleIdentifier"), "com.anthropic.claude-code");
	result_free(&r);

	/* minimal: built-in keys only */
	base_opts(&o);
	o.template_file = tmpl_minimal;
	o.bundle_id = "com.example.tool";
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		check_form(&r);
		CHECK_STR(key_list(&r),
		          "CFBundleIdentifier,CFBundleName,CFBundleExecutable,CFBundlePackageType");
		pi_plist_info info;
		CHECK_EQ_U64(pi_plist_inspect((const uint8_t *)r.xml, r.len, &info), PI_OK);
		CHECK_EQ_U64(info.has_usage, 0);
		CHECK_EQ_U64(info.nkeys, 4);
	}
	result_free(&r);

	/* the other named options */
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	o.usage = "Line one\n\tline two";
	const char *bonjour[2] = { "_ssh._tcp", "_http._tcp" };
	o.bonjour = bonjour;
	o.nbonjour = 2;
	o.bundle_version = "1.2.3";
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "Line one\n\tline two");
		CHECK_STR(sval(&r, "CFBundleVersion"), "1.2.3");
		CHECK_STR(sval(&r, "CFBundleShortVersionString"), "1.2.3");
		plist_t a = plist_dict_get_item(r.root, "NSBonjourServices");
		CHECK(a && plist_get_node_type(a) == PLIST_ARRAY && plist_array_get_size(a) == 2);
		/* keys outside the template come last, sorted */
		CHECK_STR(key_list(&r), "CFBundleIdentifier,CFBundleName,CFBundleExecutable,"
		                        "CFBundlePackageType,NSLocalNetworkUsageDescription,"
		                        "CFBundleShortVersionString,CFBundleVersion,NSBonjourServices");
	}
	result_free(&r);
}

static const char existing_xml[] =
	"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	"<plist version=\"1.0\"><dict>\n"
	"<key>CFBundleIdentifier</key><string>com.old.id</string>\n"
	"<key>NSLocalNetworkUsageDescription</key><string>Old text</string>\n"
	"<key>Zeta</key><string>z</string>\n"
	"<key>CFBundleName</key><string>OldName</string>\n"
	"</dict></plist>\n";

static void test_merge(void)
{
	pi_plist_opts o;
	result r;
	const uint8_t *ex[1] = { (const uint8_t *)existing_xml };
	size_t exlen[1] = { sizeof existing_xml - 1 };

	/* the existing plist beats the template and the defaults, and its key
	 * order comes first */
	base_opts(&o);
	build(&r, &o, ex, exlen, 1, "com.old.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		check_form(&r);
		CHECK_STR(key_list(&r), "CFBundleIdentifier,NSLocalNetworkUsageDescription,Zeta,CFBundleName,"
		                        "CFBundleExecutable,CFBundlePackageType");
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "Old text");
		CHECK_STR(sval(&r, "CFBundleName"), "OldName");
		CHECK_STR(sval(&r, "Zeta"), "z");
		CHECK_STR(sval(&r, "CFBundleIdentifier"), "com.old.id");
		CHECK_STR(sval(&r, "CFBundlePackageType"), "APPL");
	}
	result_free(&r);

	/* --set beats the existing plist; --bundle-id and
	 * --local-network-usage beat --set; new keys sorted at the end */
	base_opts(&o);
	const char *set[5] = { "NSLocalNetworkUsageDescription=Set text", "Zeta=zz", "Beta=b",
	                       "Alpha=a", "CFBundleIdentifier=com.set.id" };
	o.set = set;
	o.nset = 5;
	build(&r, &o, ex, exlen, 1, "com.old.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "Set text");
		CHECK_STR(sval(&r, "Zeta"), "zz");
		CHECK_STR(sval(&r, "CFBundleIdentifier"), "com.set.id");
		CHECK_STR(key_list(&r), "CFBundleIdentifier,NSLocalNetworkUsageDescription,Zeta,CFBundleName,"
		                        "CFBundleExecutable,CFBundlePackageType,Alpha,Beta");
	}
	result_free(&r);
	o.bundle_id = "com.opt.id";
	o.usage = "Option text";
	o.name = "Named";
	build(&r, &o, ex, exlen, 1, "com.old.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK_STR(sval(&r, "CFBundleIdentifier"), "com.opt.id");
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "Option text");
		CHECK_STR(sval(&r, "CFBundleName"), "Named");
	}
	result_free(&r);

	/* --plist sits between the existing plist and --set */
	static const char file_xml[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
		"<key>NSLocalNetworkUsageDescription</key><string>From file</string>"
		"<key>Zeta</key><string>file zeta</string>"
		"<key>Extra</key><string>e</string></dict></plist>\n";
	const char *path = temp_file(file_xml, sizeof file_xml - 1);
	CHECK(path != NULL);
	base_opts(&o);
	o.plist_file = path;
	const char *set1[1] = { "Zeta=set zeta" };
	o.set = set1;
	o.nset = 1;
	build(&r, &o, ex, exlen, 1, "com.old.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "From file");
		CHECK_STR(sval(&r, "Zeta"), "set zeta");
		CHECK_STR(sval(&r, "Extra"), "e");
		CHECK_STR(key_list(&r), "CFBundleIdentifier,NSLocalNetworkUsageDescription,Zeta,CFBundleName,"
		                        "CFBundleExecutable,CFBundlePackageType,Extra");
	}
	result_free(&r);
	/* a --plist that is not a plist, and one that does not exist */
	const char *junk = temp_file("not a plist", 11);
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	o.plist_file = junk;
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64(r.st, PI_E_BAD_PLIST);
	CHECK_CONTAINS(r.d.msg, "is not a plist dictionary");
	CHECK_CONTAINS(r.d.msg, "--plist");
	result_free(&r);
	o.plist_file = "/nonexistent/dir/x.plist";
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64(r.st, PI_E_IO);
	CHECK_CONTAINS(r.d.msg, "/nonexistent/dir/x.plist");
	result_free(&r);

	/* --replace drops the existing keys (the caller still passes the old
	 * identifier as the default) */
	base_opts(&o);
	o.replace = 1;
	build(&r, &o, ex, exlen, 1, "com.old.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK_STR(key_list(&r), "CFBundleIdentifier,CFBundleName,CFBundleExecutable,"
		                        "CFBundlePackageType,NSLocalNetworkUsageDescription");
		CHECK(!has_key(&r, "Zeta"));
		CHECK_STR(sval(&r, "CFBundleIdentifier"), "com.old.id");
		CHECK_STR(sval(&r, "CFBundleName"), "tool");
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "tool" DEFAULT_USAGE_TAIL);
	}
	result_free(&r);

	/* several slices' plists merge in slice order; a slice without one is skipped */
	static const char s1[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
	                         "<key>A</key><string>1</string>"
	                         "<key>CFBundleIdentifier</key><string>com.multi.id</string>"
	                         "</dict></plist>";
	static const char s3[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
	                         "<key>B</key><string>2</string><key>A</key><string>3</string>"
	                         "</dict></plist>";
	const uint8_t *ex3[3] = { (const uint8_t *)s1, NULL, (const uint8_t *)s3 };
	size_t exlen3[3] = { sizeof s1 - 1, 0, sizeof s3 - 1 };
	base_opts(&o);
	build(&r, &o, ex3, exlen3, 3, "com.multi.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK_STR(key_list(&r), "A,CFBundleIdentifier,B,CFBundleName,CFBundleExecutable,"
		                        "CFBundlePackageType,NSLocalNetworkUsageDescription");
		CHECK_STR(sval(&r, "A"), "3");
		CHECK_STR(sval(&r, "B"), "2");
	}
	result_free(&r);

	/* an existing __info_plist that is not a plist: an error unless --replace */
	static const char bad[] = "\x01\x02garbage";
	const uint8_t *exb[1] = { (const uint8_t *)bad };
	size_t exblen[1] = { sizeof bad - 1 };
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	build(&r, &o, exb, exblen, 1, NULL, NULL);
	CHECK_EQ_U64(r.st, PI_E_BAD_PLIST);
	CHECK_STR(r.d.msg, "the existing __info_plist is not a plist dictionary");
	CHECK_CONTAINS(r.d.hint, "--replace");
	result_free(&r);
	static const char arr[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><array/></plist>";
	const uint8_t *exa[1] = { (const uint8_t *)arr };
	size_t exalen[1] = { sizeof arr - 1 };
	build(&r, &o, exa, exalen, 1, NULL, NULL);
	CHECK_EQ_U64(r.st, PI_E_BAD_PLIST);
	result_free(&r);
	o.replace = 1;
	build(&r, &o, exb, exblen, 1, NULL, NULL);
	CHECK_EQ_U64(r.st, PI_OK);
	result_free(&r);
}

static void test_background_only(void)
{
	static const char ex_xml[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
	                             "<key>CFBundleIdentifier</key><string>com.bg.id</string>"
	                             "<key>LSBackgroundOnly</key><true/>"
	                             "<key>LSUIElement</key><true/>"
	                             "</dict></plist>";
	const uint8_t *ex[1] = { (const uint8_t *)ex_xml };
	size_t exlen[1] = { sizeof ex_xml - 1 };
	pi_plist_opts o;
	result r;
	base_opts(&o);
	build(&r, &o, ex, exlen, 1, "com.bg.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK(!has_key(&r, "LSBackgroundOnly"));
		CHECK(has_key(&r, "LSUIElement"));
		CHECK_EQ_U64(r.d.warnings, 1);
		CHECK(!has_bytes(r.xml, r.len, "LSBackgroundOnly", 16));
	}
	result_free(&r);
	/* from --set too */
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	const char *set[1] = { "LSBackgroundOnly=YES" };
	o.set = set;
	o.nset = 1;
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK(!has_key(&r, "LSBackgroundOnly"));
		CHECK_EQ_U64(r.d.warnings, 1);
	}
	result_free(&r);
}

static void test_usage_errors(void)
{
	pi_plist_opts o;
	result r;
	static const char *bad_ids[] = { "com.example/tool", "com_example", "com.ex ample",
	                                 "com.ex\xc3\xa4mple", "" };
	for (size_t i = 0; i < sizeof bad_ids / sizeof *bad_ids; i++) {
		base_opts(&o);
		o.bundle_id = bad_ids[i];
		build(&r, &o, NULL, NULL, 0, NULL, NULL);
		CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_USAGE);
		char want[128];
		snprintf(want, sizeof want, "--bundle-id '%s' is not a valid bundle ID", bad_ids[i]);
		CHECK_CONTAINS(r.d.msg, want);
		CHECK(r.xml == NULL);
		result_free(&r);
	}
	/* an invalid identifier from --set or from the existing plist */
	base_opts(&o);
	const char *set[1] = { "CFBundleIdentifier=bad id" };
	o.set = set;
	o.nset = 1;
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_USAGE);
	CHECK_CONTAINS(r.d.msg, "CFBundleIdentifier 'bad id' from --set is not a valid bundle ID");
	result_free(&r);
	static const char ex_xml[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
	                             "<key>CFBundleIdentifier</key><string>my app</string>"
	                             "</dict></plist>";
	const uint8_t *ex[1] = { (const uint8_t *)ex_xml };
	size_t exlen[1] = { sizeof ex_xml - 1 };
	base_opts(&o);
	build(&r, &o, ex, exlen, 1, NULL, NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_USAGE);
	CHECK_CONTAINS(r.d.msg, "'my app' from the existing plist");
	result_free(&r);

	/* control characters, per option */
	struct {
		const char *name, *usage, *version, *set, *bonjour, *opt;
	} cc[] = {
		{ "a\x01" "b", NULL, NULL, NULL, NULL, "--name" },
		{ NULL, "red \x1b[31m", NULL, NULL, NULL, "--local-network-usage" },
		{ NULL, NULL, "1.0\x7f", NULL, NULL, "--bundle-version" },
		{ NULL, NULL, NULL, "Key=v\x02", NULL, "--set" },
		{ NULL, NULL, NULL, NULL, "_x\x0b._tcp", "--bonjour-service" },
	};
	for (size_t i = 0; i < sizeof cc / sizeof *cc; i++) {
		base_opts(&o);
		o.bundle_id = "com.example.tool";
		o.name = cc[i].name;
		o.usage = cc[i].usage;
		o.bundle_version = cc[i].version;
		if (cc[i].set) {
			o.set = &cc[i].set;
			o.nset = 1;
		}
		if (cc[i].bonjour) {
			o.bonjour = &cc[i].bonjour;
			o.nbonjour = 1;
		}
		build(&r, &o, NULL, NULL, 0, NULL, NULL);
		CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_USAGE);
		char want[128];
		snprintf(want, sizeof want, "%s: the text has a control character", cc[i].opt);
		CHECK_CONTAINS(r.d.msg, want);
		result_free(&r);
	}
	/* --set without KEY= */
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	const char *noeq[1] = { "novalue" };
	o.set = noeq;
	o.nset = 1;
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_USAGE);
	CHECK_STR(r.d.msg, "--set 'novalue': expected KEY=VALUE");
	result_free(&r);
	const char *nokey[1] = { "=v" };
	o.set = nokey;
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_USAGE);
	result_free(&r);
	/* an empty value is a value */
	const char *empty[1] = { "Key=" };
	o.set = empty;
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		CHECK(has_key(&r, "Key"));
		CHECK_STR(sval(&r, "Key"), "");
	}
	result_free(&r);

	CHECK(pi_valid_bundle_id("com.example.tool-2"));
	CHECK(pi_valid_bundle_id("A.B.c9"));
	CHECK(!pi_valid_bundle_id(NULL));
	CHECK(!pi_valid_bundle_id(""));
	CHECK(!pi_valid_bundle_id("com.example_tool"));
	CHECK(!pi_valid_bundle_id("com.example.tool\n"));
	CHECK(pi_has_control_chars("a\x01"));
	CHECK(pi_has_control_chars("\x7f"));
	CHECK(pi_has_control_chars("\x1f"));
	CHECK(!pi_has_control_chars("tab\tnewline\ncr\r"));
	CHECK(!pi_has_control_chars("caf\xc3\xa9"));
	CHECK(!pi_has_control_chars(NULL));
}

static void test_need_bundle_id(void)
{
	pi_plist_opts o;
	result r;
	base_opts(&o);
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_NEED_BUNDLE_ID);
	CHECK_EQ_U64((uint64_t)(int64_t)r.d.code, (uint64_t)(int64_t)PI_E_NEED_BUNDLE_ID);
	CHECK_STR(r.d.msg, "no bundle ID: the file has no embedded Info.plist and no usable signing "
	                   "identifier; give --bundle-id");
	CHECK_STR(r.d.hint, "for example --bundle-id com.example.tool");
	CHECK(r.xml == NULL);
	result_free(&r);
	build(&r, &o, NULL, NULL, 0, NULL, "a.out");
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_NEED_BUNDLE_ID);
	CHECK_STR(r.d.msg, "no bundle ID: the signing identifier 'a.out' is not a reverse-DNS name; "
	                   "give --bundle-id");
	result_free(&r);
	/* an existing plist without CFBundleIdentifier does not help */
	static const char ex_xml[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
	                             "<key>CFBundleName</key><string>x</string></dict></plist>";
	const uint8_t *ex[1] = { (const uint8_t *)ex_xml };
	size_t exlen[1] = { sizeof ex_xml - 1 };
	build(&r, &o, ex, exlen, 1, NULL, "deno");
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_NEED_BUNDLE_ID);
	CHECK_CONTAINS(r.d.msg, "'deno'");
	result_free(&r);
	/* the template's @BUNDLE_ID@ alone is not an identifier */
	o.template_file = tmpl_minimal;
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_NEED_BUNDLE_ID);
	result_free(&r);
}

static void test_idempotent(void)
{
	pi_plist_opts o;
	result r1, r2, r3;
	const char *set[2] = { "Extra=1", "NSLocalNetworkUsageDescription=Custom usage" };
	const uint8_t *ex[1] = { (const uint8_t *)existing_xml };
	size_t exlen[1] = { sizeof existing_xml - 1 };

	base_opts(&o);
	o.bundle_id = "com.example.tool";
	o.set = set;
	o.nset = 2;
	build(&r1, &o, ex, exlen, 1, "com.old.id", NULL);
	build(&r2, &o, ex, exlen, 1, "com.old.id", NULL);
	if (CHECK_EQ_U64(r1.st, PI_OK) && CHECK_EQ_U64(r2.st, PI_OK)) {
		/* the same inputs, the same bytes */
		CHECK_EQ_U64(r2.len, r1.len);
		CHECK_MEM(r2.xml, r1.xml, r1.len < r2.len ? r1.len : r2.len);
		/* a run on its own output gives that output back */
		const uint8_t *ex1[1] = { (const uint8_t *)r1.xml };
		size_t exlen1[1] = { r1.len };
		pi_plist_info info;
		CHECK_EQ_U64(pi_plist_inspect((const uint8_t *)r1.xml, r1.len, &info), PI_OK);
		build(&r3, &o, ex1, exlen1, 1, info.bundle_id, NULL);
		if (CHECK_EQ_U64(r3.st, PI_OK)) {
			CHECK_EQ_U64(r3.len, r1.len);
			CHECK_MEM(r3.xml, r1.xml, r1.len < r3.len ? r1.len : r3.len);
		}
		result_free(&r3);
	}
	result_free(&r1);
	result_free(&r2);

	/* the plain default case, re-run without any option but the identity
	 * default taken from the output */
	base_opts(&o);
	o.bundle_id = "com.example.tool";
	build(&r1, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r1.st, PI_OK)) {
		const uint8_t *ex1[1] = { (const uint8_t *)r1.xml };
		size_t exlen1[1] = { r1.len };
		base_opts(&o);
		build(&r2, &o, ex1, exlen1, 1, "com.example.tool", NULL);
		if (CHECK_EQ_U64(r2.st, PI_OK)) {
			CHECK_EQ_U64(r2.len, r1.len);
			CHECK_MEM(r2.xml, r1.xml, r1.len < r2.len ? r1.len : r2.len);
		}
		result_free(&r2);
	}
	result_free(&r1);
}

static void test_template_file(void)
{
	static const char t[] =
		"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<plist version=\"1.0\"><dict>"
		"<key>Zulu</key><string>@NAME@ is @BUNDLE_ID@ (@NAME@)</string>"
		"<key>CFBundleIdentifier</key><string>@BUNDLE_ID@</string>"
		"<key>Alpha</key><array><string>@BUNDLE_ID@.a</string>"
		"<dict><key>In</key><string>x@NAME@y</string></dict></array>"
		"<key>CFBundlePackageType</key><string>FMWK</string>"
		"</dict></plist>\n";
	const char *path = temp_file(t, sizeof t - 1);
	pi_plist_opts o;
	result r;
	base_opts(&o);
	o.template_file = path;
	o.bundle_id = "com.tmpl.id";
	o.name = "Nm";
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		/* built-in keys first, then the template's own keys in its order */
		CHECK_STR(key_list(&r),
		          "CFBundleIdentifier,CFBundleName,CFBundleExecutable,CFBundlePackageType,Zulu,Alpha");
		CHECK_STR(sval(&r, "Zulu"), "Nm is com.tmpl.id (Nm)");
		CHECK_STR(sval(&r, "CFBundlePackageType"), "FMWK"); /* the template's value wins */
		plist_t a = plist_dict_get_item(r.root, "Alpha");
		char *s = NULL;
		if (CHECK(a && plist_array_get_size(a) == 2)) {
			plist_get_string_val(plist_array_get_item(a, 0), &s);
			CHECK_STR(s, "com.tmpl.id.a");
			free(s);
			s = NULL;
			plist_t in = plist_dict_get_item(plist_array_get_item(a, 1), "In");
			if (CHECK(in != NULL))
				plist_get_string_val(in, &s);
			CHECK_STR(s, "xNmy");
			free(s);
		}
	}
	result_free(&r);
	/* a missing template */
	o.template_file = "/nonexistent/template.plist";
	build(&r, &o, NULL, NULL, 0, NULL, NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)r.st, (uint64_t)(int64_t)PI_E_IO);
	CHECK_CONTAINS(r.d.msg, "cannot open template /nonexistent/template.plist");
	result_free(&r);
}

static void test_inspect(void)
{
	pi_plist_info info;
	/* a binary plist */
	plist_t d = plist_new_dict();
	plist_dict_set_item(d, "CFBundleIdentifier", plist_new_string("com.bin.id"));
	plist_dict_set_item(d, "NSLocalNetworkUsageDescription", plist_new_string("u"));
	plist_dict_set_item(d, "LSBackgroundOnly", plist_new_bool(1));
	char *bin = NULL;
	uint32_t blen = 0;
	plist_to_bin(d, &bin, &blen);
	plist_free(d);
	if (!CHECK(bin && blen > 8))
		return;
	CHECK(memcmp(bin, "bplist00", 8) == 0);
	CHECK_EQ_U64(pi_plist_inspect((const uint8_t *)bin, blen, &info), PI_OK);
	CHECK_EQ_U64(info.is_dict, 1);
	CHECK_EQ_U64(info.has_bundle_id, 1);
	CHECK_STR(info.bundle_id, "com.bin.id");
	CHECK_EQ_U64(info.has_usage, 1);
	CHECK_EQ_U64(info.nkeys, 3);
	CHECK_EQ_U64(info.background_only, 1);

	/* a binary existing plist merges like an XML one; the output is XML */
	pi_plist_opts o;
	result r;
	base_opts(&o);
	const uint8_t *ex[1] = { (const uint8_t *)bin };
	size_t exlen[1] = { blen };
	build(&r, &o, ex, exlen, 1, "com.bin.id", NULL);
	if (CHECK_EQ_U64(r.st, PI_OK)) {
		check_form(&r);
		CHECK_STR(sval(&r, "NSLocalNetworkUsageDescription"), "u");
		CHECK(!has_key(&r, "LSBackgroundOnly"));
		CHECK_STR(key_list(&r), "CFBundleIdentifier,NSLocalNetworkUsageDescription,CFBundleName,"
		                        "CFBundleExecutable,CFBundlePackageType");
	}
	result_free(&r);
	plist_to_bin_free(bin);

	/* not a dict, not a plist, empty, odd identifiers */
	static const char arr[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><array/></plist>";
	CHECK_EQ_U64(pi_plist_inspect((const uint8_t *)arr, sizeof arr - 1, &info), PI_OK);
	CHECK_EQ_U64(info.is_dict, 0);
	CHECK_EQ_U64(info.has_bundle_id, 0);
	CHECK_EQ_U64((uint64_t)(int64_t)pi_plist_inspect((const uint8_t *)"garbage!", 8, &info),
	             (uint64_t)(int64_t)PI_E_BAD_PLIST);
	CHECK_EQ_U64(info.is_dict, 0);
	CHECK_EQ_U64((uint64_t)(int64_t)pi_plist_inspect((const uint8_t *)"", 0, &info),
	             (uint64_t)(int64_t)PI_E_BAD_PLIST);
	static const char odd[] = "<?xml version=\"1.0\"?><plist version=\"1.0\"><dict>"
	                          "<key>CFBundleIdentifier</key><integer>5</integer>"
	                          "<key>NSLocalNetworkUsageDescription</key><string></string>"
	                          "</dict></plist>";
	CHECK_EQ_U64(pi_plist_inspect((const uint8_t *)odd, sizeof odd - 1, &info), PI_OK);
	CHECK_EQ_U64(info.is_dict, 1);
	CHECK_EQ_U64(info.nkeys, 2);
	CHECK_EQ_U64(info.has_bundle_id, 0);
	CHECK_EQ_U64(info.has_usage, 0);
	/* inspect reads exactly len bytes: a plist cut short does not parse */
	CHECK_EQ_U64((uint64_t)(int64_t)pi_plist_inspect((const uint8_t *)existing_xml, 60, &info),
	             (uint64_t)(int64_t)PI_E_BAD_PLIST);
}

int main(void)
{
	if (!CHECK(find_templates()))
		return unit_done();
	test_defaults();
	test_merge();
	test_background_only();
	test_usage_errors();
	test_need_bundle_id();
	test_idempotent();
	test_template_file();
	test_inspect();
	for (int i = 0; i < ntmpfiles; i++)
		unlink(tmpfiles[i]);
	return unit_done();
}
