/* The FastCGI limit of this machine, for `make bench`: the smallest responder libfcgi allows.
 *
 * The process model library-app's serve had until commit 2020755: THREADS threads looping on
 * FCGX_Accept_r over the listening socket inherited as fd 0 (spawn-fcgi), kept connections
 * served by the thread that accepted them (the app's workers now share one epoll poller, so an
 * idle kept connection holds no thread: past THREADS connections the hello's latency is no
 * floor for the app's). Each request is answered {"status":"ok"}. With a memcached
 * server as the first argument, each request first does one libmemcached get of a fixed key
 * (its own TCP or unix-socket connection per thread): the floor of any cached read. A second
 * argument `counted` makes it count the request first, as the app's rate limiter does: a
 * `noreply` incr and then the get, each sent by libmemcached on its own (two sends, one wait);
 * `one-write` sends the same two commands in one write on a unix socket of its own (what a
 * client that batches commands would pay).
 *
 *   cc -O2 -pthread -o fcgi-hello fcgi_hello.c -lfcgi -lmemcached
 *   spawn-fcgi -s /tmp/hello.sock -n -- ./fcgi-hello [127.0.0.1:11211 | /path/memcached.sock [counted | one-write]]
 *
 * THREADS: the environment variable APP_THREADS (default 64), as for library-app.
 * SIGUSR1 (multiwatch's stop signal) or SIGTERM ends it at once: a hello has nothing to drain.
 */
#include <fcgiapp.h>
#include <libmemcached/memcached.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static const char *memcached_server;
static const char *mode = "get";

static const char answer[] =
    "Status: 200 OK\r\n"
    "Content-Type: application/json\r\n"
    "\r\n"
    "{\"status\":\"ok\"}\n";

static memcached_st *connect_memcached(void) {
    if (!memcached_server) return NULL;
    memcached_st *memc = memcached_create(NULL);
    if (memcached_server[0] == '/') {
        memcached_server_add_unix_socket(memc, memcached_server);
    } else {
        char host[256];
        snprintf(host, sizeof host, "%s", memcached_server);
        char *colon = strrchr(host, ':');
        int port = 11211;
        if (colon) { *colon = 0; port = atoi(colon + 1); }
        memcached_server_add(memc, host, (in_port_t)port);
        memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_TCP_NODELAY, 1);
    }
    return memc;
}

/* libfcgi's own SIGUSR1 handler only flags a shutdown, which threads blocked in accept never
 * see: the process would outlive multiwatch's stop. */
static void stop(int signo) {
    (void)signo;
    _exit(0);
}

/* one-write mode: the two commands in one write, then read up to the get's END. */
static int connect_unix(const char *path) {
    int fd = socket(AF_UNIX, SOCK_STREAM, 0);
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    snprintf(address.sun_path, sizeof address.sun_path, "%s", path);
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) { close(fd); return -1; }
    return fd;
}

static void counted_get_one_write(int fd) {
    static const char commands[] = "incr hello_count 1 noreply\r\nget hello\r\n";
    char reply[512];
    size_t used = 0;
    if (write(fd, commands, sizeof commands - 1) < 0) return;
    while (used < sizeof reply - 1) {
        ssize_t got = read(fd, reply + used, sizeof reply - 1 - used);
        if (got <= 0) return;
        used += (size_t)got;
        reply[used] = 0;
        if (used >= 5 && memcmp(reply + used - 5, "END\r\n", 5) == 0) return;
    }
}

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request *request = calloc(1, sizeof *request);  /* fixed address: its streams point back */
    FCGX_InitRequest(request, 0, 0);
    memcached_st *memc = connect_memcached();
    int one_write = memcached_server && strcmp(mode, "one-write") == 0 ? connect_unix(memcached_server) : -1;
    int counted = strcmp(mode, "counted") == 0;
    while (FCGX_Accept_r(request) >= 0) {
        if (one_write >= 0) {
            counted_get_one_write(one_write);
        } else if (memc) {
            if (counted) {  /* as MemcachedClient.incrementWithoutReply, then getMulti */
                uint64_t unused_value;
                memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_NOREPLY, 1);
                memcached_increment(memc, "hello_count", 11, 1, &unused_value);
                memcached_behavior_set(memc, MEMCACHED_BEHAVIOR_NOREPLY, 0);
            }
            size_t length; uint32_t flags; memcached_return_t rc;
            char *value = memcached_get(memc, "hello", 5, &length, &flags, &rc);
            free(value);
        }
        FCGX_PutStr(answer, sizeof answer - 1, request->out);
        FCGX_Finish_r(request);
    }
    return NULL;
}

int main(int argc, char **argv) {
    memcached_server = argc > 1 ? argv[1] : NULL;
    if (argc > 2) mode = argv[2];
    const char *setting = getenv("APP_THREADS");
    int threads = setting ? atoi(setting) : 64;
    if (threads < 1) threads = 1;
    if (FCGX_Init() != 0) return 1;
    signal(SIGPIPE, SIG_IGN);
    signal(SIGUSR1, stop);
    if (memcached_server) {  /* the key the gets read, so they are hits as a cached read is */
        memcached_st *memc = connect_memcached();
        memcached_set(memc, "hello", 5, "{\"status\":\"ok\"}", 15, 0, 0);
        memcached_set(memc, "hello_count", 11, "0", 1, 0, 0);
        memcached_free(memc);
    }
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    return 0;
}
