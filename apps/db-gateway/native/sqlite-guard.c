/*
 * The SQLite guard: a loadable extension the gateway loads into every connection it opens. It
 * enforces, inside SQLite, what the gateway's statement policy checks on the text, so that a
 * statement the policy misreads still cannot do what the policy forbids:
 *
 *  - defensive mode (SQLITE_DBCONFIG_DEFENSIVE): shadow tables of FTS and R-Tree indexes are
 *    read-only, writable_schema cannot be turned on, the schema cookie cannot be set;
 *  - untrusted schema (SQLITE_DBCONFIG_TRUSTED_SCHEMA off): views and triggers cannot call
 *    functions or virtual tables that have side effects or reveal the host (pragma_database_list);
 *  - an authorizer that refuses, whatever the spelling, everything that writes the temp schema
 *    (objects there live on one pooled connection and would shadow the main ones), ATTACH and
 *    DETACH (unless the gateway itself lifted the connection's ATTACH limit for a VACUUM),
 *    load_extension(), and the pragmas that reveal the host or unlock the schema.
 *
 * It also registers the batches of streamed reads (stream-batch.c). Not a guard, but it needs the
 * same moment (before the connection's first statement): the connection's lookaside is turned off
 * (see without_lookaside).
 *
 * Built by `npm run build` (native/build.js) against the headers of the SQLite that the sqlite3
 * package compiles, so it runs inside that very library through the extension API.
 */
#include "sqlite3ext.h"
SQLITE_EXTENSION_INIT1

int dbforge_register_stream_batches(sqlite3 *db); /* stream-batch.c */

static int is_temp(const char *schema) { return schema != 0 && sqlite3_stricmp(schema, "temp") == 0; }

static int named(const char *value, const char *name) { return value != 0 && sqlite3_stricmp(value, name) == 0; }

static int authorize(void *context, int action, const char *first, const char *second, const char *schema, const char *inner) {
  sqlite3 *db = (sqlite3 *)context;
  (void)inner;
  switch (action) {
    case SQLITE_CREATE_TEMP_INDEX:
    case SQLITE_CREATE_TEMP_TABLE:
    case SQLITE_CREATE_TEMP_TRIGGER:
    case SQLITE_CREATE_TEMP_VIEW:
      return SQLITE_DENY;
    case SQLITE_ATTACH:
    case SQLITE_DETACH:
      return sqlite3_limit(db, SQLITE_LIMIT_ATTACHED, -1) > 0 ? SQLITE_OK : SQLITE_DENY;
    case SQLITE_FUNCTION:
      return named(second, "load_extension") ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_PRAGMA:
      if (named(first, "database_list") || named(first, "writable_schema") || named(first, "trusted_schema")) return SQLITE_DENY;
      return is_temp(schema) && second != 0 ? SQLITE_DENY : SQLITE_OK;
    case SQLITE_READ:
    case SQLITE_SELECT:
    case SQLITE_TRANSACTION:
    case SQLITE_SAVEPOINT:
    case SQLITE_RECURSIVE:
      return SQLITE_OK;
    default:
      /* INSERT, UPDATE, DELETE, CREATE, DROP, ALTER, ANALYZE, REINDEX... in the temp schema. */
      return is_temp(schema) ? SQLITE_DENY : SQLITE_OK;
  }
}

/*
 * SQLite gives every connection 48 KB of lookaside slots for small allocations, allocated and touched
 * at open. The gateway keeps connections to up to DBFORGE_MAX_OPEN_DATABASES databases, so that is
 * 48 MB per thousand connections; measured through the gateway, point reads, scans and statement
 * preparation run no slower without it (statements are prepared once and cached), so it is off.
 * Only possible before the connection has used any slot, hence here; should SQLite refuse
 * (SQLITE_BUSY), the connection just keeps its lookaside.
 */
static void without_lookaside(sqlite3 *db) { (void)sqlite3_db_config(db, SQLITE_DBCONFIG_LOOKASIDE, (void *)0, 0, 0); }

#ifdef _WIN32
__declspec(dllexport)
#endif
int sqlite3_extension_init(sqlite3 *db, char **error, const sqlite3_api_routines *api) {
  int on = -1;
  SQLITE_EXTENSION_INIT2(api);
  without_lookaside(db);
  if (sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, &on) != SQLITE_OK || on != 1) {
    *error = sqlite3_mprintf("dbforge guard: defensive mode could not be turned on");
    return SQLITE_ERROR;
  }
  if (sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &on) != SQLITE_OK || on != 0) {
    *error = sqlite3_mprintf("dbforge guard: trusted_schema could not be turned off");
    return SQLITE_ERROR;
  }
  if (dbforge_register_stream_batches(db) != SQLITE_OK) {
    *error = sqlite3_mprintf("dbforge guard: the stream batches could not be registered");
    return SQLITE_ERROR;
  }
  return sqlite3_set_authorizer(db, authorize, db);
}
