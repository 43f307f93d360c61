// SPDX-License-Identifier: GPL-2.0
/*
 * fastipc(8): printing one record of fields, as aligned "key: value"
 * lines or as one JSON object on one line (-j).  Keys are the same in
 * both and are part of the interface: add, never rename.
 */
#include <inttypes.h>
#include <string.h>

#include "cli.h"

#define KEY_WIDTH	18

void out_begin(struct out *o, FILE *f, bool json)
{
	o->f = f;
	o->json = json;
	o->fields = 0;
	if (json)
		fputc('{', f);
}

static void key(struct out *o, const char *k)
{
	int pad = KEY_WIDTH - (int)strlen(k);

	if (o->json)
		fprintf(o->f, "%s\"%s\":", o->fields ? "," : "", k);
	else
		fprintf(o->f, "%s:%*s", k, pad > 0 ? pad : 1, "");
	o->fields++;
}

/* A JSON string: quotes, backslashes and control bytes escaped; other
 * bytes as they are (names are UTF-8 by convention). */
static void json_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '"' || c == '\\')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c == '\t')
			fputs("\\t", f);
		else if (c < 0x20 || c == 0x7f)
			fprintf(f, "\\u%04x", c);
		else
			fputc(c, f);
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

/* A permission mode: "0640" in both forms (a JSON string, so that it
 * reads as octal). */
void out_mode(struct out *o, const char *k, unsigned int mode)
{
	key(o, k);
	fprintf(o->f, o->json ? "\"%04o\"" : "%04o\n", mode & 07777);
}

void out_end(struct out *o)
{
	if (o->json)
		fputs("}\n", o->f);
}
