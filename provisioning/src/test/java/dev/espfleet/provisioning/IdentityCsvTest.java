package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsCsv;
import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.PartitionLabel;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class IdentityCsvTest {
    private static final IdentityCsv.Entries ENTRIES = new IdentityCsv.Entries(ThingName.of("dev-001"),
            AwsEndpoint.of("abc123-ats.iot.eu-west-1.amazonaws.com"), "cert.pem", "key.pem", "server-ca.pem");

    @Test
    void rendersNvsPartitionGenCsvWithDefaultLayout() {
        assertEquals("""
                key,type,encoding,value
                identity,namespace,,
                thing_name,data,string,dev-001
                endpoint,data,string,abc123-ats.iot.eu-west-1.amazonaws.com
                device_cert,file,string,cert.pem
                private_key,file,string,key.pem
                server_ca,file,string,server-ca.pem
                """, IdentityCsv.render(IdentityLayout.DEFAULT, ENTRIES));
    }

    @Test
    void rendersConfiguredNamespaceAndKeys() {
        IdentityLayout layout = layout("id", "aws", "thing", "host", "cert", "key", "ca");
        assertEquals("""
                key,type,encoding,value
                aws,namespace,,
                thing,data,string,dev-001
                host,data,string,abc123-ats.iot.eu-west-1.amazonaws.com
                cert,file,string,cert.pem
                key,file,string,key.pem
                ca,file,string,server-ca.pem
                """, IdentityCsv.render(layout, ENTRIES));
    }

    /**
     * A layout takes every name the NVS format takes (the config's rule is the same one), and identity.csv carries
     * each, quoted where Python's csv needs it, so that nvs generate reads back the keys the firmware reads.
     */
    @Test
    void anyKeyTheNvsFormatTakesIsWrittenSoNvsGenerateReadsItBack() {
        IdentityLayout layout = layout("certs", "#id,1", "thing-name", "end point", "\"cert\"", "key,pem", "#ca");
        String csv = IdentityCsv.render(layout, new IdentityCsv.Entries(ThingName.of("dev-001"),
                AwsEndpoint.of("abc123-ats.iot.eu-west-1.amazonaws.com"), "cert.pem", "key,1.pem", "server-ca.pem"));
        assertEquals("""
                key,type,encoding,value
                "#id,1",namespace,,
                thing-name,data,string,dev-001
                end point,data,string,abc123-ats.iot.eu-west-1.amazonaws.com
                \"""cert\""",file,string,cert.pem
                "key,pem",file,string,"key,1.pem"
                "#ca",file,string,server-ca.pem
                """, csv);
        Map<String, byte[]> files = Map.of("cert.pem", new byte[] {'c'}, "key,1.pem", new byte[] {'k'},
                "server-ca.pem", new byte[] {'s'});
        assertEquals(List.of(NvsEntry.string("#id,1", "thing-name", "dev-001"),
                NvsEntry.string("#id,1", "end point", "abc123-ats.iot.eu-west-1.amazonaws.com"),
                NvsEntry.string("#id,1", "\"cert\"", "c"), NvsEntry.string("#id,1", "key,pem", "k"),
                NvsEntry.string("#id,1", "#ca", "s")),
                NvsCsv.read("identity.csv", csv, files).stream().map(NvsCsv.Row::entry)
                        .filter(e -> !e.isNamespaceDeclaration()).toList());
    }

    @Test
    void rejectsTheSameKeyTwice() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> layout("certs", "identity",
                "thing_name", "endpoint", "cert", "cert", "server_ca"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("invalid identity layout: NVS key 'cert' is used twice", e.getMessage());
    }

    private static IdentityLayout layout(String partition, String namespace, String... keys) {
        return new IdentityLayout(PartitionLabel.of(partition), NvsKey.of(namespace), NvsKey.of(keys[0]),
                NvsKey.of(keys[1]), NvsKey.of(keys[2]), NvsKey.of(keys[3]), NvsKey.of(keys[4]));
    }

    /** The Wi-Fi rows, cells quoted where Python's csv needs it: nvs generate reads back what was given. */
    @Test
    void rendersWifiRowsQuotedSoNvsGenerateReadsThemBackAsGiven() {
        String csv = IdentityCsv.render(IdentityLayout.DEFAULT, ENTRIES, Optional.of(
                wifi("wifi", "#ssid", "password", "Lab \"2,4\"", "pass,word")));
        assertEquals("""
                key,type,encoding,value
                identity,namespace,,
                thing_name,data,string,dev-001
                endpoint,data,string,abc123-ats.iot.eu-west-1.amazonaws.com
                device_cert,file,string,cert.pem
                private_key,file,string,key.pem
                server_ca,file,string,server-ca.pem
                wifi,namespace,,
                "#ssid",data,string,"Lab ""2,4\"""
                password,data,string,"pass,word"
                """, csv);
        Map<String, byte[]> files = Map.of("cert.pem", new byte[] {'c'}, "key.pem", new byte[] {'k'},
                "server-ca.pem", new byte[] {'s'});
        assertEquals(List.of(NvsEntry.string("wifi", "#ssid", "Lab \"2,4\""), NvsEntry.string("wifi", "password",
                "pass,word")), NvsCsv.read("identity.csv", csv, files).stream().map(NvsCsv.Row::entry)
                .filter(e -> "wifi".equals(e.namespace()) && !e.isNamespaceDeclaration()).toList());
    }

    @Test
    void wifiInTheIdentityNamespaceGetsNoSecondNamespaceRow() {
        String csv = IdentityCsv.render(IdentityLayout.DEFAULT, ENTRIES, Optional.of(
                wifi("identity", "ssid", "password", "lab", "")));
        assertTrue(csv.endsWith("server_ca,file,string,server-ca.pem\nssid,data,string,lab\npassword,data,string,\n"), csv);
    }

    @Test
    void refusesAnSsidWithALineBreak() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> IdentityCsv.render(IdentityLayout.DEFAULT,
                ENTRIES, Optional.of(wifi("wifi", "ssid", "password", "a\rb", ""))));
        assertEquals("--wifi-ssid holds a line break or NUL, which the identity CSV cannot carry as nvs_partition_gen.py"
                + " reads it", e.getMessage());
    }

    private static WifiCredentials wifi(String namespace, String ssidKey, String passwordKey, String ssid,
                                        String password) {
        return new WifiCredentials(NvsKey.of(namespace), NvsKey.of(ssidKey), NvsKey.of(passwordKey), ssid, password);
    }
}
