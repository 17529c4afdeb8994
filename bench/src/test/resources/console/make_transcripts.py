#!/usr/bin/env python3
"""Writes the console transcripts the bench's console tests read, with frames checksummed by zlib's crc32
(the firmware's CRC, computed here independently of the Java code under test).

Run from this folder: python3 make_transcripts.py. The transcripts are what an ESP32 running an ESP-IDF v5
application prints on UART0 after a hard reset: the ROM's banner, the 2nd stage bootloader and the app's
ESP_LOG lines with ANSI colours and CRLF line ends (ESP-IDF's defaults), and the firmware's frames among them.
"""
import json
import random
import zlib


def frame(kind, body):
    covered = ("@EF1 %s %s " % (kind, json.dumps(body, separators=(",", ":")))).encode("utf-8")
    return covered + b"*" + ("%08x" % (zlib.crc32(covered) & 0xFFFFFFFF)).encode("ascii") + b"\r\n"


def info(ms, tag, text):
    return ("\x1b[0;32mI (%d) %s: %s\x1b[0m\r\n" % (ms, tag, text)).encode("ascii")


def warn(ms, tag, text):
    return ("\x1b[0;33mW (%d) %s: %s\x1b[0m\r\n" % (ms, tag, text)).encode("ascii")


def error(ms, tag, text):
    return ("\x1b[0;31mE (%d) %s: %s\x1b[0m\r\n" % (ms, tag, text)).encode("ascii")


ROM = (b"ets Jun  8 2016 00:22:57\r\n\r\n"
       b"rst:0x1 (POWERON_RESET),boot:0x13 (SPI_FAST_FLASH_BOOT)\r\n"
       b"configsip: 0, SPIWP:0xee\r\n"
       b"clk_drv:0x00,q_drv:0x00,d_drv:0x00,cs0_drv:0x00,hd_drv:0x00,wp_drv:0x00\r\n"
       b"mode:DIO, clock div:2\r\n"
       b"load:0x3fff0030,len:7112\r\n"
       b"load:0x40078000,len:15624\r\n"
       b"load:0x40080400,len:4\r\n"
       b"ho 8 tail 4 room 4\r\n"
       b"load:0x40080404,len:3876\r\n"
       b"entry 0x4008064c\r\n")

PARTITIONS = [("nvs", "WiFi data", "01 02", 0x9000, 0x6000),
              ("otadata", "OTA data", "01 00", 0xf000, 0x2000),
              ("phy_init", "RF data", "01 01", 0x11000, 0x1000),
              ("certs", "WiFi data", "01 02", 0x12000, 0x6000),
              ("ota_0", "OTA app", "00 10", 0x20000, 0x1f0000),
              ("ota_1", "OTA app", "00 11", 0x210000, 0x1f0000)]


def bootloader():
    out = info(31, "boot", "ESP-IDF v5.2.1 2nd stage bootloader")
    out += info(31, "boot", "compile time Jan  5 2026 10:00:00")
    out += info(33, "boot", "Multicore bootloader")
    out += info(37, "boot", "chip revision: v3.0")
    out += info(41, "boot.esp32", "SPI Speed      : 40MHz")
    out += info(45, "boot.esp32", "SPI Mode       : DIO")
    out += info(50, "boot.esp32", "SPI Flash Size : 4MB")
    out += info(54, "boot", "Enabling RNG early entropy source...")
    out += info(60, "boot", "Partition Table:")
    out += info(63, "boot", "## Label            Usage          Type ST Offset   Length")
    ms = 71
    for i, (name, usage, typ, offset, size) in enumerate(PARTITIONS):
        out += info(ms, "boot", " %d %-16s %-16s %s %08x %08x" % (i, name, usage, typ, offset, size))
        ms += 7
    out += info(ms, "boot", "End of partition table")
    out += info(ms + 4, "boot", "No factory image, trying OTA 0")
    out += info(ms + 9, "esp_image", "segment 0: paddr=00020020 vaddr=3f400020 size=2a1c8h (172488) map")
    out += info(ms + 76, "esp_image", "segment 1: paddr=0004a1f0 vaddr=3ffb0000 size=03c38h ( 15416) load")
    out += info(ms + 83, "esp_image", "segment 2: paddr=0004de30 vaddr=40080000 size=021e8h (  8680) load")
    out += info(ms + 89, "esp_image", "segment 3: paddr=00050020 vaddr=400d0020 size=9a6b4h (632500) map")
    out += info(ms + 320, "boot", "Loaded app from partition at offset 0x20000")
    out += info(ms + 321, "boot", "Disabling RNG early entropy source...")
    return out


