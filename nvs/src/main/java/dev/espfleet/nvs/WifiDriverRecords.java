package dev.espfleet.nvs;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Entries that Espressif's {@code nvs_partition_gen.py} 0.2.0 adds by itself when a CSV row's key is one
 * the ESP-IDF Wi-Fi driver keeps in NVS (module function {@code write_entry}), whatever the namespace,
 * type or encoding of the row:
 *
 * <ul>
 *   <li>the first row keyed {@code sta.ssid} or {@code sta.pswd} of an image is followed by
 *       {@code sta.apinfo} (140 bytes 0xFF), {@code sta.pmk} (32 zero bytes) and {@code sta.apsw} (2 zero
 *       bytes), each a blob as {@code hex2bin} stores it, in that row's namespace;</li>
 *   <li>each row keyed {@code ap.ssid}, {@code ap.passwd} or {@code ap.authmode} records its CSV text
 *       ({@code ap.authmode} only when it is not {@code 0}); once all three are non-empty, that row and
 *       every later such row are preceded by {@code ap.pmk_info}: 100 zero bytes and the 32-byte
 *       PBKDF2-HMAC-SHA1 of the password with the SSID as salt, 4096 rounds (the WPA2 PMK), a blob.</li>
 * </ul>
 *
 * The texts are the CSV cells as written ({@code blob_sz_fill(32;0x00)} SSIDs included), so the PMK is
 * the one the Python tool computes. One instance per image: the Python tool keeps this state on its NVS
 * object, across namespaces and CSV files. The static queries are the one rule other modules ask (the device
 * config refuses such names where its images cannot hold them).
 */
public final class WifiDriverRecords {
    static final String STA_SSID = "sta.ssid";
    static final String STA_PASSWORD = "sta.pswd";
    static final String AP_SSID = "ap.ssid";
    static final String AP_PASSWORD = "ap.passwd";
    static final String AP_AUTHMODE = "ap.authmode";
    static final String AP_PMK_INFO = "ap.pmk_info";
    private static final Set<String> KEYS = Set.copyOf(wifiKeys());

    /** A blob the tool adds after the first sta.ssid/sta.pswd row (its hard-coded hex2bin rows). */
    private record StaExtra(String key, byte[] value) {
    }

    private static final List<StaExtra> STA_EXTRAS = List.of(
            new StaExtra("sta.apinfo", filled(140, 0xFF)),
            new StaExtra("sta.pmk", filled(32, 0x00)),
            new StaExtra("sta.apsw", filled(2, 0x00)));
    private static final int PMK_INFO_ZEROS = 100;
    private static final int PMK_BYTES = 32;
    private static final int PMK_ROUNDS = 4096;

    private String apSsid;
    private String apPassword;
    private String apAuthmode;
    private boolean staExtrasWritten;

    WifiDriverRecords() {
    }

    /** True for the keys the Python tool treats as Wi-Fi driver records. */
    public static boolean isWifiKey(String key) {
        return KEYS.contains(key);
    }

    /** The keys the Python tool treats as Wi-Fi driver records: sta.ssid, sta.pswd, ap.ssid, ap.passwd, ap.authmode. */
    public static List<String> wifiKeys() {
        return List.of(STA_SSID, STA_PASSWORD, AP_SSID, AP_PASSWORD, AP_AUTHMODE);
    }

    /**
     * The keys the Python tool may add by itself to the namespace of a row keyed {@code key}: the sta records after
     * the first sta.ssid or sta.pswd row of an image, ap.pmk_info before an ap row once all three ap rows are set;
     * none for other keys.
     */
    public static List<String> keysAddedWith(String key) {
        if (key.equals(STA_SSID) || key.equals(STA_PASSWORD)) {
            return STA_EXTRAS.stream().map(StaExtra::key).toList();
        }
        return key.equals(AP_SSID) || key.equals(AP_PASSWORD) || key.equals(AP_AUTHMODE) ? List.of(AP_PMK_INFO)
                : List.of();
    }

    /** The keys the tool may add by itself, for messages about a key set twice. */
    static boolean isAddedKey(String key) {
        return key.equals(AP_PMK_INFO) || STA_EXTRAS.stream().anyMatch(e -> e.key().equals(key));
    }

    /** Entries the tool writes before the row keyed {@code key} with CSV text {@code value}. */
    List<NvsEntry> before(String namespace, String key, String value) {
        switch (key) {
            case AP_SSID -> apSsid = value;
            case AP_PASSWORD -> apPassword = value;
            case AP_AUTHMODE -> {
                if (!value.equals("0")) {
                    apAuthmode = value;
                }
            }
            default -> {
                return List.of();
            }
        }
        if (isEmpty(apSsid) || isEmpty(apPassword) || isEmpty(apAuthmode)) {
            return List.of();
        }
        byte[] info = new byte[PMK_INFO_ZEROS + PMK_BYTES];
        System.arraycopy(pmk(apPassword, apSsid), 0, info, PMK_INFO_ZEROS, PMK_BYTES);
        return List.of(NvsEntry.blob(namespace, AP_PMK_INFO, info));
    }

    /** Entries the tool writes after the row keyed {@code key}. */
    List<NvsEntry> after(String namespace, String key) {
        if (staExtrasWritten || !(key.equals(STA_SSID) || key.equals(STA_PASSWORD))) {
            return List.of();
        }
        staExtrasWritten = true;
        return STA_EXTRAS.stream().map(e -> NvsEntry.blob(namespace, e.key(), e.value())).toList();
    }

    /** The WPA2 pre-shared key: PBKDF2-HMAC-SHA1(passphrase, SSID, 4096 rounds, 32 bytes), IEEE 802.11i H.4. */
    static byte[] pmk(String passphrase, String ssid) {
        byte[] salt = ssid.getBytes(StandardCharsets.UTF_8);
        byte[] out = new byte[PMK_BYTES];
        try {
            Mac mac = Mac.getInstance("HmacSHA1");
            mac.init(new SecretKeySpec(passphrase.getBytes(StandardCharsets.UTF_8), "HmacSHA1"));
            int blockSize = mac.getMacLength();
            for (int block = 1; (block - 1) * blockSize < PMK_BYTES; block++) {
                mac.update(salt);
                byte[] u = mac.doFinal(new byte[] {(byte) (block >>> 24), (byte) (block >>> 16), (byte) (block >>> 8),
                    (byte) block});
                byte[] t = u.clone();
                for (int round = 1; round < PMK_ROUNDS; round++) {
                    u = mac.doFinal(u);
                    for (int i = 0; i < t.length; i++) {
                        t[i] ^= u[i];
                    }
                }
                int at = (block - 1) * blockSize;
                System.arraycopy(t, 0, out, at, Math.min(blockSize, PMK_BYTES - at));
            }
        } catch (GeneralSecurityException e) {
            throw new EspfleetException(ExitStatus.INTERNAL, "HmacSHA1 unavailable: " + e.getMessage(), null, e);
        }
        return out;
    }

    private static boolean isEmpty(String s) {
        return s == null || s.isEmpty();
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
