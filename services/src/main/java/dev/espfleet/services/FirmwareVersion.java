package dev.espfleet.services;

/**
 * How espfleet orders firmware versions (esp_app_desc_t.version): runs of digits compare as numbers, everything
 * else character by character, and a version that ends first is older ("1.2" before "1.2.1", "1.9.2" before
 * "1.10.0"). The firmware's ota job orders them by the same rule (ota_version_compare in
 * esp-idf-project/main/ota_job.c), so a document this side accepts is not refused as a downgrade there.
 */
public final class FirmwareVersion {
    private FirmwareVersion() {
    }

    /** Negative, zero or positive as {@code a} is older than, the same as or newer than {@code b}. */
    public static int compare(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() || j < b.length()) {
            boolean digitA = i < a.length() && Character.isDigit(a.charAt(i)) && a.charAt(i) < 128;
            boolean digitB = j < b.length() && Character.isDigit(b.charAt(j)) && b.charAt(j) < 128;
            if (digitA && digitB) {
                int endA = i;
                while (endA < a.length() && a.charAt(endA) >= '0' && a.charAt(endA) <= '9') {
                    endA++;
                }
                int endB = j;
                while (endB < b.length() && b.charAt(endB) >= '0' && b.charAt(endB) <= '9') {
                    endB++;
                }
                int order = new java.math.BigInteger(a.substring(i, endA)).compareTo(new java.math.BigInteger(b.substring(j, endB)));
                if (order != 0) {
                    return order;
                }
                i = endA;
                j = endB;
            } else {
                int ca = i < a.length() ? a.charAt(i) : 0;
                int cb = j < b.length() ? b.charAt(j) : 0;
                if (ca != cb) {
                    return ca < cb ? -1 : 1;
                }
                i++;
                j++;
            }
        }
        return 0;
    }
}
