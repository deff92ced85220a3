/* test_identity.c - the identity rules of DESIGN.md section 2 (src/identity.c),
 * one table row per rule and boundary, walked in the rules' order. */
#include "../../src/identity.h"

#include "unit.h"

#define NO NULL
/* a slice: arch, plist (0 none, 1 dict, 2 not a dict), its CFBundleIdentifier,
 * the signing identifier, whether the signature is metadata (not linker-signed) */
#define SL(arch, plist, pid, sid, meta) \
	{ arch, arch, (plist) != 0, (plist) == 1, pid, 0x4000, 0x123, sid, meta }

typedef struct row {
	const char *rule;
	pi_id_slice s[3];
	size_t n;
	int given, replace;
	pi_status want;
	const char *bundle_id, *rejected;
	const char *msg;                     /* start of the message, when refused */
} row;

static const row rows[] = {
	/* 1. the existing plist's CFBundleIdentifier */
	{ "1: the embedded plist's ID", { SL("arm64", 1, "com.example.a", "com.other.b", 1) }, 1, 0, 0,
	  PI_OK, "com.example.a", "", NULL },
	{ "1: slices agreeing", { SL("x86_64", 1, "com.example.a", NO, 0), SL("arm64", 1, "com.example.a", NO, 0) },
	  2, 0, 0, PI_OK, "com.example.a", "", NULL },
	{ "1: a slice without a plist does not disagree",
	  { SL("x86_64", 0, NO, NO, 0), SL("arm64", 1, "com.example.a", NO, 0) }, 2, 0, 0, PI_OK,
	  "com.example.a", "", NULL },
	{ "1: slices disagreeing: ask", { SL("x86_64", 1, "com.example.a", NO, 0), SL("arm64", 1, "com.example.b", NO, 0) },
	  2, 0, 0, PI_E_NEED_BUNDLE_ID, "", "",
	  "the slices' embedded plists disagree on CFBundleIdentifier ('com.example.a', 'com.example.b'); give --bundle-id" },
	{ "1: disagreeing, --bundle-id given: the last slice's as the default",
	  { SL("x86_64", 1, "com.example.a", NO, 0), SL("arm64", 1, "com.example.b", NO, 0) }, 2, 1, 0, PI_OK,
	  "com.example.b", "", NULL },
	{ "1: a plist that is not a dictionary is refused", { SL("arm64", 2, NO, "com.example.s", 1) }, 1, 0, 0,
	  PI_E_BAD_PLIST, "", "", "the existing __TEXT,__info_plist (291 bytes) is not a plist dictionary, at offset 0x4000" },
	{ "1: ... unless --replace, which discards it", { SL("arm64", 2, NO, "com.example.s", 1) }, 1, 0, 1, PI_OK,
	  "com.example.s", "", NULL },
	{ "1: a dictionary without CFBundleIdentifier falls through", { SL("arm64", 1, NO, "com.example.s", 1) }, 1, 0,
	  0, PI_OK, "com.example.s", "", NULL },
	/* 2. the signing identifier, when not linker-signed and reverse-DNS */
	{ "2: claude's identifier", { SL("arm64", 0, NO, "com.anthropic.claude-code", 1) }, 1, 0, 0, PI_OK,
	  "com.anthropic.claude-code", "", NULL },
	{ "2: not reverse-DNS (deno): rejected", { SL("arm64", 0, NO, "deno", 1) }, 1, 0, 0, PI_OK, "", "deno", NULL },
	{ "2: a.out (Go): rejected", { SL("arm64", 0, NO, "a.out", 1) }, 1, 0, 0, PI_OK, "", "a.out", NULL },
	{ "2: codesign's name-<hex> default: rejected", { SL("arm64", 0, NO, "tool-55554944a1b2c3d4", 1) }, 1, 0, 0,
	  PI_OK, "", "tool-55554944a1b2c3d4", NULL },
	{ "2: a dash with a short hex tail is fine", { SL("arm64", 0, NO, "com.example.tool-2", 1) }, 1, 0, 0, PI_OK,
	  "com.example.tool-2", "", NULL },
	{ "2: linker-signed (lld, Go): never a source", { SL("arm64", 0, NO, "com.example.linker", 0) }, 1, 0, 0,
	  PI_OK, "", "com.example.linker", NULL },
	{ "2: unsigned: nothing", { SL("arm64", 0, NO, NO, 0) }, 1, 0, 0, PI_OK, "", "", NULL },
	{ "2: slices signed alike", { SL("x86_64", 0, NO, "com.example.u", 1), SL("arm64", 0, NO, "com.example.u", 1) },
	  2, 0, 0, PI_OK, "com.example.u", "", NULL },
	{ "2: slices signed differently (sentry-cli): ask",
	  { SL("x86_64", 0, NO, "com.example.x", 1), SL("arm64", 0, NO, "com.example.y", 1) }, 2, 0, 0,
	  PI_E_NEED_BUNDLE_ID, "", "", "the slices are signed with different identifiers; give --bundle-id" },
	{ "2: ... with --bundle-id: arm64's wins",
	  { SL("x86_64", 0, NO, "com.example.x", 1), SL("arm64", 0, NO, "com.example.y", 1) }, 2, 1, 0, PI_OK,
	  "com.example.y", "", NULL },
	{ "2: only some slices signed (fsevents): the signed one's",
	  { SL("x86_64", 0, NO, NO, 0), SL("arm64", 0, NO, "org.example.fse", 1) }, 2, 0, 0, PI_OK, "org.example.fse",
	  "", NULL },
	{ "2: a linker-signed slice beside a usable one",
	  { SL("x86_64", 0, NO, "lld-id", 0), SL("arm64", 0, NO, "com.example.ok", 1) }, 2, 0, 0, PI_OK,
	  "com.example.ok", "", NULL },
	/* 3. neither: no default (the caller asks for --bundle-id) */
	{ "3: nothing at all", { SL("arm64", 0, NO, NO, 0) }, 1, 0, 0, PI_OK, "", "", NULL },
};

