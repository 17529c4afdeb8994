/*
 * esp-mqtt's client API (ESP-IDF v5.x) on libmosquitto and OpenSSL: MQTT 3.1.1 over TLS with X.509
 * mutual authentication, Last Will, keep-alive and persistent sessions. The events themselves (handlers,
 * error_handle, the error and SUBACK events) are shared/mqtt_events.c, as for the fakes.
 *
 * Like esp-mqtt (mqtt_client.c, esp_mqtt_task), each client runs one task (a thread here) that connects,
 * receives and runs the handlers, and posts what the genuine client posts:
 *  - each connection attempt starts with MQTT_EVENT_BEFORE_CONNECT;
 *  - a connection that cannot be made: MQTT_EVENT_ERROR (MQTT_ERROR_TYPE_TCP_TRANSPORT with esp-tls' code:
 *    ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST and the socket's errno, e.g. 111 for a refused port;
 *    ESP_ERR_ESP_TLS_CANNOT_RESOLVE_HOSTNAME; ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT; or
 *    ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED with the mbedTLS error and certificate flags) then
 *    MQTT_EVENT_DISCONNECTED;
 *  - a CONNACK that refuses: MQTT_EVENT_ERROR (MQTT_ERROR_TYPE_CONNECTION_REFUSED) then DISCONNECTED;
 *  - a connection lost after CONNACK: MQTT_EVENT_ERROR (transport error; ESP_ERR_ESP_TLS_TCP_CLOSED_FIN
 *    with errno 0 when the peer closed it; the mbedTLS error and the errno when the socket failed) then
 *    DISCONNECTED; an unanswered keep-alive ping only DISCONNECTED ("No PING_RESP"), as does a
 *    disconnect the application asked for;
 *  - a SUBACK: MQTT_EVENT_SUBSCRIBED with the return codes as data and error_type
 *    MQTT_ERROR_TYPE_SUBSCRIBE_FAILED when one is 0x80 or more, no MQTT_EVENT_ERROR.
 * After DISCONNECTED it waits: reconnect_timeout_ms with auto-reconnect, or until
 * esp_mqtt_client_reconnect() when network.disable_auto_reconnect is set. Messages larger than
 * buffer.size arrive as several MQTT_EVENT_DATA events, only the first carrying the topic.
 *
 * Key material stays in memory: the PEM strings from the config go into an OpenSSL context directly.
 */
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <arpa/inet.h>
#include <mosquitto.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include "esp_log.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "esp_tls_errors.h"
#include "mqtt_client.h"

#include "mqtt_events.h"
#include "runtime.h"

static const char *TAG = "host_mqtt";

/* esp-mqtt defaults (components/mqtt/esp-mqtt/include/mqtt_config.h). */
#define DEFAULT_KEEPALIVE_S 120
#define DEFAULT_RECONNECT_TIMEOUT_MS 10000
#define DEFAULT_BUFFER_SIZE 1024
#define OUTBOX_EXPIRED_TIMEOUT_MS 30000 /* CONFIG_MQTT_OUTBOX_EXPIRED_TIMEOUT_MS */
#define LOOP_TIMEOUT_MS 100

/* mbedTLS error codes as esp-tls records them (the negated MBEDTLS_ERR_* value, in esp_tls_stack_err). */
#define MBEDTLS_X509_CERT_VERIFY_FAILED 0x2700 /* MBEDTLS_ERR_X509_CERT_VERIFY_FAILED */
#define MBEDTLS_SSL_FATAL_ALERT_MESSAGE 0x7780 /* MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE: the peer ended the handshake */
#define MBEDTLS_NET_CONN_RESET 0x0050          /* MBEDTLS_ERR_NET_CONN_RESET */
#define MBEDTLS_NET_RECV_FAILED 0x004C         /* MBEDTLS_ERR_NET_RECV_FAILED */
/* mbedTLS certificate verification flags (MBEDTLS_X509_BADCERT_*, esp_tls_cert_verify_flags). */
#define BADCERT_EXPIRED 0x01
#define BADCERT_REVOKED 0x02
#define BADCERT_CN_MISMATCH 0x04
#define BADCERT_NOT_TRUSTED 0x08
#define BADCERT_OTHER 0x0100
#define BADCERT_FUTURE 0x0200

typedef enum {
    STATE_IDLE,
    STATE_CONNECTING, /* also: the connection just ended, its events not yet dispatched */
    STATE_CONNECTED,
    STATE_WAIT_RECONNECT,
} client_state_t;

/* A QoS 1 message published while not connected: esp-mqtt keeps it in its outbox and sends it once
 * connected, unless it has waited OUTBOX_EXPIRED_TIMEOUT_MS by then. */
