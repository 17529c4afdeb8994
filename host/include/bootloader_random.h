/* Host build: ESP-IDF v5.5 components/bootloader_support/include/bootloader_random.h subset. */
#pragma once

#ifdef __cplusplus
extern "C" {
#endif

/* Turns on the SAR ADC entropy source so that the hardware RNG gives true random numbers before RF is on
 * (on the host, getrandom(2) always does: nothing to turn on). */
void bootloader_random_enable(void);

/* Turns it off again; must be called before Wi-Fi, Bluetooth, the ADC or I2S start. */
void bootloader_random_disable(void);

#ifdef __cplusplus
}
#endif
