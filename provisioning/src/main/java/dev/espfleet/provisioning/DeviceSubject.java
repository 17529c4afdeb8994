package dev.espfleet.provisioning;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.ThingName;
import java.util.Optional;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.x500.RDN;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x500.X500NameBuilder;
import org.bouncycastle.asn1.x500.style.BCStyle;
import org.bouncycastle.asn1.x500.style.IETFUtils;

/**
 * The subject of a device CSR: CN = thing name, and optionally O and C, as the guide's
 * {@code openssl req -subj "/CN=device-001/O=AnalogData/C=IN"}.
 */
public record DeviceSubject(ThingName thingName, Optional<String> organization, Optional<String> country) {
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");

    public DeviceSubject {
        java.util.Objects.requireNonNull(thingName, "thingName");
        organization = organization.map(String::strip).filter(o -> !o.isEmpty());
        organization.ifPresent(o -> {
            if (o.length() > 64) {
                throw EspfleetException.badInput("invalid organization: expected at most 64 characters "
                        + "(RFC 5280 ub-organization-name), got " + o.length());
            }
        });
        country.ifPresent(c -> {
            if (!COUNTRY.matcher(c).matches()) {
                throw EspfleetException.badInput("invalid country '" + c
                        + "': expected a two-letter ISO 3166 code in capitals, such as DE or IN");
            }
        });
    }

    public static DeviceSubject of(ThingName thingName, String organization, String country) {
        return new DeviceSubject(thingName, Optional.ofNullable(organization), Optional.ofNullable(country));
    }

    /** The X.500 name, in the guide's order: CN, O, C. */
    public X500Name toX500Name() {
        X500NameBuilder builder = new X500NameBuilder(BCStyle.INSTANCE).addRDN(BCStyle.CN, thingName.value());
        organization.ifPresent(o -> builder.addRDN(BCStyle.O, o));
        country.ifPresent(c -> builder.addRDN(BCStyle.C, c));
        return builder.build();
    }

    /** The common name of {@code name}, if it has exactly one. */
    static Optional<String> commonName(X500Name name) {
        RDN[] rdns = name.getRDNs(BCStyle.CN);
        if (rdns.length != 1) {
            return Optional.empty();
        }
        return Optional.of(IETFUtils.valueToString(rdns[0].getFirst().getValue()));
    }
}