typedef struct queued {
    char *topic;
    char *data;
    int length;
    int qos;
    bool retain;
    int msg_id;
    int64_t queued_us;
    struct queued *next;
} queued_t;

/* libmosquitto's message id of a request, and the one the application got (esp-mqtt's own numbering). */
typedef struct {
    int mosquitto_mid;
    int msg_id;
} id_pair_t;

struct esp_mqtt_client {
    struct mosquitto *mosq;
    SSL_CTX *tls;
    char *host;
    int port;
    char *client_id;
    int keepalive_s;
    bool clean_session;
    bool auto_reconnect;
    int reconnect_timeout_ms;
    int buffer_size;
    bool tls_used;

    host_mqtt_events_t events;

    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    client_state_t state;
    bool reconnect_requested;
    bool stop_requested;
    bool connection_over; /* set by callbacks: CONNACK refused or connection lost */
    bool connack_seen;
    bool connack_refused;
    int verify_flags;     /* the broker's certificate was refused: why, as mbedTLS flags */

    pthread_mutex_t ids_lock; /* message ids, their pairs and the outbox */
    int last_msg_id;
    id_pair_t *ids;
    size_t id_count;
    size_t id_capacity;
    queued_t *outbox;
};

static const char *s_broker_override;
static pthread_once_t s_library_once = PTHREAD_ONCE_INIT;

void runtime_mqtt_set_broker_override(const char *uri)
{
    s_broker_override = uri;
}

static void library_init(void)
{
    mosquitto_lib_init();
}

/* Splits mqtt[s]://host[:port][/path] into host, port and whether TLS is used. */
static bool parse_uri(const char *uri, char **host, int *port, bool *tls)
{
    const char *rest;
    if (strncmp(uri, "mqtts://", 8) == 0 || strncmp(uri, "ssl://", 6) == 0) {
        *tls = true;
        *port = 8883;
        rest = strstr(uri, "://") + 3;
    } else if (strncmp(uri, "mqtt://", 7) == 0 || strncmp(uri, "tcp://", 6) == 0) {
        *tls = false;
        *port = 1883;
        rest = strstr(uri, "://") + 3;
    } else {
        return false;
    }
    size_t host_length = strcspn(rest, ":/");
    if (host_length == 0) {
        return false;
    }
    if (rest[host_length] == ':') {
        char *end;
        long p = strtol(rest + host_length + 1, &end, 10);
        if (p < 1 || p > 65535 || (*end != '\0' && *end != '/')) {
            return false;
        }
        *port = (int)p;
    }
    *host = strndup(rest, host_length);
    return *host != NULL;
}

static void log_tls_errors(const char *what)
{
    unsigned long e;
    char text[256];
    while ((e = ERR_get_error()) != 0) {
        ERR_error_string_n(e, text, sizeof(text));
        ESP_LOGE(TAG, "%s: %s", what, text);
    }
}