def app_start(fw):
    out = info(430, "cpu_start", "Multicore app")
    out += info(439, "cpu_start", "Pro cpu start user code")
    out += info(439, "cpu_start", "cpu freq: 160000000 Hz")
    out += info(439, "app_init", "Application information:")
    out += info(442, "app_init", "Project name:     env-sensor")
    out += info(447, "app_init", "App version:      %s" % fw)
    out += info(452, "app_init", "Compile time:     Jan  5 2026 10:00:00")
    out += info(458, "app_init", "ELF file SHA256:  9f4c0b8a5e6d...")
    out += info(463, "app_init", "ESP-IDF:          v5.2.1")
    out += info(468, "efuse_init", "Min chip rev:     v0.0")
    out += info(473, "heap_init", "Initializing. RAM available for dynamic allocation:")
    out += info(480, "heap_init", "At 3FFAE6E0 len 00001920 (6 KiB): DRAM")
    out += info(530, "spi_flash", "detected chip: gd")
    out += info(533, "spi_flash", "flash io: dio")
    out += info(555, "main_task", "Started on CPU0")
    out += info(565, "main_task", "Calling app_main()")
    out += info(568, "app", "env-sensor %s" % fw)
    return out


HELLO = {"proto": 1, "project": "env-sensor", "fw": "1.2.3", "idf": "v5.2.1", "chip": "esp32",
         "mac": "24:0a:c4:e5:00:01", "thing": "env-sensor-240ac4e50001",
         "cert_sha256": "5d41402abc4b2a76b9719d911017c592ae2b8cbd4b1a04b5e3b0f93c6f6c3a51",
         "endpoint": "127.0.0.1:8883", "boot": 1, "uptime_ms": 602}


def boot_transcript():
    out = bytearray(ROM + bootloader() + app_start("1.2.3"))
    out += info(590, "identity", "thing 'env-sensor-240ac4e50001', endpoint '127.0.0.1:8883'")
    out += frame("hello", HELLO)
    out += frame("state", {"milestone": "identity_loaded", "uptime_ms": 604})
    out += info(612, "wifi:wifi driver task", "3ffbf8a8, prio:23, stack:6656, core=0")
    out += warn(640, "wifi", "wifi nvs_open fail ret:4353")
    # a log line written in two calls (a printf without its newline), then a frame on the same line
    out += b"\x1b[0;32mI (1204) wifi:new:<6,0>, old:<1,0>, ap:<255,255>, sta:<6,0>, prof:1"
    out += frame("state", {"milestone": "network_up", "uptime_ms": 1210})
    out += info(1300, "esp_netif_handlers", "sta ip: 192.168.4.2, mask: 255.255.255.0, gw: 192.168.4.1")
    # a brown-out cuts a frame: the ROM's banner follows on the same line
    out += frame("state", {"milestone": "mqtt_connected", "thing": "env-sensor-240ac4e50001",
                           "uptime_ms": 1780})[:31]
    out += b"\x00\xff\xfe"  # line noise while the supply recovers
    out += ROM.replace(b"POWERON_RESET", b"RTCWDT_BROWN_OUT_RESET").replace(b"0x1 (", b"0xf (")
    out += bootloader() + app_start("1.2.3")
    hello2 = dict(HELLO, uptime_ms=601)
    out += frame("hello", hello2)
    out += frame("state", {"milestone": "identity_loaded", "uptime_ms": 603})
    # a frame with one bit flipped on the wire (CRC mismatch)
    bad = bytearray(frame("state", {"milestone": "network_up", "uptime_ms": 1198}))
    bad[20] ^= 0x04
    out += bad
    out += frame("state", {"milestone": "network_up", "uptime_ms": 1199})
    out += frame("state", {"milestone": "mqtt_connected", "thing": "env-sensor-240ac4e50001", "uptime_ms": 1766})
    out += info(1790, "aws_mqtt", "connected as env-sensor-240ac4e50001")
    return bytes(out)


def tls_failure_transcript():
    out = bytearray(ROM + bootloader() + app_start("1.2.3"))
    out += frame("hello", HELLO)
    out += frame("state", {"milestone": "identity_loaded", "uptime_ms": 604})
    out += frame("state", {"milestone": "network_up", "uptime_ms": 1210})
    out += error(1830, "esp-tls-mbedtls", "mbedtls_ssl_handshake returned -0x7780")
    out += error(1836, "esp-tls", "Failed to open new connection")
    out += error(1840, "transport_base", "Failed to open a new connection")
    out += error(1845, "mqtt_client", "Error transport connect")
    out += frame("fail", {"stage": "mqtt", "err": "ESP_ERR_MBEDTLS_SSL_HANDSHAKE_FAILED", "code": 0x801a,
                          "tls": -0x7780, "errno": 0, "detail": "tlsv1 alert unknown ca", "uptime_ms": 1850})
    return bytes(out)


if __name__ == "__main__":
    with open("esp-idf-v5-boot-brownout-connected.console", "wb") as f:
        f.write(boot_transcript())
    with open("esp-idf-v5-tls-refused.console", "wb") as f:
        f.write(tls_failure_transcript())
    with open("query.frame", "wb") as f:
        f.write(frame("query", {}))
