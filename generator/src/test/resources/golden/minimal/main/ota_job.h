/*
 * The `ota` job (docs/jobs.md): an app image over HTTPS (esp_https_ota) into the next OTA slot, its SHA-256
 * checked against the job document before the slot becomes the boot slot, then a reboot. The new app runs
 * PENDING_VERIFY (CONFIG_BOOTLOADER_APP_ROLLBACK_ENABLE) until its self-test passes (connected as its thing, its
 * shadow get answered, app_self_test() true) within jobs.self_test_timeout_s; otherwise it marks itself invalid
 * and the bootloader brings the old app back, which ends the job FAILED with the reason.
 */
#pragma once

#include <stdbool.h>

#include "identity.h"
#include "jobs.h"

/* Longest reason sent in statusDetails (AWS allows 1024 bytes per value). */
#define OTA_REASON_MAX 256

/* At boot: whether this app still has to prove itself (PENDING_VERIFY); if so its deadline starts now and
 * `on_deadline` (an esp_timer callback) is called when it passes. */
void ota_self_test_begin(void (*on_deadline)(void *arg));

/* Jobs task: the shadow round trip happened; runs app_self_test() and confirms or rolls back. */
void ota_self_test_shadow_synced(void);

/* Jobs task: the self-test's deadline passed without a confirmation: marks the app invalid and reboots. */
void ota_self_test_deadline_passed(void);

/* Jobs task: true while the running app waits for its self-test. */
bool ota_self_test_pending(void);

/* Jobs task: runs (or carries on with, after a reboot) the ota job `execution`; `ca` checks the HTTPS server. */
void ota_job_run(jobs_execution_t *execution, const char *ca);

/*
 * Product checks of a new app before it is confirmed (sensors answer, ...): a weak default returns true. Define
 * it in a file of your own in main/ to add checks; false rolls the update back.
 */
bool app_self_test(void);

/* Jobs task: -1, 0 or 1 as version a is older than, the same as or newer than b (dotted numbers, then text). */
int ota_version_compare(const char *a, const char *b);