/* Adds every certificate of a PEM string to the trust store; returns how many. */
static int trust_pem(SSL_CTX *ctx, const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    int count = 0;
    X509 *cert;
    while (bio != NULL && (cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        count += X509_STORE_add_cert(SSL_CTX_get_cert_store(ctx), cert) == 1 ? 1 : 0;
        X509_free(cert);
    }
    ERR_clear_error(); /* the end of the PEM text ends the loop with an error */
    BIO_free(bio);
    return count;
}

/* The device certificate (and any chain after it) and its private key. */
static bool use_identity(SSL_CTX *ctx, const char *cert_pem, const char *key_pem)
{
    BIO *bio = BIO_new_mem_buf(cert_pem, -1);
    X509 *cert = bio != NULL ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    bool ok = cert != NULL && SSL_CTX_use_certificate(ctx, cert) == 1;
    X509_free(cert);
    X509 *extra;
    while (ok && (extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (SSL_CTX_add_extra_chain_cert(ctx, extra) != 1) { /* takes ownership on success */
            X509_free(extra);
            ok = false;
        }
    }
    ERR_clear_error();
    BIO_free(bio);
    if (!ok) {
        ESP_LOGE(TAG, "the client certificate is not a PEM certificate");
        return false;
    }
    bio = BIO_new_mem_buf(key_pem, -1);
    EVP_PKEY *key = bio != NULL ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    ok = key != NULL && SSL_CTX_use_PrivateKey(ctx, key) == 1 && SSL_CTX_check_private_key(ctx) == 1;
    EVP_PKEY_free(key);
    if (!ok) {
        log_tls_errors("client key");
        ESP_LOGE(TAG, "the private key is not PEM, or does not match the client certificate");
    }
    return ok;
}

/* OpenSSL's verdict on the broker's certificate as mbedTLS' verification flags. */
static int mbedtls_flags(int x509_error)
{
    switch (x509_error) {
    case X509_V_ERR_CERT_HAS_EXPIRED: return BADCERT_EXPIRED;
    case X509_V_ERR_CERT_NOT_YET_VALID: return BADCERT_FUTURE;
    case X509_V_ERR_CERT_REVOKED: return BADCERT_REVOKED;
    case X509_V_ERR_HOSTNAME_MISMATCH:
    case X509_V_ERR_IP_ADDRESS_MISMATCH: return BADCERT_CN_MISMATCH;
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT:
    case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY:
    case X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN:
    case X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT:
    case X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
    case X509_V_ERR_CERT_UNTRUSTED: return BADCERT_NOT_TRUSTED;
    default: return BADCERT_OTHER;
    }
}

/* Says why the broker's certificate was refused and keeps it for the error event; OpenSSL's verdict
 * stands unchanged. */
static int log_verify_failure(int preverify_ok, X509_STORE_CTX *store)
{
    if (!preverify_ok) {
        SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
        esp_mqtt_client_handle_t client = ssl != NULL ? SSL_CTX_get_app_data(SSL_get_SSL_CTX(ssl)) : NULL;
        if (client != NULL) {
            client->verify_flags |= mbedtls_flags(X509_STORE_CTX_get_error(store));
        }
        char subject[256] = "";
        X509 *cert = X509_STORE_CTX_get_current_cert(store);
        if (cert != NULL) {
            X509_NAME_oneline(X509_get_subject_name(cert), subject, sizeof(subject));
        }
        ESP_LOGE(TAG, "broker certificate refused: %s (depth %d, subject %s)",
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(store)), X509_STORE_CTX_get_error_depth(store),
                 subject);
    }
    return preverify_ok;
}

static SSL_CTX *tls_context(const esp_mqtt_client_config_t *config, const char *host)
{
    const char *ca = config->broker.verification.certificate;
    if (ca == NULL) {
        ESP_LOGE(TAG, "mqtts needs broker.verification.certificate (the host runtime has no certificate bundle)");
        return NULL;
    }
    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    if (ctx == NULL) {
        return NULL;
    }
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    bool ok = true;
    if (trust_pem(ctx, ca) == 0) {
        ESP_LOGE(TAG, "broker.verification.certificate holds no PEM certificate");
        ok = false;
    }
    const char *cert = config->credentials.authentication.certificate;
    const char *key = config->credentials.authentication.key;
    if (ok && cert != NULL && key != NULL) {
        ok = use_identity(ctx, cert, key);
    }
    if (ok) {
        /* The server must chain to the CA and be named as the host we dial (esp-tls checks the CN/SAN too,
         * unless skip_cert_common_name_check). */
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, log_verify_failure);
        const char *name = config->broker.verification.common_name != NULL
                ? config->broker.verification.common_name : host;
        X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
        unsigned char ip[16];
        if (config->broker.verification.skip_cert_common_name_check) {
            ESP_LOGW(TAG, "skip_cert_common_name_check: the broker's name is not checked");
        } else if (inet_pton(AF_INET, name, ip) == 1 || inet_pton(AF_INET6, name, ip) == 1) {
            ok = X509_VERIFY_PARAM_set1_ip_asc(param, name) == 1;
        } else {
            ok = X509_VERIFY_PARAM_set1_host(param, name, 0) == 1;
        }
    }
    if (!ok) {
        SSL_CTX_free(ctx);
        return NULL;
    }
    return ctx;
}

static void dispatch(esp_mqtt_client_handle_t client, esp_mqtt_event_t *event)
{
    host_mqtt_dispatch(&client->events, client, event);
}

static void dispatch_simple(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t id, int msg_id)
{
    host_mqtt_dispatch_simple(&client->events, client, id, msg_id);
}

/* A connection that could not be made: what esp-tls records for it (esp_tls_plain_tcp_connect,
 * esp_mbedtls_handshake). */
static void dispatch_connect_failure(esp_mqtt_client_handle_t client, int rc, int sock_errno)
{
    esp_err_t tls_error = ESP_ERR_ESP_TLS_FAILED_CONNECT_TO_HOST;
    int stack_error = 0;
    int flags = 0;
    if (rc == MOSQ_ERR_EAI) {
        tls_error = ESP_ERR_ESP_TLS_CANNOT_RESOLVE_HOSTNAME;
        sock_errno = 0;
    } else if (rc == MOSQ_ERR_ERRNO && sock_errno == ETIMEDOUT) {
        tls_error = ESP_ERR_ESP_TLS_CONNECTION_TIMEOUT;
    } else if (rc == MOSQ_ERR_TLS || rc == MOSQ_ERR_TLS_HANDSHAKE || (client->tls_used && rc != MOSQ_ERR_ERRNO)) {
        tls_error = ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED;
        flags = client->verify_flags;
        stack_error = flags != 0 ? MBEDTLS_X509_CERT_VERIFY_FAILED : MBEDTLS_SSL_FATAL_ALERT_MESSAGE;
        sock_errno = 0;
    }
    host_mqtt_dispatch_transport_error(&client->events, client, tls_error, stack_error, flags, sock_errno);
}

