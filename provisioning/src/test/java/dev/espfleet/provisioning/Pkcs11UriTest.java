package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class Pkcs11UriTest {
    private static final String MODULE = "?module-path=/usr/lib/softhsm/libsofthsm2.so";

    private static String refusal(String uri) {
        EspfleetException e = assertThrows(EspfleetException.class, () -> Pkcs11Uri.parse(uri, "--key-uri"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertTrue(e.getMessage().startsWith("--key-uri: "), e.getMessage());
        return e.getMessage();
    }

    @Test
    void parsesTokenObjectModuleAndPin() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=espfleet-ca;object=ca-key;type=private" + MODULE
                + "&pin-value=1234", "--key-uri");
        assertEquals(Optional.of("espfleet-ca"), uri.token());
        assertEquals(Optional.of("ca-key"), uri.object());
        assertEquals(Path.of("/usr/lib/softhsm/libsofthsm2.so"), uri.modulePath());
        assertArrayEquals("1234".toCharArray(), uri.pin(Map.of()).orElseThrow());
    }

    @Test
    void percentDecodesValuesAsUtf8() {
        // RFC 7512 section 2.3: %XX is one octet; "Bäckerei CA" has a space and a two-octet ä
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=B%C3%A4ckerei%20CA;object=key%3B1" + MODULE, "--key-uri");
        assertEquals(Optional.of("Bäckerei CA"), uri.token());
        assertEquals(Optional.of("key;1"), uri.object());
        assertEquals("pkcs11:object=key%3B1;token=B%C3%A4ckerei%20CA?module-path=/usr/lib/softhsm/libsofthsm2.so",
                uri.toString());
        assertEquals(uri, Pkcs11Uri.parse(uri.toString(), "again"));
    }

    @Test
    void neverShowsThePin() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=t;object=k" + MODULE + "&pin-value=s3cret", "--key-uri");
        assertFalse(uri.toString().contains("s3cret"), uri.toString());
        assertFalse(uri.withoutPin().hasPin());
        assertTrue(uri.withoutPin().pin(Map.of()).isEmpty());
    }

    @Test
    void aMistypedPinAttributeIsNotEchoed() {
        String message = refusal("pkcs11:token=t;object=k" + MODULE + "&pin-value1234");
        assertTrue(message.contains("an attribute in the query is not name=value"), message);
        assertFalse(message.contains("1234"), message);
    }

    @Test
    void takesThePinFromTheEnvironmentWhenTheUriHasNone() {
        Pkcs11Uri uri = Pkcs11Uri.parse("pkcs11:token=t;object=k" + MODULE, "--key-uri");
        assertArrayEquals("9876".toCharArray(), uri.pin(Map.of(Pkcs11Uri.PIN_VARIABLE, "9876")).orElseThrow());
        assertTrue(uri.pin(Map.of()).isEmpty());
    }

    @Test
    void refusesPinSourceModuleNameAndVendorAttributes() {
        assertTrue(refusal("pkcs11:token=t;object=k" + MODULE + "&pin-source=%7Ccat%20/etc/shadow")
                .contains("pin-source is not accepted"));
        assertTrue(refusal("pkcs11:token=t;object=k?module-name=softhsm2").contains("module-name is not accepted"));
        assertTrue(refusal("pkcs11:token=t;object=k;x-vendor=1" + MODULE).contains("vendor attribute 'x-vendor'"));
    }

    @Test
    void refusesUnknownAndMisplacedAttributes() {
        assertTrue(refusal("pkcs11:token=t;object=k;colour=red" + MODULE).contains("unknown path attribute 'colour'"));
        assertTrue(refusal("pkcs11:token=t;object=k;module-path=/lib/x.so").contains("belongs in the query"));
        assertTrue(refusal("pkcs11:token=t;token=u;object=k" + MODULE).contains("'token' is given twice"));
    }

    @Test
    void refusesARelativeModuleOrNoModule() {
        assertTrue(refusal("pkcs11:token=t;object=k?module-path=libsofthsm2.so").contains("is relative"));
        assertTrue(refusal("pkcs11:token=t;object=k").contains("no module-path"));
    }

    @Test
    void needsATokenAndAnObject() {
        assertTrue(refusal("pkcs11:object=k" + MODULE).contains("no token, serial or slot-id"));
        assertTrue(refusal("pkcs11:token=t" + MODULE).contains("no object"));
        assertTrue(refusal("pkcs11:token=t;object=k;type=cert" + MODULE).contains("type=cert"));
    }

    @Test
    void refusesBadPercentEncodingAndOtherSchemes() {
        assertTrue(refusal("pkcs11:token=t%2;object=k" + MODULE).contains("bad percent-encoding"));
        assertTrue(refusal("pkcs11:token=%FF;object=k" + MODULE).contains("not UTF-8"));
        assertTrue(refusal("file:/tmp/key.pem").contains("starting with 'pkcs11:'"));
    }
}
