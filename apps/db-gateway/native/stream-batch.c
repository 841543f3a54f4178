/*
 * Batches for streamed reads, part of the SQLite guard extension (sqlite-guard.c registers them on
 * every connection). node-sqlite3 steps a statement one row per trip to the thread pool (`get`) or
 * all of it at once (`all`, `each`); a stream needs N rows of a statement that stays open between
 * batches, so that memory holds one batch and a slow client slows the statement. This module lets a
 * plain `all` do that in one trip:
 *
 *   SELECT dbforge_stream_columns(:sql)          -- the column names of the paused statement, NUL-separated (a BLOB)
 *   SELECT c0 AS "0", ... FROM dbforge_stream_batch(:sql, 0, 0)  -- max_rows 0: the row it is paused on, unstepped
 *   SELECT c0 AS "id", c1 AS "name" FROM dbforge_stream_batch(:sql, :max_rows, :max_bytes)
 *
 * `:sql` is the text of a statement on the same connection that node-sqlite3 has bound and stepped
 * once (`get`), so that it is paused on a row (sqlite3_stmt_busy). The table-valued function steps
 * that statement on, up to `max_rows` rows, stopping after the row that passes about `max_bytes`
 * (always at least one row), and hands out its values unchanged (sqlite3_result_value), so rows come
 * out as `get` would have returned them. When the statement has no more rows the batch is empty;
 * an error of the statement (or an interrupt) is the error of the batch, code and message.
 *
 * Safety: stepping a statement that is itself running would corrupt it, so only a paused statement
 * is ever stepped, and a statement whose text names dbforge_stream_batch is never a candidate: a
 * statement running this function must name it (DIRECTONLY keeps it out of views and triggers), so
 * it can never be the one stepped. A batch inside a batch is refused. A statement that has finished
 * is never stepped again (SQLite would start it over).
 */
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT3

#include <string.h>

#define BATCH_NAME "dbforge_stream_batch"
#define HIDDEN_COLUMNS 3 /* statement, max_rows, max_bytes */

typedef struct Batches {
  sqlite3_vtab base;
  sqlite3 *db;
  int columns;         /* value columns declared: c0 .. c<columns-1> */
  int stepping;        /* a batch is stepping its statement: no batch inside it */
  sqlite3_stmt *ended; /* the last statement a batch stepped to its end (compared, never used) */
} Batches;

typedef struct BatchCursor {
  sqlite3_vtab_cursor base;
  sqlite3_stmt *statement; /* the paused statement being stepped (not owned) */
  sqlite3_int64 rows;      /* rows handed out by this batch */
  sqlite3_int64 bytes;     /* about their size in JSON */
  sqlite3_int64 maxRows;
  sqlite3_int64 maxBytes;
  sqlite3_int64 nameBytes; /* the JSON size of a row's keys */
  int eof;
} BatchCursor;

static int names_batch(const char *text) {
  static const char name[] = BATCH_NAME;
  size_t n = sizeof(name) - 1;
  for (; *text; text++) {
    if (sqlite3_strnicmp(text, name, (int)n) == 0) return 1;
  }
  return 0;
}

/*
 * Whether `statement` was prepared from `sql`: SQLite keeps the text up to the end of the statement
 * (its `;` included), so what follows a `;` in `sql` (spaces, a comment) is not part of it.
 */
static int prepared_from(sqlite3_stmt *statement, const char *sql) {
  const char *text = sqlite3_sql(statement);
  size_t length;
  if (text == 0) return 0;
  length = strlen(text);
  if (strncmp(text, sql, length) != 0) return 0;
  return sql[length] == 0 || (length > 0 && text[length - 1] == ';');
}

/*
 * The paused statement prepared from `sql` (SQLITE_OK, *found set), none when the last batch ran it
 * to its end (SQLITE_OK, *found 0), or an error when there is no such statement or more than one.
 */
static int find_paused(sqlite3 *db, sqlite3_stmt *ended, const char *sql, sqlite3_stmt **found, char **error) {
  sqlite3_stmt *statement = 0;
  int finished = 0;
  *found = 0;
  while ((statement = sqlite3_next_stmt(db, statement)) != 0) {
    const char *text = sqlite3_sql(statement);
    if (text == 0 || !prepared_from(statement, sql) || names_batch(text)) continue;
    if (!sqlite3_stmt_busy(statement)) {
      if (statement == ended) finished = 1;
      continue;
    }
    if (*found != 0) {
      *error = sqlite3_mprintf(BATCH_NAME ": more than one open statement has this text");
      return SQLITE_ERROR;
    }
    *found = statement;
  }
  if (*found == 0 && !finished) {
    *error = sqlite3_mprintf(BATCH_NAME ": no open statement has this text (step it once first)");
    return SQLITE_ERROR;
  }
  return SQLITE_OK;
}

