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
