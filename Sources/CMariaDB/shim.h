#ifndef CMARIADB_SHIM_H
#define CMARIADB_SHIM_H
// MariaDB Connector/C (libmariadb-dev): the client API, the client error codes (CR_*) and the
// server error codes (ER_*) that DatabaseError classifies.
#include <mysql.h>
#include <errmsg.h>
#include <mysqld_error.h>
#endif