static int batch_connect(sqlite3 *db, void *aux, int argc, const char *const *argv, sqlite3_vtab **out, char **error) {
  Batches *batches;
  sqlite3_str *schema;
  char *sql;
  int columns = sqlite3_limit(db, SQLITE_LIMIT_COLUMN, -1) - HIDDEN_COLUMNS;
  int rc;
  int i;
  (void)aux;
  (void)argc;
  (void)argv;
  if (columns < 1) return SQLITE_ERROR;
  schema = sqlite3_str_new(db);
  sqlite3_str_appendall(schema, "CREATE TABLE x(");
  for (i = 0; i < columns; i++) sqlite3_str_appendf(schema, "c%d,", i);
  sqlite3_str_appendall(schema, "statement HIDDEN, max_rows HIDDEN, max_bytes HIDDEN)");
  sql = sqlite3_str_finish(schema);
  if (sql == 0) return SQLITE_NOMEM;
  rc = sqlite3_declare_vtab(db, sql);
  sqlite3_free(sql);
  if (rc != SQLITE_OK) return rc;
  sqlite3_vtab_config(db, SQLITE_VTAB_DIRECTONLY);
  batches = sqlite3_malloc(sizeof(*batches));
  if (batches == 0) return SQLITE_NOMEM;
  memset(batches, 0, sizeof(*batches));
  batches->db = db;
  batches->columns = columns;
  *out = &batches->base;
  (void)error;
  return SQLITE_OK;
}

static int batch_disconnect(sqlite3_vtab *vtab) {
  sqlite3_free(vtab);
  return SQLITE_OK;
}

/* The three hidden columns must be given (`= ?`, or as the function's arguments), in that order. */
static int batch_best_index(sqlite3_vtab *vtab, sqlite3_index_info *info) {
  Batches *batches = (Batches *)vtab;
  int seen[HIDDEN_COLUMNS] = {-1, -1, -1};
  int i;
  for (i = 0; i < info->nConstraint; i++) {
    const struct sqlite3_index_constraint *constraint = &info->aConstraint[i];
    int hidden = constraint->iColumn - batches->columns;
    if (hidden < 0 || hidden >= HIDDEN_COLUMNS) continue;
    if (!constraint->usable || constraint->op != SQLITE_INDEX_CONSTRAINT_EQ) return SQLITE_CONSTRAINT;
    seen[hidden] = i;
  }
  for (i = 0; i < HIDDEN_COLUMNS; i++) {
    if (seen[i] < 0) {
      sqlite3_free(vtab->zErrMsg);
      vtab->zErrMsg = sqlite3_mprintf(BATCH_NAME " takes three arguments: the statement's text, max_rows, max_bytes");
      return SQLITE_ERROR;
    }
    info->aConstraintUsage[seen[i]].argvIndex = i + 1;
    info->aConstraintUsage[seen[i]].omit = 1;
  }
  info->estimatedCost = 1;
  info->estimatedRows = 512;
  return SQLITE_OK;
}

static int batch_open(sqlite3_vtab *vtab, sqlite3_vtab_cursor **out) {
  BatchCursor *cursor = sqlite3_malloc(sizeof(*cursor));
  (void)vtab;
  if (cursor == 0) return SQLITE_NOMEM;
  memset(cursor, 0, sizeof(*cursor));
  cursor->eof = 1;
  *out = &cursor->base;
  return SQLITE_OK;
}

static int batch_close(sqlite3_vtab_cursor *cursor) {
  sqlite3_free(cursor);
  return SQLITE_OK;
}

