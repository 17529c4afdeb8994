/*
 * The stand-in contract (standin_contract.c) is one set of expectations, taken from ESP-IDF's own sources,
 * run against both builds of the ESP-IDF stand-ins: the recording fakes (host/fakes, for C unit tests) and
 * the Linux runtime (host/runtime, for firmware in the loop). Only what cannot be done the same way in both
 * goes through this adapter, which each build implements (standin_fakes.c, standin_runtime.c).
 */
#pragma once

#include <stdbool.h>

#include "mqtt_client.h"

/* The items the contract reads, as NVS partition `label` holds them:
 *   namespace "contract": "greeting" = "hello" (string), "bytes" = 01 02 03 00 ff (blob),
 *   "count" = 4000000000 (u32), "fifteen_chars_k" = "fifteen" (string, a 15-byte key);
 *   namespace "other": "greeting" = "other" (string).
 * The fakes put them in their table; the runtime reads them from the NVS image at `image` (written by
 * StandInContractTest with espfleet's NVS writer). Called before anything is initialised. */
void adapter_provide_nvs(const char *label, const char *image);

/* Returns once the default event loop has run the handlers of every event posted so far (the runtime runs
 * them in its own task, as ESP-IDF's "sys_evt" task does; the fakes run them inside esp_event_post). */
void adapter_drain_events(void);

/* A name for this build in the report. */
const char *adapter_build_name(void);

/* esp-mqtt's event sequences: what a scenario brings about, as the genuine client meets it. */
typedef enum {
    SCENARIO_CONNECT_FAILS,        /* nothing listens on the broker's port (ECONNREFUSED) */
    SCENARIO_LOST_AFTER_CONNACK,   /* the broker accepts (CONNACK 0) and then closes the connection */
    SCENARIO_SUBSCRIPTION_REFUSED, /* the broker accepts, refuses the first SUBSCRIBE (0x80), grants the second (1) */
} adapter_mqtt_scenario_t;

/* The broker the contract's client is configured with (the runtime serves the scenario there). */
const char *adapter_mqtt_broker(adapter_mqtt_scenario_t scenario);

/* Starts `client` (its handlers registered) and plays the scenario; returns once the contract's handlers
 * set *over (after DISCONNECTED, or the second SUBSCRIBED). The contract's CONNECTED handler subscribes
 * twice; the fakes answer the msg ids it got (fake_mqtt_subscription_msg_id). */
void adapter_mqtt_play(adapter_mqtt_scenario_t scenario, esp_mqtt_client_handle_t client, volatile int *over);

/* How many messages published on `topic` while the client was not connected went out once it was: the
 * broker received them (runtime), or they were recorded as queued in esp-mqtt's outbox (fakes). */
int adapter_mqtt_sent_from_outbox(const char *topic);
