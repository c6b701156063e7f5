/* Sweeps: parsing of jobs/NAME.yaml and the resolution of each task's config.
 * See sweep.h for the format and jobs/README.md for the user's guide. */
#include "app/sweep.h"

#include "core/error.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

/* Largest sweep or base file accepted (bytes). */
#define SWEEP_FILE_MAX (16 * 1024 * 1024)
/* Largest re-serialized value of one override (bytes). */
#define SWEEP_VALUE_MAX 65536
/* Largest number of tasks whose folder names are compared for uniqueness
 * (a task_name pattern without {task}). */
#define SWEEP_UNIQUE_MAX 100000

typedef struct {
  PetscInt n;
  char   **sets; /* "section.key=value" */
} OverrideList;

struct _n_CvxSweep {
  char         *path;      /* the sweep file, as given */
  char         *name;      /* results subfolder */
  char         *base;      /* base config path (resolved), NULL = none */
  char         *base_text; /* its bytes (NUL-terminated) */
  size_t        base_len;
  char         *task_name; /* folder name pattern, NULL = "task-<K>" */
  OverrideList  set;       /* applied to every task */
  PetscInt      n_axes;
  OverrideList *axes;    /* one list per axis: its values */
  PetscInt      n_tasks; /* explicit task list (0 = axes or none) */
  OverrideList *tasks;
  PetscInt64    count;
  int           width; /* digits of count */
  PetscInt      max_overrides;
  const char  **scratch; /* returned by CvxSweepTaskOverrides */
};

/* ------------------------------------------------------------------------ */
/* Reading files on rank 0                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char *path;
  const char *what; /* "sweep file", "base config file" */
  char       *text;
  size_t      len;
} ReadCtx;

static PetscErrorCode ReadWholeFile(void *ctx)
{
  ReadCtx *rc = (ReadCtx *)ctx;
  FILE    *f;
  long     size;
  size_t   got;

  PetscFunctionBeginUser;
  f = fopen(rc->path, "rb");
  PetscCheck(f, PETSC_COMM_SELF, CVX_ERR_FILE, "cannot open %s '%s': %s", rc->what, rc->path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    int e = errno;
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "cannot read %s '%s': %s", rc->what, rc->path, strerror(e));
  }
  if (size > SWEEP_FILE_MAX) {
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "%s '%s' is larger than %d MiB", rc->what, rc->path, SWEEP_FILE_MAX >> 20);
  }
  if (PetscMalloc1((size_t)size + 1, &rc->text)) {
    fclose(f);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot allocate %ld bytes for %s '%s'", size + 1, rc->what, rc->path);
  }
  got = fread(rc->text, 1, (size_t)size, f);
  if (got != (size_t)size || ferror(f)) {
    int e = errno ? errno : EIO;
    fclose(f);
    PetscCall(PetscFree(rc->text));
    SETERRQ(PETSC_COMM_SELF, CVX_ERR_FILE, "cannot read %s '%s': %s", rc->what, rc->path, strerror(e));
  }
  fclose(f);
  rc->text[got] = '\0';
  rc->len       = got;
  PetscFunctionReturn(0);
}

/* Rank 0 reads path; every rank of comm ends with the same bytes in *text
 * (NUL-terminated, free with PetscFree). Collective on comm. */
