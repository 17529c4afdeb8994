/* Field tests for examples/env-sensor.yaml: sampling_rate int [1, 3600], alert_threshold float [0, 1]. */
#include <math.h>
#include <string.h>

#include "check.h"
#include "device_state.h"
#include "aws_mqtt.h"
#include "support.h"

static int s_rate_changes;
static int32_t s_rate;
static int s_threshold_changes;
static double s_threshold;

/* The application's hooks: strong definitions replace the generated weak ones. */
void on_sampling_rate_changed(int32_t value)
{
    s_rate_changes++;
    s_rate = value;
}

void on_alert_threshold_changed(double value)
{
    s_threshold_changes++;
    s_threshold = value;
}

bool read_temperature(double *value)
{
    *value = 21.5;
    return true;
}

bool read_humidity(double *value)
{
    *value = NAN; /* a sensor fault: must not be reported */
    return true;
}

static void reset_counts(void)
{
    fake_reset();
    s_rate_changes = 0;
    s_threshold_changes = 0;
}

static double reported_number(const char *name)
{
    cJSON *reported = last_reported();
    const cJSON *item = cJSON_GetObjectItemCaseSensitive(reported, name);
    double value = cJSON_IsNumber(item) ? cJSON_GetNumberValue(item) : NAN;
    cJSON_Delete(reported);
    return value;
}

static void valid_delta_is_applied_and_reported(void)
{
    reset_counts();
    deliver_delta("{\"sampling_rate\":30,\"alert_threshold\":0.5}");
    CHECK_EQ_INT(1, s_rate_changes);
    CHECK_EQ_INT(30, s_rate);
    CHECK_EQ_INT(1, s_threshold_changes);
    CHECK(s_threshold == 0.5);
    device_desired_t d;
    device_state_get(&d);
    CHECK_EQ_INT(30, d.sampling_rate);
    CHECK(d.alert_threshold == 0.5);
    CHECK_EQ_INT(1, publishes_to(test_topics()->update));
    CHECK(reported_number("sampling_rate") == 30);
    CHECK(reported_number("alert_threshold") == 0.5);
}

static void range_boundaries_are_accepted(void)
{
    reset_counts();
    deliver_delta("{\"sampling_rate\":1,\"alert_threshold\":0}");
    CHECK_EQ_INT(1, s_rate);
    CHECK(s_threshold == 0.0);
    deliver_delta("{\"sampling_rate\":3600,\"alert_threshold\":1.0}");
    CHECK_EQ_INT(3600, s_rate);
    CHECK(s_threshold == 1.0);
    deliver_delta("{\"sampling_rate\":12.0,\"alert_threshold\":2.5e-2}");
    CHECK_EQ_INT(12, s_rate); /* 12.0 is a whole number */
    CHECK(s_threshold == 0.025);
    CHECK_EQ_INT(3, s_rate_changes);
}

static void wrong_types_and_ranges_are_refused(void)
{
    const char *refused[] = {
        "{\"sampling_rate\":\"30\"}", "{\"sampling_rate\":true}", "{\"sampling_rate\":null}",
        "{\"sampling_rate\":[30]}", "{\"sampling_rate\":{\"value\":30}}", "{\"sampling_rate\":10.5}",
        "{\"sampling_rate\":0}", "{\"sampling_rate\":3601}", "{\"sampling_rate\":-1}",
        "{\"sampling_rate\":1e10}", "{\"sampling_rate\":1e308}", "{\"sampling_rate\":-1e308}",
        "{\"sampling_rate\":1e999}", "{\"sampling_rate\":4294967326}",
        "{\"alert_threshold\":\"0.5\"}", "{\"alert_threshold\":false}", "{\"alert_threshold\":-0.001}",
        "{\"alert_threshold\":1.0001}", "{\"alert_threshold\":1e999}", "{\"alert_threshold\":-1e999}",
        "{\"alert_threshold\":[]}", "{\"Sampling_Rate\":30}", "{\"temperature\":20}",
    };
    reset_counts();
    deliver_delta("{\"sampling_rate\":42,\"alert_threshold\":0.25}");
    int reports = publishes_to(test_topics()->update);
    for (size_t i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
        deliver_delta(refused[i]);
    }
    CHECK_EQ_INT(1, s_rate_changes);
    CHECK_EQ_INT(1, s_threshold_changes);
    device_desired_t d;
    device_state_get(&d);
    CHECK_EQ_INT(42, d.sampling_rate);
    CHECK(d.alert_threshold == 0.25);
    CHECK_EQ_INT(reports, publishes_to(test_topics()->update)); /* nothing applied, nothing reported */
    CHECK(fake_log_contains("refused sampling_rate: expected an integer, got a string"));
    CHECK(fake_log_contains("refused sampling_rate: expected an integer, got a boolean"));
    CHECK(fake_log_contains("refused sampling_rate: expected an integer, got an object"));
    CHECK(fake_log_contains("refused sampling_rate: expected an integer, got 10.5"));
    CHECK(fake_log_contains("refused sampling_rate: 3601 is outside [1, 3600]"));
    CHECK(fake_log_contains("refused alert_threshold: expected a number, got a string"));
    CHECK(fake_log_contains("refused alert_threshold: inf is not a finite number"));
    CHECK(fake_log_contains("refused Sampling_Rate: not a desired field of this device"));
    /* NaN and Infinity are not JSON: the whole document is refused */
    deliver(test_topics()->update_delta, "{\"state\":{\"alert_threshold\":NaN},\"version\":999999}");
    deliver(test_topics()->update_delta, "{\"state\":{\"alert_threshold\":Infinity},\"version\":999999}");
    CHECK_EQ_INT(1, s_threshold_changes);
}

