package dev.espfleet.provisioning;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.espfleet.common.EspfleetException;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import dev.espfleet.nvs.NvsPartitionReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.SecureRandom;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** identity.key_source device on the provisioning side: the image without key, the device's CSR certified. */
class DeviceKeyUnitTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final Instant NOW = Instant.now();
    private static final DevicePolicy POLICY = new DevicePolicy("p", "{}\n");
    private static CertificateAuthority ca;
    private static ServerCa serverCa;

    @TempDir
    Path tmp;

    @BeforeAll
    static void makeCa() {
        ca = CertificateAuthorityTest.root("unit root");
        serverCa = new ServerCa(List.of(CertificateAuthorityTest.root("broker root").certificate()), Path.of("b.pem"));
    }

    private UnitRequest request(String thing) {
        return new UnitRequest(tmp.resolve("units/dev-001"), DeviceSubject.of(ThingName.of(thing), "Acme", null),
                KeyType.EC_P256, Optional.of(AwsEndpoint.of("localhost")), new CertificateSource.LocalCa(ca, "ca",
                OptionalInt.empty()), serverCa, POLICY, IdentityLayout.DEFAULT, 0x6000, Optional.empty(), false);
    }

    /** A request as a device makes it: CN only, its own key. */
    private static PKCS10CertificationRequest deviceCsr(KeyPair keys, String thing) {
        return CertificateRequests.create(keys, DeviceSubject.of(ThingName.of(thing), null, null));
    }

    @Test
    void theImageHoldsThingEndpointAndServerCaButNoKeyOrCertificate() throws Exception {
        UnitProvisioner.DeviceKeyUnit unit = new UnitProvisioner(RANDOM).prepareForDeviceKey(request("dev-001"), NOW);
        List<String> keys = NvsPartitionReader.read(unit.report().identityImage().orElseThrow()).items().stream()
                .map(e -> e.key()).toList();
        assertEquals(List.of("thing_name", "endpoint", "server_ca"), keys);
        assertFalse(unit.identityOnBoard());
        assertFalse(Files.exists(tmp.resolve("units/dev-001/key.pem")));
        assertFalse(Files.readString(tmp.resolve("units/dev-001/identity.csv")).contains("private_key"));
    }

    @Test
    void theSameKeyGetsItsRecordedCertificateAgainAndANewKeyANewOne() {
        UnitProvisioner provisioner = new UnitProvisioner(RANDOM);
        provisioner.prepareForDeviceKey(request("dev-001"), NOW);
        KeyPair device = KeyType.EC_P256.generate(RANDOM);
        X509Certificate first = provisioner.certifyDeviceKey(request("dev-001"), deviceCsr(device, "dev-001"), "csr",
                NOW).certificate().orElseThrow();
        assertArrayEquals(device.getPublic().getEncoded(), first.getPublicKey().getEncoded());
        X509Certificate again = provisioner.certifyDeviceKey(request("dev-001"), deviceCsr(device, "dev-001"), "csr",
                NOW).certificate().orElseThrow();
        assertEquals(first, again);
        KeyPair newKey = KeyType.EC_P256.generate(RANDOM);
        UnitProvisioner.Report reissued = provisioner.certifyDeviceKey(request("dev-001"), deviceCsr(newKey, "dev-001"),
                "csr", NOW);
        assertNotEquals(first, reissued.certificate().orElseThrow());
        assertTrue(reissued.lines().get(0).startsWith("cert.pem: for another key"), reissued.lines().toString());
        assertEquals(UnitBinding.keyFingerprint(newKey.getPublic()),
                UnitBinding.read(tmp.resolve("units/dev-001")).orElseThrow().keySha256());
    }

    @Test
    void aRequestForAnotherThingOrWithAnRsaKeyIsRefused() {
        UnitProvisioner provisioner = new UnitProvisioner(RANDOM);
        EspfleetException other = assertThrows(EspfleetException.class, () -> provisioner.certifyDeviceKey(
                request("dev-001"), deviceCsr(KeyType.EC_P256.generate(RANDOM), "dev-002"), "the csr", NOW));
        assertEquals("the csr names 'dev-002', expected 'dev-001': the unit's identity partition holds another"
                + " thing's name", other.getMessage());
        EspfleetException rsa = assertThrows(EspfleetException.class, () -> provisioner.certifyDeviceKey(
                request("dev-001"), deviceCsr(KeyType.RSA_2048.generate(RANDOM), "dev-001"), "the csr", NOW));
        assertEquals("the csr holds a RSA key; a device makes EC P-256 keys", rsa.getMessage());
    }
}
