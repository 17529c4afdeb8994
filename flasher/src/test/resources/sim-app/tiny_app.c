/*
 * Test support for the simulated chip's boot (SimBootTest): a small Linux program in the role of an application,
 * taking what the simulator passes (--flash FILE --partition-table-offset OFF --mac MAC). It counts its boots in
 * the last 4 bytes of the flash file (erased: 0xffffffff, read as 0), prints them with the MAC, restarts (exit
 * 100, the host runtime's esp_restart()) when the count is below the one in its first argument after "--restarts",
 * then echoes each line it reads; "crash" makes it die of SIGSEGV, "exit" ends it as app_main returning does.
 */
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    const char *flash = NULL;
    const char *mac = "?";
    for (int i = 1; i + 1 < argc; i++) {
        if (strcmp(argv[i], "--flash") == 0) {
            flash = argv[i + 1];
        } else if (strcmp(argv[i], "--mac") == 0) {
            mac = argv[i + 1];
        }
    }
    setvbuf(stdout, NULL, _IONBF, 0);
    if (flash == NULL) {
        printf("no --flash\r\n");
        return 2;
    }
    FILE *f = fopen(flash, "r+b");
    if (f == NULL || fseek(f, -4, SEEK_END) != 0) {
        printf("cannot open %s\r\n", flash);
        return 2;
    }
    uint32_t count = 0;
    if (fread(&count, 4, 1, f) != 1) {
        return 2;
    }
    count = count == UINT32_MAX ? 1 : count + 1;
    fseek(f, -4, SEEK_END);
    fwrite(&count, 4, 1, f);
    fclose(f);
    printf("tiny_app: boot %u mac %s\r\n", (unsigned)count, mac);
    if (count < 2) {
        printf("tiny_app: restarting\r\n");
        return 100;
    }
    char line[256];
    while (fgets(line, sizeof(line), stdin) != NULL) {
        line[strcspn(line, "\r\n")] = '\0';
        if (strcmp(line, "crash") == 0) {
            raise(SIGSEGV);
        }
        if (strcmp(line, "exit") == 0) {
            return 1;
        }
        printf("tiny_app: echo %s\r\n", line);
    }
    return 1;
}