/* A connection lost after CONNACK: the peer closed it (esp-tls: ESP_ERR_ESP_TLS_TCP_CLOSED_FIN, errno 0), or
 * the socket failed (esp-tls keeps mbedTLS' error and the errno, no esp-tls code of its own). */
static void dispatch_connection_lost(esp_mqtt_client_handle_t client, int rc, int sock_errno)
{
    if (rc == MOSQ_ERR_ERRNO && sock_errno != 0) {
        int stack_error = sock_errno == ECONNRESET || sock_errno == EPIPE ? MBEDTLS_NET_CONN_RESET
                                                                          : MBEDTLS_NET_RECV_FAILED;
        host_mqtt_dispatch_transport_error(&client->events, client, ESP_OK, stack_error, 0, sock_errno);
    } else {
        host_mqtt_dispatch_transport_error(&client->events, client, ESP_ERR_ESP_TLS_TCP_CLOSED_FIN, 0, 0, 0);
    }
}

static void set_state(esp_mqtt_client_handle_t client, client_state_t state)
{
    pthread_mutex_lock(&client->lock);
    client->state = state;
    pthread_mutex_unlock(&client->lock);
}

static void send_outbox(esp_mqtt_client_handle_t client);

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags)
{
    (void)mosq;
    esp_mqtt_client_handle_t client = obj;
    client->connack_seen = true;
    if (rc != 0) {
        ESP_LOGW(TAG, "broker refused the connection: %s", mosquitto_connack_string(rc));
        client->connack_refused = true;
        host_mqtt_dispatch_connection_refused(&client->events, client, (esp_mqtt_connect_return_code_t)rc);
        client->connection_over = true;
        return;
    }
    set_state(client, STATE_CONNECTED);
    esp_mqtt_event_t event = { .event_id = MQTT_EVENT_CONNECTED, .session_present = flags & 1 };
    dispatch(client, &event);
    send_outbox(client);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    (void)mosq;
    (void)rc;
    esp_mqtt_client_handle_t client = obj;
    client->connection_over = true;
}

/* Under ids_lock: the next message id, 1..65535 as MQTT's. */
static int next_msg_id(esp_mqtt_client_handle_t client)
{
    client->last_msg_id = client->last_msg_id % 65535 + 1;
    return client->last_msg_id;
}

/* Under ids_lock: remembers that libmosquitto's `mid` is the application's `msg_id`. */
static void pair_ids(esp_mqtt_client_handle_t client, int mid, int msg_id)
{
    if (client->id_count == client->id_capacity) {
        size_t grown = client->id_capacity ? client->id_capacity * 2 : 16;
        id_pair_t *more = realloc(client->ids, grown * sizeof(*more));
        if (more == NULL) {
            abort();
        }
        client->ids = more;
        client->id_capacity = grown;
    }
    client->ids[client->id_count++] = (id_pair_t){.mosquitto_mid = mid, .msg_id = msg_id};
}

/* The application's message id of libmosquitto's acknowledged `mid` (its pair is done with). */
static int take_msg_id(esp_mqtt_client_handle_t client, int mid)
{
    pthread_mutex_lock(&client->ids_lock);
    int msg_id = mid;
    for (size_t i = 0; i < client->id_count; i++) {
        if (client->ids[i].mosquitto_mid == mid) {
            msg_id = client->ids[i].msg_id;
            client->ids[i] = client->ids[--client->id_count];
            break;
        }
    }
    pthread_mutex_unlock(&client->ids_lock);
    return msg_id;
}

static void free_queued(queued_t *q)
{
    free(q->topic);
    free(q->data);
    free(q);
}

/* Once connected (after MQTT_EVENT_CONNECTED), the outbox goes out, as esp-mqtt resends queued messages;
 * what waited longer than OUTBOX_EXPIRED_TIMEOUT_MS is dropped unsent. */
