/* The stand-in contract's adapter for the Linux runtime (host/runtime). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "esp_event.h"
#include "freertos/FreeRTOS.h"
#include "freertos/event_groups.h"
#include "runtime.h"
#include "standin_adapter.h"

const char *adapter_build_name(void)
{
    return "runtime";
}

void adapter_provide_nvs(const char *label, const char *image)
{
    runtime_tasks_adopt_main_thread();
    if (!runtime_nvs_add_image(label, image)) {
        abort();
    }
}

ESP_EVENT_DEFINE_BASE(ADAPTER_DRAINED);

static EventGroupHandle_t s_drained;

static void drained(void *arg, esp_event_base_t base, int32_t id, void *data)
{
    (void)arg;
    (void)base;
    (void)id;
    (void)data;
    xEventGroupSetBits(s_drained, 1);
}

/* The loop runs events in order: once a marker posted now has been handled, so has everything before it. */
void adapter_drain_events(void)
{
    if (s_drained == NULL) {
        s_drained = xEventGroupCreate();
    }
    xEventGroupClearBits(s_drained, 1);
    if (esp_event_handler_register(ADAPTER_DRAINED, 0, drained, NULL) != ESP_OK
        || esp_event_post(ADAPTER_DRAINED, 0, NULL, 0, portMAX_DELAY) != ESP_OK) {
        return; /* no loop yet: nothing to wait for */
    }
    if ((xEventGroupWaitBits(s_drained, 1, pdTRUE, pdTRUE, pdMS_TO_TICKS(5000)) & 1) == 0) {
        abort(); /* a handler never returned */
    }
    esp_event_handler_unregister(ADAPTER_DRAINED, 0, drained);
}

/*
 * A broker of a few lines for the scenarios (plain MQTT 3.1.1 on a loopback port): it reads CONNECT and
 * answers CONNACK 0; then it closes its side (FIN) or answers each SUBSCRIBE with a SUBACK, refusing the
 * first (0x80) and granting the next (QoS 1), until the client goes.
 */
typedef struct {
    int listener;
    adapter_mqtt_scenario_t scenario;
    char published[8][64]; /* the topics of the PUBLISH packets it received */
    int publish_count;
    bool running;
    pthread_t thread;
    char uri[64];
} broker_t;

static broker_t s_broker = {.listener = -1};

/* Ends the previous scenario's broker: its client is stopped, so its connection is closed. */
static void broker_stop(void)
{
    if (s_broker.listener >= 0) {
        shutdown(s_broker.listener, SHUT_RDWR); /* an accept still waiting returns */
    }
    if (s_broker.running) {
        pthread_join(s_broker.thread, NULL);
        s_broker.running = false;
    }
    if (s_broker.listener >= 0) {
        close(s_broker.listener);
        s_broker.listener = -1;
    }
}

/* Reads one MQTT packet: its first byte and up to `size` bytes of the rest; false at EOF. */
static bool read_packet(int fd, uint8_t *type, uint8_t *body, size_t size, size_t *length)
{
    uint8_t byte;
    if (read(fd, type, 1) != 1) {
        return false;
    }
    size_t remaining = 0;
    for (int shift = 0; shift < 28; shift += 7) {
        if (read(fd, &byte, 1) != 1) {
            return false;
        }
        remaining |= (size_t)(byte & 0x7F) << shift;
        if ((byte & 0x80) == 0) {
            break;
        }
    }
    *length = 0;
    while (remaining > 0) {
        uint8_t chunk[256];
        ssize_t n = read(fd, chunk, remaining < sizeof(chunk) ? remaining : sizeof(chunk));
        if (n <= 0) {
            return false;
        }
        for (ssize_t i = 0; i < n && *length < size; i++) {
            body[(*length)++] = chunk[i];
        }
        remaining -= (size_t)n;
    }
    return true;
}

static void *broker_main(void *arg)
{
    broker_t *broker = arg;
    int fd = accept(broker->listener, NULL, NULL);
    if (fd < 0) {
        return NULL;
    }
    uint8_t type;
    uint8_t body[256];
    size_t length;
    static const uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
    if (read_packet(fd, &type, body, sizeof(body), &length) && (type >> 4) == 1
        && write(fd, connack, sizeof(connack)) == (ssize_t)sizeof(connack)) {
        if (broker->scenario == SCENARIO_LOST_AFTER_CONNACK) {
            shutdown(fd, SHUT_WR); /* a clean close: FIN */
        }
        int subscriptions = 0;
        while (read_packet(fd, &type, body, sizeof(body), &length)) {
            if ((type >> 4) == 8 && length >= 2 && broker->scenario == SCENARIO_SUBSCRIPTION_REFUSED) {
                uint8_t suback[] = {0x90, 0x03, body[0], body[1], subscriptions++ == 0 ? 0x80 : 0x01};
                if (write(fd, suback, sizeof(suback)) != (ssize_t)sizeof(suback)) {
                    break;
                }
            } else if ((type >> 4) == 3 && length >= 2 && broker->publish_count < 8) {
                size_t topic_length = (size_t)body[0] << 8 | body[1];
                if (topic_length + 2 <= length && topic_length < sizeof(broker->published[0])) {
                    memcpy(broker->published[broker->publish_count], body + 2, topic_length);
                    broker->published[broker->publish_count++][topic_length] = '\0';
                }
            } else if ((type >> 4) == 12) {
                static const uint8_t pingresp[] = {0xD0, 0x00};
                if (write(fd, pingresp, sizeof(pingresp)) != (ssize_t)sizeof(pingresp)) {
                    break;
                }
            }
        }
    }
    close(fd);
    return NULL;
}

const char *adapter_mqtt_broker(adapter_mqtt_scenario_t scenario)
{
    broker_stop();
    s_broker.scenario = scenario;
    s_broker.publish_count = 0;
    s_broker.listener = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in address = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t size = sizeof(address);
    if (s_broker.listener < 0 || bind(s_broker.listener, (struct sockaddr *)&address, sizeof(address)) != 0
        || getsockname(s_broker.listener, (struct sockaddr *)&address, &size) != 0) {
        abort();
    }
    /* SCENARIO_CONNECT_FAILS: the port is bound but nothing listens, so a connect is refused */
    if (scenario != SCENARIO_CONNECT_FAILS) {
        if (listen(s_broker.listener, 1) != 0 || pthread_create(&s_broker.thread, NULL, broker_main, &s_broker) != 0) {
            abort();
        }
        s_broker.running = true;
    }
    snprintf(s_broker.uri, sizeof(s_broker.uri), "mqtt://127.0.0.1:%u", (unsigned)ntohs(address.sin_port));
    return s_broker.uri;
}

/* The runtime's client runs the scenario in its own thread: waits (10 s at most) for the handlers to see it
 * through. */
void adapter_mqtt_play(adapter_mqtt_scenario_t scenario, esp_mqtt_client_handle_t client, volatile int *over)
{
    (void)scenario;
    if (esp_mqtt_client_start(client) == ESP_OK) {
        for (int waited = 0; !*over && waited < 10000; waited += 10) {
            usleep(10000);
        }
    }
}

__attribute__((destructor)) static void broker_gone(void)
{
    broker_stop();
}

/* The client was stopped (its connection closed): the broker has read all it was sent. */
int adapter_mqtt_sent_from_outbox(const char *topic)
{
    broker_stop();
    int n = 0;
    for (int i = 0; i < s_broker.publish_count; i++) {
        n += strcmp(s_broker.published[i], topic) == 0;
    }
    return n;
}
