package dev.espfleet.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.generator.config.DeviceConfig;
import dev.espfleet.generator.render.GeneratedProject;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The mistakes of the guide this product grows from, checked in every generated project: no blocking
 * in the MQTT event handler, no Last Will on a $aws topic, no fixed-size certificate buffers, no cJSON
 * number read without a type check, no thing name compiled in unless the config pins one.
 */
class GeneratedFirmwareRulesTest {
    static List<String> examples() {
        return Examples.names();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void mqttEventHandlerNeverBlocksNorReconnectsItself(String example) {
        String mqtt = Examples.render(example).text("main/aws_mqtt.c");
        String handler = functionBody(mqtt, "mqtt_event_handler");
        for (String forbidden : List.of("vTaskDelay", "esp_mqtt_client_reconnect", "esp_mqtt_client_stop",
                "xEventGroupWaitBits", "ulTaskNotifyTake", "xSemaphoreTake", "xQueueReceive", "esp_timer_start")) {
            assertFalse(handler.contains(forbidden), forbidden + " in mqtt_event_handler");
        }
        assertTrue(handler.contains("post_control(CONTROL_DISCONNECTED)"), "a disconnect is handed to the control task");
        assertTrue(functionBody(mqtt, "post_control_message").contains("xQueueSend(s_control_queue, &message, 0)"),
                "posting never waits");
        String schedule = functionBody(mqtt, "schedule_reconnect");
        assertTrue(schedule.contains("esp_timer_start_once"), "the delay is an esp_timer, not a wait");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void backoffStateIsChangedByTheControlTaskOnly(String example) {
        String mqtt = Examples.render(example).text("main/aws_mqtt.c");
        String control = functionBody(mqtt, "control_task");
        // every call of schedule_reconnect and every write of the attempt count is in the control task
        for (String use : List.of("schedule_reconnect()", "s_reconnect_attempt = ", "s_get_retry_attempt = ",
                "schedule_get_retry(message")) {
            int total = mqtt.split(Pattern.quote(use), -1).length - 1;
            int inControl = control.split(Pattern.quote(use), -1).length - 1;
            assertTrue(total > 0, use);
            assertEquals(total, inControl, use + " outside control_task");
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void lastWillGoesToTheStatusTopicNotToShadow(String example) {
        GeneratedProject p = Examples.render(example);
        String mqtt = p.text("main/aws_mqtt.c");
        Matcher will = Pattern.compile("\\.last_will = \\{(.*?)\\}", Pattern.DOTALL).matcher(mqtt);
        assertTrue(will.find());
        assertTrue(will.group(1).contains(".topic = s_topics.status"), will.group(1));
        assertTrue(mqtt.contains(".disable_auto_reconnect = true"));
        DeviceConfig c = Examples.config(example);
        assertFalse(c.mqtt().topicPrefix().startsWith("$"));
        assertTrue(p.text("main/espfleet_config.h").contains(
                "#define ESPFLEET_STATUS_TOPIC_PREFIX \"" + c.mqtt().topicPrefix() + "\""));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void certificatesAreSizedFromNvsNotFixedBuffers(String example) {
        String identity = Examples.render(example).text("main/identity.c");
        assertTrue(identity.contains("nvs_get_str(handle, key, NULL, &length)"), "size asked first");
        assertTrue(identity.contains("malloc(length)"));
        for (Map.Entry<String, byte[]> e : Examples.render(example).files().entrySet()) {
            if (e.getKey().endsWith(".c") || e.getKey().endsWith(".h")) {
                String text = new String(e.getValue(), java.nio.charset.StandardCharsets.UTF_8);
                assertFalse(Pattern.compile("(cert|key|ca)\\w*\\[\\s*\\d{3,}\\s*\\]").matcher(text).find(),
                        "fixed-size certificate buffer in " + e.getKey());
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void everyCjsonNumberReadIsTypeChecked(String example) {
        for (Map.Entry<String, byte[]> e : Examples.render(example).files().entrySet()) {
            if (!e.getKey().endsWith(".c")) {
                continue;
            }
            String text = new String(e.getValue(), java.nio.charset.StandardCharsets.UTF_8);
            Matcher read = Pattern.compile("cJSON_GetNumberValue\\(|->valuedouble|->valueint").matcher(text);
            while (read.find()) {
                String before = text.substring(Math.max(0, text.lastIndexOf("\n{", read.start())), read.start());
                assertTrue(before.contains("cJSON_IsNumber("),
                        e.getKey() + ": number read at offset " + read.start() + " without cJSON_IsNumber first");
            }
        }
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void thingNameIsCompiledInOnlyWhenPinned(String example) {
        DeviceConfig c = Examples.config(example);
        String header = Examples.render(example).text("main/espfleet_config.h");
        assertEquals(c.aws().thingName().isPresent(), header.contains("ESPFLEET_PINNED_THING_NAME"));
        String mqtt = Examples.render(example).text("main/aws_mqtt.c");
        assertTrue(mqtt.contains(".client_id = identity->thing_name"), "client id is the thing name");
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("examples")
    void policyAllowsTheTelemetryTopicOnlyWhenReadingsGoThere(String example) {
        DeviceConfig c = Examples.config(example);
        GeneratedProject p = Examples.render(example);
        String telemetryTopic = "topic/" + c.mqtt().topicPrefix() + "/${iot:Connection.Thing.ThingName}/telemetry\"";
        boolean toTopic = c.telemetry().to() == dev.espfleet.generator.config.TelemetryDestination.TOPIC;
        assertEquals(toTopic, p.text("aws/policy.json").contains(telemetryTopic), p.text("aws/policy.json"));
        assertTrue(p.text("main/espfleet_config.h").contains("#define ESPFLEET_TELEMETRY_TO_SHADOW " + !toTopic));
        assertTrue(p.text("main/app_main.c").contains("mqtt_publish_telemetry()"), "the loop sends telemetry");
    }

    /** The text between the braces of a C function definition (top-level, K&R or Allman style). */
    static String functionBody(String source, String name) {
        Matcher m = Pattern.compile("\\n(?:static )?[\\w ]+\\*?\\s*" + name + "\\([^;{]*\\)\\s*\\{").matcher(source);
        assertTrue(m.find(), "no function " + name);
        int depth = 1;
        int i = m.end();
        while (depth > 0) {
            char ch = source.charAt(i++);
            depth += ch == '{' ? 1 : ch == '}' ? -1 : 0;
        }
        return source.substring(m.end(), i - 1);
    }
}