static void send_outbox(esp_mqtt_client_handle_t client)
{
    pthread_mutex_lock(&client->ids_lock);
    queued_t *q = client->outbox;
    client->outbox = NULL;
    int64_t now = esp_timer_get_time();
    while (q != NULL) {
        queued_t *next = q->next;
        int mid = 0;
        if (now - q->queued_us <= (int64_t)OUTBOX_EXPIRED_TIMEOUT_MS * 1000
            && mosquitto_publish(client->mosq, &mid, q->topic, q->length, q->data, q->qos, q->retain)
               == MOSQ_ERR_SUCCESS) {
            pair_ids(client, mid, q->msg_id);
        }
        free_queued(q);
        q = next;
    }
    pthread_mutex_unlock(&client->ids_lock);
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted_qos)
{
    (void)mosq;
    esp_mqtt_client_handle_t client = obj;
    uint8_t codes[16];
    int n = qos_count < (int)sizeof(codes) ? qos_count : (int)sizeof(codes);
    for (int i = 0; i < n; i++) {
        codes[i] = (uint8_t)(granted_qos[i] & 0xFF);
    }
    host_mqtt_dispatch_suback(&client->events, client, take_msg_id(client, mid), codes, n);
}

static void on_unsubscribe(struct mosquitto *mosq, void *obj, int mid)
{
    (void)mosq;
    dispatch_simple(obj, MQTT_EVENT_UNSUBSCRIBED, take_msg_id(obj, mid));
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    (void)mosq;
    dispatch_simple(obj, MQTT_EVENT_PUBLISHED, take_msg_id(obj, mid));
}

/* One MQTT_EVENT_DATA per buffer.size bytes; only the first fragment carries the topic. */
static void on_message(struct mosquitto *mosq, void *obj, const struct mosquitto_message *message)
{
    (void)mosq;
    esp_mqtt_client_handle_t client = obj;
    int total = message->payloadlen;
    int offset = 0;
    do {
        int length = total - offset < client->buffer_size ? total - offset : client->buffer_size;
        esp_mqtt_event_t event = {
            .event_id = MQTT_EVENT_DATA,
            .data = (char *)message->payload + offset,
            .data_len = length,
            .total_data_len = total,
            .current_data_offset = offset,
            .topic = offset == 0 ? message->topic : NULL,
            .topic_len = offset == 0 ? (int)strlen(message->topic) : 0,
            .msg_id = message->mid,
            .qos = message->qos,
            .retain = message->retain,
        };
        dispatch(client, &event);
        offset += length;
    } while (offset < total);
}

/* Waits until a reconnect is due: the reconnect timeout, or esp_mqtt_client_reconnect() when automatic
 * reconnection is off. Returns false when the client is being stopped. */
static bool wait_for_reconnect(esp_mqtt_client_handle_t client)
{
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += client->reconnect_timeout_ms / 1000;
    deadline.tv_nsec += (long)(client->reconnect_timeout_ms % 1000) * 1000000L;
    if (deadline.tv_nsec >= 1000000000L) {
        deadline.tv_sec++;
        deadline.tv_nsec -= 1000000000L;
    }
    pthread_mutex_lock(&client->lock);
    client->state = STATE_WAIT_RECONNECT;
    while (!client->stop_requested && !client->reconnect_requested) {
        if (!client->auto_reconnect) {
            pthread_cond_wait(&client->wake, &client->lock);
        } else if (pthread_cond_timedwait(&client->wake, &client->lock, &deadline) == ETIMEDOUT) {
            break;
        }
    }
    client->reconnect_requested = false;
    bool go_on = !client->stop_requested;
    client->state = go_on ? STATE_CONNECTING : STATE_IDLE;
    pthread_mutex_unlock(&client->lock);
    return go_on;
}

static bool stopping(esp_mqtt_client_handle_t client)
{
    pthread_mutex_lock(&client->lock);
    bool stop = client->stop_requested;
    pthread_mutex_unlock(&client->lock);
    return stop;
}

