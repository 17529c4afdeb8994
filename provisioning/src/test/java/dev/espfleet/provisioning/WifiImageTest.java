package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.espfleet.nvs.NvsEntry;
import dev.espfleet.nvs.NvsKey;
import dev.espfleet.nvs.NvsPartitionReader;
import java.util.List;
import org.junit.jupiter.api.Test;

class WifiImageTest {
    private static final WifiCredentials LAB = new WifiCredentials(NvsKey.of("net"), NvsKey.of("ssid"),
            NvsKey.of("pass"), "Lab, 2.4 GHz", "secret123");

    @Test
    void theCsvHoldsTheNamespaceTheSsidAndThePasswordAsNvsPartitionGenReadsThem() {
        assertEquals("""
                key,type,encoding,value
                net,namespace,,
                ssid,data,string,"Lab, 2.4 GHz"
                pass,data,string,secret123
                """, WifiImage.csv(LAB));
    }

    @Test
    void theImageHoldsWhatTheFirmwareReadsAndFillsThePartition() {
        byte[] image = WifiImage.build("wifi.csv", LAB, 0x6000);
        assertEquals(0x6000, image.length);
        List<NvsEntry> items = NvsPartitionReader.read(image).items();
        assertEquals(List.of(NvsEntry.string("net", "ssid", "Lab, 2.4 GHz"), NvsEntry.string("net", "pass", "secret123")),
                items.stream().filter(e -> "net".equals(e.namespace())).toList());
    }
}
