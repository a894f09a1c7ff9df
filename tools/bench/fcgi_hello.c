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
 * client that batches commands would pay). `shaped DIR` is the floor of a counted cached read as
 * the app answers it: the same one write (incr noreply + get) on a unix socket, where the get
 * reads the answer itself, the CGI bytes the app sent for the same request (DIR/<name>, stored
 * in memcached at start, and again after an eviction), and that value is the answer written to nginx. <name> is the last
 * segment of REQUEST_URI; the bench sends the app's request headers too, so nginx and wrk
 * handle the same bytes in and out as for the app's row.
 *
 *   cc -O2 -pthread -o fcgi-hello fcgi_hello.c -lfcgi -lmemcached
 *   spawn-fcgi -s /tmp/hello.sock -n -- ./fcgi-hello [127.0.0.1:11211 | /path/memcached.sock [counted | one-write | shaped DIR]]
 *
 * THREADS: the environment variable APP_THREADS (default 64), as for library-app.
 * SIGUSR1 (multiwatch's stop signal) or SIGTERM ends it at once: a hello has nothing to drain.
 */
#define _GNU_SOURCE   /* memrchr */
#include <dirent.h>
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
static const char *shapes_dir;   /* shaped mode: the answers, one file per name */

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

/* Writes `commands`, then reads until the get's END into reply (size capacity); returns the
 * bytes read, or -1. */
static ssize_t one_write(int fd, const char *commands, size_t length, char *reply, size_t capacity) {
    size_t used = 0;
    if (write(fd, commands, length) < 0) return -1;
    while (used < capacity) {
        ssize_t got = read(fd, reply + used, capacity - used);
        if (got <= 0) return -1;
        used += (size_t)got;
        if (used >= 5 && memcmp(reply + used - 5, "END\r\n", 5) == 0) return (ssize_t)used;
    }
    return -1;
}

static void counted_get_one_write(int fd) {
    static const char commands[] = "incr hello_count 1 noreply\r\nget hello\r\n";
    char reply[512];
    one_write(fd, commands, sizeof commands - 1, reply, sizeof reply);
}

/* shaped mode: the answer is the get's value ("VALUE key flags bytes\r\n<bytes>\r\nEND\r\n"). */
enum { SHAPE_REPLY_CAPACITY = 256 * 1024 };

/* Reads DIR/<name> into content and stores it in memcached as hello_shape_<name>; returns its
 * length (0: no such shape). */
static size_t store_shape(memcached_st *memc, const char *name, char *content, size_t capacity) {
    char path[4096], key[300];
    snprintf(path, sizeof path, "%s/%s", shapes_dir, name);
    snprintf(key, sizeof key, "hello_shape_%s", name);
    FILE *file = fopen(path, "rb");
    if (!file) return 0;
    size_t length = fread(content, 1, capacity, file);
    fclose(file);
    memcached_set(memc, key, strlen(key), content, length, 0, 0);
    return length;
}

static void shaped_answer(int fd, memcached_st *memc, FCGX_Request *request, char *reply) {
    const char *uri = FCGX_GetParam("REQUEST_URI", request->envp);
    const char *slash = uri ? strrchr(uri, '/') : NULL;
    const char *name = slash && slash[1] && !strpbrk(slash + 1, " \r\n/.") ? slash + 1 : "-";
    char commands[512];
    int length = snprintf(commands, sizeof commands, "incr hello_count 1 noreply\r\nget hello_shape_%s\r\n", name);
    ssize_t got = length > 0 && (size_t)length < sizeof commands
        ? one_write(fd, commands, (size_t)length, reply, SHAPE_REPLY_CAPACITY) : -1;
    char *value = got > 0 ? memchr(reply, '\n', (size_t)got) : NULL;
    unsigned long bytes = 0;
    if (value && strncmp(reply, "VALUE ", 6) == 0) {
        char *last_space = memrchr(reply, ' ', (size_t)(value - reply));
        bytes = last_space ? strtoul(last_space + 1, NULL, 10) : 0;
    }
    if (value && bytes && value + 1 + bytes <= reply + got) {
        FCGX_PutStr(value + 1, (int)bytes, request->out);
        return;
    }
    /* A miss: memcached evicted the shape (the never-cached list fills it): store it again. */
    size_t stored = got > 0 ? store_shape(memc, name, reply, SHAPE_REPLY_CAPACITY) : 0;
    if (stored) {
        FCGX_PutStr(reply, (int)stored, request->out);
    } else {
        static const char missing[] = "Status: 404 Not Found\r\nContent-Type: text/plain\r\n\r\nno such shape\n";
        FCGX_PutStr(missing, sizeof missing - 1, request->out);
    }
}

/* Stores every file of shapes_dir in memcached. */
static void store_shapes(memcached_st *memc) {
    DIR *dir = opendir(shapes_dir);
    if (!dir) { perror(shapes_dir); exit(1); }
    static char content[SHAPE_REPLY_CAPACITY];
    for (struct dirent *entry; (entry = readdir(dir));) {
        if (entry->d_name[0] != '.' && !store_shape(memc, entry->d_name, content, sizeof content)) {
            perror(entry->d_name);
            exit(1);
        }
    }
    closedir(dir);
}

static void *serve(void *unused) {
    (void)unused;
    FCGX_Request *request = calloc(1, sizeof *request);  /* fixed address: its streams point back */
    FCGX_InitRequest(request, 0, 0);
    memcached_st *memc = connect_memcached();
    int shaped = shapes_dir != NULL;
    int one_write = memcached_server && (shaped || strcmp(mode, "one-write") == 0) ? connect_unix(memcached_server) : -1;
    char *reply = shaped ? malloc(SHAPE_REPLY_CAPACITY) : NULL;
    int counted = strcmp(mode, "counted") == 0;
    while (FCGX_Accept_r(request) >= 0) {
        if (shaped && one_write >= 0) {
            shaped_answer(one_write, memc, request, reply);
            FCGX_Finish_r(request);
            continue;
        }
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
    if (strcmp(mode, "shaped") == 0) {
        if (argc < 4 || !memcached_server || memcached_server[0] != '/') {
            fprintf(stderr, "shaped needs a memcached unix socket and a directory of answers\n");
            return 2;
        }
        shapes_dir = argv[3];
    }
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
        if (shapes_dir) store_shapes(memc);
        memcached_free(memc);
    }
    pthread_t *ids = calloc((size_t)threads, sizeof *ids);
    for (int i = 0; i < threads; i++) pthread_create(&ids[i], NULL, serve, NULL);
    for (int i = 0; i < threads; i++) pthread_join(ids[i], NULL);
    return 0;
}
