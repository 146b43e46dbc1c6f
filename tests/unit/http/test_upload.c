/* SPDX-License-Identifier: MIT */
/*
 * Integration tests for multipart uploads (HTTP_ROUTE_UPLOAD,
 * src/http/upload.c and the streaming path in server.c): a real
 * http_server on 127.0.0.1, port 0, with one upload route whose handler
 * calls http_req_form(), moves each file part away with http_part_take()
 * and answers JSON describing the parts; requests are written raw on POSIX
 * sockets. Checked: fields and files with their size and SHA-256; a 5 MB
 * file streamed without the process RSS growing by the file size (and,
 * as a control showing the measurement can fail, the same body buffered
 * by a plain route does grow it); a chunked upload over the body cap gets
 * 413 and leaves no temporary file; a declared Content-Length over the cap
 * gets 413 before any body is sent; malformed bodies, bad boundaries and
 * part limits get 400/413 problem+json with nothing left behind; a JSON
 * body on the same route still reads through http_req_json; a take across
 * file systems (EXDEV, /dev/shm when it is one) falls back to a copy.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <sodium.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "http/http.h"
#include "testutil.h"

#define MAX_BODY        (8u * 1024 * 1024)
#define BOUNDARY        "----SalientTestBoundary7f3a9"
#define BOUNDARY_PREFIX "----SalientTestBoundary7f3a" /* not a delimiter */

static char tmp_root[512], upload_dir[600], dest_dir[600], alt_dir[600];
static http_server_t *server;
static http_router_t *router;
static sal_app_t app;

/* ---- the routes under test ------------------------------------------------ */

static int h_upload(http_req_t *req) {
    const http_part_t *parts;
    size_t n;
    int rc = http_req_form(req, &parts, &n);
    if (rc == SAL_ENOTFOUND) { /* not multipart: the JSON path of the same route */
        json_t *obj;
        if (http_req_json(req, &obj) < 0) return 0;
        size_t len;
        http_req_body(req, &len);
        return http_send_json(
            req, 200,
            json_pack("{s:s,s:o,s:I}", "kind", "json", "body", obj, "len", (json_int_t)len));
    }
    if (rc < 0) return 0; /* the problem was sent */
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        const http_part_t *p = &parts[i];
        json_t *o = json_pack("{s:s}", "name", p->name);
        if (p->content_type) json_object_set_new(o, "content_type", json_string(p->content_type));
        if (!p->filename) {
            json_object_set_new(o, "value", json_stringn(p->value, p->len));
            json_object_set_new(o, "len", json_integer((json_int_t)p->len));
        } else {
            json_object_set_new(o, "filename", json_string(p->filename));
            json_object_set_new(o, "size", json_integer((json_int_t)p->size));
            json_object_set_new(o, "sha256", json_string(p->sha256));
            /* the temporary file is under upload_dir while the handler runs */
            bool under =
                strncmp(p->path, upload_dir, strlen(upload_dir)) == 0 && access(p->path, R_OK) == 0;
            json_object_set_new(o, "tmp_ok", json_boolean(under));
            char dest[1024];
            bool alt = strncmp(p->name, "alt", 3) == 0 && alt_dir[0];
            snprintf(dest, sizeof dest, "%s/%s", alt ? alt_dir : dest_dir, p->name);
            json_object_set_new(o, "take", json_integer(http_part_take(req, p, dest)));
            /* a second take of the same part is refused */
            json_object_set_new(o, "take2", json_integer(http_part_take(req, p, dest)));
        }
        json_array_append_new(arr, o);
    }
    const http_part_t *first = http_form_get(parts, n, "title");
    return http_send_json(req, 200,
                          json_pack("{s:s,s:o,s:s?}", "kind", "form", "parts", arr, "title",
                                    first ? first->value : NULL));
}

static int h_buffered(http_req_t *req) {
    size_t len;
    http_req_body(req, &len);
    return http_send_json(req, 200, json_pack("{s:I}", "len", (json_int_t)len));
}

static const http_route_t routes[] = {
    {"POST", "/upload", h_upload, HTTP_OPEN, HTTP_ROUTE_UPLOAD},
    {"POST", "/buffered", h_buffered, HTTP_OPEN, 0},
    {"POST", "/plain-form", h_upload, HTTP_OPEN, 0},
};

