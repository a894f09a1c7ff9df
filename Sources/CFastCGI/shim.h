#ifndef CFASTCGI_SHIM_H
#define CFASTCGI_SHIM_H
// libfcgi's threaded API (FCGX_*). The stdio-replacing fcgi_stdio.h is deliberately not included.
#include <fcgiapp.h>
// epoll, which the worker pool waits on for web-server connections (not in Swift's Glibc module).
#include <sys/epoll.h>
#endif
