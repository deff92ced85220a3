/* status.c - the diagnostic sink (see status.h). */
#include "config.h"

#include "status.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

void pi_diag_init(pi_diag *d, const char *file, FILE *stream)
{
	memset(d, 0, sizeof *d);
	d->file = file;
	d->stream = stream;
}

void pi_diag_set_slice(pi_diag *d, const char *label)
{
	snprintf(d->slice, sizeof d->slice, "%s", label ? label : "");
}

void pi_diag_prefix(const pi_diag *d, char *buf, size_t len)
{
	if (!d->file)
		snprintf(buf, len, "plistinject");
	else if (d->slice[0])
		snprintf(buf, len, "plistinject: %s (%s)", d->file, d->slice);
	else
		snprintf(buf, len, "plistinject: %s", d->file);
}

void pi_one_line(char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			*s = '?';
}

static void append_offset(char *buf, size_t len, uint64_t offset)
{
	size_t n = strlen(buf);
	if (offset != PI_NO_OFFSET && n < len)
		snprintf(buf + n, len - n, ", at offset 0x%llx", (unsigned long long)offset);
}

pi_status pi_fail(pi_diag *d, pi_status code, uint64_t offset, const char *fmt, ...)
{
	if (d->code != PI_OK)
		return code;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->msg, sizeof d->msg, fmt, ap);
	va_end(ap);
	pi_one_line(d->msg);
	append_offset(d->msg, sizeof d->msg, offset);
	d->code = code;
	d->hint[0] = 0;
	return code;
}

void pi_diag_replace(pi_diag *d, const pi_diag *from)
{
	d->code = from->code;
	memcpy(d->msg, from->msg, sizeof d->msg);
	memcpy(d->hint, from->hint, sizeof d->hint);
	memcpy(d->slice, from->slice, sizeof d->slice);
}

void pi_diag_clear(pi_diag *d)
{
	d->code = PI_OK;
	d->msg[0] = d->hint[0] = 0;
}

void pi_hint(pi_diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(d->hint, sizeof d->hint, fmt, ap);
	va_end(ap);
	pi_one_line(d->hint);
}

/* One line on the sink's stream: prefix, optional tag ("warning: "), text. */
static void emit_line(pi_diag *d, uint64_t offset, const char *tag, const char *fmt, va_list ap)
{
	if (d->quiet || !d->stream)
		return;
	char pre[512], msg[768];
	vsnprintf(msg, sizeof msg, fmt, ap);
	pi_one_line(msg);
	append_offset(msg, sizeof msg, offset);
	pi_diag_prefix(d, pre, sizeof pre);
	if (d->hold) {
		size_t need = strlen(pre) + strlen(tag) + strlen(msg) + 4; /* ": ", '\n', NUL */
		if (d->held_cap - d->held_len < need) {
			size_t cap = d->held_cap ? d->held_cap : 1024;
			while (cap - d->held_len < need)
				cap *= 2;
			char *p = realloc(d->held, cap);
			if (!p) { /* out of memory: what is held first, then this line */
				pi_diag_release(d);
				fprintf(d->stream, "%s: %s%s\n", pre, tag, msg);
				return;
			}
			d->held = p;
			d->held_cap = cap;
		}
		d->held_len += (size_t)sprintf(d->held + d->held_len, "%s: %s%s\n", pre, tag, msg);
		return;
	}
	fprintf(d->stream, "%s: %s%s\n", pre, tag, msg);
}

void pi_diag_hold(pi_diag *d)
{
	d->hold = 1;
}

void pi_diag_release(pi_diag *d)
{
	if (d->held_len && d->stream)
		fputs(d->held, d->stream);
	free(d->held);
	d->held = NULL;
	d->held_len = d->held_cap = 0;
	d->hold = 0;
}

void pi_warn(pi_diag *d, uint64_t offset, const char *fmt, ...)
{
	d->warnings++;
	va_list ap;
	va_start(ap, fmt);
	emit_line(d, offset, "warning: ", fmt, ap);
	va_end(ap);
}

void pi_note(pi_diag *d, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	emit_line(d, PI_NO_OFFSET, "", fmt, ap);
	va_end(ap);
}

void pi_diag_print(const pi_diag *d, FILE *stream)
{
	char pre[512];
	pi_diag_prefix(d, pre, sizeof pre);
	fprintf(stream, "%s: %s\n", pre, d->msg[0] ? d->msg : "unknown error");
	if (d->hint[0])
		fprintf(stream, "hint: %s\n", d->hint);
}

size_t pi_utf8_seq(const uint8_t *b, size_t len)
{
	if (!len)
		return 0;
	uint8_t c = b[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if ((c & 0xe0) == 0xc0) {
		n = 1;
		cp = c & 0x1f;
	} else if ((c & 0xf0) == 0xe0) {
		n = 2;
		cp = c & 0x0f;
	} else if ((c & 0xf8) == 0xf0) {
		n = 3;
		cp = c & 0x07;
	} else {
		return 0;
	}
	if (len <= n)
		return 0;
	for (size_t k = 1; k <= n; k++) {
		if ((b[k] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (b[k] & 0x3f);
	}
	if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
	    (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
		return 0;
	return n + 1;
}