static void *client_task(void *arg)
{
    esp_mqtt_client_handle_t client = arg;
    set_state(client, STATE_CONNECTING);
    while (!stopping(client)) {
        dispatch_simple(client, MQTT_EVENT_BEFORE_CONNECT, 0);
        client->connection_over = false;
        client->connack_seen = false;
        client->connack_refused = false;
        client->verify_flags = 0;
        errno = 0;
        int rc = mosquitto_connect(client->mosq, client->host, client->port, client->keepalive_s);
        if (rc != MOSQ_ERR_SUCCESS) {
            int sock_errno = rc == MOSQ_ERR_ERRNO ? errno : 0;
            ESP_LOGE(TAG, "cannot connect to %s:%d: %s", client->host, client->port,
                     rc == MOSQ_ERR_ERRNO ? strerror(sock_errno) : mosquitto_strerror(rc));
            dispatch_connect_failure(client, rc, sock_errno);
        } else {
            int lost = MOSQ_ERR_SUCCESS;
            int lost_errno = 0;
            while (!client->connection_over && !stopping(client)) {
                errno = 0;
                rc = mosquitto_loop(client->mosq, LOOP_TIMEOUT_MS, 1);
                if (rc != MOSQ_ERR_SUCCESS) {
                    lost = rc;
                    lost_errno = rc == MOSQ_ERR_ERRNO ? errno : 0;
                    client->connection_over = true;
                }
            }
            set_state(client, STATE_CONNECTING); /* not connected: publishing queues, subscribing fails */
            if (stopping(client)) {
                mosquitto_disconnect(client->mosq); /* a clean DISCONNECT: the broker drops the will */
                mosquitto_loop(client->mosq, LOOP_TIMEOUT_MS, 1);
                break;
            }
            if (client->connack_refused || lost == MOSQ_ERR_NO_CONN || lost == MOSQ_ERR_SUCCESS) {
                /* refused (its error is out), or a disconnect this client asked for */
            } else if (!client->connack_seen) {
                /* e.g. the broker ended the TLS session because it refused our certificate */
                ESP_LOGE(TAG, "connection to %s:%d closed before CONNACK: %s", client->host, client->port,
                         lost == MOSQ_ERR_ERRNO ? strerror(lost_errno) : mosquitto_strerror(lost));
                if (client->tls_used && lost != MOSQ_ERR_ERRNO) {
                    dispatch_connect_failure(client, lost, lost_errno); /* the TLS handshake failed */
                } else {
                    dispatch_connection_lost(client, lost, lost_errno); /* CONNACK never came */
                }
            } else if (lost == MOSQ_ERR_KEEPALIVE) {
                ESP_LOGE(TAG, "no PINGRESP from %s:%d, disconnected", client->host, client->port);
            } else {
                ESP_LOGW(TAG, "connection to %s:%d lost: %s", client->host, client->port,
                         lost == MOSQ_ERR_ERRNO ? strerror(lost_errno) : mosquitto_strerror(lost));
                dispatch_connection_lost(client, lost, lost_errno);
            }
            mosquitto_disconnect(client->mosq); /* closes the socket if libmosquitto has not */
        }
        dispatch_simple(client, MQTT_EVENT_DISCONNECTED, 0);
        if (!wait_for_reconnect(client)) {
            break;
        }
    }
    set_state(client, STATE_IDLE);
    return NULL;
}

