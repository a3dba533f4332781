/* infile.h -- the one place neobay reads a text input (scenario, extends, sweep,
 * calibration, targets) and checks its bytes before libfyaml sees them.
 *
 * Limits (README "Bad input"): a file is a regular file of at most NB_INFILE_MAX
 * bytes; its text is UTF-8 without NUL; a line starting with '%' is a well-formed
 * %YAML or %TAG directive; at most NB_YAML_ALIAS_MAX aliases, expanding to at most
 * NB_YAML_NODES_MAX nodes.  Keys are not counted: libfyaml's own duplicate-key check
 * is quadratic in a mapping's size (20,000 keys took > 60 s), so it is switched off
 * (nb_yaml_parse_flags) and nb_yaml_resolve_bounded finds duplicates with one hash
 * set per mapping, in linear time.  Only a text with aliases or merge keys (`<<`),
 * whose resolution by libfyaml is quadratic too, keeps a cap of NB_YAML_KEYS_MAX
 * keys.
 */
#ifndef NB_INFILE_H
#define NB_INFILE_H
#include <stddef.h>
#include <sys/types.h>
#include <libfyaml.h>

#define NB_INFILE_MAX     (4L << 20)   /* bytes in one input file */
#define NB_YAML_ALIAS_MAX 256          /* aliases (*name) in one text */
#define NB_YAML_NODES_MAX 200000       /* nodes of a document once aliases are expanded */
#define NB_YAML_KEYS_MAX  2000         /* keys and entries in a text with aliases or merge keys */

/* A status of nb_infile_read besides errno values: the path is not a regular file. */
#define NB_INFILE_ENOTREG (-1)

/* Read all of the regular file `path` (at most `max` bytes) into *buf (malloc'd,
 * NUL-terminated) and *len; *dev and *ino (either may be NULL) say which file it was.
 * Never blocks: a FIFO or device is opened non-blocking and refused.  Returns 0, an
 * errno value (EFBIG past max, EISDIR for a directory) or NB_INFILE_ENOTREG; *buf
 * is NULL on failure. */
int nb_infile_read(const char *path, size_t max, char **buf, size_t *len, dev_t *dev, ino_t *ino);

/* The reason for status err of nb_infile_read, as strerror would say it. */
const char *nb_infile_strerror(int err);

/* Check text[0..len) before the YAML parser: no NUL, valid UTF-8, directive lines
 * only %YAML 1.x / %TAG, the alias bound (and the key bound when the text has
 * aliases or merge keys).  Returns 0, or 1 with *off the byte offset of the problem and why (never
 * quoting the text) filled in. */
int nb_yamltext_check(const char *text, size_t len, size_t *off, char *why, size_t n);

/* The fy_parse_cfg flags to parse text[0..len) with: quiet, and libfyaml's
 * duplicate-key check off unless the text has a merge key (`<<`). */
unsigned nb_yaml_parse_flags(const char *text, size_t len);

/* Refuse a duplicate key in any mapping of doc, then resolve its aliases and merge
 * keys (doc parsed with nb_yaml_parse_flags, not resolved) after checking that they
 * expand to at most NB_YAML_NODES_MAX nodes.  Returns 0; 2 for a duplicate key, with
 * *line, *col at its second occurrence and why "duplicate key 'K' (first at line L)";
 * 1 when the expansion is too large (*line = *col = 1); -1 when libfyaml's resolution
 * failed (its diagnostics say why).  Linear in the size of doc. */
int nb_yaml_resolve_bounded(struct fy_document *doc, int *line, int *col, char *why, size_t n);

/* The 1-based line and column of byte offset off in text. */
void nb_text_linecol(const char *text, size_t off, int *line, int *col);

/* A path written in file `base` (an extends, a sweep's base, a calibration's
 * scenario or targets) as a path from here: relative to base's directory unless it
 * is absolute; malloc'd, or NULL when memory runs out. */
char *nb_path_relative(const char *base, const char *written);

/* Copy `text` (NULL: "") into buf (n >= 8 bytes) for a one-line message: control
 * characters become spaces and long text is cut (at a UTF-8 character boundary) and
 * marked "...".  Returns buf. */
const char *nb_text_show(const char *text, char *buf, size_t n);

#endif