static PetscErrorCode ReadBroadcast(MPI_Comm comm, const char *path, const char *what, char **text, size_t *len)
{
  ReadCtx       rc = {path, what, NULL, 0};
  PetscMPIInt   rank;
  unsigned long n;

  PetscFunctionBeginUser;
  PetscCallMPI(MPI_Comm_rank(comm, &rank));
  PetscCall(CvxRootRun(comm, ReadWholeFile, &rc));
  n = (unsigned long)rc.len;
  PetscCallMPI(MPI_Bcast(&n, 1, MPI_UNSIGNED_LONG, 0, comm));
  PetscCheck(n <= (unsigned long)SWEEP_FILE_MAX, PETSC_COMM_SELF, PETSC_ERR_PLIB, "inconsistent file broadcast");
  if (rank != 0) PetscCall(PetscMalloc1(n + 1, &rc.text));
  PetscCallMPI(MPI_Bcast(rc.text, (int)n + 1, MPI_CHAR, 0, comm));
  *text = rc.text;
  *len  = (size_t)n;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Parsing                                                                   */
/* ------------------------------------------------------------------------ */

typedef struct {
  const char     *file; /* the sweep path, for messages */
  const char     *text;
  size_t          len;
  yaml_document_t doc;
  char           *val; /* SWEEP_VALUE_MAX bytes: serialization buffer */
  size_t          nval;
  char          **known; /* every config key "section.key" */
  int             n_known;
  CvxConfig      *probe; /* defaults: overrides are checked on it */
} ParseCtx;

static PetscErrorCode Fail(const ParseCtx *pc, yaml_mark_t m, const char *fmt, ...) PETSC_ATTRIBUTE_FORMAT(3, 4);

/* Raises CVX_ERR_INPUT "FILE:LINE:COLUMN: message". */
static PetscErrorCode Fail(const ParseCtx *pc, yaml_mark_t m, const char *fmt, ...)
{
  char    msg[3072];
  va_list ap;

  PetscFunctionBeginUser;
  va_start(ap, fmt);
  vsnprintf(msg, sizeof(msg), fmt, ap);
  va_end(ap);
  SETERRQ(PETSC_COMM_SELF, CVX_ERR_INPUT, "%s:%zu:%zu: %s", pc->file, (size_t)m.line + 1, (size_t)m.column + 1, msg);
}

/* Raises the error libyaml reported while loading. */
static PetscErrorCode SyntaxFail(const ParseCtx *pc, yaml_parser_t *p)
{
  yaml_mark_t m = p->problem_mark;

  PetscFunctionBeginUser;
  PetscCheck(p->error != YAML_MEMORY_ERROR, PETSC_COMM_SELF, PETSC_ERR_MEM, "libyaml ran out of memory");
  if (p->error == YAML_READER_ERROR) {
    size_t off = p->problem_offset < pc->len ? p->problem_offset : pc->len;
    m.line = m.column = 0;
    for (size_t i = 0; i < off; i++) {
      if (pc->text[i] == '\n') {
        m.line++;
        m.column = 0;
      } else
        m.column++;
    }
  }
  if (p->context)
    PetscCall(Fail(pc, m, "malformed YAML: %s %s started on line %zu", p->problem ? p->problem : "error", p->context,
                   (size_t)p->context_mark.line + 1));
  PetscCall(Fail(pc, m, "malformed YAML: %s", p->problem ? p->problem : "error"));
  PetscFunctionReturn(0);
}

static PetscErrorCode Append(ParseCtx *pc, yaml_mark_t m, const char *s, size_t n)
{
  PetscFunctionBeginUser;
  if (pc->nval + n + 1 > SWEEP_VALUE_MAX) PetscCall(Fail(pc, m, "value longer than %d bytes", SWEEP_VALUE_MAX));
  memcpy(pc->val + pc->nval, s, n);
  pc->nval += n;
  pc->val[pc->nval] = '\0';
  PetscFunctionReturn(0);
}

static PetscErrorCode AppendStr(ParseCtx *pc, yaml_mark_t m, const char *s)
{
  PetscFunctionBeginUser;
  PetscCall(Append(pc, m, s, strlen(s)));
  PetscFunctionReturn(0);
}

/* A plain scalar that reads back as the same plain scalar in any context. */
static PetscBool PlainIsSafe(const unsigned char *s, size_t n)
{
  for (size_t i = 0; i < n; i++)
    if (!isalnum(s[i]) && !strchr("._+-/~:", s[i])) return PETSC_FALSE;
  return PETSC_TRUE;
}

/* Appends node as YAML text: plain scalars as written (double-quoted when
 * they hold characters that would change meaning), quoted scalars
 * double-quoted, sequences and mappings in flow style. */
static PetscErrorCode Serialize(ParseCtx *pc, yaml_node_t *node, PetscBool nested)
{
  PetscFunctionBeginUser;
  switch (node->type) {
  case YAML_SCALAR_NODE: {
    const unsigned char *s = node->data.scalar.value;
    size_t               n = node->data.scalar.length;
    if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && n == 0) {
      if (nested) PetscCall(AppendStr(pc, node->start_mark, "~"));
    } else if (node->data.scalar.style == YAML_PLAIN_SCALAR_STYLE && PlainIsSafe(s, n)) {
      PetscCall(Append(pc, node->start_mark, (const char *)s, n));
    } else {
      PetscCall(AppendStr(pc, node->start_mark, "\""));
      for (size_t i = 0; i < n; i++) {
        char esc[8];
        if (s[i] == '"' || s[i] == '\\')
          snprintf(esc, sizeof(esc), "\\%c", s[i]);
        else if (s[i] == '\n')
          strcpy(esc, "\\n");
        else if (s[i] == '\t')
          strcpy(esc, "\\t");
        else if (s[i] < 0x20 || s[i] == 0x7f)
          snprintf(esc, sizeof(esc), "\\x%02x", s[i]);
        else {
          esc[0] = (char)s[i];
          esc[1] = '\0';
        }
        PetscCall(AppendStr(pc, node->start_mark, esc));
      }
      PetscCall(AppendStr(pc, node->start_mark, "\""));
    }
  } break;
  case YAML_SEQUENCE_NODE:
    PetscCall(AppendStr(pc, node->start_mark, "["));
    for (yaml_node_item_t *it = node->data.sequence.items.start; it < node->data.sequence.items.top; it++) {
      if (it != node->data.sequence.items.start) PetscCall(AppendStr(pc, node->start_mark, ", "));
      PetscCall(Serialize(pc, yaml_document_get_node(&pc->doc, *it), PETSC_TRUE));
    }
    PetscCall(AppendStr(pc, node->start_mark, "]"));
    break;
  case YAML_MAPPING_NODE:
    PetscCall(AppendStr(pc, node->start_mark, "{"));
    for (yaml_node_pair_t *pr = node->data.mapping.pairs.start; pr < node->data.mapping.pairs.top; pr++) {
      if (pr != node->data.mapping.pairs.start) PetscCall(AppendStr(pc, node->start_mark, ", "));
      PetscCall(Serialize(pc, yaml_document_get_node(&pc->doc, pr->key), PETSC_TRUE));
      PetscCall(AppendStr(pc, node->start_mark, ": "));
      PetscCall(Serialize(pc, yaml_document_get_node(&pc->doc, pr->value), PETSC_TRUE));
    }
    PetscCall(AppendStr(pc, node->start_mark, "}"));
    break;
  default:
    PetscCall(Fail(pc, node->start_mark, "empty YAML node"));
  }
  PetscFunctionReturn(0);
}

/* The text of a scalar node (NULL for other nodes). */
static const char *ScalarText(yaml_node_t *node)
{
  return node && node->type == YAML_SCALAR_NODE ? (const char *)node->data.scalar.value : NULL;
}