/* About the JSON size of the current row, as jsonSizeOf counts it: text by its length, BLOBs as base64, numbers at their longest. */
static sqlite3_int64 row_bytes(BatchCursor *cursor) {
  sqlite3_stmt *statement = cursor->statement;
  int columns = sqlite3_column_count(statement);
  sqlite3_int64 size = 2 + cursor->nameBytes;
  int i;
  for (i = 0; i < columns; i++) {
    switch (sqlite3_column_type(statement, i)) {
      case SQLITE_TEXT:
        size += sqlite3_column_bytes(statement, i) + 2;
        break;
      case SQLITE_BLOB:
        size += (sqlite3_column_bytes(statement, i) + 2) / 3 * 4 + 2;
        break;
      default:
        size += 24;
    }
  }
  return size;
}

/* Steps the statement to its next row, unless the batch is full. */
static int batch_step(BatchCursor *cursor) {
  Batches *batches = (Batches *)cursor->base.pVtab;
  int rc;
  if (cursor->rows >= cursor->maxRows || (cursor->rows > 0 && cursor->bytes >= cursor->maxBytes)) {
    cursor->eof = 1;
    return SQLITE_OK;
  }
  batches->stepping = 1;
  rc = sqlite3_step(cursor->statement);
  batches->stepping = 0;
  if (rc == SQLITE_ROW) {
    cursor->rows++;
    cursor->bytes += row_bytes(cursor);
    return SQLITE_OK;
  }
  cursor->eof = 1;
  if (rc == SQLITE_DONE) {
    batches->ended = cursor->statement;
    return SQLITE_OK;
  }
  sqlite3_free(batches->base.zErrMsg);
  batches->base.zErrMsg = sqlite3_mprintf("%s", sqlite3_errmsg(batches->db));
  return rc;
}

static int batch_filter(sqlite3_vtab_cursor *base, int plan, const char *plan_text, int argc, sqlite3_value **argv) {
  BatchCursor *cursor = (BatchCursor *)base;
  Batches *batches = (Batches *)base->pVtab;
  const char *sql;
  sqlite3_stmt *statement;
  int rc;
  int i;
  (void)plan;
  (void)plan_text;
  cursor->eof = 1;
  cursor->rows = 0;
  cursor->bytes = 0;
  if (batches->stepping) {
    sqlite3_free(batches->base.zErrMsg);
    batches->base.zErrMsg = sqlite3_mprintf(BATCH_NAME " cannot run inside a batch");
    return SQLITE_ERROR;
  }
  sql = argc == HIDDEN_COLUMNS ? (const char *)sqlite3_value_text(argv[0]) : 0;
  if (sql == 0) return SQLITE_MISUSE;
  cursor->maxRows = sqlite3_value_int64(argv[1]);
  cursor->maxBytes = sqlite3_value_int64(argv[2]);
  sqlite3_free(batches->base.zErrMsg);
  batches->base.zErrMsg = 0;
  rc = find_paused(batches->db, batches->ended, sql, &statement, &batches->base.zErrMsg);
  if (rc != SQLITE_OK || statement == 0) return rc;
  if (sqlite3_column_count(statement) > batches->columns) {
    batches->base.zErrMsg = sqlite3_mprintf(BATCH_NAME ": the statement has more columns than a batch holds");
    return SQLITE_ERROR;
  }
  batches->ended = 0;
  cursor->statement = statement;
  cursor->nameBytes = 0;
  for (i = 0; i < sqlite3_column_count(statement); i++) {
    const char *name = sqlite3_column_name(statement, i);
    cursor->nameBytes += (name ? (sqlite3_int64)strlen(name) : 0) + 4;
  }
  cursor->eof = 0;
  if (cursor->maxRows == 0) {
    /* The row the paused statement is on, without stepping: the row its first step read. */
    cursor->rows = 1;
    cursor->bytes = row_bytes(cursor);
    return SQLITE_OK;
  }
  return batch_step(cursor);
}

static int batch_next(sqlite3_vtab_cursor *base) {
  return batch_step((BatchCursor *)base);
}

static int batch_eof(sqlite3_vtab_cursor *base) {
  return ((BatchCursor *)base)->eof;
}

static int batch_column(sqlite3_vtab_cursor *base, sqlite3_context *context, int column) {
  BatchCursor *cursor = (BatchCursor *)base;
  if (column < sqlite3_column_count(cursor->statement)) sqlite3_result_value(context, sqlite3_column_value(cursor->statement, column));
  else sqlite3_result_null(context);
  return SQLITE_OK;
}

static int batch_rowid(sqlite3_vtab_cursor *base, sqlite3_int64 *rowid) {
  *rowid = ((BatchCursor *)base)->rows;
  return SQLITE_OK;
}

