/*  test_http: the HTTP plumbing every server shares, through a real socket: routes and their
    tails, 404 and 405 with Allow, 413 past the body limit, JSON and form bodies with their
    errors, the server's own error form, and a handler that forgets to answer. */
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "sq_http.h"
#include "suites.h"

static void s_error(void *app, sq_http_request_t *request, unsigned status, const char *field,
                    const char *message)
{
    (void) app;
    sq_http_reply_json(request, status, json_pack("{s:s, s:s*}", "error", message, "field", field));
}

static void s_echo_tail(void *app, sq_http_request_t *request)
{
    (void) app;
    const char *who = sq_http_query(request, "who");
    sq_http_add_header(request, "X-Tail", sq_http_tail(request));
    sq_http_reply_json(request, 200, json_pack("{s:s, s:s?}", "tail", sq_http_tail(request), "who", who));
}

static void s_json(void *app, sq_http_request_t *request)
{
    (void) app;
    const char *error = NULL;
    json_t *body = sq_http_json_body(request, &error);
    if (!body) {
        sq_http_error(request, 400, NULL, error);
        return;
    }
    sq_http_reply_json(request, 201, body);
}

static void s_form(void *app, sq_http_request_t *request)
{
    (void) app;
    const char *error = NULL;
    json_t *form = sq_http_form_body(request, &error);
    if (!form) {
        sq_http_error(request, 400, NULL, error);
        return;
    }
    sq_http_reply_json(request, 200, form);
}

static void s_forgetful(void *app, sq_http_request_t *request)
{
    (void) app;
    (void) request;
}

static const sq_http_route_t s_routes[] = {
    {"GET", "/things/*", s_echo_tail},
    {"POST", "/json", s_json},
    {"POST", "/form", s_form},
    {"PUT", "/form", s_form},
    {"GET", "/forgetful", s_forgetful},
    {NULL, NULL, NULL},
};

static sq_http_t *s_server(void)
{
    sq_http_setup_t setup = {.name = "test", .address = "127.0.0.1", .port = 0, .threads = 2,
                             .max_body_bytes = 1024, .timeout_s = 5, .routes = s_routes,
                             .error = s_error, .app = NULL};
    sq_http_t *server = sq_http_new(&setup);
    ck_assert_ptr_nonnull(server);
    ck_assert_int_gt(sq_http_port(server), 0);
    return server;
}

//  Send a raw request, return the whole answer (the caller frees).
static char *s_exchange(sq_http_t *server, const char *raw, size_t length)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_port = htons((uint16_t) sq_http_port(server))};
    inet_pton(AF_INET, "127.0.0.1", &address.sin_addr);
    ck_assert_int_eq(connect(fd, (struct sockaddr *) &address, sizeof address), 0);
    size_t sent = 0;
    while (sent < length) {
        ssize_t n = write(fd, raw + sent, length - sent);
        if (n <= 0)
            break;   //  the server may answer 413 and close before the whole body is sent
        sent += (size_t) n;
    }
    shutdown(fd, SHUT_WR);
    size_t room = 65536, used = 0;
    char *answer = (char *) calloc(1, room);
    ssize_t n;
    while ((n = read(fd, answer + used, room - used - 1)) > 0)
        used += (size_t) n;
    close(fd);
    return answer;
}

static char *s_request(sq_http_t *server, const char *method, const char *path, const char *type,
                       const char *body)
{
    char *raw = NULL;
    size_t length = body ? strlen(body) : 0;
    ck_assert_int_ge(asprintf(&raw, "%s %s HTTP/1.1\r\nHost: test\r\nConnection: close\r\n%s%s%s"
                                    "Content-Length: %zu\r\n\r\n%s",
                              method, path, type ? "Content-Type: " : "", type ? type : "",
                              type ? "\r\n" : "", length, body ? body : ""), 0);
    char *answer = s_exchange(server, raw, strlen(raw));
    free(raw);
    return answer;
}

START_TEST(routes_tails_and_the_errors_of_unknown_paths_and_methods)
{
    sq_http_t *server = s_server();
    char *answer = s_request(server, "GET", "/things/a/b?who=%E5%BC%A0", NULL, NULL);
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 200"));
    ck_assert_ptr_nonnull(strstr(answer, "X-Tail: a/b"));
    ck_assert_ptr_nonnull(strstr(answer, "{\"tail\":\"a/b\",\"who\":\"张\"}"));
    free(answer);
    answer = s_request(server, "GET", "/nothing", NULL, NULL);
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 404"));
    ck_assert_ptr_nonnull(strstr(answer, "{\"error\":\"no such resource\"}"));
    free(answer);
    answer = s_request(server, "DELETE", "/form", NULL, NULL);
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 405"));
    ck_assert_ptr_nonnull(strstr(answer, "Allow: POST, PUT"));
    free(answer);
    answer = s_request(server, "GET", "/forgetful", NULL, NULL);
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 500"));
    free(answer);
    sq_http_destroy(&server);
    sq_http_destroy(&server);   //  safe twice
}
END_TEST

START_TEST(json_bodies_and_their_errors)
{
    sq_http_t *server = s_server();
    char *answer = s_request(server, "POST", "/json", "application/json", "{\"a\":\"诉求\"}");
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 201"));
    ck_assert_ptr_nonnull(strstr(answer, "{\"a\":\"诉求\"}"));
    free(answer);
    answer = s_request(server, "POST", "/json", "application/json", "{\"a\":1,\"a\":2}");
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 400"));
    ck_assert_ptr_nonnull(strstr(answer, "key appears twice"));
    free(answer);
    answer = s_request(server, "POST", "/json", "application/json", "{\"a\":\"\xff\xfe\"}");
    ck_assert_ptr_nonnull(strstr(answer, "not valid UTF-8"));
    free(answer);
    char big[3000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = 0;
    answer = s_request(server, "POST", "/json", "application/json", big);
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 413"));
    free(answer);
    sq_http_destroy(&server);
}
END_TEST

START_TEST(form_bodies_decoded_and_checked)
{
    sq_http_t *server = s_server();
    const char *type = "application/x-www-form-urlencoded";
    char *answer = s_request(server, "POST", "/form", type,
                             "description=%E8%B7%AF%E7%81%AF%E4%B8%8D%E4%BA%AE&lat=28.1&empty=");
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 200"));
    ck_assert_ptr_nonnull(strstr(answer, "\"description\":\"路灯不亮\""));
    ck_assert_ptr_nonnull(strstr(answer, "\"lat\":\"28.1\""));
    free(answer);
    answer = s_request(server, "POST", "/form", type, "a=1&a=2");
    ck_assert_ptr_nonnull(strstr(answer, "HTTP/1.1 400"));
    ck_assert_ptr_nonnull(strstr(answer, "appears twice"));
    free(answer);
    answer = s_request(server, "POST", "/form", type, "a=%FF%FE");
    ck_assert_ptr_nonnull(strstr(answer, "not valid UTF-8"));
    free(answer);
    answer = s_request(server, "POST", "/form", "application/json", "{}");
    ck_assert_ptr_nonnull(strstr(answer, "x-www-form-urlencoded"));
    free(answer);
    sq_http_destroy(&server);
}
END_TEST

Suite *test_http_suite(void)
{
    Suite *suite = suite_create("http");
    TCase *tc = tcase_create("http");
    tcase_set_timeout(tc, 20);
    tcase_add_test(tc, routes_tails_and_the_errors_of_unknown_paths_and_methods);
    tcase_add_test(tc, json_bodies_and_their_errors);
    tcase_add_test(tc, form_bodies_decoded_and_checked);
    suite_add_tcase(suite, tc);
    return suite;
}