/* ---- set-up --------------------------------------------------------------- */

static int dir_entries(const char *dir) {
    DIR *d = opendir(dir);
    if (!d) return 0;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) n++;
    closedir(d);
    return n;
}

/* The request completes (and its files are deleted) just after the
 * response is written, so wait a little for upload_dir to empty. */
static void assert_no_temp_files(void) {
    for (int i = 0; i < 100 && dir_entries(upload_dir) > 0; i++) usleep(20 * 1000);
    assert_int_equal(dir_entries(upload_dir), 0);
}

static int setup(void **state) {
    (void)state;
    sal_log_set_level(SAL_LOG_WARN);
    tu_mkdtemp(tmp_root, sizeof tmp_root);
    snprintf(upload_dir, sizeof upload_dir, "%s/var/uploads", tmp_root); /* made by the server */
    snprintf(dest_dir, sizeof dest_dir, "%s/dest", tmp_root);
    if (mkdir(dest_dir, 0700) < 0) return -1;
    /* /dev/shm, when it is a different file system, makes rename() fail
     * with EXDEV, so takes there go through the copy fallback. */
    struct stat a, b;
    snprintf(alt_dir, sizeof alt_dir, "/dev/shm/salient-upload-XXXXXX");
    if (stat("/dev/shm", &a) == 0 && stat(tmp_root, &b) == 0 && a.st_dev != b.st_dev &&
        mkdtemp(alt_dir) != NULL) {
    } else {
        alt_dir[0] = '\0';
    }
    router = http_router_new();
    if (http_router_add_all(router, routes, sizeof routes / sizeof routes[0]) < 0) return -1;
    http_server_opts_t opts = {.host = "127.0.0.1",
                               .port = 0,
                               .threads = 2,
                               .conn_timeout_s = 15,
                               .max_body_bytes = MAX_BODY,
                               .upload_dir = upload_dir};
    return http_server_start(&opts, router, &app, &server) < 0 ? -1 : 0;
}

static int teardown(void **state) {
    (void)state;
    http_server_stop(server);
    http_router_free(router);
    if (alt_dir[0]) tu_rmrf(alt_dir);
    tu_rmrf(tmp_root);
    return 0;
}

/* ---- a raw HTTP client ---------------------------------------------------- */

static int connect_server(void) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)http_server_port(server))};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    return fd;
}

/* Sends all of data; false when the peer is gone. */
static bool send_all(int fd, const void *data, size_t len) {
    const char *p = data;
    while (len) {
        ssize_t w = send(fd, p, len, MSG_NOSIGNAL);
        if (w <= 0) return false;
        p += w;
        len -= (size_t)w;
    }
    return true;
}

typedef struct {
    int status;
    char head[2048];
    char *body;
    json_t *json;
} resp_t;

/* Reads until the peer closes (every request says Connection: close). */
static void read_response(int fd, resp_t *r) {
    sal_buf_t b;
    sal_buf_init(&b, 0);
    char buf[16384];
    for (;;) {
        ssize_t n = recv(fd, buf, sizeof buf, 0);
        if (n <= 0) break;
        sal_buf_append(&b, buf, (size_t)n);
    }
    close(fd);
    memset(r, 0, sizeof *r);
    const char *sep = b.data ? strstr(b.data, "\r\n\r\n") : NULL;
    if (!sep) fail_msg("no HTTP response (%zu bytes): %s", b.len, b.data ? b.data : "");
    assert_int_equal(sscanf(b.data, "HTTP/1.%*d %d", &r->status), 1);
    size_t hl = (size_t)(sep - b.data);
    if (hl >= sizeof r->head) hl = sizeof r->head - 1;
    memcpy(r->head, b.data, hl);
    r->head[hl] = '\0';
    r->body = xstrdup(sep + 4);
    r->json = json_loads(r->body, 0, NULL);
    sal_buf_free(&b);
}

static void resp_free(resp_t *r) {
    free(r->body);
    json_decref(r->json);
}

static int send_request(const char *path, const char *ctype, const char *body, size_t len,
                        resp_t *r) {
    int fd = connect_server();
    char head[1024];
    int hl = snprintf(head, sizeof head,
                      "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Type: %s\r\nContent-Length: %zu\r\n\r\n",
                      path, ctype, len);
    assert_true(send_all(fd, head, (size_t)hl));
    assert_true(send_all(fd, body, len));
    read_response(fd, r);
    return r->status;
}

