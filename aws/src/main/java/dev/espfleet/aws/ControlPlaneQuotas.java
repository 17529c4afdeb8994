package dev.espfleet.aws;

import java.util.Map;

/**
 * AWS IoT Core's per-account, per-region control-plane rate limits for the operations espfleet calls, in
 * transactions per second. Sources: the AWS General Reference page "AWS IoT Core endpoints and quotas"
 * (docs.aws.amazon.com/general/latest/gr/iot-core.html, its API throttling tables) and the Service Quotas catalog
 * of service code {@code iotcore}, which gives the thing registry's defaults: CreateThing API TPS (L-64CBACAC) 100,
 * AttachThingPrincipal API TPS (L-F64D1AA6) 100, DescribeThing API TPS (L-0EF0F5EE) 350, ListThingPrincipals API
 * TPS (L-FC3EF4D9) 10. The certificate, policy, CA and rule figures below are the General Reference's defaults as
 * recalled when this was written (10 to 15 for the security APIs; the catalog lists AttachPolicy API TPS, L-CA7D4E3E,
 * without its value in the copy at hand): where unsure, the lower figure is kept. An account whose quotas are
 * higher still works, only no faster.
 *
 * <p>espfleet spaces its own calls by these figures (all threads of one process together), so a bench of many
 * ports stays under them; several stations sharing one account share AWS's limit, and their throttled calls are
 * retried with backoff.
 */
public final class ControlPlaneQuotas {
    /** Operations not listed here: the lowest limit of the security APIs. */
    static final double DEFAULT_TPS = 10;

    static final Map<String, Double> TPS = Map.ofEntries(
            // things (Service Quotas catalog, iotcore)
            Map.entry("CreateThing", 100.0),
            Map.entry("DescribeThing", 350.0),
            Map.entry("AttachThingPrincipal", 100.0),
            Map.entry("ListThingPrincipals", 10.0),
            // certificates
            Map.entry("RegisterCertificate", 10.0),
            Map.entry("RegisterCertificateWithoutCA", 10.0),
            Map.entry("CreateCertificateFromCsr", 15.0),
            Map.entry("DescribeCertificate", 10.0),
            Map.entry("UpdateCertificate", 10.0),
            // policies
            Map.entry("AttachPolicy", 15.0),
            Map.entry("ListAttachedPolicies", 15.0),
            Map.entry("GetPolicy", 15.0),
            Map.entry("CreatePolicy", 10.0),
            Map.entry("CreatePolicyVersion", 10.0),
            Map.entry("ListPolicyVersions", 10.0),
            Map.entry("DeletePolicyVersion", 10.0),
            // the CA
            Map.entry("GetRegistrationCode", 10.0),
            Map.entry("RegisterCACertificate", 10.0),
            Map.entry("DescribeCACertificate", 10.0),
            Map.entry("UpdateCACertificate", 10.0),
            // rules (CreateTopicRule and its kin: 5 TPS in the rules engine's quotas)
            Map.entry("ListTopicRules", 1.0),
            Map.entry("GetTopicRule", 20.0),
            Map.entry("CreateTopicRule", 5.0),
            Map.entry("ReplaceTopicRule", 5.0));

    private ControlPlaneQuotas() {
    }

    /** The rate espfleet keeps for {@code operation} (the SDK's operation name, e.g. RegisterCertificate). */
    public static double tps(String operation) {
        return TPS.getOrDefault(operation, DEFAULT_TPS);
    }
}
