package dev.espfleet.cli;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.provisioning.KeyType;
import java.util.Arrays;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/** {@code --key-type ec-p256|rsa-2048|rsa-3072}. */
final class KeyTypeConverter implements ITypeConverter<KeyType>, Iterable<String> {
    @Override
    public KeyType convert(String value) {
        try {
            return KeyType.fromCliName(value);
        } catch (EspfleetException e) {
            // picocli reports this as "Invalid value for option '--key-type': <message>", exit 2.
            throw new TypeConversionException(e.getMessage());
        }
    }

    /** The completion candidates shown in {@code --help}. */
    @Override
    public Iterator<String> iterator() {
        return Arrays.stream(KeyType.values()).map(KeyType::cliName).iterator();
    }
}