#define MP_CT      "multipart/form-data; boundary=" BOUNDARY
#define PART(name) "--" BOUNDARY "\r\nContent-Disposition: form-data; name=\"" name "\""

static const char *jstr(const json_t *o, const char *key) {
    return json_string_value(json_object_get(o, key));
}
static json_int_t jint(const json_t *o, const char *key) {
    return json_integer_value(json_object_get(o, key));
}

static void assert_problem(const resp_t *r, int status, const char *detail) {
    assert_int_equal(r->status, status);
    assert_non_null(strcasestr(r->head, "content-type: application/problem+json"));
    assert_non_null(r->json);
    assert_int_equal(jint(r->json, "status"), status);
    if (detail) assert_string_equal(jstr(r->json, "detail"), detail);
}

static void sha256_hex(const void *data, size_t len, char out[65]) {
    unsigned char d[32];
    crypto_hash_sha256(d, data, len);
    sodium_bin2hex(out, 65, d, sizeof d);
}

static void read_file(const char *path, sal_buf_t *out) {
    sal_buf_init(out, 0);
    FILE *f = fopen(path, "rb");
    if (!f) fail_msg("cannot open %s", path);
    char buf[8192];
    size_t n;
    while ((n = fread(buf, 1, sizeof buf, f)) > 0) sal_buf_append(out, buf, n);
    fclose(f);
}

/* ---- tests ------------------------------------------------------------------ */