static void only_valid_fields_of_a_mixed_delta_are_applied(void)
{
    reset_counts();
    deliver_delta("{\"sampling_rate\":20,\"alert_threshold\":\"high\",\"unknown\":{\"x\":[1,2]}}");
    CHECK_EQ_INT(1, s_rate_changes);
    CHECK_EQ_INT(20, s_rate);
    CHECK_EQ_INT(0, s_threshold_changes);
    CHECK_EQ_INT(1, publishes_to(test_topics()->update));
}

static void stale_deltas_are_ignored(void)
{
    reset_counts();
    long long v = deliver_delta("{\"sampling_rate\":100}");
    deliver_delta_version("{\"sampling_rate\":200}", v);     /* same version */
    deliver_delta_version("{\"sampling_rate\":300}", v - 1); /* older */
    CHECK_EQ_INT(1, s_rate_changes);
    CHECK_EQ_INT(100, s_rate);
    deliver_delta("{\"sampling_rate\":400}");
    CHECK_EQ_INT(400, s_rate);
}

static void hooks_run_only_for_new_values(void)
{
    reset_counts();
    deliver_delta("{\"sampling_rate\":77}");
    deliver_delta("{\"sampling_rate\":77}");
    deliver_get_accepted("{\"sampling_rate\":77}");
    CHECK_EQ_INT(1, s_rate_changes);
    CHECK_EQ_INT(3, publishes_to(test_topics()->update)); /* each still reported: it closes the delta */
}

static void stale_delta_asks_for_the_whole_document(void)
{
    reset_counts();
    long long v = deliver_delta("{\"sampling_rate\":55}");
    int gets = publishes_to(test_topics()->get);
    deliver_delta_version("{\"sampling_rate\":56}", v - 500); /* as from a re-created shadow */
    CHECK_EQ_INT(55, s_rate);
    CHECK_EQ_INT(gets + 1, publishes_to(test_topics()->get));
}

/* AWS does not order messages: the answer to a get can arrive after a delta made later. */
static void late_answer_to_a_get_does_not_roll_back_a_newer_delta(void)
{
    reset_counts();
    connect_and_subscribe(); /* the device asks for its shadow */
    long long asked_at = next_version();
    next_version();
    next_version(); /* asked_at + 1 and + 2 are used below */
    deliver_delta_version("{\"sampling_rate\":30}", asked_at + 1); /* changed while the answer travelled */
    CHECK_EQ_INT(30, s_rate);
    int gets = publishes_to(test_topics()->get);
    int updates = publishes_to(test_topics()->update);
    answer_get("{\"sampling_rate\":20}", asked_at); /* the answer, older than the delta */
    CHECK_EQ_INT(30, s_rate);
    device_desired_t d;
    device_state_get(&d);
    CHECK_EQ_INT(30, d.sampling_rate);
    CHECK_EQ_INT(updates, publishes_to(test_topics()->update)); /* 20 never reported */
    CHECK_EQ_INT(gets + 1, publishes_to(test_topics()->get));   /* asked again */
    answer_get("{\"sampling_rate\":30}", asked_at + 2);
    CHECK_EQ_INT(30, s_rate);
    CHECK_EQ_INT(updates + 1, publishes_to(test_topics()->update));
    CHECK(reported_number("sampling_rate") == 30);
}

/* A deleted and re-created shadow starts again at version 1: the answer to the get a stale delta asked for
 * is the new baseline, even though its version is lower than the one applied. */
static void answer_to_a_resync_starts_from_a_recreated_shadow(void)
{
    reset_counts();
    long long v = deliver_delta("{\"sampling_rate\":100}");
    int gets = publishes_to(test_topics()->get);
    deliver_delta_version("{\"sampling_rate\":5}", 2); /* the new shadow's first change */
    CHECK_EQ_INT(100, s_rate);
    CHECK_EQ_INT(gets + 1, publishes_to(test_topics()->get));
    answer_get("{\"sampling_rate\":5}", 2);
    CHECK_EQ_INT(5, s_rate);
    CHECK(reported_number("sampling_rate") == 5);
    deliver_delta_version("{\"sampling_rate\":6}", 3); /* and the next change is newer than the new baseline */
    CHECK_EQ_INT(6, s_rate);
    CHECK(v > 3);
}