static sqlite3_module batch_module = {
  0,                /* iVersion */
  0,                /* xCreate: eponymous only */
  batch_connect,    /* xConnect */
  batch_best_index, /* xBestIndex */
  batch_disconnect, /* xDisconnect */
  0,                /* xDestroy */
  batch_open,       /* xOpen */
  batch_close,      /* xClose */
  batch_filter,     /* xFilter */
  batch_next,       /* xNext */
  batch_eof,        /* xEof */
  batch_column,     /* xColumn */
  batch_rowid,      /* xRowid */
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/*
 * dbforge_stream_columns(sql): the names of the paused statement's columns, each followed by a NUL,
 * as a BLOB; NULL when they are more than a batch holds, or the statement has ended.
 */
static void stream_columns(sqlite3_context *context, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(context);
  const char *sql = argc == 1 ? (const char *)sqlite3_value_text(argv[0]) : 0;
  sqlite3_stmt *statement;
  char *error = 0;
  sqlite3_str *names;
  int length;
  int i;
  if (sql == 0) {
    sqlite3_result_error(context, "dbforge_stream_columns takes the statement's text", -1);
    return;
  }
  if (find_paused(db, 0, sql, &statement, &error) != SQLITE_OK) {
    sqlite3_result_error(context, error, -1);
    sqlite3_free(error);
    return;
  }
  if (sqlite3_column_count(statement) > sqlite3_limit(db, SQLITE_LIMIT_COLUMN, -1) - HIDDEN_COLUMNS) return; /* NULL */
  names = sqlite3_str_new(db);
  for (i = 0; i < sqlite3_column_count(statement); i++) {
    const char *name = sqlite3_column_name(statement, i);
    sqlite3_str_appendall(names, name ? name : "");
    sqlite3_str_appendchar(names, 1, 0);
  }
  length = sqlite3_str_length(names);
  sqlite3_result_blob(context, sqlite3_str_finish(names), length, sqlite3_free);
}

/*
 * dbforge_columns(sql): the result columns of the (first) statement of `sql`, compiled on this
 * connection and finalized without a step (so it runs nothing): for each column its name and its
 * declared type, each followed by a NUL, as a BLOB (an empty declared type: none, an expression).
 * An empty BLOB when the statement returns no rows; SQLite's error when it does not compile.
 */
static void statement_columns(sqlite3_context *context, int argc, sqlite3_value **argv) {
  sqlite3 *db = sqlite3_context_db_handle(context);
  const char *sql = argc == 1 ? (const char *)sqlite3_value_text(argv[0]) : 0;
  sqlite3_stmt *statement = 0;
  sqlite3_str *columns;
  int length;
  int i;
  if (sql == 0) {
    sqlite3_result_error(context, "dbforge_columns takes a statement's text", -1);
    return;
  }
  if (sqlite3_prepare_v2(db, sql, -1, &statement, 0) != SQLITE_OK) {
    sqlite3_result_error(context, sqlite3_errmsg(db), -1);
    sqlite3_finalize(statement);
    return;
  }
  columns = sqlite3_str_new(db);
  for (i = 0; statement != 0 && i < sqlite3_column_count(statement); i++) {
    const char *name = sqlite3_column_name(statement, i);
    const char *declared = sqlite3_column_decltype(statement, i);
    sqlite3_str_appendall(columns, name ? name : "");
    sqlite3_str_appendchar(columns, 1, 0);
    sqlite3_str_appendall(columns, declared ? declared : "");
    sqlite3_str_appendchar(columns, 1, 0);
  }
  sqlite3_finalize(statement);
  length = sqlite3_str_length(columns);
  if (length == 0) {
    sqlite3_free(sqlite3_str_finish(columns));
    sqlite3_result_zeroblob(context, 0);
    return;
  }
  sqlite3_result_blob(context, sqlite3_str_finish(columns), length, sqlite3_free);
}

int dbforge_register_stream_batches(sqlite3 *db) {
  int rc = sqlite3_create_module(db, BATCH_NAME, &batch_module, 0);
  if (rc != SQLITE_OK) return rc;
  rc = sqlite3_create_function(db, "dbforge_stream_columns", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, stream_columns, 0, 0);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function(db, "dbforge_columns", 1, SQLITE_UTF8 | SQLITE_DIRECTONLY, 0, statement_columns, 0, 0);
}
