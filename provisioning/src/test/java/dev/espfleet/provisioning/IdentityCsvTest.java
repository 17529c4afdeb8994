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
        IdentityLayout layout = new IdentityLayout("id", "aws", "thing", "host", "cert", "key", "ca");
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

    @Test
    void rejectsNvsKeyLongerThan15Characters() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> new IdentityLayout("certs", "identity",
                "thing_name", "endpoint", "device_certificate", "private_key", "server_ca"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("invalid NVS key name 'device_certificate': expected 1-15 characters of [A-Za-z0-9_]",
                e.getMessage());
    }

    @Test
    void rejectsTheSameKeyTwice() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> new IdentityLayout("certs", "identity",
                "thing_name", "endpoint", "cert", "cert", "server_ca"));
        assertEquals("invalid identity layout: NVS key 'cert' is used twice", e.getMessage());
    }

    @Test
    void rejectsValueThatNeedsCsvQuoting() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> IdentityCsv.render(IdentityLayout.DEFAULT,
                new IdentityCsv.Entries(ThingName.of("dev-001"), AwsEndpoint.of("a.b"), "a,b", "key.pem", "ca.pem")));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("cannot write NVS key 'device_cert' to the identity CSV: value 'a,b' is empty or contains a comma, "
                + "quote or line break", e.getMessage());
    }

    /** The Wi-Fi rows, cells quoted where Python's csv needs it: nvs generate reads back what was given. */
    @Test
    void rendersWifiRowsQuotedSoNvsGenerateReadsThemBackAsGiven() {
        String csv = IdentityCsv.render(IdentityLayout.DEFAULT, ENTRIES, Optional.of(
                new WifiCredentials("wifi", "#ssid", "password", "Lab \"2,4\"", "pass,word")));
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
                new WifiCredentials("identity", "ssid", "password", "lab", "")));
        assertTrue(csv.endsWith("server_ca,file,string,server-ca.pem\nssid,data,string,lab\npassword,data,string,\n"), csv);
    }

    @Test
    void refusesAnSsidWithALineBreak() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> IdentityCsv.render(IdentityLayout.DEFAULT,
                ENTRIES, Optional.of(new WifiCredentials("wifi", "ssid", "password", "a\rb", ""))));
        assertEquals("--wifi-ssid holds a line break or NUL, which the identity CSV cannot carry as nvs_partition_gen.py"
                + " reads it", e.getMessage());
    }
}
