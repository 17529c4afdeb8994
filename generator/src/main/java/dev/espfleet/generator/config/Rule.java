package dev.espfleet.generator.config;

import java.util.function.Consumer;

/**
 * A rule over several keys (ESPHome's cross-field validators), declared once in the schema of the section that
 * holds them all, with the line the key reference gives it. It runs after the whole config is read, only where
 * every key it reads holds a valid value (a wrong value is reported once, by its key), and reports at the YAML
 * line of the key that breaks it.
 *
 * @param check reads keys with {@link Values#get} (which skips the rule when a key is wrong) or {@link Values#find}
 *              and reports with {@link Values#problem}
 */
record Rule(String doc, Consumer<Values> check) {
}
