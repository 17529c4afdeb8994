package dev.espfleet.nvs;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import javax.crypto.SecretKeyFactory;
import javax.crypto.spec.PBEKeySpec;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The entries nvs_partition_gen.py 0.2.0 adds for the Wi-Fi driver's keys (module function write_entry).
 * Each expected image is derived by hand from that algorithm: the entries it writes, in its order, laid out
 * by {@link NvsPartitionWriter} (itself checked byte for byte against Espressif's vectors).
 */
class WifiDriverRecordsTest {
    /** What write_entry adds after the first sta.ssid/sta.pswd: 'f' * 280, '0' * 64 and '0000' as hex2bin. */
    private static final byte[] STA_APINFO = filled(140, 0xFF);
    private static final byte[] STA_PMK = new byte[32];
    private static final byte[] STA_APSW = new byte[2];

    @TempDir
    Path tmp;

    private Path csv(String body) throws IOException {
        Path p = tmp.resolve("wifi.csv");
        Files.writeString(p, "key,type,encoding,value\n" + body);
        return p;
    }

    private byte[] generate(String body) throws IOException {
        return NvsCsv.generate(List.of(csv(body)), 0x4000, NvsVersion.V2, null);
    }

    private static byte[] image(NvsEntry... entries) {
        return NvsPartitionWriter.write(List.of(entries), 0x4000, NvsVersion.V2);
    }

    /** IEEE 802.11i-2004 annex H.4.3 test vectors of the passphrase-to-PSK mapping. */
    @Test
    void pmkIsTheWpa2PassphraseMapping() {
        assertEquals("f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e",
                HexFormat.of().formatHex(WifiDriverRecords.pmk("password", "IEEE")));
        assertEquals("0dc0d6eb90555ed6419756b9a15ec3e3209b63df707dd508d14581f8982721af",
                HexFormat.of().formatHex(WifiDriverRecords.pmk("ThisIsAPassword", "ThisIsASSID")));
    }

    @Test
    void pmkAgreesWithTheJdksPbkdf2ForUtf8Text() throws Exception {
        String password = "pässwörd-123";
        String ssid = "Café Wi-Fi";
        byte[] jdk = SecretKeyFactory.getInstance("PBKDF2WithHmacSHA1")
                .generateSecret(new PBEKeySpec(password.toCharArray(), ssid.getBytes(StandardCharsets.UTF_8), 4096, 256))
                .getEncoded();
        assertArrayEquals(jdk, WifiDriverRecords.pmk(password, ssid));
    }

    @Test
    void firstStaSsidIsFollowedByApinfoPmkAndApsw() throws IOException {
        byte[] expected = image(NvsEntry.namespace("nvs.net80211"),
                NvsEntry.string("nvs.net80211", "sta.ssid", "MyNet"),
                NvsEntry.blob("nvs.net80211", "sta.apinfo", STA_APINFO),
                NvsEntry.blob("nvs.net80211", "sta.pmk", STA_PMK),
                NvsEntry.blob("nvs.net80211", "sta.apsw", STA_APSW),
                NvsEntry.string("nvs.net80211", "sta.pswd", "secret123"));
        Vectors.assertSameBytes(expected, generate("nvs.net80211,namespace,,\nsta.ssid,data,string,MyNet\n"
                + "sta.pswd,data,string,secret123\n"), "sta.ssid then sta.pswd");
    }

    /** Fixed-size records: the SSID as a u32 length and 32 bytes (the driver's 36 bytes), a 64-byte password. */
    @Test
    void staPswdFirstWithTheDriversBlobLayoutsGetsTheExtrasAfterIt() throws IOException {
        byte[] ssid = ByteBuffer.allocate(36).order(ByteOrder.LITTLE_ENDIAN).putInt(5)
                .put("MyNet".getBytes(StandardCharsets.US_ASCII)).array();
        byte[] password = Arrays.copyOf("secret123".getBytes(StandardCharsets.US_ASCII), 64);
        byte[] expected = image(NvsEntry.namespace("wifi"),
                NvsEntry.blob("wifi", "sta.pswd", password),
                NvsEntry.blob("wifi", "sta.apinfo", STA_APINFO),
                NvsEntry.blob("wifi", "sta.pmk", STA_PMK),
                NvsEntry.blob("wifi", "sta.apsw", STA_APSW),
                NvsEntry.blob("wifi", "sta.ssid", ssid));
        Vectors.assertSameBytes(expected, generate("wifi,namespace,,\nsta.pswd,data,blob_fill(64;0x00),secret123\n"
                + "sta.ssid,data,blob_sz_fill(32;0x00),MyNet\n"), "sta.pswd then sta.ssid");
    }

    /** The Python tool keeps its flag on the NVS object: one set of extras per image, whatever the namespace. */
    @Test
    void staExtrasComeOncePerImage() throws IOException {
        byte[] expected = image(NvsEntry.namespace("a"),
                NvsEntry.integer("a", "sta.ssid", NvsType.U8, 1),
                NvsEntry.blob("a", "sta.apinfo", STA_APINFO),
                NvsEntry.blob("a", "sta.pmk", STA_PMK),
                NvsEntry.blob("a", "sta.apsw", STA_APSW),
                NvsEntry.namespace("b"),
                NvsEntry.string("b", "sta.ssid", "x"));
        Vectors.assertSameBytes(expected, generate("a,namespace,,\nsta.ssid,data,u8,1\nb,namespace,,\n"
                + "sta.ssid,data,string,x\n"), "sta.ssid in two namespaces");
    }

    /**
     * ap.pmk_info is written before the row that completes SSID, password and a non-zero authmode: 100 zero
     * bytes, then PBKDF2-HMAC-SHA1 of the CSV texts (password, SSID as salt, 4096 rounds, 32 bytes). The
     * state spans namespaces: here authmode 3 completes the set in namespace 'other'.
     */
    @Test
    void apPmkInfoPrecedesTheRowThatCompletesSsidPasswordAndAuthmode() throws IOException {
        byte[] expected = image(NvsEntry.namespace("net"),
                NvsEntry.string("net", "ap.ssid", "IEEE"),
                NvsEntry.integer("net", "ap.authmode", NvsType.U8, 0),
                NvsEntry.string("net", "ap.passwd", "password"),
                NvsEntry.namespace("other"),
                NvsEntry.blob("other", "ap.pmk_info", pmkInfo("f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e")),
                NvsEntry.integer("other", "ap.authmode", NvsType.U8, 3));
        Vectors.assertSameBytes(expected, generate("net,namespace,,\nap.ssid,data,string,IEEE\nap.authmode,data,u8,0\n"
                + "ap.passwd,data,string,password\nother,namespace,,\nap.authmode,data,u8,3\n"), "ap rows");
    }

    /** Once the set is complete, every later ap.* row gets its own ap.pmk_info, from the texts as they are then. */
    @Test
    void everyLaterApRowIsPrecededByAnotherPmkInfo() throws IOException {
        byte[] expected = image(NvsEntry.namespace("a"),
                NvsEntry.string("a", "ap.ssid", "IEEE"),
                NvsEntry.string("a", "ap.passwd", "password"),
                NvsEntry.blob("a", "ap.pmk_info", pmkInfo("f42c6fc52df0ebef9ebb4b90b38a5f902e83fe1b135a70e23aed762e9710a12e")),
                NvsEntry.integer("a", "ap.authmode", NvsType.U8, 4),
                NvsEntry.namespace("b"),
                NvsEntry.blob("b", "ap.pmk_info", pmkInfo(HexFormat.of().formatHex(WifiDriverRecords.pmk("password", "Other")))),
                NvsEntry.string("b", "ap.ssid", "Other"));
        Vectors.assertSameBytes(expected, generate("a,namespace,,\nap.ssid,data,string,IEEE\nap.passwd,data,string,password\n"
                + "ap.authmode,data,u8,4\nb,namespace,,\nap.ssid,data,string,Other\n"), "ap rows in two namespaces");
    }

    @Test
    void apAuthmodeZeroWritesNoPmkInfo() throws IOException {
        assertEquals(List.of(NvsEntry.string("n", "ap.ssid", "IEEE"), NvsEntry.string("n", "ap.passwd", "password"),
                NvsEntry.integer("n", "ap.authmode", NvsType.U8, 0)),
                NvsPartitionReader.read(generate("n,namespace,,\nap.ssid,data,string,IEEE\n"
                        + "ap.passwd,data,string,password\nap.authmode,data,u8,0\n")).items());
    }

    @Test
    void refusesAKeyThatCollidesWithAnAddedEntry() throws IOException {
        Path p = csv("n,namespace,,\nsta.ssid,data,string,x\nsta.pmk,data,hex2bin,00\n");
        assertEquals(p + ":4: key 'sta.pmk': is already set in namespace 'n' at " + p + ":3 (added there for the"
                + " Wi-Fi driver with sta.ssid)", refusal(p));
    }

    @Test
    void refusesAWifiKeyOfTypeFileWhoseTextTheGeneratorWouldUse() throws IOException {
        Files.writeString(tmp.resolve("ssid.txt"), "MyNet");
        Path p = csv("n,namespace,,\nsta.ssid,file,string,ssid.txt\n");
        assertEquals(p + ":3: key 'sta.ssid': is a Wi-Fi driver record, which Espressif's generator takes from the CSV"
                + " text whatever the type (with type file it would store the path); give it as type data", refusal(p));
    }

    @Test
    void refusesANamespaceNamedLikeAWifiKey() throws IOException {
        Path p = csv("ap.ssid,namespace,,\n");
        assertEquals(p + ":2: namespace 'ap.ssid': Espressif's generator takes a row keyed ap.ssid as a Wi-Fi driver"
                + " record even on a namespace row; choose another name", refusal(p));
    }

    /** keysAddedWith, which the device config asks, names exactly the entries the CSV reader adds beside a key. */
    @Test
    void keysAddedWithAreTheEntriesTheReaderAddsBesideTheKey() throws IOException {
        for (String key : WifiDriverRecords.wifiKeys()) {
            String body = "n,namespace,,\n" + key + ",data,string,1\n";
            if (key.startsWith("ap.")) { // ap.pmk_info comes once all three are set
                body += WifiDriverRecords.wifiKeys().stream().filter(k -> k.startsWith("ap.") && !k.equals(key))
                        .map(k -> k + ",data,string,1\n").reduce("", String::concat);
            }
            List<String> added = NvsCsv.read(List.of(csv(body))).stream().map(r -> r.entry().key())
                    .filter(k -> k != null && !k.equals("n") && !WifiDriverRecords.isWifiKey(k)).toList();
            assertEquals(WifiDriverRecords.keysAddedWith(key), added, key);
        }
        assertEquals(List.of(), WifiDriverRecords.keysAddedWith("ssid"));
    }

    private static String refusal(Path p) {
        return assertThrows(EspfleetException.class, () -> NvsCsv.generate(List.of(p), 0x4000, NvsVersion.V2, null))
                .getMessage();
    }

    private static byte[] pmkInfo(String pmkHex) {
        byte[] info = new byte[132];
        System.arraycopy(HexFormat.of().parseHex(pmkHex), 0, info, 100, 32);
        return info;
    }

    private static byte[] filled(int length, int value) {
        byte[] b = new byte[length];
        Arrays.fill(b, (byte) value);
        return b;
    }
}
