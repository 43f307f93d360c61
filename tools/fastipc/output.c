// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): printing one record of fields, as aligned "key: value"
 * lines or as one JSON object on one line (-j), indented over several
 * lines with -p; and a list of records as a JSON array (ls), also as the
 * value of a key (a topic's subscribers).  Keys are
 * the same in text and JSON and are part of the interface: add, never
 * rename.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

#define KEY_WIDTH	18
#define INDENT		2	/* -p: spaces per level, as jq */

static void newline(struct out *o, int depth)
{
	fprintf(o->f, "\n%*s", depth * INDENT, "");
}

void out_begin(struct out *o, FILE *f, bool json)
{
	o->f = f;
	o->json = json;
	o->pretty = json && cli_opts.pretty;
	o->fields = 0;
	o->depth = 0;
	if (json)
		fputc('{', f);
}

void out_list_begin(struct out *list, FILE *f)
{
	list->f = f;
	list->json = true;
	list->pretty = cli_opts.pretty;
	list->fields = 0;
	list->depth = 0;
	fputc('[', f);
}

void out_list_item(struct out *list, struct out *o)
{
	if (list->fields++)
		fputc(',', list->f);
	if (list->pretty)
		newline(list, list->depth + 1);
	o->f = list->f;
	o->json = true;
	o->pretty = list->pretty;
	o->fields = 0;
	o->depth = list->depth + 1;
	fputc('{', o->f);
}

void out_list_end(struct out *list)
{
	if (list->pretty && list->fields)
		newline(list, list->depth);
	fputs("]\n", list->f);
}

static void key(struct out *o, const char *k)
{
	int pad = KEY_WIDTH - (int)strlen(k);

	if (o->json) {
		if (o->fields)
			fputc(',', o->f);
		if (o->pretty)
			newline(o, o->depth + 1);
		fprintf(o->f, o->pretty ? "\"%s\": " : "\"%s\":", k);
	} else {
		fprintf(o->f, "%s:%*s", k, pad > 0 ? pad : 1, "");
	}
	o->fields++;
}

/*
 * The length of the well-formed UTF-8 sequence that starts at @s (RFC
 * 3629: no overlong forms, no surrogates, nothing above U+10FFFF), or 0
 * if none does.  A NUL ends the string before any continuation byte.
 */
static size_t utf8_len(const unsigned char *s)
{
	uint32_t cp, min;
	size_t n;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf) {
		n = 2;
		cp = s[0] & 0x1f;
		min = 0x80;
	} else if (s[0] >= 0xe0 && s[0] <= 0xef) {
		n = 3;
		cp = s[0] & 0x0f;
		min = 0x800;
	} else if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		n = 4;
		cp = s[0] & 0x07;
		min = 0x10000;
	} else {
		return 0;
	}
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/*
 * A JSON string that is valid whatever the bytes: quotes, backslashes
 * and control bytes escaped; well-formed UTF-8 as it is; and each byte
 * that is not part of well-formed UTF-8 as \u0080 to \u00ff, its value.
 * A character from U+0080 to U+00FF is always written as UTF-8, never
 * escaped, so in the JSON text those escapes stand for raw bytes only
 * (fastipc(8), JSON OUTPUT).
 */
static void json_string(FILE *f, const char *str)
{
	const unsigned char *s = (const unsigned char *)str;

	fputc('"', f);
	while (*s) {
		size_t n = utf8_len(s);

		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else if (*s < 0x20 || *s == 0x7f || n == 0)
			fprintf(f, "\\u%04x", *s);
		else
			fwrite(s, 1, n, f);
		s += n ? n : 1;
	}
	fputc('"', f);
}

void out_str(struct out *o, const char *k, const char *val)
{
	key(o, k);
	if (o->json)
		json_string(o->f, val);
	else
		fprintf(o->f, "%s\n", val);
}

void out_u64(struct out *o, const char *k, uint64_t val)
{
	key(o, k);
	fprintf(o->f, o->json ? "%" PRIu64 : "%" PRIu64 "\n", val);
}

/* true or false: JSON's, and the same words in text (as jq prints them). */
void out_bool(struct out *o, const char *k, bool val)
{
	key(o, k);
	fprintf(o->f, o->json ? "%s" : "%s\n", val ? "true" : "false");
}

void out_array_begin(struct out *o, const char *k, struct out *list)
{
	key(o, k);
	fputc('[', o->f);
	list->f = o->f;
	list->json = true;
	list->pretty = o->pretty;
	list->fields = 0;
	list->depth = o->depth + 1;
}

void out_array_end(struct out *list)
{
	if (list->pretty && list->fields)
		newline(list, list->depth);
	fputc(']', list->f);
}

/* A permission mode: "0640" in both forms (a JSON string, so that it
 * reads as octal). */
void out_mode(struct out *o, const char *k, unsigned int mode)
{
	key(o, k);
	fprintf(o->f, o->json ? "\"%04o\"" : "%04o\n", mode & 07777);
}

void out_end(struct out *o)
{
	if (!o->json)
		return;
	if (o->pretty && o->fields)
		newline(o, o->depth);
	fputc('}', o->f);
	if (o->depth == 0)
		fputc('\n', o->f);
}
