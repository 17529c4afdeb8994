package dev.espfleet.flasher.image;

import dev.espfleet.nvs.NvsDump;
import dev.espfleet.nvs.NvsImage;
import dev.espfleet.nvs.NvsLayout;
import dev.espfleet.nvs.NvsPartitionReader;
import java.nio.charset.StandardCharsets;

/**
 * Whether bytes bound for flash hold a secret, so that {@code --trace} must not show them: a PEM private key
 * anywhere in them, or an NVS image with an entry {@link NvsDump#isSecret} calls secret (a key or password,
 * by name or content). Encrypted NVS images show nothing readable and are not flagged.
 */
public final class SecretData {
    private static final byte[] PEM_KEY = "PRIVATE KEY-----".getBytes(StandardCharsets.US_ASCII);

    private SecretData() {
    }

    public static boolean holdsSecrets(byte[] data) {
        if (indexOf(data, PEM_KEY) >= 0) {
            return true;
        }
        if (data.length == 0 || data.length % NvsLayout.PAGE_SIZE != 0) {
            return false;
        }
        try {
            NvsImage image = NvsPartitionReader.read(data);
            return image.entries().stream().anyMatch(NvsDump::isSecret);
        } catch (RuntimeException e) {
            // not an NVS image
            return false;
        }
    }

    private static int indexOf(byte[] data, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= data.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (data[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
