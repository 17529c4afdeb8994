package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.ThingName;
import org.junit.jupiter.api.Test;

class DeviceSubjectTest {
    @Test
    void namesThingOrganizationAndCountryInTheGuidesOrder() {
        assertEquals("CN=device-001,O=AnalogData,C=IN",
                DeviceSubject.of(ThingName.of("device-001"), "AnalogData", "IN").toX500Name().toString());
        assertEquals("CN=device-001", DeviceSubject.of(ThingName.of("device-001"), " ", null).toX500Name().toString());
    }

    @Test
    void rejectsCountryThatIsNotTwoCapitalLetters() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> DeviceSubject.of(ThingName.of("d"), null, "Germany"));
        assertEquals(ExitStatus.BAD_INPUT, e.status());
        assertEquals("invalid country 'Germany': expected a two-letter ISO 3166 code in capitals, such as DE or IN",
                e.getMessage());
    }

    @Test
    void rejectsOrganizationLongerThan64() {
        EspfleetException e = assertThrows(EspfleetException.class, () -> DeviceSubject.of(ThingName.of("d"), "o".repeat(65), null));
        assertEquals("invalid organization: expected at most 64 characters (RFC 5280 ub-organization-name), got 65",
                e.getMessage());
    }
}