static void test_fields_and_files(void **state) {
    (void)state;
    static const char file1[] = "id,price\r\n1,9.50\r\n--" BOUNDARY_PREFIX "\r\n\0binary\xff";
    static const char body[] =
        PART("title") "\r\n\r\nQ3 pricing\r\n" PART("notes") "\r\n\r\nline 1\r\nline 2\r\n" PART(
            "rates") "; filename=\"rates.csv\"\r\nContent-Type: text/csv\r\n\r\n"
                     "id,price\r\n1,9.50\r\n--" BOUNDARY_PREFIX "\r\n\0binary\xff"
                     "\r\n" PART("empty") "; filename*=UTF-8''%E2%82%AC.txt\r\n\r\n"
                                          "\r\n--" BOUNDARY "--\r\n";
    resp_t r;
    assert_int_equal(send_request("/upload", MP_CT, body, sizeof body - 1, &r), 200);
    assert_string_equal(jstr(r.json, "kind"), "form");
    assert_string_equal(jstr(r.json, "title"), "Q3 pricing");
    json_t *parts = json_object_get(r.json, "parts");
    assert_int_equal(json_array_size(parts), 4);
    json_t *p0 = json_array_get(parts, 0), *p1 = json_array_get(parts, 1);
    json_t *p2 = json_array_get(parts, 2), *p3 = json_array_get(parts, 3);
    assert_string_equal(jstr(p0, "name"), "title");
    assert_string_equal(jstr(p0, "value"), "Q3 pricing");
    assert_string_equal(jstr(p1, "value"), "line 1\r\nline 2");
    assert_int_equal(jint(p1, "len"), 14);
    assert_string_equal(jstr(p2, "filename"), "rates.csv");
    assert_string_equal(jstr(p2, "content_type"), "text/csv");
    assert_int_equal(jint(p2, "size"), sizeof file1 - 1);
    char want[65];
    sha256_hex(file1, sizeof file1 - 1, want);
    assert_string_equal(jstr(p2, "sha256"), want);
    assert_true(json_is_true(json_object_get(p2, "tmp_ok")));
    assert_int_equal(jint(p2, "take"), 0);
    assert_int_equal(jint(p2, "take2"), SAL_EINVAL);
    assert_string_equal(jstr(p3, "filename"), "\xe2\x82\xac.txt");
    assert_int_equal(jint(p3, "size"), 0);
    assert_string_equal(jstr(p3, "sha256"),
                        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    resp_free(&r);
    /* the taken file holds the bytes, mode 0600; nothing is left behind */
    char path[1024];
    tu_path(path, sizeof path, dest_dir, "rates");
    sal_buf_t got;
    read_file(path, &got);
    assert_int_equal(got.len, sizeof file1 - 1);
    assert_memory_equal(got.data, file1, got.len);
    sal_buf_free(&got);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(stat(upload_dir, &st), 0);
    assert_true(S_ISDIR(st.st_mode));
    assert_int_equal(st.st_mode & 0027, 0); /* made 0750 (less under a tighter umask) */
    assert_no_temp_files();
}

/* A deterministic byte stream for the big file; never holds the
 * delimiter, which needs CR LF "--" and the boundary text. */
static void fill_chunk(char *buf, size_t n, uint32_t *x) {
    for (size_t i = 0; i < n; i++) {
        *x = *x * 1664525u + 1013904223u;
        buf[i] = (char)(*x >> 24);
    }
}

static long status_kb(const char *field) {
    FILE *f = fopen("/proc/self/status", "r");
    assert_non_null(f);
    char line[256];
    long kb = -1;
    size_t fl = strlen(field);
    while (fgets(line, sizeof line, f))
        if (strncmp(line, field, fl) == 0 && line[fl] == ':') kb = strtol(line + fl + 1, NULL, 10);
    fclose(f);
    assert_true(kb >= 0);
    return kb;
}

/* Resets VmHWM to the current RSS (Linux 4.0+); false when unsupported. */
static bool reset_peak_rss(void) {
    FILE *f = fopen("/proc/self/clear_refs", "w");
    if (!f) return false;
    bool ok = fputs("5", f) >= 0;
    return fclose(f) == 0 && ok;
}

#define BIG_SIZE (5u * 1000 * 1000)

/* Sends one 5 MB file part to path; returns the response and the file's
 * SHA-256. */
static void send_big(const char *path, resp_t *r, char sha_hex[65]) {
    static const char head[] = PART("big") "; filename=\"big.bin\"\r\n"
                                           "Content-Type: application/octet-stream\r\n\r\n";
    static const char tail[] = "\r\n--" BOUNDARY "--\r\n";
    size_t total = sizeof head - 1 + BIG_SIZE + sizeof tail - 1;
    int fd = connect_server();
    char req[512];
    int hl = snprintf(req, sizeof req,
                      "POST %s HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Type: " MP_CT "\r\nContent-Length: %zu\r\n\r\n",
                      path, total);
    assert_true(send_all(fd, req, (size_t)hl));
    assert_true(send_all(fd, head, sizeof head - 1));
    static char chunk[65536];
    crypto_hash_sha256_state sha;
    crypto_hash_sha256_init(&sha);
    uint32_t x = 42;
    for (size_t sent = 0; sent < BIG_SIZE;) {
        size_t n = BIG_SIZE - sent < sizeof chunk ? BIG_SIZE - sent : sizeof chunk;
        fill_chunk(chunk, n, &x);
        crypto_hash_sha256_update(&sha, (unsigned char *)chunk, n);
        assert_true(send_all(fd, chunk, n));
        sent += n;
    }
    assert_true(send_all(fd, tail, sizeof tail - 1));
    unsigned char d[32];
    crypto_hash_sha256_final(&sha, d);
    sodium_bin2hex(sha_hex, 65, d, sizeof d);
    read_response(fd, r);
}

static void test_big_file_streams(void **state) {
    (void)state;
    resp_t r;
    char sha[65];
    /* warm up allocator and threads so the measurement sees the upload only */
    send_big("/upload", &r, sha);
    assert_int_equal(r.status, 200);
    resp_free(&r);
    assert_no_temp_files();
    char path[1024];
    tu_path(path, sizeof path, dest_dir, "big");
    unlink(path);

    long rss0 = status_kb("VmRSS");
    bool peak = reset_peak_rss();
    send_big("/upload", &r, sha);
    long rss1 = status_kb("VmRSS"), hwm = status_kb("VmHWM");
    print_message("5 MB upload: VmRSS %ld -> %ld kB (%+ld kB), peak %+ld kB%s\n", rss0, rss1,
                  rss1 - rss0, hwm - rss0, peak ? "" : " (peak reset unsupported)");
    assert_int_equal(r.status, 200);
    json_t *p = json_array_get(json_object_get(r.json, "parts"), 0);
    assert_int_equal(jint(p, "size"), BIG_SIZE);
    assert_string_equal(jstr(p, "sha256"), sha);
    assert_int_equal(jint(p, "take"), 0);
    resp_free(&r);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, BIG_SIZE);
    assert_no_temp_files();
    /* Far less than the file's 4883 kB: the body never sat in memory. */
    assert_true(rss1 - rss0 < 1536);
    if (peak) assert_true(hwm - rss0 < 1536);

    /* The control: the same body through a buffering route does show up
     * in the peak, so the measurement above can fail. */
    if (peak) {
        rss0 = status_kb("VmRSS");
        assert_true(reset_peak_rss());
        send_big("/buffered", &r, sha);
        hwm = status_kb("VmHWM");
        print_message("5 MB buffered (control): peak %+ld kB\n", hwm - rss0);
        assert_int_equal(r.status, 200);
        assert_true(jint(r.json, "len") > BIG_SIZE);
        resp_free(&r);
        assert_true(hwm - rss0 > 4000);
    }
}

