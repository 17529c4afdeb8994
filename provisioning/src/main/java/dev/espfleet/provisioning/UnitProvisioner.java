package dev.espfleet.provisioning;

import dev.espfleet.common.AtomicFiles;
import dev.espfleet.common.EspfleetException;
import dev.espfleet.common.ExitStatus;
import dev.espfleet.model.AwsEndpoint;
import dev.espfleet.model.ThingName;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Optional;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;

/**
 * Makes or refreshes one unit folder: key, CSR, certificate, server CA, the identity NVS CSV and the
 * AWS registration files. Everything is decided and checked in memory first, so a bad input writes
 * nothing. An existing key and certificate are reused unless {@link UnitRequest#rotate()}.
 */
public final class UnitProvisioner {
    public static final String KEY_FILE = "key.pem";
    public static final String CSR_FILE = "csr.pem";
    public static final String CERT_FILE = "cert.pem";
    public static final String SERVER_CA_FILE = "server-ca.pem";
    public static final String IDENTITY_CSV = "identity.csv";
    /** identity.csv (Wi-Fi credentials included, when given) as the identity partition's NVS image. */
    public static final String IDENTITY_IMAGE = "identity.bin";
    public static final String AWS_DIR = "aws";

    private final SecureRandom random;

    public UnitProvisioner(SecureRandom random) {
        this.random = random;
    }

    /** What was done, one line per file, for the CLI to print. */
    public record Report(Path unitDir, List<String> lines, boolean identityComplete,
                         Optional<X509Certificate> certificate, Optional<byte[]> identityImage) {
    }

