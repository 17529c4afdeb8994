package dev.espfleet.generator.config;

/** Types a shadow field can have; {@code FLOAT} is stored as a C {@code double}. */
public enum FieldType {
    INT, FLOAT, BOOL, STRING
}
