package dev.espfleet.cli;

import dev.espfleet.provisioning.KeyType;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;

/** {@code --key-type ec-p256|rsa-2048|rsa-3072}. */
final class KeyTypeConverter implements ITypeConverter<KeyType>, Iterable<String> {
    @Override
    public KeyType convert(String value) {
        return KeyType.fromCliName(value);
    }

    /** The completion candidates shown in {@code --help}. */
    @Override
    public Iterator<String> iterator() {
        return Arrays.stream(KeyType.values()).map(KeyType::cliName).iterator();
    }
}
