/* The stand-in contract's adapter for the recording fakes (host/fakes). */
#include <string.h>

#include "esp_tls_errors.h"
#include "fake_idf.h"
#include "standin_adapter.h"

const char *adapter_build_name(void)
{
    return "fakes";
}

void adapter_provide_nvs(const char *label, const char *image)
{
    (void)image; /* the same items, put into the fakes' table */
    static const unsigned char bytes[] = {1, 2, 3, 0, 0xFF};
    fake_reset();
    fake_nvs_put_str(label, "contract", "greeting", "hello");
    fake_nvs_put_blob(label, "contract", "bytes", bytes, sizeof(bytes));
    fake_nvs_put_u32(label, "contract", "count", 4000000000u);
    fake_nvs_put_str(label, "contract", "fifteen_chars_k", "fifteen");
    fake_nvs_put_str(label, "other", "greeting", "other");
}

void adapter_drain_events(void)
{
    /* the fakes run handlers inside esp_event_post */
}

static int s_publishes_before; /* the fakes' publish records before this scenario's client */

const char *adapter_mqtt_broker(adapter_mqtt_scenario_t scenario)
{
    (void)scenario;
    s_publishes_before = fake_mqtt_publish_count();
    return "mqtt://127.0.0.1:1883"; /* the fakes dial nothing */
}

/* The sequences esp-mqtt posts, through the fakes' helpers (the code the runtime posts them with). */
void adapter_mqtt_play(adapter_mqtt_scenario_t scenario, esp_mqtt_client_handle_t client, volatile int *over)
{
    if (esp_mqtt_client_start(client) != ESP_OK) {
        return;
    }
    switch (scenario) {
    case SCENARIO_CONNECT_FAILS:
        fake_mqtt_connect_failed(111); /* ECONNREFUSED */
        break;
    case SCENARIO_LOST_AFTER_CONNACK:
        fake_mqtt_connected(0);
        fake_mqtt_connection_lost(ESP_ERR_ESP_TLS_TCP_CLOSED_FIN, 0);
        break;
    case SCENARIO_SUBSCRIPTION_REFUSED: {
        int before = fake_mqtt_subscribe_count();
        fake_mqtt_connected(0); /* the contract's handler subscribes twice */
        static const uint8_t refused[] = {0x80};
        static const uint8_t granted[] = {0x01};
        fake_mqtt_suback(fake_mqtt_subscription_msg_id(before), refused, 1);
        fake_mqtt_suback(fake_mqtt_subscription_msg_id(before + 1), granted, 1);
        break;
    }
    }
    (void)over; /* the handlers set it while the helpers ran */
}

int adapter_mqtt_sent_from_outbox(const char *topic)
{
    int n = 0;
    for (int i = s_publishes_before; i < fake_mqtt_publish_count(); i++) {
        n += fake_mqtt_publish(i)->queued && strcmp(fake_mqtt_publish(i)->topic, topic) == 0;
    }
    return n;
}
