/*
 * esp-mqtt's client API (ESP-IDF v5.x) on libmosquitto and OpenSSL: MQTT 3.1.1 over TLS with X.509
 * mutual authentication, Last Will, keep-alive and persistent sessions.
 *
 * Like esp-mqtt, each client runs one task (a thread here) that connects, receives, and runs the event
 * handler; a failed or lost connection dispatches MQTT_EVENT_ERROR (when there is an error to tell) and
 * MQTT_EVENT_DISCONNECTED, then waits: reconnect_timeout_ms with auto-reconnect, or until
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
#include "mqtt_client.h"

#include "runtime.h"

static const char *TAG = "host_mqtt";

/* esp-mqtt defaults (components/mqtt/esp-mqtt/include/mqtt_config.h). */
#define DEFAULT_KEEPALIVE_S 120
#define DEFAULT_RECONNECT_TIMEOUT_MS 10000
#define DEFAULT_BUFFER_SIZE 1024
#define LOOP_TIMEOUT_MS 100

typedef enum {
    STATE_IDLE,
    STATE_CONNECTING,
    STATE_CONNECTED,
    STATE_WAIT_RECONNECT,
} client_state_t;

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

    esp_event_handler_t handler;
    void *handler_arg;

    pthread_t thread;
    bool running;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    client_state_t state;
    bool reconnect_requested;
    bool stop_requested;
    bool connection_over; /* set by callbacks: CONNACK refused or connection lost */
    bool connack_seen;
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

