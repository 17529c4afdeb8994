package dev.espfleet.nvs;

import dev.espfleet.common.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HexFormat;
import org.apache.commons.csv.CSVFormat;
import org.apache.commons.csv.CSVPrinter;

/**
 * An {@link NvsImage} as text: Espressif's CSV (which {@code nvs generate} turns back into the same items;
 * blobs as {@code hex2bin}) or JSON. The CSV opens a namespace with a namespace row wherever the items'
 * namespace changes, so that images whose namespaces are interleaved (as a device leaves them) come back
 * with every item in its own namespace. Problems the reader skipped are listed ({@code # problem:} comment
 * lines in the CSV, a {@code problems} array in JSON).
 */
public final class NvsDump {
    /** Keys whose values are secrets by name; a value holding a PEM private key is one whatever its key. */
    private static final java.util.regex.Pattern SECRET_KEY =
            java.util.regex.Pattern.compile("(?i).*(private|pass|pwd|secret|psk|token|key).*|(?i)pw|(?i).*_pw");

    private NvsDump() {
    }

    /** True for a private key or password: dumps print a placeholder for it unless asked not to. */
    public static boolean isSecret(NvsEntry e) {
        if (e.isNamespaceDeclaration() || e.type().isInteger()) {
            return false;
        }
        String text = new String(e.data(), java.nio.charset.StandardCharsets.ISO_8859_1);
        return text.contains("PRIVATE KEY-----") || SECRET_KEY.matcher(e.key()).matches();
    }

    private static String redacted(NvsEntry e) {
        return "<secret: " + e.data().length + " bytes, not shown; --show-secrets prints it>";
    }

    public static String csv(NvsImage image) {
        return csv(image, true);
    }

    /** @param showSecrets false to print a placeholder for private keys and passwords (see {@link #isSecret}) */
    public static String csv(NvsImage image, boolean showSecrets) {
        StringBuilder out = new StringBuilder();
        out.append(String.format("# NVS version %d, 0x%x bytes, %d page(s) in use%n",
                image.version().number(), image.size(), image.usedPages()));
        for (NvsProblem problem : image.problems()) {
            out.append("# problem: ").append(problem.message()).append('\n');
        }
        try (CSVPrinter p = new CSVPrinter(out, CSVFormat.DEFAULT.builder().setRecordSeparator('\n').get())) {
            p.printRecord("key", "type", "encoding", "value");
            String current = null;
            for (NvsEntry e : image.entries()) {
                if (e.isNamespaceDeclaration() || !e.namespace().equals(current)) {
                    p.printRecord(e.namespace(), "namespace", "", "");
                    current = e.namespace();
                }
                if (e.isNamespaceDeclaration()) {
                    continue;
                }
                if (!showSecrets && isSecret(e)) {
                    p.printRecord(e.key(), "data", e.type() == NvsType.STRING ? "string" : "binary", redacted(e));
                } else if (e.type().isInteger() || e.type() == NvsType.STRING) {
                    p.printRecord(e.key(), "data", e.type().csvName(), e.displayValue());
                } else {
                    p.printRecord(e.key(), "data", "hex2bin", HexFormat.of().formatHex(e.data()));
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toString();
    }

    public static String json(NvsImage image) {
        return json(image, true);
    }

    public static String json(NvsImage image, boolean showSecrets) {
        StringBuilder out = new StringBuilder();
        out.append("{\n  \"version\": ").append(image.version().number())
                .append(",\n  \"size\": ").append(image.size())
                .append(",\n  \"usedPages\": ").append(image.usedPages())
                .append(",\n  \"namespaces\": [");
        String sep = "";
        for (NvsEntry e : image.entries()) {
            if (e.isNamespaceDeclaration()) {
                out.append(sep).append(Json.quote(e.namespace()));
                sep = ", ";
            }
        }
        out.append("],\n  \"entries\": [");
        sep = "\n";
        for (NvsEntry e : image.items()) {
            out.append(sep).append("    {\"namespace\": ").append(Json.quote(e.namespace()))
                    .append(", \"key\": ").append(Json.quote(e.key()))
                    .append(", \"type\": ").append(Json.quote(e.type().csvName()))
                    .append(", \"value\": ");
            if (e.type().isInteger()) {
                out.append(e.integerValue());
            } else if (!showSecrets && isSecret(e)) {
                out.append(Json.quote(redacted(e)));
            } else if (e.type() == NvsType.STRING) {
                out.append(Json.quote(e.stringValue()));
            } else {
                out.append(Json.quote(HexFormat.of().formatHex(e.data())));
            }
            if (!e.type().isInteger()) {
                out.append(", \"size\": ").append(e.data().length);
            }
            out.append('}');
            sep = ",\n";
        }
        out.append(image.items().isEmpty() ? "]" : "\n  ]");
        out.append(",\n  \"problems\": [");
        sep = "\n";
        for (NvsProblem problem : image.problems()) {
            out.append(sep).append("    {\"page\": ").append(problem.page())
                    .append(", \"entry\": ").append(problem.entry() < 0 ? "null" : String.valueOf(problem.entry()))
                    .append(", \"offset\": ").append(problem.offset())
                    .append(", \"message\": ").append(Json.quote(problem.message())).append('}');
            sep = ",\n";
        }
        out.append(image.problems().isEmpty() ? "]\n}\n" : "\n  ]\n}\n");
        return out.toString();
    }
}
