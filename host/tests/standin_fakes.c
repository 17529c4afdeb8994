/* The stand-in contract's adapter for the recording fakes (host/fakes). */
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