    public Report provision(UnitRequest request, Instant now) {
        Path dir = request.unitDir();
        ThingName thing = request.subject().thingName();
        List<String> lines = new ArrayList<>();
        CertificateSource source = request.certificateSource();
        boolean rotate = request.rotate();

        if (rotate && source instanceof CertificateSource.Given) {
            throw EspfleetException.badInput("--rotate makes a new key, which a given certificate cannot match; "
                    + "rotate with --csr-only or --ca, then register the new certificate");
        }
        boolean certificateExpected = !(source instanceof CertificateSource.CsrOnly);
        Optional<AwsEndpoint> endpoint = request.endpoint();
        if (certificateExpected && endpoint.isEmpty()) {
            throw EspfleetException.badInput(
                    "no AWS IoT endpoint for " + thing + "'s identity: pass --endpoint or set aws.endpoint in the config");
        }

        // 0. The folder: a unit folder (or none yet), and this thing's and this board's.
        requireUnitFolder(dir);
        Optional<UnitBinding> binding = UnitBinding.read(dir);
        Optional<UnitBinding.Board> board = request.board();
        if (binding.isPresent()) {
            requireBindingFits(binding.get(), dir, thing, board);
        }

        // 1. The key.
        Path keyFile = dir.resolve(KEY_FILE);
        boolean reuseKey = !rotate && Files.exists(keyFile);
        PrivateKey key;
        if (reuseKey) {
            requireUnitBelongsTo(thing, dir);
            key = Pem.readPrivateKey(keyFile);
            String keySha = UnitBinding.keyFingerprint(KeyType.publicKeyOf(key));
            if (binding.isPresent() && !binding.get().keySha256().equals(keySha)) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, keyFile + " is not the key " + dir.resolve(
                        UnitBinding.FILE) + " binds to " + thing + " (public key SHA-256 " + keySha + ", bound "
                        + binding.get().keySha256() + "): a key copied from another unit is never certified again",
                        rotateHint(dir, thing, board));
            }
            if (binding.isEmpty()) {
                requireKeyBelongsHere(dir, thing, KeyType.publicKeyOf(key), board);
            }
        } else {
            if (source instanceof CertificateSource.Given g) {
                throw EspfleetException.badInput("no " + keyFile + " to match " + g.file() + " against; "
                        + "run 'espfleet provision --csr-only' for this unit first");
            }
            key = request.keyType().generate(random).getPrivate();
        }
        PublicKey publicKey = KeyType.publicKeyOf(key);

        // 2. The CSR: kept if it still belongs to the key and names the same subject.
        Path csrFile = dir.resolve(CSR_FILE);
        PKCS10CertificationRequest csr = null;
        boolean reuseCsr = false;
        if (reuseKey && Files.exists(csrFile)) {
            PKCS10CertificationRequest existing = Pem.readCsr(csrFile);
            byte[] existingKey = CertificateRequests.publicKey(existing).getEncoded();
            if (existing.getSubject().equals(request.subject().toX500Name())
                    && Arrays.equals(existingKey, publicKey.getEncoded())) {
                csr = existing;
                reuseCsr = true;
            }
        }
        if (csr == null) {
            csr = CertificateRequests.create(new KeyPair(publicKey, key), request.subject());
        }
        CertificateRequests.requireValid(csr, csrFile);

        // 3. The certificate.
        Path certFile = dir.resolve(CERT_FILE);
        X509Certificate cert = null;
        boolean reuseCert = false;
        AwsRegistration.CertificateRoute route;
        String certOrigin = "";
        if (source instanceof CertificateSource.LocalCa local) {
            route = AwsRegistration.CertificateRoute.LOCAL_CA;
            X509Certificate existing = !rotate && Files.exists(certFile) ? Pem.readCertificate(certFile) : null;
            if (existing != null && !subjectOf(existing).equals(request.subject().toX500Name())) {
                existing = null; // same key, new subject (--org or --country changed): issue anew
            }
            if (existing != null) {
                cert = existing;
                String hint = board.isEmpty() ? "; pass --rotate to issue a new key and certificate"
                        : "; pass the --ca that issued it, or give the unit a new key first with 'espfleet provision "
                        + "--rotate --thing " + thing + " --out " + dir + " --ca CA ...'";
                checkDeviceCertificate(cert, certFile.toString(), key, keyFile.toString(), now, hint);
                try {
                    IdentityChecks.requireIssuedBy(cert, certFile.toString(), local.ca().chain(), local.caName());
                } catch (EspfleetException e) {
                    throw EspfleetException.badInput(e.getMessage() + hint);
                }
                reuseCert = true;
            } else {
                cert = local.ca().issueDeviceCertificate(csr, csrFile.toString(),
                        local.validity(now), random);
                certOrigin = "issued by " + local.caName() + " until " + cert.getNotAfter().toInstant();
            }
            checkDeviceCertificate(cert, certFile.toString(), key, keyFile.toString(), now, "");
            IdentityChecks.requireIssuedBy(cert, certFile.toString(), local.ca().chain(), local.caName());
        } else if (source instanceof CertificateSource.Remote remote) {
            route = AwsRegistration.CertificateRoute.ISSUED_BY_AWS;
            X509Certificate existing = reuseKey && Files.exists(certFile) ? Pem.readCertificate(certFile) : null;
            if (existing != null && keptFor(existing, publicKey, request.subject().toX500Name(), now)) {
                cert = existing;
                reuseCert = true;
            } else {
                cert = signElsewhere(remote.signer(), thing, csr, publicKey, now);
                certOrigin = "issued by " + remote.signer().describe() + " until " + cert.getNotAfter().toInstant();
            }
            checkDeviceCertificate(cert, certFile.toString(), key, keyFile.toString(), now, "");
        } else if (source instanceof CertificateSource.Given given) {
            route = AwsRegistration.CertificateRoute.ISSUED_BY_AWS;
            cert = Pem.readCertificate(given.file());
            checkDeviceCertificate(cert, given.file().toString(), key, keyFile.toString(), now, "");
            certOrigin = "from " + given.file();
        } else {
            route = AwsRegistration.CertificateRoute.AWS_SIGNS_CSR;
        }

        // 4. The server CA and the identity CSV, when there is a certificate to put in it.
        IdentityLayout layout = request.layout();
        byte[] keyPem = Pem.encodePrivateKey(key);
        byte[] certPem = cert == null ? null : Pem.encodeCertificate(cert).getBytes(StandardCharsets.US_ASCII);
        byte[] serverCaPem = Pem.encodeCertificates(request.serverCa().certificates()).getBytes(StandardCharsets.US_ASCII);
        String csv = null;
        byte[] image = null;
        if (cert != null) {
            csv = IdentityCsv.render(layout, new IdentityCsv.Entries(thing, endpoint.orElseThrow(), CERT_FILE,
                    KEY_FILE, SERVER_CA_FILE), request.wifi());
            // identity.bin is nvs generate of this very identity.csv: its limits and Wi-Fi driver records included
            image = IdentityImage.build(dir.resolve(IDENTITY_CSV).toString(), csv,
                    new IdentityImage.Contents(certPem, keyPem, serverCaPem), request.identityPartitionSize());
        }
        Optional<String> region = endpoint.flatMap(AwsEndpoint::region);
        Optional<String> certificateId = Optional.ofNullable(cert).map(UnitProvisioner::awsCertificateId);
        String script = AwsRegistration.registerScript(thing, request.policy().name(), region, route, certificateId);
        String policy = request.policy().json();

        // 5. Write. The binding first, then the key: no key is ever in a folder that does not say whose it is.
        UnitBinding newBinding = new UnitBinding(thing, UnitBinding.keyFingerprint(publicKey),
                binding.flatMap(UnitBinding::board).or(() -> board), binding.map(UnitBinding::created).orElse(now),
                reuseKey ? binding.flatMap(UnitBinding::identitySha256) : Optional.empty(),
                reuseKey ? binding.flatMap(UnitBinding::flashedAt) : Optional.empty());
        AtomicFiles.createPrivateDirectories(dir);
        if (!binding.equals(Optional.of(newBinding))) {
            newBinding.write(dir);
            lines.add(UnitBinding.FILE + ": " + thing + newBinding.board().map(b -> " on " + b.describe()).orElse("")
                    + ", key SHA-256 " + newBinding.keySha256().substring(0, 16) + "...");
        }
        if (reuseKey) {
            lines.add(KEY_FILE + ": reused (" + KeyType.describe(key) + ")");
        } else {
            AtomicFiles.writeSecret(keyFile, keyPem);
            lines.add(KEY_FILE + ": new " + request.keyType().cliName() + " key, mode 0600");
        }
        if (reuseCsr) {
            lines.add(CSR_FILE + ": reused");
        } else {
            Pem.writeCsr(csrFile, csr);
            lines.add(CSR_FILE + ": new, subject " + request.subject().toX500Name());
        }
        if (cert != null) {
            if (reuseCert) {
                lines.add(CERT_FILE + ": reused, valid until " + cert.getNotAfter().toInstant());
            } else {
                AtomicFiles.writeDurable(certFile, certPem);
                lines.add(CERT_FILE + ": " + certOrigin);
            }
            AtomicFiles.write(dir.resolve(SERVER_CA_FILE), serverCaPem);
            lines.add(SERVER_CA_FILE + ": from " + request.serverCa().source());
            if (request.wifi().isPresent()) {
                // it holds the Wi-Fi password
                AtomicFiles.writeSecret(dir.resolve(IDENTITY_CSV), csv.getBytes(StandardCharsets.UTF_8));
            } else {
                AtomicFiles.writeDurable(dir.resolve(IDENTITY_CSV), csv.getBytes(StandardCharsets.UTF_8));
            }
            lines.add(IDENTITY_CSV + ": NVS namespace '" + layout.namespace() + "' for partition '"
                    + layout.partition() + "'" + request.wifi().map(w -> ", Wi-Fi in namespace '" + w.namespace()
                    + "', mode 0600").orElse(""));
            AtomicFiles.writeSecret(dir.resolve(IDENTITY_IMAGE), image);
            lines.add(IDENTITY_IMAGE + ": NVS image of partition '" + layout.partition() + "' (0x"
                    + Integer.toHexString(image.length) + " bytes" + request.wifi().map(w -> ", with Wi-Fi '"
                    + w.ssid() + "'").orElse("") + "), mode 0600");
        } else if (rotate) {
            // The old certificate and identity belong to the old key.
            deleteIfExists(certFile, lines);
            deleteIfExists(dir.resolve(IDENTITY_CSV), lines);
            deleteIfExists(dir.resolve(IDENTITY_IMAGE), lines);
        }
        Path aws = dir.resolve(AWS_DIR);
        AtomicFiles.createPrivateDirectories(aws);
        Path scriptFile = aws.resolve("register.sh");
        AtomicFiles.write(scriptFile, script.getBytes(StandardCharsets.UTF_8));
        makeExecutable(scriptFile);
        AtomicFiles.write(aws.resolve("policy.json"), policy.getBytes(StandardCharsets.UTF_8));
        if (source instanceof CertificateSource.LocalCa local) {
            Pem.writeCertificates(aws.resolve("ca.pem"), List.of(local.ca().certificate()));
            AtomicFiles.write(aws.resolve("jitp-template.json"),
                    AwsRegistration.jitpTemplateJson(request.policy().name()).getBytes(StandardCharsets.UTF_8));
            lines.add(AWS_DIR + "/: register.sh, policy.json, ca.pem, jitp-template.json");
        } else {
            lines.add(AWS_DIR + "/: register.sh, policy.json");
        }
        return new Report(dir, lines, cert != null, Optional.ofNullable(cert), Optional.ofNullable(image));
    }

    /** What a unit folder may hold; a folder holding none of it (and not empty) is someone else's. */
    private static final java.util.Set<String> UNIT_FILES = java.util.Set.of(UnitBinding.FILE, UnitLock.FILE, KEY_FILE,
            CSR_FILE, CERT_FILE, SERVER_CA_FILE, IDENTITY_CSV, IDENTITY_IMAGE, WifiImage.CSV_FILE, WifiImage.IMAGE_FILE, AWS_DIR,
            "bench.log");

    /**
     * {@code dir} is a unit folder, an empty folder or nothing yet: not a file, not a CA, not a folder of
     * other things (so {@code --out .} or {@code --out ca} writes nothing).
     */
    public static void requireUnitFolder(Path dir) {
        if (Files.exists(dir) && !Files.isDirectory(dir)) {
            throw EspfleetException.badInput(dir + " is a file, but a unit is a folder: use another --out");
        }
        if (!Files.isDirectory(dir)) {
            return;
        }
        if (Files.exists(dir.resolve(CertificateAuthority.KEY_FILE))
                || Files.exists(dir.resolve(CertificateAuthority.CERTIFICATE_FILE))) {
            throw EspfleetException.badInput(dir + " is a CA folder (" + CertificateAuthority.CERTIFICATE_FILE + ", "
                    + CertificateAuthority.KEY_FILE + "), not a unit folder: use another --out");
        }
        List<String> names;
        try (java.util.stream.Stream<Path> files = Files.list(dir)) {
            names = files.map(f -> f.getFileName().toString()).toList();
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot read " + dir + ": " + AtomicFiles.describe(e));
        }
        if (!names.isEmpty() && names.stream().noneMatch(UNIT_FILES::contains)) {
            throw EspfleetException.badInput(dir + " is not empty and is not a unit folder (no " + UnitBinding.FILE
                    + " or " + KEY_FILE + " in it): a unit gets a folder of its own");
        }
    }

    /** A unit.json that names another thing, another board or another ledger: the folder is not ours. */
    static void requireBindingFits(UnitBinding bound, Path dir, ThingName thing, Optional<UnitBinding.Board> board) {
        Path file = dir.resolve(UnitBinding.FILE);
        if (!bound.thing().equals(thing)) {
            throw EspfleetException.badInput(dir + " belongs to thing '" + bound.thing() + "' (" + file + "), not '"
                    + thing + "'; a key must not be shared between things: use another --out");
        }
        if (board.isEmpty()) {
            return;
        }
        UnitBinding.Board want = board.get();
        String check = "check --ledger and --units: a new ledger hands out names from the start again, and they "
                + "meet the unit folders of the old one";
        if (bound.board().isEmpty()) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, dir + " was made by 'espfleet provision' for thing '"
                    + thing + "' and is bound to no board (" + file + "); it is not flashed onto board " + want.mac(),
                    check);
        }
        UnitBinding.Board have = bound.board().get();
        if (!have.mac().equalsIgnoreCase(want.mac())) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, dir + " belongs to " + have.describe() + ", not to board "
                    + want.mac() + " (" + file + "): a unit's key serves one board", check);
        }
        if (!have.sameAs(want)) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, dir + " was bound to board " + want.mac() + " by ledger "
                    + have.ledgerId() + " (row " + have.sequence() + "), not by this ledger (" + want.ledgerId()
                    + ", row " + want.sequence() + ")", check);
        }
    }

    /**
     * A key in a folder without unit.json (written before unit.json existed, or copied in): kept only when
     * the folder's own certificate or request shows it is this thing's key and, for a board, the ledger
     * records that certificate for the board. Anything else could be another unit's key.
     */
    private static void requireKeyBelongsHere(Path dir, ThingName thing, PublicKey publicKey,
                                              Optional<UnitBinding.Board> board) {
        Path certFile = dir.resolve(CERT_FILE);
        Path csrFile = dir.resolve(CSR_FILE);
        PublicKey evidence = null;
        Optional<X509Certificate> cert = Optional.empty();
        if (Files.exists(certFile)) {
            cert = Optional.of(Pem.readCertificate(certFile));
            evidence = cert.get().getPublicKey();
        } else if (Files.exists(csrFile)) {
            evidence = CertificateRequests.publicKey(Pem.readCsr(csrFile));
        }
        Path keyFile = dir.resolve(KEY_FILE);
        if (evidence == null || !Arrays.equals(evidence.getEncoded(), publicKey.getEncoded())) {
            String why = evidence == null ? "no certificate or request here names " + thing
                    : "it does not match " + (cert.isPresent() ? certFile : csrFile);
            throw new EspfleetException(ExitStatus.BAD_INPUT, keyFile + " is bound to no unit (no " + UnitBinding.FILE
                    + ") and " + why + ": a key copied from another unit is never certified again",
                    rotateHint(dir, thing, board));
        }
        if (board.isPresent()) {
            UnitBinding.Board b = board.get();
            Optional<String> certId = cert.map(UnitProvisioner::awsCertificateId);
            if (certId.isEmpty() || !certId.equals(b.ledgerCertificate())) {
                throw new EspfleetException(ExitStatus.BAD_INPUT, dir + " holds a key bound to no board (no "
                        + UnitBinding.FILE + "), and the ledger records " + b.ledgerCertificate().map(
                        c -> "another certificate (" + c + ")").orElse("no certificate") + " for board " + b.mac()
                        + ": the key may be on another board",
                        "check --ledger and --units; to give board " + b.mac() + " a new identity, move " + dir
                                + " away first");
            }
        }
    }

    private static String rotateHint(Path dir, ThingName thing, Optional<UnitBinding.Board> board) {
        return board.isEmpty() ? "pass --rotate to give the unit a new key"
                : "move " + dir + " away, or give the unit a new key first with 'espfleet provision --rotate --thing "
                + thing + " --out " + dir + " ...'";
    }

    /**
     * A unit's key must never serve two things: an existing CSR or certificate naming another thing means
     * the folder is someone else's.
     */
    private static void requireUnitBelongsTo(ThingName thing, Path dir) {
        Path csrFile = dir.resolve(CSR_FILE);
        Path certFile = dir.resolve(CERT_FILE);
        Optional<String> owner = Optional.empty();
        Path evidence = null;
        if (Files.exists(certFile)) {
            owner = CertificateAuthority.commonName(Pem.readCertificate(certFile));
            evidence = certFile;
        } else if (Files.exists(csrFile)) {
            owner = DeviceSubject.commonName(Pem.readCsr(csrFile).getSubject());
            evidence = csrFile;
        }
        if (owner.isPresent() && !owner.get().equals(thing.value())) {
            throw EspfleetException.badInput(dir + " belongs to thing '" + owner.get() + "' (CN of " + evidence
                    + "), not '" + thing + "'; a key must not be shared between things: use another --out");
        }
    }

    private static X500Name subjectOf(X509Certificate cert) {
        return X500Name.getInstance(cert.getSubjectX500Principal().getEncoded());
    }

    /** The checks every device certificate passes before it is used: key, validity, clientAuth. */
    private static void checkDeviceCertificate(X509Certificate cert, String certName, PrivateKey key, String keyName,
                                               Instant now, String hint) {
        try {
            IdentityChecks.requireKeyMatches(cert, certName, key, keyName);
            IdentityChecks.requireValidAt(cert, certName, now);
        } catch (EspfleetException e) {
            throw EspfleetException.badInput(e.getMessage() + hint);
        }
        if (!CertificateAuthority.allowsClientAuth(cert)) {
            throw EspfleetException.badInput(certName + " is not for TLS clients: its extended key usage lacks "
                    + "clientAuth" + hint);
        }
    }

    /**
     * A unit's certificate from a CA elsewhere is kept, not asked for again, when it is for the unit's key and
     * subject, valid now and for TLS clients (its issuer is not known here to check).
     */
    private static boolean keptFor(X509Certificate existing, PublicKey publicKey, X500Name subject, Instant now) {
        if (!Arrays.equals(existing.getPublicKey().getEncoded(), publicKey.getEncoded())
                || !subjectOf(existing).equals(subject) || !CertificateAuthority.allowsClientAuth(existing)) {
            return false;
        }
        return !now.isBefore(existing.getNotBefore().toInstant()) && !now.isAfter(existing.getNotAfter().toInstant());
    }

    /**
     * The CSR signed by {@code signer}, and what it returned checked before anything is written: for this key, CN
     * the thing name, valid now, for TLS clients. A unit without it cannot be flashed with a certificate: it fails.
     */
    private static X509Certificate signElsewhere(CsrSigner signer, ThingName thing, PKCS10CertificationRequest csr,
                                                 PublicKey publicKey, Instant now) {
        X509Certificate cert = signer.sign(thing, csr);
        String why = null;
        Optional<String> cn = CertificateAuthority.commonName(cert);
        if (!Arrays.equals(cert.getPublicKey().getEncoded(), publicKey.getEncoded())) {
            why = "it is for another key than the request's";
        } else if (!cn.equals(Optional.of(thing.value()))) {
            why = "its CN is '" + cn.orElse("") + "', not the thing name";
        } else if (!CertificateAuthority.allowsClientAuth(cert)) {
            why = "its extended key usage lacks clientAuth";
        } else {
            try {
                IdentityChecks.requireValidAt(cert, "it", now);
            } catch (EspfleetException e) {
                why = e.getMessage();
            }
        }
        if (why != null) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, "the certificate " + signer.describe() + " returned for "
                    + thing + " (" + awsCertificateId(cert) + ") cannot serve the unit: " + why,
                    "nothing was written for the unit; revoke that certificate in AWS IoT");
        }
        return cert;
    }

    /**
     * A unit whose key is born on the device (identity.key_source device), before its board has booted: the
     * identity image holds thing name, endpoint and server CA (and the Wi-Fi credentials) but no key and no
     * certificate. Writes identity.csv, server-ca.pem, identity.bin and aws/ (no key.pem, ever).
     *
     * @param identityOnBoard the board was given this unit's identity before (unit.json records a flashed identity
     *        and csr.pem is there): its identity partition holds the key it made, which rewriting the partition
     *        would erase
     */
    public record DeviceKeyUnit(Report report, boolean identityOnBoard) {
    }

    public DeviceKeyUnit prepareForDeviceKey(UnitRequest request, Instant now) {
        Path dir = request.unitDir();
        ThingName thing = request.subject().thingName();
        AwsEndpoint endpoint = request.endpoint().orElseThrow(() -> EspfleetException.badInput(
                "no AWS IoT endpoint for " + thing + "'s identity: pass --endpoint or set aws.endpoint in the config"));
        requireUnitFolder(dir);
        Optional<UnitBinding> binding = UnitBinding.read(dir);
        if (binding.isPresent()) {
            requireBindingFits(binding.get(), dir, thing, request.board());
        }
        if (Files.exists(dir.resolve(KEY_FILE))) {
            throw new EspfleetException(ExitStatus.BAD_INPUT, dir.resolve(KEY_FILE) + " exists, but this config makes keys on the device"
                    + " (identity.key_source: device); a unit made with keys on the host is not turned into one",
                    "use another --units folder, or identity.key_source: host for this product");
        }
        IdentityLayout layout = request.layout();
        byte[] serverCaPem = Pem.encodeCertificates(request.serverCa().certificates()).getBytes(StandardCharsets.US_ASCII);
        String csv = IdentityCsv.render(layout, new IdentityCsv.Entries(thing, endpoint, null, null, SERVER_CA_FILE),
                request.wifi());
        byte[] image = IdentityImage.build(dir.resolve(IDENTITY_CSV).toString(), csv,
                new IdentityImage.Contents(new byte[0], new byte[0], serverCaPem), request.identityPartitionSize());
        List<String> lines = new ArrayList<>();
        AtomicFiles.createPrivateDirectories(dir);
        AtomicFiles.write(dir.resolve(SERVER_CA_FILE), serverCaPem);
        if (request.wifi().isPresent()) {
            AtomicFiles.writeSecret(dir.resolve(IDENTITY_CSV), csv.getBytes(StandardCharsets.UTF_8));
        } else {
            AtomicFiles.writeDurable(dir.resolve(IDENTITY_CSV), csv.getBytes(StandardCharsets.UTF_8));
        }
        AtomicFiles.writeSecret(dir.resolve(IDENTITY_IMAGE), image);
        lines.add(IDENTITY_IMAGE + ": NVS image of partition '" + layout.partition() + "' (thing name, endpoint,"
                + " server CA" + request.wifi().map(w -> ", Wi-Fi '" + w.ssid() + "'").orElse("") + "; no key: the"
                + " device makes it)");
        Path aws = dir.resolve(AWS_DIR);
        AtomicFiles.createPrivateDirectories(aws);
        AtomicFiles.write(aws.resolve("policy.json"), request.policy().json().getBytes(StandardCharsets.UTF_8));
        boolean onBoard = binding.flatMap(UnitBinding::identitySha256).isPresent() && Files.exists(dir.resolve(CSR_FILE));
        return new DeviceKeyUnit(new Report(dir, lines, false, Optional.empty(), Optional.of(image)), onBoard);
    }

    /**
     * The certificate for a request a device made with its own key: the request must be signed by that key, name
     * this thing (CN) and hold an EC P-256 key (what the firmware makes). The unit's cert.pem is kept when it is
     * for the same key and subject, still valid and from this CA; otherwise the CA issues one. Writes csr.pem,
     * cert.pem and unit.json (bound to the device's public key); no key is ever in the folder.
     */
    public Report certifyDeviceKey(UnitRequest request, PKCS10CertificationRequest csr, String csrName, Instant now) {
        Path dir = request.unitDir();
        ThingName thing = request.subject().thingName();
        CertificateSource source = request.certificateSource();
        if (!(source instanceof CertificateSource.LocalCa) && !(source instanceof CertificateSource.Remote)) {
            throw EspfleetException.badInput("a device's certificate request is signed by the bench's local CA (--ca) "
                    + "or by AWS IoT");
        }
        ThingName named = CertificateRequests.requireValid(csr, csrName);
        if (!named.equals(thing)) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, csrName + " names '" + named + "', expected '" + thing
                    + "': the unit's identity partition holds another thing's name", null);
        }
        PublicKey publicKey = CertificateRequests.publicKey(csr);
        if (!(publicKey instanceof java.security.interfaces.ECPublicKey ec)
                || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new EspfleetException(ExitStatus.JOB_FAILED, csrName + " holds a " + publicKey.getAlgorithm()
                    + " key; a device makes EC P-256 keys", null);
        }
        String keySha = UnitBinding.keyFingerprint(publicKey);
        Optional<UnitBinding> binding = UnitBinding.read(dir);
        if (binding.isPresent()) {
            requireBindingFits(binding.get(), dir, thing, request.board());
        }
        List<String> lines = new ArrayList<>();
        Path certFile = dir.resolve(CERT_FILE);
        X509Certificate cert = null;
        if (Files.exists(certFile)) {
            X509Certificate existing = Pem.readCertificate(certFile);
            boolean sameKey = java.util.Arrays.equals(existing.getPublicKey().getEncoded(), publicKey.getEncoded());
            boolean usable = sameKey && subjectOf(existing).equals(csr.getSubject());
            try {
                if (usable) {
                    IdentityChecks.requireValidAt(existing, certFile.toString(), now);
                    if (source instanceof CertificateSource.LocalCa local) {
                        IdentityChecks.requireIssuedBy(existing, certFile.toString(), local.ca().chain(),
                                local.caName());
                    } else {
                        usable = keptFor(existing, publicKey, csr.getSubject(), now);
                    }
                }
            } catch (EspfleetException e) {
                usable = false;
            }
            if (usable) {
                cert = existing;
                lines.add(CERT_FILE + ": reused (the device's key is the one it certifies), valid until "
                        + cert.getNotAfter().toInstant());
            } else {
                lines.add(CERT_FILE + ": " + (sameKey ? "expired, of another subject or CA" : "for another key (the"
                        + " device made a new one)") + ": issuing anew");
            }
        }
        if (cert == null && source instanceof CertificateSource.LocalCa local) {
            cert = local.ca().issueDeviceCertificate(csr, csrName, local.validity(now), random);
            lines.add(CERT_FILE + ": issued by " + local.caName() + " until " + cert.getNotAfter().toInstant());
        } else if (cert == null && source instanceof CertificateSource.Remote remote) {
            cert = signElsewhere(remote.signer(), thing, csr, publicKey, now);
            lines.add(CERT_FILE + ": issued by " + remote.signer().describe() + " until "
                    + cert.getNotAfter().toInstant());
        }
        UnitBinding newBinding = new UnitBinding(thing, keySha,
                binding.flatMap(UnitBinding::board).or(request::board), binding.map(UnitBinding::created).orElse(now),
                binding.flatMap(UnitBinding::identitySha256), binding.flatMap(UnitBinding::flashedAt));
        AtomicFiles.createPrivateDirectories(dir);
        newBinding.write(dir);
        Pem.writeCsr(dir.resolve(CSR_FILE), csr);
        AtomicFiles.writeDurable(certFile, Pem.encodeCertificate(cert).getBytes(StandardCharsets.US_ASCII));
        // aws/register.sh names the certificate, known only now
        Path aws = dir.resolve(AWS_DIR);
        AtomicFiles.createPrivateDirectories(aws);
        Path scriptFile = aws.resolve("register.sh");
        AtomicFiles.write(scriptFile, AwsRegistration.registerScript(thing, request.policy().name(),
                request.endpoint().flatMap(AwsEndpoint::region), source instanceof CertificateSource.LocalCa
                        ? AwsRegistration.CertificateRoute.LOCAL_CA : AwsRegistration.CertificateRoute.ISSUED_BY_AWS,
                Optional.of(awsCertificateId(cert))).getBytes(StandardCharsets.UTF_8));
        makeExecutable(scriptFile);
        if (source instanceof CertificateSource.LocalCa local) {
            Pem.writeCertificates(aws.resolve("ca.pem"), List.of(local.ca().certificate()));
        }
        lines.add(CSR_FILE + ": from the device, subject " + csr.getSubject() + ", EC P-256 key SHA-256 "
                + keySha.substring(0, 16) + "...");
        return new Report(dir, lines, true, Optional.of(cert), Optional.empty());
    }

    /** AWS IoT's certificate ID is the SHA-256 of the DER certificate, in lower-case hex. */
    public static String awsCertificateId(X509Certificate cert) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(cert.getEncoded()));
        } catch (NoSuchAlgorithmException | CertificateEncodingException e) {
            throw IdentityChecks.internal("cannot fingerprint a certificate", e);
        }
    }

    private static void makeExecutable(Path file) {
        try {
            if (file.getFileSystem().supportedFileAttributeViews().contains("posix")) {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot make " + file + " executable: " + AtomicFiles.describe(e));
        }
    }

    private static void deleteIfExists(Path file, List<String> lines) {
        try {
            if (Files.deleteIfExists(file)) {
                lines.add(file.getFileName() + ": removed (it belonged to the old key)");
            }
        } catch (IOException e) {
            throw EspfleetException.badInput("cannot remove " + file + ": " + AtomicFiles.describe(e));
        }
    }
}
