/* A small test harness: CHECK records a failure and goes on; the run ends with "N passed, N failed". */
#pragma once

#include <stdbool.h>
#include <stdio.h>

extern bool g_test_failed;

#define CHECK(cond)                                                                    \
    do {                                                                               \
        if (!(cond)) {                                                                 \
            fprintf(stderr, "  %s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #cond); \
            g_test_failed = true;                                                      \
        }                                                                              \
    } while (0)

#define CHECK_EQ_INT(expected, actual)                                                         \
    do {                                                                                       \
        long long e_ = (long long)(expected), a_ = (long long)(actual);                        \
        if (e_ != a_) {                                                                        \
            fprintf(stderr, "  %s:%d: expected %s == %lld, got %lld\n", __FILE__, __LINE__,    \
                    #actual, e_, a_);                                                          \
            g_test_failed = true;                                                              \
        }                                                                                      \
    } while (0)

void run_test(const char *name, void (*test)(void));
#define RUN(test) run_test(#test, test)