esp_mqtt_client_handle_t esp_mqtt_client_init(const esp_mqtt_client_config_t *config)
{
    pthread_once(&s_library_once, library_init);
    const char *uri = config->broker.address.uri;
    char built[300];
    if (uri == NULL && config->broker.address.hostname != NULL) {
        bool tls = config->broker.address.transport == MQTT_TRANSPORT_OVER_SSL;
        snprintf(built, sizeof(built), "%s://%s:%u", tls ? "mqtts" : "mqtt", config->broker.address.hostname,
                 config->broker.address.port != 0 ? (unsigned)config->broker.address.port : tls ? 8883u : 1883u);
        uri = built;
    }
    if (s_broker_override != NULL) {
        ESP_LOGW(TAG, "broker %s replaces %s (--broker)", s_broker_override, uri != NULL ? uri : "(none)");
        uri = s_broker_override;
    }
    struct esp_mqtt_client *client = calloc(1, sizeof(*client));
    if (client == NULL) {
        return NULL;
    }
    bool tls = false;
    if (uri == NULL || !parse_uri(uri, &client->host, &client->port, &tls)) {
        ESP_LOGE(TAG, "broker URI '%s' is not mqtt[s]://host[:port]", uri != NULL ? uri : "(none)");
        free(client);
        return NULL;
    }
    if (config->credentials.set_null_client_id) {
        client->client_id = NULL;
    } else if (config->credentials.client_id != NULL) {
        client->client_id = strdup(config->credentials.client_id);
    } else {
        char id[32];
        snprintf(id, sizeof(id), "ESP32_%06X", (unsigned)(esp_random() & 0xFFFFFFu));
        client->client_id = strdup(id);
    }
    client->keepalive_s = config->session.disable_keepalive ? 0
            : config->session.keepalive > 0 ? config->session.keepalive : DEFAULT_KEEPALIVE_S;
    client->clean_session = !config->session.disable_clean_session;
    client->auto_reconnect = !config->network.disable_auto_reconnect;
    client->reconnect_timeout_ms = config->network.reconnect_timeout_ms > 0 ? config->network.reconnect_timeout_ms
            : DEFAULT_RECONNECT_TIMEOUT_MS;
    client->buffer_size = config->buffer.size > 0 ? config->buffer.size : DEFAULT_BUFFER_SIZE;
    client->tls_used = tls;
    pthread_mutex_init(&client->lock, NULL);
    pthread_mutex_init(&client->ids_lock, NULL);
    if (!host_mqtt_events_init(&client->events)) {
        free(client->host);
        free(client->client_id);
        free(client);
        return NULL;
    }
    pthread_cond_init(&client->wake, NULL);

    client->mosq = mosquitto_new(client->client_id, client->clean_session, client);
    if (client->mosq == NULL) {
        ESP_LOGE(TAG, "mosquitto_new failed: %s", strerror(errno));
        esp_mqtt_client_destroy(client);
        return NULL;
    }
    mosquitto_int_option(client->mosq, MOSQ_OPT_PROTOCOL_VERSION, MQTT_PROTOCOL_V311);
    mosquitto_threaded_set(client->mosq, true);
    if (tls) {
        client->tls = tls_context(config, client->host);
        if (client->tls != NULL) {
            SSL_CTX_set_app_data(client->tls, client); /* for the verify callback */
        }
        if (client->tls == NULL
            || mosquitto_void_option(client->mosq, MOSQ_OPT_SSL_CTX, client->tls) != MOSQ_ERR_SUCCESS
            || mosquitto_int_option(client->mosq, MOSQ_OPT_SSL_CTX_WITH_DEFAULTS, 0) != MOSQ_ERR_SUCCESS) {
            esp_mqtt_client_destroy(client);
            return NULL;
        }
    }
    const char *will = config->session.last_will.topic;
    if (will != NULL) {
        const char *msg = config->session.last_will.msg != NULL ? config->session.last_will.msg : "";
        int length = config->session.last_will.msg_len > 0 ? config->session.last_will.msg_len : (int)strlen(msg);
        if (mosquitto_will_set(client->mosq, will, length, msg, config->session.last_will.qos,
                               config->session.last_will.retain != 0) != MOSQ_ERR_SUCCESS) {
            ESP_LOGE(TAG, "last will on '%s' refused", will);
            esp_mqtt_client_destroy(client);
            return NULL;
        }
    }
    mosquitto_connect_with_flags_callback_set(client->mosq, on_connect);
    mosquitto_disconnect_callback_set(client->mosq, on_disconnect);
    mosquitto_subscribe_callback_set(client->mosq, on_subscribe);
    mosquitto_publish_callback_set(client->mosq, on_publish);
    mosquitto_unsubscribe_callback_set(client->mosq, on_unsubscribe);
    mosquitto_message_callback_set(client->mosq, on_message);
    ESP_LOGI(TAG, "client '%s' for %s:%d (%s, keep-alive %d s, %s session)", client->client_id ? client->client_id : "",
             client->host, client->port, tls ? "TLS" : "plain TCP", client->keepalive_s,
             client->clean_session ? "clean" : "persistent");
    return client;
}

esp_err_t esp_mqtt_client_register_event(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t event,
                                         esp_event_handler_t event_handler, void *event_handler_arg)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return host_mqtt_events_register(&client->events, event, event_handler, event_handler_arg);
}

esp_err_t esp_mqtt_client_unregister_event(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t event,
                                           esp_event_handler_t event_handler)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return host_event_loop_unregister(client->events.loop, MQTT_EVENTS, (int32_t)event, event_handler);
}

