package dev.espfleet.board;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * Who may use the board. On loopback: requests naming the board by a loopback name only (a web page elsewhere that
 * re-points its own host name at 127.0.0.1 gets nothing). Beyond loopback: the token from the URL printed at start,
 * on every request, the live stream included (kept in a cookie after the first page). Either way an action (POST)
 * carries the page's CSRF value in a header, which no other site's page can send or read.
 */
final class BoardAccess {
    static final String CSRF_HEADER = "X-Espfleet-Csrf";

    private final Optional<String> token;
    private final String csrf;
    private final Set<String> loopbackHosts;
    private final String cookie;

    private BoardAccess(Optional<String> token, String csrf, Set<String> loopbackHosts, String cookie) {
        this.token = token;
        this.csrf = csrf;
        this.loopbackHosts = loopbackHosts;
        this.cookie = cookie;
    }

    static BoardAccess forAddress(BoardAddress address, int port, SecureRandom random) {
        Optional<String> token = address.loopback() ? Optional.empty() : Optional.of(secret(random));
        Set<String> hosts = new java.util.HashSet<>(Set.of("127.0.0.1:" + port, "localhost:" + port, "[::1]:" + port));
        hosts.add((address.host().contains(":") ? "[" + address.host() + "]" : address.host()).toLowerCase(Locale.ROOT)
                + ":" + port);
        // cookies are kept per host, not per port: two boards on one machine keep theirs apart by name
        return new BoardAccess(token, secret(random), Set.copyOf(hosts), "espfleet_board_" + port);
    }

    /** 256 random bits, URL-safe. */
    private static String secret(SecureRandom random) {
        byte[] bytes = new byte[32];
        random.nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    Optional<String> token() {
        return token;
    }

    String csrf() {
        return csrf;
    }

    String cookieName() {
        return cookie;
    }

    /** On loopback, the Host header must be a loopback name of this board (no DNS rebinding). */
    boolean hostAllowed(String host) {
        return token.isPresent() || host != null && loopbackHosts.contains(host.toLowerCase(Locale.ROOT));
    }

    /** The token is needed and {@code presented} is it (compared in constant time). */
    boolean tokenAccepted(Optional<String> presented) {
        return token.isEmpty() || presented.isPresent() && same(token.get(), presented.get());
    }

    boolean csrfAccepted(String presented) {
        return presented != null && same(csrf, presented);
    }

    /**
     * Equal, in time that does not depend on where they differ: both are hashed first, so their lengths do not show
     * either, and {@link MessageDigest#isEqual} looks at every byte.
     */
    static boolean same(String expected, String presented) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            byte[] a = sha.digest(expected.getBytes(StandardCharsets.UTF_8));
            byte[] b = sha.digest(presented.getBytes(StandardCharsets.UTF_8));
            return MessageDigest.isEqual(a, b);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java has SHA-256", e);
        }
    }
}
