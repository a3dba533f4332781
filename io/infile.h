/* infile.h -- the one place neobay reads a text input (scenario, extends, sweep,
 * calibration, targets) and checks its bytes before libfyaml sees them.
 *
 * Limits (README "Bad input"): a file is a regular file of at most NB_INFILE_MAX
 * bytes; its text is UTF-8 without NUL; a line starting with '%' is a well-formed
 * %YAML or %TAG directive; at most NB_YAML_ALIAS_MAX aliases, expanding to at most
 * NB_YAML_NODES_MAX nodes; at most NB_YAML_KEYS_MAX keys or entries in all.
 */
#ifndef NB_INFILE_H
#define NB_INFILE_H
#include <stddef.h>
#include <sys/types.h>
#include <libfyaml.h>

#define NB_INFILE_MAX     (4L << 20)   /* bytes in one input file */
#define NB_YAML_ALIAS_MAX 256          /* aliases (*name) in one text */
#define NB_YAML_NODES_MAX 200000       /* nodes of a document once aliases are expanded */
#define NB_YAML_KEYS_MAX  5000         /* keys and entries (':' and ',') in one text */

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
 * only %YAML 1.x / %TAG, the alias and key bounds.  Returns 0, or 1 with *off the
 * byte offset of the problem and why (never quoting the text) filled in. */
int nb_yamltext_check(const char *text, size_t len, size_t *off, char *why, size_t n);

/* Resolve the aliases and merge keys of doc (parsed without FYPCF_RESOLVE_DOCUMENT)
 * after checking that they expand to at most NB_YAML_NODES_MAX nodes.  Returns 0,
 * 1 with why filled in when the expansion is too large, or -1 when libfyaml's
 * resolution failed (its diagnostics say why). */
int nb_yaml_resolve_bounded(struct fy_document *doc, char *why, size_t n);

/* The 1-based line and column of byte offset off in text. */
void nb_text_linecol(const char *text, size_t off, int *line, int *col);

#endif