esp_err_t esp_mqtt_client_start(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (client->running) {
        return ESP_FAIL;
    }
    client->stop_requested = false;
    if (pthread_create(&client->thread, NULL, client_task, client) != 0) {
        return ESP_FAIL;
    }
    client->running = true;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_set_uri(esp_mqtt_client_handle_t client, const char *uri)
{
    char *host = NULL;
    int port;
    bool tls;
    if (client == NULL || !parse_uri(uri, &host, &port, &tls)) {
        return ESP_FAIL;
    }
    free(client->host);
    client->host = host;
    client->port = port;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_reconnect(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    pthread_mutex_lock(&client->lock);
    esp_err_t err = ESP_FAIL; /* as esp-mqtt: only a client waiting to reconnect can be told to */
    if (client->state == STATE_WAIT_RECONNECT) {
        client->reconnect_requested = true;
        pthread_cond_signal(&client->wake);
        err = ESP_OK;
    }
    pthread_mutex_unlock(&client->lock);
    return err;
}

esp_err_t esp_mqtt_client_disconnect(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    return mosquitto_disconnect(client->mosq) == MOSQ_ERR_SUCCESS ? ESP_OK : ESP_FAIL;
}

esp_err_t esp_mqtt_client_stop(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (!client->running) {
        return ESP_FAIL;
    }
    if (pthread_equal(pthread_self(), client->thread)) {
        ESP_LOGE(TAG, "esp_mqtt_client_stop called from the MQTT event handler; that deadlocks on a device");
        return ESP_FAIL;
    }
    pthread_mutex_lock(&client->lock);
    client->stop_requested = true;
    pthread_cond_signal(&client->wake);
    pthread_mutex_unlock(&client->lock);
    pthread_join(client->thread, NULL);
    client->running = false;
    return ESP_OK;
}

esp_err_t esp_mqtt_client_destroy(esp_mqtt_client_handle_t client)
{
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    if (client->running) {
        esp_mqtt_client_stop(client);
    }
    if (client->mosq != NULL) {
        mosquitto_destroy(client->mosq);
    }
    SSL_CTX_free(client->tls);
    host_mqtt_events_free(&client->events);
    for (queued_t *q = client->outbox; q != NULL;) {
        queued_t *next = q->next;
        free_queued(q);
        q = next;
    }
    free(client->ids);
    free(client->host);
    free(client->client_id);
    free(client);
    return ESP_OK;
}

static bool connected(esp_mqtt_client_handle_t client)
{
    pthread_mutex_lock(&client->lock);
    bool yes = client->state == STATE_CONNECTED;
    pthread_mutex_unlock(&client->lock);
    return yes;
}

/* esp-mqtt: -1 while not connected ("Client has not connected"). */
int esp_mqtt_client_subscribe_single(esp_mqtt_client_handle_t client, const char *topic, int qos)
{
    if (client == NULL || !connected(client)) {
        return -1;
    }
    pthread_mutex_lock(&client->ids_lock);
    int mid = 0;
    int msg_id = -1;
    if (mosquitto_subscribe(client->mosq, &mid, topic, qos) == MOSQ_ERR_SUCCESS) {
        msg_id = next_msg_id(client);
        pair_ids(client, mid, msg_id);
    }
    pthread_mutex_unlock(&client->ids_lock);
    return msg_id;
}

int esp_mqtt_client_subscribe_multiple(esp_mqtt_client_handle_t client, const esp_mqtt_topic_t *topic_list,
                                       int size)
{
    int mid = -1;
    for (int i = 0; i < size; i++) {
        mid = esp_mqtt_client_subscribe_single(client, topic_list[i].filter, topic_list[i].qos);
        if (mid < 0) {
            return -1;
        }
    }
    return mid;
}

int esp_mqtt_client_unsubscribe(esp_mqtt_client_handle_t client, const char *topic)
{
    if (client == NULL || !connected(client)) {
        return -1;
    }
    pthread_mutex_lock(&client->ids_lock);
    int mid = 0;
    int msg_id = -1;
    if (mosquitto_unsubscribe(client->mosq, &mid, topic) == MOSQ_ERR_SUCCESS) {
        msg_id = next_msg_id(client);
        pair_ids(client, mid, msg_id);
    }
    pthread_mutex_unlock(&client->ids_lock);
    return msg_id;
}

/*
 * esp_mqtt_client_publish: a message id for QoS 1 and 2, 0 for QoS 0, -1 on failure. While not connected,
 * QoS 0 is lost (-1) and QoS 1 and 2 go to the outbox (a message id), sent once connected.
 */
int esp_mqtt_client_publish(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len,
                            int qos, int retain)
{
    if (client == NULL || topic == NULL) {
        return -1;
    }
    int length = host_mqtt_payload_length(data, len);
    bool now = connected(client);
    if (!now && qos == 0) {
        return -1;
    }
    pthread_mutex_lock(&client->ids_lock);
    int msg_id = -1;
    if (!now) {
        queued_t *q = calloc(1, sizeof(*q));
        if (q != NULL && (q->topic = strdup(topic)) != NULL
            && (q->data = malloc(length > 0 ? (size_t)length : 1u)) != NULL) {
            if (length > 0) {
                memcpy(q->data, data, (size_t)length);
            }
            q->length = length;
            q->qos = qos;
            q->retain = retain != 0;
            q->msg_id = msg_id = next_msg_id(client);
            q->queued_us = esp_timer_get_time();
            queued_t **tail = &client->outbox;
            while (*tail != NULL) {
                tail = &(*tail)->next;
            }
            *tail = q;
        } else if (q != NULL) {
            free_queued(q);
        }
    } else {
        int mid = 0;
        if (mosquitto_publish(client->mosq, &mid, topic, length, data, qos, retain != 0) == MOSQ_ERR_SUCCESS) {
            msg_id = 0;
            if (qos > 0) {
                msg_id = next_msg_id(client);
                pair_ids(client, mid, msg_id);
            }
        }
    }
    pthread_mutex_unlock(&client->ids_lock);
    return msg_id;
}

int esp_mqtt_client_enqueue(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len,
                            int qos, int retain, bool store)
{
    (void)store;
    return esp_mqtt_client_publish(client, topic, data, len, qos, retain);
}
