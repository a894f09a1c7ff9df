#ifndef CMEMCACHED_SHIM_H
#define CMEMCACHED_SHIM_H
// libmemcached 1.x (libmemcached-dev): the client API that the Cache target wraps.
#include <libmemcached/memcached.h>
#endif