/* A chunked body that outgrows the cap: 413 once the cap is passed, and
 * the temporary file it was streaming into is gone. */
static void test_chunked_over_cap(void **state) {
    (void)state;
    int fd = connect_server();
    static const char head[] = "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                               "Content-Type: " MP_CT "\r\nTransfer-Encoding: chunked\r\n\r\n";
    static const char part[] = PART("huge") "; filename=\"huge.bin\"\r\n\r\n";
    char line[32];
    assert_true(send_all(fd, head, sizeof head - 1));
    int ll = snprintf(line, sizeof line, "%zx\r\n", sizeof part - 1);
    assert_true(send_all(fd, line, (size_t)ll) && send_all(fd, part, sizeof part - 1) &&
                send_all(fd, "\r\n", 2));
    static char chunk[65536];
    memset(chunk, 'z', sizeof chunk);
    ll = snprintf(line, sizeof line, "%zx\r\n", sizeof chunk);
    bool saw_temp = false, answered = false;
    for (int i = 0; i < 256 && !answered; i++) { /* up to 16 MiB */
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (poll(&pfd, 1, 0) > 0) break; /* the server answered */
        if (!send_all(fd, line, (size_t)ll) || !send_all(fd, chunk, sizeof chunk) ||
            !send_all(fd, "\r\n", 2))
            answered = true;
        if (i == 32) { /* 2 MiB in: the file part is streaming to disk */
            for (int k = 0; k < 100 && dir_entries(upload_dir) == 0; k++) usleep(10 * 1000);
            saw_temp = dir_entries(upload_dir) == 1;
        }
    }
    resp_t r;
    read_response(fd, &r);
    assert_true(saw_temp);
    assert_problem(&r, 413, "the request body is larger than the limit");
    resp_free(&r);
    assert_no_temp_files();
}

static void test_content_length_over_cap(void **state) {
    (void)state;
    int fd = connect_server();
    char head[512];
    int hl = snprintf(head, sizeof head,
                      "POST /upload HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
                      "Content-Type: " MP_CT "\r\nContent-Length: %u\r\n\r\n",
                      MAX_BODY + 1);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    assert_true(send_all(fd, head, (size_t)hl)); /* and no body at all */
    resp_t r;
    read_response(fd, &r);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_problem(&r, 413, "the request body is larger than the limit");
    assert_true(t1.tv_sec - t0.tv_sec < 5);
    resp_free(&r);
    assert_no_temp_files();
}

static void test_malformed_bodies(void **state) {
    (void)state;
    static const struct {
        const char *ct;
        const char *body;
        int status;
        const char *detail;
    } C[] = {
        {MP_CT, PART("a") "\r\n\r\nno end\r\n", 400, "multipart body: missing closing boundary"},
        /* a file part already on disk when the body turns out broken */
        {MP_CT, PART("f") "; filename=\"f.txt\"\r\n\r\ndata data\r\n--" BOUNDARY "\r\n\r\nx", 400,
         "multipart body: part without Content-Disposition"},
        {MP_CT, "--" BOUNDARY "\r\nContent-Disposition: form-data; filename=\"x\"\r\n\r\n", 400,
         "multipart body: part without a name"},
        {"multipart/form-data", "--x--", 400, "multipart body: bad boundary parameter"},
        {"multipart/form-data; boundary=\"a@b\"", "--x--", 400,
         "multipart body: bad boundary parameter"},
    };
    for (size_t i = 0; i < sizeof C / sizeof C[0]; i++) {
        resp_t r;
        send_request("/upload", C[i].ct, C[i].body, strlen(C[i].body), &r);
        assert_problem(&r, C[i].status, C[i].detail);
        resp_free(&r);
        assert_no_temp_files();
    }
}