/* Another client's get (the console, a fleet job) is answered on the same topic: its document is news only
 * when newer than what the device applied. */
static void another_clients_get_answer_applies_only_when_newer(void)
{
    reset_counts();
    long long v = deliver_delta("{\"sampling_rate\":40}");
    int updates = publishes_to(test_topics()->update);
    char json[512];
    snprintf(json, sizeof(json), "{\"state\":{\"desired\":{\"sampling_rate\":10}},\"metadata\":{},\"version\":%lld,"
             "\"clientToken\":\"console-3\"}", v - 1);
    deliver(test_topics()->get_accepted, json);
    CHECK_EQ_INT(40, s_rate);
    CHECK_EQ_INT(updates, publishes_to(test_topics()->update));
    snprintf(json, sizeof(json), "{\"state\":{\"desired\":{\"sampling_rate\":11}},\"metadata\":{},\"version\":%lld}",
             v + 1);
    deliver(test_topics()->get_accepted, json);
    CHECK_EQ_INT(11, s_rate);
    CHECK_EQ_INT(updates + 1, publishes_to(test_topics()->update));
    next_version();
}

static void get_accepted_applies_the_whole_desired_state(void)
{
    reset_counts();
    deliver_get_accepted("{\"sampling_rate\":99,\"alert_threshold\":0.75,\"firmware_version\":\"x\"}");
    CHECK_EQ_INT(99, s_rate);
    CHECK(s_threshold == 0.75);
    CHECK_EQ_INT(1, publishes_to(test_topics()->update));
    CHECK(reported_number("sampling_rate") == 99);
}

static void fragmented_delta_gives_the_same_result_at_every_split(void)
{
    for (int value = 1; value < 3600; value += 97) {
        char json[256];
        int total = snprintf(json, sizeof(json),
                             "{\"state\":{\"sampling_rate\":%d,\"alert_threshold\":0.125},\"version\":%lld}",
                             value, next_version());
        for (int cut = 1; cut < total; cut += 7) {
            reset_counts();
            snprintf(json, sizeof(json), "{\"state\":{\"sampling_rate\":%d,\"alert_threshold\":0.125},\"version\":%lld}",
                     value, next_version());
            total = (int)strlen(json);
            int cuts[2] = {cut, cut + (total - cut) / 2};
            deliver_split(test_topics()->update_delta, json, cuts, cuts[1] > cut ? 2 : 1);
            device_desired_t d;
            device_state_get(&d);
            CHECK_EQ_INT(value, d.sampling_rate);
            CHECK(s_rate_changes <= 1); /* the hook runs only when the value is new */
            CHECK(s_threshold == 0.125);
            CHECK_EQ_INT(1, publishes_to(test_topics()->update));
        }
    }
}

/* telemetry.to defaults to topic: readings on <prefix>/<thing>/telemetry, the shadow keeps state. */
static void telemetry_goes_to_its_topic_with_finite_readings_only(void)
{
    reset_counts();
    CHECK(mqtt_publish_telemetry());
    CHECK_EQ_INT(0, publishes_to(test_topics()->update));
    CHECK(strcmp(test_topics()->telemetry, "dt/" TEST_THING "/telemetry") == 0);
    cJSON *readings = last_telemetry();
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItemCaseSensitive(readings, "temperature")) == 21.5);
    CHECK(cJSON_GetObjectItemCaseSensitive(readings, "humidity") == NULL); /* NaN: a sensor fault */
    CHECK(cJSON_GetObjectItemCaseSensitive(readings, "sampling_rate") == NULL); /* state, not a reading */
    CHECK_EQ_INT(1, cJSON_GetArraySize(readings));
    cJSON_Delete(readings);
    /* the shadow's reported state: desired values, firmware version, online; not the readings */
    CHECK(mqtt_publish_reported(false));
    cJSON *reported = last_reported();
    CHECK(cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(reported, "sampling_rate")));
    CHECK(cJSON_GetObjectItemCaseSensitive(reported, "temperature") == NULL);
    cJSON_Delete(reported);
}

void run_field_tests(void)
{
    RUN(valid_delta_is_applied_and_reported);
    RUN(range_boundaries_are_accepted);
    RUN(wrong_types_and_ranges_are_refused);
    RUN(only_valid_fields_of_a_mixed_delta_are_applied);
    RUN(stale_deltas_are_ignored);
    RUN(get_accepted_applies_the_whole_desired_state);
    RUN(hooks_run_only_for_new_values);
    RUN(stale_delta_asks_for_the_whole_document);
    RUN(late_answer_to_a_get_does_not_roll_back_a_newer_delta);
    RUN(answer_to_a_resync_starts_from_a_recreated_shadow);
    RUN(another_clients_get_answer_applies_only_when_newer);
    RUN(fragmented_delta_gives_the_same_result_at_every_split);
    RUN(telemetry_goes_to_its_topic_with_finite_readings_only);
}