int main(void)
{
	for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
		const row *t = &rows[i];
		pi_id_result r;
		pi_diag d;
		pi_diag_init(&d, "f", NULL);
		fprintf(stderr, "  rule %s\n", t->rule);
		CHECK_EQ_U64((uint64_t)(int64_t)pi_identity_default(t->s, t->n, t->given, t->replace, &r, &d),
		             (uint64_t)(int64_t)t->want);
		if (t->want == PI_OK) {
			CHECK_STR(r.bundle_id, t->bundle_id);
			CHECK_STR(r.rejected, t->rejected);
			CHECK_EQ_U64(d.code, PI_OK);
		} else {
			CHECK_STR(d.msg, t->msg);
		}
	}
	/* a refused plist names its slice and offers --replace */
	pi_id_slice bad[2] = { SL("x86_64", 1, "com.example.a", NO, 0), SL("arm64", 2, NO, NO, 0) };
	bad[1].label = "arm64, slice 2/2";
	pi_id_result r;
	pi_diag d;
	pi_diag_init(&d, "f", NULL);
	CHECK_EQ_U64((uint64_t)(int64_t)pi_identity_default(bad, 2, 0, 0, &r, &d), (uint64_t)(int64_t)PI_E_BAD_PLIST);
	CHECK_STR(d.slice, "arm64, slice 2/2");
	CHECK_STR(d.hint, "give --replace to discard it");
	/* the signing identifier */
	CHECK_STR(pi_identity_signing_id(NULL, "com.example.a"), "com.example.a");
	CHECK_STR(pi_identity_signing_id("com.example.sig", "com.example.a"), "com.example.sig");
	CHECK(!pi_looks_reverse_dns(NULL));
	CHECK(!pi_looks_reverse_dns("com.exam_ple"));
	return unit_done();
}