/* Says why the broker's certificate was refused; OpenSSL's verdict stands unchanged. */
static int log_verify_failure(int preverify_ok, X509_STORE_CTX *store)
{
    if (!preverify_ok) {
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
    event->client = client;
    event->protocol_ver = MQTT_PROTOCOL_V_3_1_1;
    if (client->handler != NULL) {
        client->handler(client->handler_arg, "MQTT_EVENTS", event->event_id, event);
    }
}

static void dispatch_simple(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t id, int msg_id)
{
    esp_mqtt_event_t event = { .event_id = id, .msg_id = msg_id };
    dispatch(client, &event);
}

static void dispatch_error(esp_mqtt_client_handle_t client, esp_mqtt_error_type_t type, int connect_code,
                           int sock_errno)
{
    esp_mqtt_error_codes_t error = {
        .error_type = type,
        .connect_return_code = (esp_mqtt_connect_return_code_t)connect_code,
        .esp_transport_sock_errno = sock_errno,
        .esp_tls_last_esp_err = type == MQTT_ERROR_TYPE_TCP_TRANSPORT ? ESP_FAIL : ESP_OK,
    };
    esp_mqtt_event_t event = { .event_id = MQTT_EVENT_ERROR, .error_handle = &error };
    dispatch(client, &event);
}

static void set_state(esp_mqtt_client_handle_t client, client_state_t state)
{
    pthread_mutex_lock(&client->lock);
    client->state = state;
    pthread_mutex_unlock(&client->lock);
}

static void on_connect(struct mosquitto *mosq, void *obj, int rc, int flags)
{
    (void)mosq;
    esp_mqtt_client_handle_t client = obj;
    client->connack_seen = true;
    if (rc != 0) {
        ESP_LOGW(TAG, "broker refused the connection: %s", mosquitto_connack_string(rc));
        dispatch_error(client, MQTT_ERROR_TYPE_CONNECTION_REFUSED, rc, 0);
        client->connection_over = true;
        return;
    }
    set_state(client, STATE_CONNECTED);
    esp_mqtt_event_t event = { .event_id = MQTT_EVENT_CONNECTED, .session_present = flags & 1 };
    dispatch(client, &event);
}

static void on_disconnect(struct mosquitto *mosq, void *obj, int rc)
{
    (void)mosq;
    (void)rc;
    esp_mqtt_client_handle_t client = obj;
    client->connection_over = true;
}

static void on_subscribe(struct mosquitto *mosq, void *obj, int mid, int qos_count, const int *granted_qos)
{
    (void)mosq;
    esp_mqtt_client_handle_t client = obj;
    bool refused = false;
    for (int i = 0; i < qos_count; i++) {
        refused = refused || granted_qos[i] == 0x80;
    }
    if (refused) {
        dispatch_error(client, MQTT_ERROR_TYPE_SUBSCRIBE_FAILED, 0, 0);
    }
    /* as esp-mqtt: the SUBACK's return codes are the event's data (0x80 = refused) */
    char codes[16];
    int n = qos_count < (int)sizeof(codes) ? qos_count : (int)sizeof(codes);
    for (int i = 0; i < n; i++) {
        codes[i] = (char)(granted_qos[i] & 0xFF);
    }
    esp_mqtt_event_t event = {.event_id = MQTT_EVENT_SUBSCRIBED, .msg_id = mid, .data = codes, .data_len = n,
                              .total_data_len = n};
    dispatch(client, &event);
}

static void on_publish(struct mosquitto *mosq, void *obj, int mid)
{
    (void)mosq;
    dispatch_simple(obj, MQTT_EVENT_PUBLISHED, mid);
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
        errno = 0;
        int rc = mosquitto_connect(client->mosq, client->host, client->port, client->keepalive_s);
        if (rc != MOSQ_ERR_SUCCESS) {
            int sock_errno = rc == MOSQ_ERR_ERRNO ? errno : 0;
            ESP_LOGE(TAG, "cannot connect to %s:%d: %s", client->host, client->port,
                     rc == MOSQ_ERR_ERRNO ? strerror(sock_errno) : mosquitto_strerror(rc));
            dispatch_error(client, MQTT_ERROR_TYPE_TCP_TRANSPORT, 0, sock_errno);
        } else {
            while (!client->connection_over && !stopping(client)) {
                rc = mosquitto_loop(client->mosq, LOOP_TIMEOUT_MS, 1);
                if (rc != MOSQ_ERR_SUCCESS && rc != MOSQ_ERR_NO_CONN) {
                    if (!client->connack_seen) {
                        /* e.g. the broker closed the TLS session because it refused our certificate */
                        ESP_LOGE(TAG, "connection to %s:%d closed before CONNACK: %s", client->host, client->port,
                                 mosquitto_strerror(rc));
                        dispatch_error(client, MQTT_ERROR_TYPE_TCP_TRANSPORT, 0, rc == MOSQ_ERR_ERRNO ? errno : 0);
                    }
                    client->connection_over = true;
                } else if (rc == MOSQ_ERR_NO_CONN) {
                    client->connection_over = true;
                }
            }
            if (stopping(client)) {
                mosquitto_disconnect(client->mosq); /* a clean DISCONNECT: the broker drops the will */
                mosquitto_loop(client->mosq, LOOP_TIMEOUT_MS, 1);
                break;
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
    pthread_mutex_init(&client->lock, NULL);
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
    mosquitto_message_callback_set(client->mosq, on_message);
    ESP_LOGI(TAG, "client '%s' for %s:%d (%s, keep-alive %d s, %s session)", client->client_id ? client->client_id : "",
             client->host, client->port, tls ? "TLS" : "plain TCP", client->keepalive_s,
             client->clean_session ? "clean" : "persistent");
    return client;
}

esp_err_t esp_mqtt_client_register_event(esp_mqtt_client_handle_t client, esp_mqtt_event_id_t event,
                                         esp_event_handler_t event_handler, void *event_handler_arg)
{
    (void)event; /* the runtime delivers every event; handlers switch on the id */
    if (client == NULL) {
        return ESP_ERR_INVALID_ARG;
    }
    client->handler = event_handler;
    client->handler_arg = event_handler_arg;
    return ESP_OK;
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

int esp_mqtt_client_subscribe_single(esp_mqtt_client_handle_t client, const char *topic, int qos)
{
    int mid = 0;
    if (client == NULL || !connected(client)
        || mosquitto_subscribe(client->mosq, &mid, topic, qos) != MOSQ_ERR_SUCCESS) {
        return -1;
    }
    return mid;
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
    int mid = 0;
    if (client == NULL || !connected(client) || mosquitto_unsubscribe(client->mosq, &mid, topic) != MOSQ_ERR_SUCCESS) {
        return -1;
    }
    return mid;
}

int esp_mqtt_client_publish(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len,
                            int qos, int retain)
{
    if (client == NULL || topic == NULL || !connected(client)) {
        return -1;
    }
    int length = len > 0 ? len : data != NULL ? (int)strlen(data) : 0;
    int mid = 0;
    if (mosquitto_publish(client->mosq, &mid, topic, length, data, qos, retain != 0) != MOSQ_ERR_SUCCESS) {
        return -1;
    }
    return qos > 0 ? mid : 0;
}

int esp_mqtt_client_enqueue(esp_mqtt_client_handle_t client, const char *topic, const char *data, int len,
                            int qos, int retain, bool store)
{
    (void)store;
    return esp_mqtt_client_publish(client, topic, data, len, qos, retain);
}
