#ifndef CMARIADB_SHIM_H
#define CMARIADB_SHIM_H
// MariaDB Connector/C (libmariadb-dev): the client API, the client error codes (CR_*) and the
// server error codes (ER_*) that DatabaseError classifies; and the connection's I/O layer
// (ma_pvio.h, the header Connector/C ships for I/O plugins), whose socket read BlockingRead
// replaces.
#include <mysql.h>
#include <ma_pvio.h>
#include <errmsg.h>
#include <mysqld_error.h>
#endif
