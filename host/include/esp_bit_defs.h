/* Host build: ESP-IDF esp_bit_defs.h subset. */
#pragma once

#define BIT(nr) (1UL << (nr))
#define BIT31 0x80000000
#define BIT7 0x00000080
#define BIT6 0x00000040
#define BIT5 0x00000020
#define BIT4 0x00000010
#define BIT3 0x00000008
#define BIT2 0x00000004
#define BIT1 0x00000002
#define BIT0 0x00000001
