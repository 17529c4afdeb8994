/* The stand-in contract's adapter for the Linux runtime (host/runtime). */
#include <stdlib.h>

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
