#ifndef CFASTCGI_SHIM_H
#define CFASTCGI_SHIM_H
// libfcgi's threaded API (FCGX_*). The stdio-replacing fcgi_stdio.h is deliberately not included.
#include <fcgiapp.h>
#endif