static void test_part_limits(void **state) {
    (void)state;
    sal_buf_t b;
    sal_buf_init(&b, 0);
    for (int i = 0; i < 33; i++) sal_buf_printf(&b, PART("p%d") "\r\n\r\nv\r\n", i);
    sal_buf_puts(&b, "--" BOUNDARY "--\r\n");
    resp_t r;
    send_request("/upload", MP_CT, b.data, b.len, &r);
    assert_problem(&r, 400, "multipart body: too many parts");
    resp_free(&r);
    sal_buf_reset(&b);
    sal_buf_puts(&b, PART("f") "; filename=\"ok.bin\"\r\n\r\nfile\r\n" PART("big") "\r\n\r\n");
    for (int i = 0; i < 64 * 1024 + 1; i++) sal_buf_append(&b, "v", 1);
    sal_buf_puts(&b, "\r\n--" BOUNDARY "--\r\n");
    send_request("/upload", MP_CT, b.data, b.len, &r);
    assert_problem(&r, 413, "multipart body: field value too large");
    resp_free(&r);
    sal_buf_free(&b);
    assert_no_temp_files();
}

static void test_json_on_upload_route(void **state) {
    (void)state;
    static const char body[] = "{\"name\":\"x\",\"n\":3}";
    resp_t r;
    assert_int_equal(send_request("/upload", "application/json", body, sizeof body - 1, &r), 200);
    assert_string_equal(jstr(r.json, "kind"), "json");
    assert_int_equal(jint(r.json, "len"), sizeof body - 1);
    assert_string_equal(jstr(json_object_get(r.json, "body"), "name"), "x");
    resp_free(&r);
    /* neither JSON nor multipart: the JSON path's 415 */
    send_request("/upload", "text/plain", "hi", 2, &r);
    assert_problem(&r, 415, NULL);
    resp_free(&r);
    assert_no_temp_files();
}

/* A multipart body on a route without HTTP_ROUTE_UPLOAD is buffered, and
 * the form is still readable (parsed from the buffer when asked). */
static void test_form_on_plain_route(void **state) {
    (void)state;
    static const char body[] = PART("title") "\r\n\r\nbuffered\r\n" PART(
        "doc") "; filename=\"d.txt\"\r\n\r\nbytes\r\n--" BOUNDARY "--\r\n";
    resp_t r;
    assert_int_equal(send_request("/plain-form", MP_CT, body, sizeof body - 1, &r), 200);
    assert_string_equal(jstr(r.json, "title"), "buffered");
    json_t *p = json_array_get(json_object_get(r.json, "parts"), 1);
    assert_int_equal(jint(p, "size"), 5);
    assert_int_equal(jint(p, "take"), 0);
    resp_free(&r);
    assert_no_temp_files();
}

static void test_take_across_file_systems(void **state) {
    (void)state;
    if (!alt_dir[0]) {
        print_message("no second file system at /dev/shm: copy fallback not exercised\n");
        skip();
    }
    static const char body[] =
        PART("alt1") "; filename=\"a.txt\"\r\n\r\nacross file systems\r\n--" BOUNDARY "--";
    resp_t r;
    assert_int_equal(send_request("/upload", MP_CT, body, sizeof body - 1, &r), 200);
    json_t *p = json_array_get(json_object_get(r.json, "parts"), 0);
    assert_int_equal(jint(p, "take"), 0);
    resp_free(&r);
    char path[1024];
    tu_path(path, sizeof path, alt_dir, "alt1");
    sal_buf_t got;
    read_file(path, &got);
    assert_string_equal(got.data, "across file systems");
    sal_buf_free(&got);
    assert_no_temp_files();
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fields_and_files),
        cmocka_unit_test(test_big_file_streams),
        cmocka_unit_test(test_chunked_over_cap),
        cmocka_unit_test(test_content_length_over_cap),
        cmocka_unit_test(test_malformed_bodies),
        cmocka_unit_test(test_part_limits),
        cmocka_unit_test(test_json_on_upload_route),
        cmocka_unit_test(test_form_on_plain_route),
        cmocka_unit_test(test_take_across_file_systems),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