/* Fills pc->known with every config key, from CvxConfigPrintKeys(). */
static PetscErrorCode KnownKeysCreate(ParseCtx *pc)
{
  char  *buf = NULL, *line, *save = NULL;
  size_t len = 0;
  FILE  *f;
  int    n = 0;

  PetscFunctionBeginUser;
  f = open_memstream(&buf, &len);
  PetscCheck(f, PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot list the config keys");
  PetscErrorCode ierr = CvxConfigPrintKeys(f);
  fclose(f);
  if (ierr) free(buf);
  PetscCall(ierr);
  for (size_t i = 0; i < len; i++)
    if (buf[i] == '\n') n++;
  if (PetscCalloc1(n + 1, &pc->known)) {
    free(buf);
    SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot list the config keys");
  }
  for (line = strtok_r(buf, "\n", &save); line && pc->n_known < n; line = strtok_r(NULL, "\n", &save)) {
    size_t k = strspn(line, " ");
    size_t e = k + strcspn(line + k, " \t");
    if (e == k || !memchr(line + k, '.', e - k)) continue;
    line[e] = '\0';
    if (PetscStrallocpy(line + k, &pc->known[pc->n_known])) {
      free(buf);
      SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot list the config keys");
    }
    pc->n_known++;
  }
  free(buf);
  PetscFunctionReturn(0);
}

static PetscBool KeyIsKnown(const ParseCtx *pc, const char *key)
{
  for (int i = 0; i < pc->n_known; i++)
    if (!strcmp(pc->known[i], key)) return PETSC_TRUE;
  return PETSC_FALSE;
}

/* Builds "key=value" from a key node and a value node into *out, checking
 * that the key exists and that the config accepts the value (applied to a
 * default config). where names the sweep section in messages. */
static PetscErrorCode MakeOverride(ParseCtx *pc, const char *where, yaml_node_t *knode, yaml_node_t *vnode, char **out)
{
  const char *key = ScalarText(knode);

  PetscFunctionBeginUser;
  if (!key || knode->data.scalar.style != YAML_PLAIN_SCALAR_STYLE || !key[0])
    PetscCall(Fail(pc, knode->start_mark, "%s: expected a config key section.key", where));
  pc->nval = 0;
  PetscCall(AppendStr(pc, knode->start_mark, key));
  PetscCall(AppendStr(pc, knode->start_mark, "="));
  PetscCall(Serialize(pc, vnode, PETSC_FALSE));
  PetscErrorCode ierr = CvxConfigApplyOverride(pc->probe, pc->val);
  if (ierr) {
    const char *msg = CvxErrorLastMessage();
    char        prefix[SWEEP_VALUE_MAX + 16];
    if (!CvxErrorIsInput(ierr)) PetscCall(ierr);
    snprintf(prefix, sizeof(prefix), "--set %s: ", pc->val);
    if (!strncmp(msg, prefix, strlen(prefix))) msg += strlen(prefix);
    if (!KeyIsKnown(pc, key)) PetscCall(Fail(pc, knode->start_mark, "%s: %s: %s", where, key, msg));
    PetscCall(Fail(pc, vnode->start_mark, "%s: %s: %s", where, key, msg));
  }
  PetscCall(PetscStrallocpy(pc->val, out));
  PetscFunctionReturn(0);
}

/* Fails when the key of pair p appeared before it in the same mapping. */
static PetscErrorCode CheckDuplicate(ParseCtx *pc, yaml_node_t *map, yaml_node_pair_t *p, const char *where)
{
  const char *k = ScalarText(yaml_document_get_node(&pc->doc, p->key));

  PetscFunctionBeginUser;
  if (!k) PetscFunctionReturn(0);
  for (yaml_node_pair_t *q = map->data.mapping.pairs.start; q < p; q++) {
    const char *o = ScalarText(yaml_document_get_node(&pc->doc, q->key));
    if (o && !strcmp(o, k))
      PetscCall(Fail(pc, yaml_document_get_node(&pc->doc, p->key)->start_mark,
                     "%s: key '%s' appears twice (first on line %zu)", where, k,
                     (size_t)yaml_document_get_node(&pc->doc, q->key)->start_mark.line + 1));
  }
  PetscFunctionReturn(0);
}

/* Reads a mapping of overrides (set, or one entry of tasks) into list. */
static PetscErrorCode ReadOverrideMap(ParseCtx *pc, yaml_node_t *map, const char *where, OverrideList *list)
{
  PetscFunctionBeginUser;
  if (map->type == YAML_SCALAR_NODE && map->data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
      map->data.scalar.length == 0)
    PetscFunctionReturn(0); /* "set:" with nothing: no overrides */
  if (map->type != YAML_MAPPING_NODE)
    PetscCall(Fail(pc, map->start_mark, "%s: expected a mapping of section.key: value", where));
  PetscInt n = (PetscInt)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
  PetscCall(PetscCalloc1(n + 1, &list->sets));
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    PetscCall(CheckDuplicate(pc, map, p, where));
    PetscCall(MakeOverride(pc, where, yaml_document_get_node(&pc->doc, p->key),
                           yaml_document_get_node(&pc->doc, p->value), &list->sets[list->n]));
    list->n++;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadAxes(ParseCtx *pc, yaml_node_t *map, CvxSweep *sw)
{
  PetscFunctionBeginUser;
  if (map->type != YAML_MAPPING_NODE)
    PetscCall(Fail(pc, map->start_mark, "axes: expected a mapping of section.key: [values]"));
  PetscInt n = (PetscInt)(map->data.mapping.pairs.top - map->data.mapping.pairs.start);
  if (n == 0) PetscCall(Fail(pc, map->start_mark, "axes: no axis given"));
  PetscCall(PetscCalloc1(n, &sw->axes));
  sw->count = 1;
  for (yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
    yaml_node_t  *knode = yaml_document_get_node(&pc->doc, p->key);
    yaml_node_t  *vnode = yaml_document_get_node(&pc->doc, p->value);
    const char   *key   = ScalarText(knode);
    OverrideList *ax    = &sw->axes[sw->n_axes];

    PetscCall(CheckDuplicate(pc, map, p, "axes"));
    if (!key) PetscCall(Fail(pc, knode->start_mark, "axes: expected a config key section.key"));
    if (vnode->type != YAML_SEQUENCE_NODE)
      PetscCall(Fail(pc, vnode->start_mark,
                     "axes: %s: expected a list of values, e.g. [1, 2, 3] (a list-valued key takes a list of lists)",
                     key));
    PetscInt nv = (PetscInt)(vnode->data.sequence.items.top - vnode->data.sequence.items.start);
    if (nv == 0) PetscCall(Fail(pc, vnode->start_mark, "axes: %s: the axis is empty (give at least one value)", key));
    PetscCall(PetscCalloc1(nv, &ax->sets));
    sw->n_axes++;
    for (yaml_node_item_t *it = vnode->data.sequence.items.start; it < vnode->data.sequence.items.top; it++) {
      PetscCall(MakeOverride(pc, "axes", knode, yaml_document_get_node(&pc->doc, *it), &ax->sets[ax->n]));
      ax->n++;
    }
    if (sw->count > CVX_SWEEP_MAX_TASKS / nv)
      PetscCall(Fail(pc, knode->start_mark, "axes: more than %d tasks in the sweep", CVX_SWEEP_MAX_TASKS));
    sw->count *= nv;
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ReadTasks(ParseCtx *pc, yaml_node_t *seq, CvxSweep *sw)
{
  PetscFunctionBeginUser;
  if (seq->type != YAML_SEQUENCE_NODE)
    PetscCall(Fail(pc, seq->start_mark, "tasks: expected a list of mappings {section.key: value, ...}"));
  PetscInt n = (PetscInt)(seq->data.sequence.items.top - seq->data.sequence.items.start);
  if (n == 0) PetscCall(Fail(pc, seq->start_mark, "tasks: the task list is empty"));
  if (n > CVX_SWEEP_MAX_TASKS)
    PetscCall(Fail(pc, seq->start_mark, "tasks: more than %d tasks in the sweep", CVX_SWEEP_MAX_TASKS));
  PetscCall(PetscCalloc1(n, &sw->tasks));
  for (yaml_node_item_t *it = seq->data.sequence.items.start; it < seq->data.sequence.items.top; it++) {
    char where[64];
    snprintf(where, sizeof(where), "tasks[%" PetscInt_FMT "]", sw->n_tasks);
    sw->n_tasks++; /* counted first, so that CvxSweepDestroy frees a partly read entry */
    PetscCall(ReadOverrideMap(pc, yaml_document_get_node(&pc->doc, *it), where, &sw->tasks[sw->n_tasks - 1]));
  }
  sw->count = n;
  PetscFunctionReturn(0);
}

/* A scalar value of a top-level key (base, name, task_name) as a string. */
static PetscErrorCode ReadString(ParseCtx *pc, yaml_node_t *v, const char *key, size_t max, char **out)
{
  PetscFunctionBeginUser;
  if (v->type != YAML_SCALAR_NODE || v->data.scalar.length == 0)
    PetscCall(Fail(pc, v->start_mark, "%s: expected a non-empty string", key));
  if (v->data.scalar.length >= max) PetscCall(Fail(pc, v->start_mark, "%s: longer than %zu bytes", key, max - 1));
  if (memchr(v->data.scalar.value, '\0', v->data.scalar.length))
    PetscCall(Fail(pc, v->start_mark, "%s: holds a NUL byte", key));
  PetscCall(PetscStrallocpy((const char *)v->data.scalar.value, out));
  PetscFunctionReturn(0);
}

/* Whether a task folder name is usable: non-empty, no '/', not "." or "..". */
static PetscBool NameIsValid(const char *s)
{
  return s[0] && !strchr(s, '/') && strcmp(s, ".") && strcmp(s, "..") && strlen(s) < CVX_NAME_MAX ? PETSC_TRUE
                                                                                                  : PETSC_FALSE;
}

static PetscErrorCode TaskNameCompute(const CvxSweep *sw, PetscInt64 k, const char **ov, char *name, size_t len,
                                      PetscBool *ok, char *bad, size_t badlen);

static int CompareStrings(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Checks the task_name pattern: every placeholder names {task} or a key set
 * for every task, every name is valid, and (without {task}) names are
 * unique. */
static PetscErrorCode CheckTaskNames(ParseCtx *pc, yaml_mark_t m, CvxSweep *sw)
{
  char        *names = NULL, **ptrs = NULL, one[CVX_NAME_MAX], bad[CVX_NAME_MAX + 256], dup[CVX_NAME_MAX] = "";
  const char **ov;
  PetscBool    has_task = strstr(sw->task_name, "{task}") ? PETSC_TRUE : PETSC_FALSE, ok = PETSC_TRUE;
  PetscInt64   n = sw->count;

  PetscFunctionBeginUser;
  if (!has_task && n > SWEEP_UNIQUE_MAX)
    PetscCall(Fail(pc, m, "task_name: with more than %d tasks the pattern must contain {task}", SWEEP_UNIQUE_MAX));
  PetscCall(PetscMalloc1(sw->max_overrides + 1, &ov));
  if (!has_task) {
    PetscCall(PetscMalloc1((size_t)n * CVX_NAME_MAX, &names));
    PetscCall(PetscMalloc1((size_t)n, &ptrs));
  }
  for (PetscInt64 k = 0; k < n && ok; k++) {
    char *name = has_task ? one : names + k * CVX_NAME_MAX;
    PetscCall(TaskNameCompute(sw, k, ov, name, CVX_NAME_MAX, &ok, bad, sizeof(bad)));
    if (!has_task) ptrs[k] = name;
  }
  if (ok && !has_task) {
    qsort(ptrs, (size_t)n, sizeof(char *), CompareStrings);
    for (PetscInt64 k = 1; k < n; k++) {
      if (!strcmp(ptrs[k - 1], ptrs[k])) {
        strcpy(dup, ptrs[k]);
        break;
      }
    }
  }
  PetscCall(PetscFree(ov));
  PetscCall(PetscFree(names));
  PetscCall(PetscFree(ptrs));
  if (!ok) PetscCall(Fail(pc, m, "task_name: '%s': %s", sw->task_name, bad));
  if (dup[0])
    PetscCall(Fail(pc, m, "task_name: '%s' gives two tasks the same folder '%s' (add {task} or the varying keys)",
                   sw->task_name, dup));
  PetscFunctionReturn(0);
}

/* The base path relative to the folder of the sweep file (absolute paths
 * and sweep files without a folder are kept as given). */
static PetscErrorCode ResolveBase(const char *sweep_path, const char *base, char **out)
{
  const char *slash = strrchr(sweep_path, '/');
  size_t      dlen, blen = strlen(base);

  PetscFunctionBeginUser;
  if (base[0] == '/' || !slash) {
    PetscCall(PetscStrallocpy(base, out));
    PetscFunctionReturn(0);
  }
  dlen = (size_t)(slash - sweep_path) + 1;
  PetscCall(PetscMalloc1(dlen + blen + 1, out));
  memcpy(*out, sweep_path, dlen);
  memcpy(*out + dlen, base, blen + 1);
  PetscFunctionReturn(0);
}

static const char *const top_keys[] = {"base", "name", "axes", "tasks", "set", "task_name", "description", NULL};

/* Parses the sweep text into sw (everything but the base file's bytes). */
static PetscErrorCode ParseSweep(ParseCtx *pc, yaml_parser_t *parser, CvxSweep *sw)
{
  yaml_node_t *root, *nodes[7] = {NULL};
  yaml_mark_t  name_mark = {0, 0, 0};

  PetscFunctionBeginUser;
  yaml_parser_set_input_string(parser, (const unsigned char *)pc->text, pc->len);
  if (!yaml_parser_load(parser, &pc->doc)) PetscCall(SyntaxFail(pc, parser));
  root = yaml_document_get_root_node(&pc->doc);
  if (!root) {
    yaml_mark_t m = {0, 0, 0};
    PetscCall(Fail(pc, m, "the sweep file is empty: give axes or tasks (see jobs/README.md)"));
  }
  {
    yaml_document_t extra;
    if (!yaml_parser_load(parser, &extra)) PetscCall(SyntaxFail(pc, parser));
    PetscBool   more = yaml_document_get_root_node(&extra) ? PETSC_TRUE : PETSC_FALSE;
    yaml_mark_t m    = extra.start_mark;
    yaml_document_delete(&extra);
    if (more) PetscCall(Fail(pc, m, "more than one YAML document: put the whole sweep in one document"));
  }
  if (root->type != YAML_MAPPING_NODE)
    PetscCall(Fail(pc, root->start_mark, "expected a mapping of base, name, axes or tasks, set"));
  for (yaml_node_pair_t *p = root->data.mapping.pairs.start; p < root->data.mapping.pairs.top; p++) {
    yaml_node_t *k   = yaml_document_get_node(&pc->doc, p->key);
    const char  *key = ScalarText(k);
    int          i;
    if (!key)
      PetscCall(Fail(pc, k->start_mark, "expected a key (base, name, axes, tasks, set, task_name, description)"));
    PetscCall(CheckDuplicate(pc, root, p, "sweep"));
    for (i = 0; top_keys[i]; i++)
      if (!strcmp(top_keys[i], key)) break;
    if (!top_keys[i])
      PetscCall(Fail(pc, k->start_mark,
                     "unknown key '%s' in the sweep (allowed: base, name, axes, tasks, set, task_name, description)",
                     key));
    nodes[i] = yaml_document_get_node(&pc->doc, p->value);
    if (i == 1) name_mark = k->start_mark;
  }
  if (nodes[2] && nodes[3]) PetscCall(Fail(pc, nodes[3]->start_mark, "tasks: give either axes or tasks, not both"));
  if (nodes[0]) {
    char *base;
    PetscCall(ReadString(pc, nodes[0], "base", CVX_PATH_MAX, &base));
    PetscErrorCode ierr = ResolveBase(pc->file, base, &sw->base);
    PetscCall(PetscFree(base));
    PetscCall(ierr);
    if (strlen(sw->base) >= CVX_PATH_MAX) PetscCall(Fail(pc, nodes[0]->start_mark, "base: the path is too long"));
  }
  if (nodes[1]) {
    PetscCall(ReadString(pc, nodes[1], "name", CVX_NAME_MAX, &sw->name));
    if (!NameIsValid(sw->name))
      PetscCall(Fail(pc, name_mark, "name: '%s' must be a folder name without '/'", sw->name));
  } else {
    /* The file's name without its folder and its .yaml/.yml extension. */
    const char *b = strrchr(pc->file, '/');
    size_t      n;
    b = b ? b + 1 : pc->file;
    n = strlen(b);
    if (n > 5 && !strcmp(b + n - 5, ".yaml"))
      n -= 5;
    else if (n > 4 && !strcmp(b + n - 4, ".yml"))
      n -= 4;
    PetscCall(PetscMalloc1(n + 1, &sw->name));
    memcpy(sw->name, b, n);
    sw->name[n] = '\0';
    if (!NameIsValid(sw->name)) {
      yaml_mark_t m = {0, 0, 0};
      PetscCall(Fail(pc, m, "cannot name the sweep after its file: give name:"));
    }
  }
  if (nodes[4]) PetscCall(ReadOverrideMap(pc, nodes[4], "set", &sw->set));
  sw->count = 1;
  if (nodes[2]) PetscCall(ReadAxes(pc, nodes[2], sw));
  if (nodes[3]) PetscCall(ReadTasks(pc, nodes[3], sw));
  if (nodes[6] && nodes[6]->type != YAML_SCALAR_NODE)
    PetscCall(Fail(pc, nodes[6]->start_mark, "description: expected a string"));
  for (sw->width = 1; sw->width < 20; sw->width++) {
    PetscInt64 p = 1;
    for (int i = 0; i < sw->width; i++)
      p *= 10;
    if (sw->count < p) break;
  }
  sw->max_overrides = sw->set.n + sw->n_axes;
  for (PetscInt t = 0; t < sw->n_tasks; t++)
    sw->max_overrides = PetscMax(sw->max_overrides, sw->set.n + sw->tasks[t].n);
  PetscCall(PetscCalloc1(sw->max_overrides + 1, &sw->scratch));
  if (nodes[5]) {
    PetscCall(ReadString(pc, nodes[5], "task_name", CVX_NAME_MAX, &sw->task_name));
    PetscCall(CheckTaskNames(pc, nodes[5]->start_mark, sw));
  }
  PetscFunctionReturn(0);
}

static PetscErrorCode ParserInitFailed(void)
{
  PetscFunctionBeginUser;
  SETERRQ(PETSC_COMM_SELF, PETSC_ERR_MEM, "cannot initialize the YAML parser");
}

PetscErrorCode CvxSweepLoad(MPI_Comm comm, const char *path, CvxSweep **sweep)
{
  CvxSweep      *sw;
  ParseCtx       pc;
  yaml_parser_t  parser;
  char          *text = NULL;
  size_t         len  = 0;
  PetscErrorCode ierr;

  PetscFunctionBeginUser;
  PetscCheck(path && sweep, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepLoad: NULL argument");
  *sweep = NULL;
  PetscCheck(path[0], PETSC_COMM_SELF, CVX_ERR_INPUT, "the sweep file name is empty");
  PetscCall(ReadBroadcast(comm, path, "sweep file", &text, &len));
  PetscCall(PetscNew(&sw));
  memset(&pc, 0, sizeof(pc));
  pc.file = path;
  pc.text = text;
  pc.len  = len;
  ierr    = PetscStrallocpy(path, &sw->path);
  if (!ierr) ierr = PetscMalloc1(SWEEP_VALUE_MAX, &pc.val);
  if (!ierr) ierr = PetscNew(&pc.probe);
  if (!ierr) ierr = CvxConfigSetDefaults(pc.probe);
  if (!ierr) ierr = KnownKeysCreate(&pc);
  if (!ierr) {
    if (!yaml_parser_initialize(&parser))
      ierr = ParserInitFailed();
    else {
      memset(&pc.doc, 0, sizeof(pc.doc));
      ierr = ParseSweep(&pc, &parser, sw);
      yaml_document_delete(&pc.doc);
      yaml_parser_delete(&parser);
    }
  }
  for (int i = 0; i < pc.n_known; i++)
    PetscCall(PetscFree(pc.known[i]));
  PetscCall(PetscFree(pc.known));
  PetscCall(PetscFree(pc.probe));
  PetscCall(PetscFree(pc.val));
  PetscCall(PetscFree(text));
  if (!ierr && sw->base) {
    /* Read and check the base config now, so that its errors come first. */
    ierr = ReadBroadcast(comm, sw->base, "base config file", &sw->base_text, &sw->base_len);
    if (!ierr) {
      CvxConfig *cfg;
      ierr = PetscNew(&cfg);
      if (!ierr) {
        ierr = CvxConfigSetDefaults(cfg);
        if (!ierr) ierr = CvxConfigParseString(sw->base_text, sw->base_len, sw->base, cfg);
        PetscCall(PetscFree(cfg));
      }
    }
  }
  if (ierr) PetscCall(CvxSweepDestroy(&sw));
  PetscCall(ierr);
  *sweep = sw;
  PetscFunctionReturn(0);
}

static void OverrideListFree(OverrideList *l)
{
  for (PetscInt i = 0; i < l->n; i++)
    PetscFree(l->sets[i]);
  PetscFree(l->sets);
  l->n = 0;
}

PetscErrorCode CvxSweepDestroy(CvxSweep **sweep)
{
  CvxSweep *sw;

  PetscFunctionBeginUser;
  if (!sweep || !*sweep) PetscFunctionReturn(0);
  sw = *sweep;
  OverrideListFree(&sw->set);
  if (sw->axes)
    for (PetscInt i = 0; i < sw->n_axes; i++)
      OverrideListFree(&sw->axes[i]);
  if (sw->tasks)
    for (PetscInt i = 0; i < sw->n_tasks; i++)
      OverrideListFree(&sw->tasks[i]);
  PetscCall(PetscFree(sw->axes));
  PetscCall(PetscFree(sw->tasks));
  PetscCall(PetscFree(sw->path));
  PetscCall(PetscFree(sw->name));
  PetscCall(PetscFree(sw->base));
  PetscCall(PetscFree(sw->base_text));
  PetscCall(PetscFree(sw->task_name));
  PetscCall(PetscFree(sw->scratch));
  PetscCall(PetscFree(sw));
  *sweep = NULL;
  PetscFunctionReturn(0);
}

/* ------------------------------------------------------------------------ */
/* Tasks                                                                     */
/* ------------------------------------------------------------------------ */

PetscErrorCode CvxSweepTaskCount(const CvxSweep *sweep, PetscInt64 *count)
{
  PetscFunctionBeginUser;
  PetscCheck(sweep && count, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepTaskCount: NULL argument");
  *count = sweep->count;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSweepGetName(const CvxSweep *sweep, const char **name, const char **path)
{
  PetscFunctionBeginUser;
  PetscCheck(sweep, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepGetName: NULL sweep");
  if (name) *name = sweep->name;
  if (path) *path = sweep->path;
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSweepCheckTask(const CvxSweep *sweep, PetscInt64 k)
{
  PetscFunctionBeginUser;
  PetscCheck(sweep, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepCheckTask: NULL sweep");
  PetscCheck(k >= 0 && k < sweep->count, PETSC_COMM_SELF, CVX_ERR_INPUT,
             "--task %" PetscInt64_FMT " is out of range: the sweep '%s' has %" PetscInt64_FMT
             " task%s (0 to %" PetscInt64_FMT ")",
             k, sweep->path, sweep->count, sweep->count == 1 ? "" : "s", sweep->count - 1);
  PetscFunctionReturn(0);
}

/* Task k's overrides into out[] (capacity sw->max_overrides); *n is set.
 * k must be in range. */
static void TaskOverridesFill(const CvxSweep *sw, PetscInt64 k, PetscInt *n, const char **out)
{
  PetscInt m = 0;

  for (PetscInt i = 0; i < sw->set.n; i++)
    out[m++] = sw->set.sets[i];
  if (sw->n_axes) {
    /* Mixed radix, last axis fastest. */
    PetscInt64 rest = k, stride = sw->count;
    for (PetscInt a = 0; a < sw->n_axes; a++) {
      stride /= sw->axes[a].n;
      out[m++] = sw->axes[a].sets[rest / stride];
      rest %= stride;
    }
  } else if (sw->n_tasks) {
    for (PetscInt i = 0; i < sw->tasks[k].n; i++)
      out[m++] = sw->tasks[k].sets[i];
  }
  *n = m;
}

PetscErrorCode CvxSweepTaskOverrides(CvxSweep *sweep, PetscInt64 k, PetscInt *n, const char *const **sets)
{
  PetscFunctionBeginUser;
  PetscCheck(sweep && n && sets, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepTaskOverrides: NULL argument");
  PetscCall(CvxSweepCheckTask(sweep, k));
  TaskOverridesFill(sweep, k, n, sweep->scratch);
  *sets = sweep->scratch;
  PetscFunctionReturn(0);
}

/* Appends the value of an override to a folder name: list brackets, quotes
 * and spaces dropped, commas as '-', anything else outside [A-Za-z0-9._+-]
 * as '_'. */
static void AppendNameValue(char *name, size_t len, size_t *pos, const char *v)
{
  for (; *v; v++) {
    unsigned char c = (unsigned char)*v;
    char          o;
    if (strchr("[]{}\"' ", c)) continue;
    if (c == ',')
      o = '-';
    else if (isalnum(c) || strchr("._+-", c))
      o = (char)c;
    else
      o = '_';
    if (*pos + 1 < len)
      name[(*pos)++] = o;
    else
      *pos = len; /* mark as truncated */
  }
}

/* Expands the task_name pattern (or the default "task-<K>") for task k.
 * *ok is false, with the reason in bad, when the pattern names a key the
 * task does not set or the result is not a valid folder name. */
static PetscErrorCode TaskNameCompute(const CvxSweep *sw, PetscInt64 k, const char **ov, char *name, size_t len,
                                      PetscBool *ok, char *bad, size_t badlen)
{
  PetscFunctionBeginUser;
  *ok = PETSC_TRUE;
  if (!sw->task_name) {
    int w = snprintf(name, len, "task-%0*" PetscInt64_FMT, sw->width, k);
    PetscCheck(w > 0 && (size_t)w < len, PETSC_COMM_SELF, PETSC_ERR_ARG_SIZ, "task name buffer too small");
    PetscFunctionReturn(0);
  }
  PetscInt nov;
  size_t   pos = 0;
  TaskOverridesFill(sw, k, &nov, ov);
  for (const char *p = sw->task_name; *p && *ok; p++) {
    if (*p != '{') {
      if (pos + 1 < len)
        name[pos++] = *p;
      else
        pos = len;
      continue;
    }
    const char *e = strchr(p, '}');
    if (!e) {
      snprintf(bad, badlen, "unterminated '{'");
      *ok = PETSC_FALSE;
      break;
    }
    size_t kl = (size_t)(e - p - 1);
    if (kl == 4 && !strncmp(p + 1, "task", 4)) {
      char num[32];
      snprintf(num, sizeof(num), "%0*" PetscInt64_FMT, sw->width, k);
      AppendNameValue(name, len, &pos, num);
    } else {
      const char *val = NULL;
      for (PetscInt i = 0; i < nov; i++) /* the last assignment wins */
        if (!strncmp(ov[i], p + 1, kl) && ov[i][kl] == '=') val = ov[i] + kl + 1;
      if (!val) {
        snprintf(bad, badlen, "{%.*s} is neither {task} nor a key that every task sets", (int)PetscMin(kl, 128), p + 1);
        *ok = PETSC_FALSE;
        break;
      }
      AppendNameValue(name, len, &pos, val);
    }
    p = e;
  }
  if (!*ok) PetscFunctionReturn(0);
  if (pos >= len) {
    snprintf(bad, badlen, "the name of task %" PetscInt64_FMT " is longer than %zu bytes", k, len - 1);
    *ok = PETSC_FALSE;
    PetscFunctionReturn(0);
  }
  name[pos] = '\0';
  if (!NameIsValid(name)) {
    snprintf(bad, badlen, "task %" PetscInt64_FMT " gets the invalid folder name '%s'", k, name);
    *ok = PETSC_FALSE;
  }
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSweepTaskName(const CvxSweep *sweep, PetscInt64 k, char *name, size_t len)
{
  char         bad[CVX_NAME_MAX + 256];
  const char **ov;
  PetscBool    ok;

  PetscFunctionBeginUser;
  PetscCheck(sweep && name && len > 0, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepTaskName: NULL argument");
  PetscCall(CvxSweepCheckTask(sweep, k));
  PetscCall(PetscMalloc1(sweep->max_overrides + 1, &ov));
  PetscErrorCode ierr = TaskNameCompute(sweep, k, ov, name, len, &ok, bad, sizeof(bad));
  PetscCall(PetscFree(ov));
  PetscCall(ierr);
  PetscCheck(ok, PETSC_COMM_SELF, CVX_ERR_INPUT, "%s: task_name: %s", sweep->path, bad);
  PetscFunctionReturn(0);
}

PetscErrorCode CvxSweepTaskConfig(CvxSweep *sweep, PetscInt64 k, int n_extra, const char *const extra_sets[],
                                  CvxConfig *cfg)
{
  const char *const *sets;
  PetscInt           n;
  char               name[CVX_NAME_MAX], dir[CVX_PATH_MAX];
  size_t             dl;

  PetscFunctionBeginUser;
  PetscCheck(sweep && cfg, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepTaskConfig: NULL argument");
  PetscCheck(n_extra >= 0 && (n_extra == 0 || extra_sets), PETSC_COMM_SELF, PETSC_ERR_ARG_NULL,
             "CvxSweepTaskConfig: bad extra overrides");
  PetscCall(CvxSweepTaskOverrides(sweep, k, &n, &sets));
  PetscCall(CvxSweepTaskName(sweep, k, name, sizeof(name)));
  PetscCall(CvxConfigSetDefaults(cfg));
  if (sweep->base) PetscCall(CvxConfigParseString(sweep->base_text, sweep->base_len, sweep->base, cfg));
  for (PetscInt i = 0; i < n; i++)
    PetscCall(CvxConfigApplyOverride(cfg, sets[i]));
  for (int i = 0; i < n_extra; i++)
    PetscCall(CvxConfigApplyOverride(cfg, extra_sets[i]));
  dl = strlen(cfg->output.dir);
  while (dl > 1 && cfg->output.dir[dl - 1] == '/')
    dl--;
  int w = snprintf(dir, sizeof(dir), "%.*s/%s", (int)dl, cfg->output.dir, sweep->name);
  PetscCheck(w > 0 && (size_t)w < sizeof(dir), PETSC_COMM_SELF, CVX_ERR_INPUT,
             "output.dir '%s' with the sweep name '%s' is too long", cfg->output.dir, sweep->name);
  if (dl == 1 && cfg->output.dir[0] == '/') snprintf(dir, sizeof(dir), "/%s", sweep->name);
  PetscCheck(strlen(name) < sizeof(cfg->run.name), PETSC_COMM_SELF, CVX_ERR_INPUT, "task name '%s' is too long", name);
  strcpy(cfg->output.dir, dir);
  strcpy(cfg->run.name, name);
  PetscFunctionReturn(0);
}

/* Writes s for a POSIX shell: as is when it holds only safe characters,
 * otherwise single-quoted. */
static void PrintShellWord(FILE *f, const char *s)
{
  const char *p;
  for (p = s; *p; p++)
    if (!isalnum((unsigned char)*p) && !strchr("._+-/=:,@%", *p)) break;
  if (!*p && *s) {
    fputs(s, f);
    return;
  }
  fputc('\'', f);
  for (p = s; *p; p++) {
    if (*p == '\'')
      fputs("'\\''", f);
    else
      fputc(*p, f);
  }
  fputc('\'', f);
}

PetscErrorCode CvxSweepPrintTasks(CvxSweep *sweep, FILE *f)
{
  PetscFunctionBeginUser;
  PetscCheck(sweep && f, PETSC_COMM_SELF, PETSC_ERR_ARG_NULL, "CvxSweepPrintTasks: NULL argument");
  for (PetscInt64 k = 0; k < sweep->count; k++) {
    const char *const *sets;
    PetscInt           n;
    char               name[CVX_NAME_MAX];
    PetscCall(CvxSweepTaskName(sweep, k, name, sizeof(name)));
    PetscCall(CvxSweepTaskOverrides(sweep, k, &n, &sets));
    fprintf(f, "%" PetscInt64_FMT " %s", k, name);
    for (PetscInt i = 0; i < n; i++) {
      fputc(' ', f);
      PrintShellWord(f, sets[i]);
    }
    fputc('\n', f);
  }
  PetscCheck(!ferror(f), PETSC_COMM_SELF, PETSC_ERR_FILE_WRITE, "writing the task list failed");
  PetscFunctionReturn(0);
}
